package org.distill4j.core.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.distill4j.core.checkpoint.Checkpoint;
import org.distill4j.core.checkpoint.CheckpointIO;
import org.distill4j.core.config.DistillationConfig;
import org.distill4j.core.config.IntermediateMatch;
import org.distill4j.core.config.NamedSpec;
import org.distill4j.core.config.OptimizerConfig;
import org.distill4j.core.config.ProjectionSpec;
import org.distill4j.core.config.ScheduleConfig;
import org.distill4j.core.config.TrainingConfig;
import org.distill4j.core.data.InMemoryExamples;
import org.distill4j.core.graph.ArrayRecycling;
import org.distill4j.core.graph.ModelGraph;
import org.distill4j.core.listener.EarlyStoppingListener;
import org.distill4j.core.listener.TrainingListener;
import org.distill4j.core.metrics.ClassificationMetrics;
import org.distill4j.core.support.Runs;
import org.distill4j.core.support.SyntheticTask;
import org.distill4j.core.support.TokenMlp;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** The training loop's contract: accumulation, clipping, schedules, listeners, checkpoints, failures. */
class TrainingLoopTest {

    @TempDir
    Path dir;

    // ------------------------------------------------------------------ helpers

    private static OptimizerConfig sgd(double lr) {
        return new OptimizerConfig("sgd", lr, null, null, null, null, 0.0);
    }

    private TrainingConfig.Builder training(String out) {
        return TrainingConfig.builder().seed(17).batchSize(8).numEpochs(1).outputDir(dir.resolve(out).toString());
    }

    /** A listener that records everything it is told. */
    static final class Recorder implements TrainingListener {
        final List<String> events = new ArrayList<>();
        final List<Double> gradNorms = new ArrayList<>();
        final List<Map<String, Double>> rates = new ArrayList<>();
        final List<StepLosses> losses = new ArrayList<>();
        final List<Long> checkpointSteps = new ArrayList<>();
        final List<Path> checkpointFiles = new ArrayList<>();
        final List<Map<String, Double>> evaluations = new ArrayList<>();
        final List<long[]> epochEnds = new ArrayList<>(); // {step, examplesSeen}

        @Override
        public void onRunStart(TrainingContext ctx) {
            events.add("run_start");
        }

        @Override
        public void onEpochStart(TrainingContext ctx) {
            events.add("epoch_start");
        }

        @Override
        public void onStepStart(TrainingContext ctx) {
            events.add("step_start");
        }

        @Override
        public void beforeUpdate(TrainingContext ctx, double gradNorm, Map<String, Double> learningRates) {
            events.add("before_update");
            gradNorms.add(gradNorm);
            rates.add(new LinkedHashMap<>(learningRates));
        }

        @Override
        public void afterUpdate(TrainingContext ctx) {
            events.add("after_update");
        }

        @Override
        public void onStepEnd(TrainingContext ctx, StepLosses l) {
            events.add("step_end");
            losses.add(l);
        }

        @Override
        public void onEpochEnd(TrainingContext ctx) {
            events.add("epoch_end");
            epochEnds.add(new long[]{ctx.state().step(), ctx.examplesSeen()});
        }

        @Override
        public void onCheckpoint(TrainingContext ctx, Path file) {
            events.add("checkpoint");
            checkpointSteps.add(ctx.state().step());
            checkpointFiles.add(file);
        }

        @Override
        public void onEvaluation(TrainingContext ctx, Map<String, Double> metrics) {
            events.add("evaluation");
            evaluations.add(metrics);
        }

        @Override
        public void onException(TrainingContext ctx, Throwable error) {
            events.add("exception");
        }

        @Override
        public void onRunEnd(TrainingContext ctx) {
            events.add("run_end");
        }

        long count(String event) {
            return events.stream().filter(event::equals).count();
        }
    }

    private static void assertSameParameters(Map<String, INDArray> expected, Map<String, INDArray> actual, double tol) {
        assertEquals(expected.keySet(), actual.keySet());
        for (String name : expected.keySet()) {
            assertArrayEquals(expected.get(name).castTo(DataType.DOUBLE).dup().reshape(-1).toDoubleVector(),
                    actual.get(name).castTo(DataType.DOUBLE).dup().reshape(-1).toDoubleVector(), tol, name);
        }
    }

    private static double maxDifference(Map<String, INDArray> a, Map<String, INDArray> b) {
        double max = 0;
        for (String name : a.keySet()) {
            double[] x = a.get(name).castTo(DataType.DOUBLE).dup().reshape(-1).toDoubleVector();
            double[] y = b.get(name).castTo(DataType.DOUBLE).dup().reshape(-1).toDoubleVector();
            for (int i = 0; i < x.length; i++) {
                max = Math.max(max, Math.abs(x[i] - y[i]));
            }
        }
        return max;
    }

    /** Global L2 norm of after - before, in double. */
    private static double changeNorm(Map<String, INDArray> before, Map<String, INDArray> after) {
        double sum = 0;
        for (String name : before.keySet()) {
            double[] x = before.get(name).castTo(DataType.DOUBLE).dup().reshape(-1).toDoubleVector();
            double[] y = after.get(name).castTo(DataType.DOUBLE).dup().reshape(-1).toDoubleVector();
            for (int i = 0; i < x.length; i++) {
                sum += (y[i] - x[i]) * (y[i] - x[i]);
            }
        }
        return Math.sqrt(sum);
    }

    private static boolean allFinite(INDArray a) {
        return java.util.Arrays.stream(a.castTo(DataType.DOUBLE).dup().reshape(-1).toDoubleVector()).allMatch(Double::isFinite);
    }

    private List<Path> files(String out, String suffix) throws IOException {
        Path folder = dir.resolve(out);
        if (!Files.isDirectory(folder)) {
            return List.of();
        }
        try (Stream<Path> s = Files.list(folder)) {
            return s.filter(p -> p.getFileName().toString().endsWith(suffix)).sorted().toList();
        }
    }

    /** A listener that asks the run to stop after update {@code step}. */
    private static TrainingListener stopAt(long step, String reason) {
        return new TrainingListener() {
            @Override
            public void onStepEnd(TrainingContext ctx, StepLosses losses) {
                if (ctx.state().step() == step) {
                    ctx.requestStop(reason);
                }
            }
        };
    }

    private static List<String> names(List<Path> paths) {
        return paths.stream().map(p -> p.getFileName().toString()).toList();
    }

    private DistillationConfig kdAndHardLabels() {
        return DistillationConfig.builder().temperature(2).hardLabelWeight(0.5).build();
    }

    // ------------------------------------------------------------------ gradient accumulation

    private Map<String, INDArray> trainSupervised(String out, InMemoryExamples data, int batch, int accumulation,
                                                  Recorder recorder) {
        Distiller.Builder<BasicTrainer> b = BasicTrainer.builder()
                .trainingConfig(training(out).batchSize(batch).gradientAccumulationSteps(accumulation).numEpochs(2)
                        .shuffle(false).optimizer(sgd(0.5)).build())
                .student(Runs.student());
        if (recorder != null) {
            b.listener(recorder);
        }
        BasicTrainer t = b.build();
        t.train(data);
        return Runs.parameters(t.student());
    }

    @Test
    void accumulatingTwoHalfBatchesEqualsOneFullBatch() {
        InMemoryExamples data = SyntheticTask.generate(20, 11, 4);
        Map<String, INDArray> initial = Runs.parameters(ModelGraph.create(Runs.student(), 17));
        Map<String, INDArray> full = trainSupervised("b8", data, 8, 1, null);
        Map<String, INDArray> accumulated = trainSupervised("b4x2", data, 4, 2, null);
        assertSameParameters(full, accumulated, 1e-5);
        assertTrue(maxDifference(initial, full) > 1e-3, "the runs must actually train");
        Map<String, INDArray> smallBatches = trainSupervised("b4", data, 4, 1, null);
        assertTrue(maxDifference(full, smallBatches) > 1e-4, "without accumulation, batch 4 takes other steps");
    }

    @Test
    void everyUpdateLeavesNoSameDiffSessionBehind() {
        ModelGraph teacher = Runs.teacher(dir);
        for (boolean overlap : new boolean[]{false, true}) {
            BasicDistiller[] holder = new BasicDistiller[1];
            List<String> held = new ArrayList<>();
            TrainingListener check = new TrainingListener() {
                @Override
                public void onStepEnd(TrainingContext ctx, StepLosses losses) {
                    SameDiff student = holder[0].student().sd();
                    // with overlap_teacher the teacher may be running the next micro-batch now (its thread releases
                    // its session right after), so it is checked here only without, and after the run with
                    List<SameDiff> graphs = new ArrayList<>(List.of(student, student.getFunction("grad")));
                    if (!overlap) {
                        graphs.add(teacher.sd());
                    }
                    for (SameDiff g : graphs) {
                        if (!g.getSessions().isEmpty()) {
                            held.add("update " + ctx.state().step());
                        }
                    }
                }
            };
            holder[0] = BasicDistiller.builder()
                    .trainingConfig(training("sessions" + overlap).batchSize(8).numEpochs(1).optimizer(sgd(0.1))
                            .overlapTeacher(overlap).build())
                    .distillationConfig(kdAndHardLabels()).teacher(teacher).student(Runs.student()).listener(check).build();
            holder[0].train(Runs.data());
            assertEquals(List.of(), held, "sessions (and their array caches) still held after these updates, overlap " + overlap);
            assertTrue(teacher.sd().getSessions().isEmpty(), "the teacher's session after the run, overlap " + overlap);
        }
    }

    @org.junit.jupiter.params.ParameterizedTest(name = "accumulation {0}")
    @org.junit.jupiter.params.provider.ValueSource(ints = {1, 2})
    void theLoopReusesItsArraysStepAfterStepAndRecyclingChangesNoWeight(int accumulation) {
        ModelGraph teacher = Runs.teacher(dir);
        Map<Boolean, Map<String, INDArray>> weights = new HashMap<>();
        List<Long> fresh = new ArrayList<>();
        for (boolean recycling : new boolean[]{true, false}) {
            if (!recycling) {
                System.setProperty(ArrayRecycling.PROPERTY, "false");
                ArrayRecycling.detach(teacher.sd());
            }
            try {
                TrainingListener freshBytes = new TrainingListener() {
                    @Override
                    public void onStepEnd(TrainingContext ctx, StepLosses losses) {
                        if (recycling) {
                            fresh.add(ArrayRecycling.freshBytesOfThisThread()); // the loop's thread
                        }
                    }
                };
                // L2 weight decay (Adam, not AdamW): the decayed gradient is a borrowed array too
                OptimizerConfig adam = new OptimizerConfig("adam", 1e-2, 0.9, 0.999, 1e-8, 0.01, 0.0);
                BasicDistiller d = BasicDistiller.builder()
                        .trainingConfig(training("reuse" + recycling + accumulation).batchSize(8)
                                .gradientAccumulationSteps(accumulation).numSteps(10).optimizer(adam)
                                .overlapTeacher(true).build())
                        .distillationConfig(kdAndHardLabels()).teacher(teacher).student(Runs.student())
                        .listener(freshBytes).build();
                d.train(Runs.data());
                weights.put(recycling, Runs.parameters(d.student()));
            } finally {
                System.clearProperty(ArrayRecycling.PROPERTY);
                ArrayRecycling.attach(teacher.sd());
            }
        }
        // The teacher runs on its own thread: this thread runs the student's steps only, and after the first ones
        // each step's arrays (the gradients the loop gives back after the update, the optimizer's update arrays,
        // accumulated gradients) are the previous steps' (an epoch is 5 updates, or 3 of 2, 2 and 1 micro-batches).
        assertEquals(fresh.get(4), fresh.get(9), "new bytes lent on the loop's thread after each step: " + fresh);
        assertEquals(weights.get(false).keySet(), weights.get(true).keySet());
        for (String p : weights.get(true).keySet()) {
            assertArrayEquals(weights.get(false).get(p).dup().reshape(-1).toDoubleVector(),
                    weights.get(true).get(p).dup().reshape(-1).toDoubleVector(), "bit for bit with and without recycling: " + p);
        }
    }

    @Test
    void accumulationAlsoHoldsForDistillationLosses() {
        InMemoryExamples data = SyntheticTask.generate(20, 11, 4);
        Map<String, Map<String, INDArray>> results = new HashMap<>();
        for (int[] config : new int[][]{{8, 1}, {4, 2}}) {
            BasicDistiller d = BasicDistiller.builder()
                    .trainingConfig(training("kd" + config[0]).batchSize(config[0]).gradientAccumulationSteps(config[1])
                            .numEpochs(2).shuffle(false).optimizer(sgd(0.5)).build())
                    .distillationConfig(kdAndHardLabels()).teacher(Runs.teacher(dir)).student(Runs.student()).build();
            d.train(data);
            results.put(config[0] + "x" + config[1], Runs.parameters(d.student()));
        }
        assertSameParameters(results.get("8x1"), results.get("4x2"), 1e-5);
    }

    @Test
    void leftoverMicroBatchesMakeAShortLastUpdateAndNothingIsDropped() {
        InMemoryExamples data = SyntheticTask.generate(18, 11, 6);
        Recorder r = new Recorder();
        // 18 examples, batch 4: micro-batches of 4, 4, 4, 4, 2; accumulation 4 -> updates of 16 and 2 examples
        Map<String, INDArray> accumulated = trainSupervised("b4x4", data, 4, 4, r);
        assertEquals(2, r.epochEnds.size());
        assertEquals(2, r.epochEnds.get(0)[0], "two updates in the first epoch");
        assertEquals(18, r.epochEnds.get(0)[1], "every example is seen in the first epoch");
        assertEquals(4, r.epochEnds.get(1)[0]);
        assertEquals(36, r.epochEnds.get(1)[1]);
        assertEquals(4, r.losses.size());
        // the same groups of examples as micro-batches of 16 and 2 without accumulation
        Map<String, INDArray> direct = trainSupervised("b16", data, 16, 1, null);
        assertSameParameters(direct, accumulated, 1e-5);
    }

    // ------------------------------------------------------------------ clipping

    @Test
    void globalNormClippingBoundsTheUpdate() {
        Recorder r = new Recorder();
        BasicTrainer t = BasicTrainer.builder()
                .trainingConfig(training("clip").numSteps(1).maxGradNorm(1e-3).optimizer(sgd(1.0)).build())
                .student(Runs.student()).listener(r).build();
        Map<String, INDArray> before = Runs.parameters(t.student());
        t.train(Runs.data());
        assertEquals(1, r.gradNorms.size());
        double norm = r.gradNorms.get(0);
        assertTrue(Double.isFinite(norm) && norm > 1e-2, "the reported norm is the unclipped one: " + norm);
        double change = changeNorm(before, Runs.parameters(t.student()));
        assertTrue(change <= 1.0 * 1e-3 + 1e-5, "update norm " + change + " exceeds lr * max_grad_norm");
        assertTrue(change >= 0.99e-3, "clipping scales to the maximum, not below it: " + change);
    }

    @Test
    void withoutClippingTheReportedNormIsTheNormOfTheSgdStep() {
        Recorder r = new Recorder();
        double lr = 0.1;
        BasicTrainer t = BasicTrainer.builder()
                .trainingConfig(training("noclip").numSteps(1).optimizer(sgd(lr)).build())
                .student(Runs.student()).listener(r).build();
        Map<String, INDArray> before = Runs.parameters(t.student());
        t.train(Runs.data());
        double change = changeNorm(before, Runs.parameters(t.student()));
        double norm = r.gradNorms.get(0);
        assertEquals(norm, change / lr, 1e-3 * norm, "SGD moves by lr * gradient, whose norm beforeUpdate reports");
    }

    // ------------------------------------------------------------------ learning-rate and weight schedules

    @Test
    void learningRatesFollowTheScheduleAndProjectionsKeepTheirOwnRate() {
        Recorder r = new Recorder();
        double base = 1e-3;
        double projLr = 1e-2;
        int total = 8;
        GeneralDistiller d = GeneralDistiller.builder()
                .trainingConfig(training("lr").numSteps(total).optimizer(OptimizerConfig.adamW(base))
                        .lrSchedule(ScheduleConfig.of("linear_warmup_decay", Map.of("warmup_fraction", 0.25))).build())
                .distillationConfig(DistillationConfig.builder().intermediateMatches(List.of(
                        IntermediateMatch.hidden(2, 1, "hidden_mse").withProj(new ProjectionSpec("linear", 8, 16, projLr))))
                        .build())
                .teacher(Runs.teacher(dir)).student(Runs.student()).listener(r).build();
        d.train(Runs.data());
        assertEquals(total, r.rates.size());
        int warmup = 2; // floor(0.25 * 8)
        for (int t = 0; t < total; t++) {
            double factor = t < warmup ? (double) t / warmup : (double) (total - t) / (total - warmup);
            Map<String, Double> rates = r.rates.get(t);
            assertEquals(List.of("student", "proj0"), new ArrayList<>(rates.keySet()));
            assertEquals(base * factor, rates.get("student"), 1e-15, "student rate at update " + t);
            assertEquals(projLr * factor, rates.get("proj0"), 1e-15, "proj0 rate at update " + t);
        }
    }

    @Test
    void weightSchedulesScaleTermsAndStepLossesAddUp() {
        Recorder r = new Recorder();
        int total = 6;
        double kdWeight = 0.7;
        double hardWeight = 0.3;
        GeneralDistiller d = GeneralDistiller.builder()
                .trainingConfig(training("weights").numSteps(total).optimizer(OptimizerConfig.adamW(1e-3)).build())
                .distillationConfig(DistillationConfig.builder().temperature(3)
                        .kdLossWeight(kdWeight).kdLossWeightScheduler(NamedSpec.of("linear_decay"))
                        .hardLabelWeight(hardWeight).hardLabelWeightScheduler(NamedSpec.of("linear_growth"))
                        .intermediateMatches(List.of(IntermediateMatch.hidden(2, 1, "hidden_mse").withWeight(0.25)
                                .withProj(new ProjectionSpec("linear", 8, 16, null))))
                        .build())
                .teacher(Runs.teacher(dir)).student(Runs.student()).listener(r).build();
        d.train(Runs.data());
        assertEquals(total, r.losses.size());
        for (int k = 0; k < total; k++) {
            StepLosses l = r.losses.get(k);
            double x = (double) k / total;
            assertEquals(Set.of("kd", "hard_label:ce", "match0:hidden_mse(T2,S1)"), l.weights().keySet());
            assertEquals(kdWeight * (1 - x), l.weights().get("kd"), 1e-12, "kd weight at update " + k);
            assertEquals(hardWeight * x, l.weights().get("hard_label:ce"), 1e-12, "hard-label weight at update " + k);
            assertEquals(0.25, l.weights().get("match0:hidden_mse(T2,S1)"), 1e-12);
            assertEquals(l.weights().keySet(), l.unweighted().keySet());
            assertEquals(l.weights().keySet(), l.weighted().keySet());
            double sum = 0;
            for (String term : l.weights().keySet()) {
                double u = l.unweighted().get(term);
                assertTrue(Double.isFinite(u) && u >= 0, term + " = " + u);
                assertEquals(l.weights().get(term) * u, l.weighted().get(term), 1e-12, term);
                sum += l.weighted().get(term);
            }
            assertEquals(sum, l.total(), 1e-5 * Math.max(1, Math.abs(sum)), "total at update " + k);
        }
    }

    // ------------------------------------------------------------------ listeners and checkpoints

    @Test
    void listenersAreCalledInOrderAndCheckpointsFollowCkptFrequency() throws IOException {
        Recorder r = new Recorder();
        BasicDistiller d = BasicDistiller.builder()
                .trainingConfig(training("order").numEpochs(3).ckptFrequency(2).optimizer(OptimizerConfig.adamW(1e-3)).build())
                .distillationConfig(kdAndHardLabels()).teacher(Runs.teacher(dir)).student(Runs.student())
                .listener(r).build();
        TrainingResult result = d.train(Runs.data()); // 40 examples, batch 8: 5 updates per epoch

        List<String> expected = new ArrayList<>();
        expected.add("run_start");
        for (int e = 0; e < 3; e++) {
            expected.add("epoch_start");
            for (int u = 1; u <= 5; u++) {
                expected.addAll(List.of("step_start", "before_update", "after_update", "step_end"));
                if (u == 5) {
                    expected.add("epoch_end");
                }
                if (u == 3 || u == 5) { // ceil(1 * 5 / 2) and ceil(2 * 5 / 2)
                    expected.add("checkpoint");
                }
            }
        }
        expected.add("run_end");
        assertEquals(expected, r.events);
        assertEquals(List.of(3L, 5L, 8L, 10L, 13L, 15L), r.checkpointSteps);
        List<Path> written = files("order", CheckpointIO.EXTENSION);
        assertEquals(6, written.size(), "2 checkpoints per epoch, 3 epochs: " + written);
        assertEquals(r.checkpointSteps.stream().map(CheckpointIO::fileName).toList(), names(written));
        assertEquals(r.checkpointFiles.stream().map(p -> p.getFileName().toString()).toList(), names(written));
        assertEquals(15, result.state().step());
        assertEquals(dir.resolve("order").resolve(CheckpointIO.fileName(15)), result.lastCheckpoint());
        assertNull(result.stopReason());
        assertTrue(files("order", ".partial").isEmpty());
    }

    @Test
    void stepModeCheckpointsEveryCkptStepsAndAtTheEnd() throws IOException {
        Recorder r = new Recorder();
        BasicTrainer t = BasicTrainer.builder()
                .trainingConfig(training("steps").numSteps(7).ckptSteps(3).optimizer(OptimizerConfig.adamW(1e-3)).build())
                .student(Runs.student()).listener(r).build();
        TrainingResult result = t.train(Runs.data());
        assertEquals(7, result.state().step());
        assertEquals(List.of(3L, 6L, 7L), r.checkpointSteps);
        assertEquals(List.of(CheckpointIO.fileName(3), CheckpointIO.fileName(6), CheckpointIO.fileName(7)),
                names(files("steps", CheckpointIO.EXTENSION)));
        assertEquals(2, r.count("epoch_start"), "7 updates of 5 per epoch touch two epochs");
        assertEquals(1, r.count("epoch_end"));
        assertEquals(1, r.count("run_start"));
        assertEquals(1, r.count("run_end"));
        assertEquals(7, r.count("step_end"));
        Checkpoint last = CheckpointIO.read(result.lastCheckpoint());
        assertEquals(new RunState(7, 7, 1, 2, 5), last.state());
    }

    @Test
    void ckptEpochFrequencySkipsEpochsButTheEndIsAlwaysSaved() throws IOException {
        Recorder r = new Recorder();
        BasicTrainer t = BasicTrainer.builder()
                .trainingConfig(training("every3").numEpochs(4).ckptEpochFrequency(3).build())
                .student(Runs.student()).listener(r).build();
        t.train(Runs.data());
        assertEquals(List.of(15L, 20L), r.checkpointSteps);
        assertEquals(List.of(CheckpointIO.fileName(15), CheckpointIO.fileName(20)),
                names(files("every3", CheckpointIO.EXTENSION)));
    }

    @Test
    void keepCheckpointsDeletesAllButTheNewestAfterEachWriteAndTheRunResumesFromTheNewest() throws IOException {
        Recorder r = new Recorder();
        TrainingConfig tc = training("keep2").numEpochs(4).keepCheckpoints(2).build();
        BasicTrainer stopped = BasicTrainer.builder().trainingConfig(tc).student(Runs.student()).listener(r)
                .listener(stopAt(12, "test: stopped at update 12")).build();
        stopped.train(Runs.data()); // 5 updates per epoch, one checkpoint each, and one where it stops
        assertEquals(List.of(5L, 10L, 12L), r.checkpointSteps, "every checkpoint is still written and announced");
        assertEquals(List.of(CheckpointIO.fileName(10), CheckpointIO.fileName(12)), names(files("keep2", CheckpointIO.EXTENSION)));

        // Resumed with another keep_checkpoints (e.g. after a full disk): allowed, and the newest is where it goes on.
        BasicTrainer resumed = BasicTrainer.builder().trainingConfig(tc.toBuilder().keepCheckpoints(1).build())
                .student(Runs.student()).resumeFrom(dir.resolve("keep2")).build();
        TrainingResult result = resumed.train(Runs.data());
        assertEquals(20, result.state().step());
        assertEquals(List.of(CheckpointIO.fileName(20)), names(files("keep2", CheckpointIO.EXTENSION)));
        assertEquals(dir.resolve("keep2").resolve(CheckpointIO.fileName(20)), result.lastCheckpoint());
    }

    @Test
    void aCheckpointFromBeforeKeepCheckpointsAndOverlapTeacherExistedStillResumes() throws IOException {
        TrainingConfig tc = training("old").numEpochs(2).build();
        BasicTrainer.builder().trainingConfig(tc).student(Runs.student()).listener(stopAt(7, "stop")).build()
                .train(Runs.data());
        Path file = dir.resolve("old").resolve(CheckpointIO.fileName(7));
        Checkpoint c = CheckpointIO.read(file);
        var experiment = (ObjectNode) new ObjectMapper().readTree(c.experiment());
        ((ObjectNode) experiment.get("training")).remove("keep_checkpoints");
        ((ObjectNode) experiment.get("training")).remove("overlap_teacher");
        CheckpointIO.write(file, new Checkpoint(c.state(), c.seed(), c.parameters(), c.optimizerState(), c.epochOrder(),
                c.listenerStates(), experiment.toString())); // as written before the field existed

        TrainingResult resumed = BasicTrainer.builder().trainingConfig(tc.toBuilder().overlapTeacher(false).build())
                .student(Runs.student()).resumeFrom(dir.resolve("old")).build().train(Runs.data());
        assertEquals(10, resumed.state().step(), "resumed, with overlap_teacher changed too (it changes no number)");
    }

    // ------------------------------------------------------------------ teacher

    @Test
    void theTeacherStaysFrozenAndItsGraphUntouched() {
        ModelGraph teacher = Runs.teacher(dir);
        Map<String, INDArray> before = Runs.parameters(teacher);
        List<String> variables = teacher.sd().variables().stream().map(SDVariable::name).toList();
        GeneralDistiller d = GeneralDistiller.builder()
                .trainingConfig(training("frozen").numEpochs(2).optimizer(OptimizerConfig.adamW(1e-2)).build())
                .distillationConfig(DistillationConfig.builder().hardLabelWeight(0.5).intermediateMatches(List.of(
                        IntermediateMatch.hidden(2, 1, "hidden_mse").withProj(new ProjectionSpec("linear", 8, 16, null)),
                        IntermediateMatch.hidden(0, 0, "cos").withProj(new ProjectionSpec("tanh", 8, 16, null))))
                        .build())
                .teacher(teacher).student(Runs.student()).build();
        Map<String, INDArray> studentBefore = Runs.parameters(d.student());
        TrainingResult result = d.train(Runs.data());

        assertSameParameters(before, Runs.parameters(teacher), 0);
        assertEquals(variables, teacher.sd().variables().stream().map(SDVariable::name).toList(),
                "distillation must not add variables (losses, placeholders, gradients) to the teacher's graph");
        assertTrue(maxDifference(studentBefore, Runs.parameters(d.student())) > 1e-3, "the student does train");

        // the checkpoint holds the student and projections only, no teacher state
        Checkpoint ckpt = CheckpointIO.read(result.lastCheckpoint());
        Set<String> saved = new TreeSet<>(ckpt.parameters().keySet());
        Set<String> projections = saved.stream().filter(n -> n.startsWith("distill/proj")).collect(Collectors.toSet());
        assertFalse(projections.isEmpty());
        Set<String> studentOnly = new TreeSet<>(saved);
        studentOnly.removeAll(projections);
        assertEquals(new TreeSet<>(studentBefore.keySet()), studentOnly);
    }

    // ------------------------------------------------------------------ caching

    /** A private copy of the shared teacher, which a test may change. */
    private ModelGraph teacherCopy() {
        ModelGraph shared = Runs.teacher(dir);
        ModelGraph copy = ModelGraph.create(new TokenMlp(SyntheticTask.FEATURES, 16, 2, SyntheticTask.CLASSES), 0);
        for (String p : shared.parameterNames()) {
            copy.sd().getArrForVarName(p).assign(shared.sd().getArrForVarName(p));
        }
        return copy;
    }

    private Map<String, INDArray> distilWithCaching(String out, ModelGraph teacher, boolean caching, boolean shift,
                                                    boolean perturbTeacherAfterFirstEpoch) {
        Distiller.Builder<BasicDistiller> b = BasicDistiller.builder()
                .trainingConfig(training(out).numEpochs(2).shuffle(true).optimizer(OptimizerConfig.adamW(5e-3)).build())
                .distillationConfig(kdAndHardLabels().toBuilder().isCachingLogits(caching).probabilityShift(shift).build())
                .teacher(teacher).student(Runs.student());
        if (perturbTeacherAfterFirstEpoch) {
            b.listener(new TrainingListener() {
                @Override
                public void onEpochEnd(TrainingContext ctx) {
                    if (ctx.state().epoch() == 0) {
                        for (String p : teacher.parameterNames()) {
                            teacher.sd().getArrForVarName(p).muli(-0.5);
                        }
                    }
                }
            });
        }
        BasicDistiller d = b.build();
        d.train(Runs.data());
        return Runs.parameters(d.student());
    }

    @Test
    void cachingTeacherLogitsGivesTheSameStudent() {
        Map<String, INDArray> plain = distilWithCaching("plain", teacherCopy(), false, false, false);
        Map<String, INDArray> cached = distilWithCaching("cached", teacherCopy(), true, false, false);
        assertSameParameters(plain, cached, 1e-5);

        // the cache is really used: changing the teacher after the first epoch changes nothing when caching
        Map<String, INDArray> cachedPerturbed = distilWithCaching("cached-perturbed", teacherCopy(), true, false, true);
        assertSameParameters(plain, cachedPerturbed, 1e-5);
        Map<String, INDArray> plainPerturbed = distilWithCaching("plain-perturbed", teacherCopy(), false, false, true);
        assertTrue(maxDifference(plain, plainPerturbed) > 1e-4, "without caching the changed teacher is used");
    }

    // ------------------------------------------------------------------ non-finite losses

    @Test
    void aNanInTheDataStopsTheRunNamingTermAndStepAndKeepsTheLastCheckpoint() throws IOException {
        InMemoryExamples clean = Runs.data();
        INDArray features = clean.column("features").dup();
        features.slice(26).assign(Double.NaN); // example 26 is in the 4th update (examples 24..31, no shuffle)
        InMemoryExamples data = new InMemoryExamples(Map.of("features", features,
                "mask", clean.column("mask"), "label", clean.column("label")));
        Recorder r = new Recorder();
        BasicDistiller d = BasicDistiller.builder()
                .trainingConfig(training("nan").numSteps(10).ckptSteps(1).shuffle(false)
                        .optimizer(OptimizerConfig.adamW(1e-3)).build())
                .distillationConfig(kdAndHardLabels()).teacher(Runs.teacher(dir)).student(Runs.student())
                .listener(r).build();
        NonFiniteLossException e = assertThrows(NonFiniteLossException.class, () -> d.train(data));
        assertEquals("kd", e.term(), "the first term of the failing update");
        assertEquals(4, e.step());
        assertTrue(e.getMessage().contains("'kd'"), e.getMessage());
        assertTrue(e.getMessage().contains("update 4"), e.getMessage());
        assertEquals(1, r.count("exception"));
        assertEquals(0, r.count("run_end"));

        assertEquals(List.of(CheckpointIO.fileName(1), CheckpointIO.fileName(2), CheckpointIO.fileName(3)),
                names(files("nan", CheckpointIO.EXTENSION)));
        assertTrue(files("nan", ".partial").isEmpty());
        Checkpoint last = CheckpointIO.read(CheckpointIO.latest(dir.resolve("nan")).orElseThrow());
        assertEquals(3, last.state().step());
        for (Map.Entry<String, INDArray> p : last.parameters().entrySet()) {
            assertTrue(allFinite(p.getValue()), p.getKey() + " must be finite");
        }
    }

    // ------------------------------------------------------------------ early stopping

    @Test
    void earlyStoppingEndsTheRunWithAReasonAndAFinalCheckpoint() throws IOException {
        Recorder r = new Recorder();
        int patience = 2;
        BasicTrainer t = BasicTrainer.builder()
                .trainingConfig(training("early").numEpochs(10).optimizer(OptimizerConfig.adamW(1e-3)).build())
                .student(Runs.student())
                .evaluator((student, state) -> Map.of("accuracy", 0.5))
                .listener(new EarlyStoppingListener("accuracy", true, patience, 0))
                .listener(r).build();
        TrainingResult result = t.train(Runs.data());

        // evaluation 1 sets the best, evaluations 2..patience+1 do not improve on it
        assertEquals(patience + 1, r.evaluations.size());
        assertEquals(15, result.state().step(), "stopped at the third end-of-epoch evaluation, not after 10 epochs");
        assertNotNull(result.stopReason());
        assertTrue(result.stopReason().contains("early stopping"), result.stopReason());
        assertEquals(Map.of("accuracy", 0.5), result.lastMetrics());
        assertEquals(1, r.count("run_end"));
        assertNotNull(result.lastCheckpoint());
        assertTrue(Files.isRegularFile(result.lastCheckpoint()));
        assertEquals(15, CheckpointIO.read(result.lastCheckpoint()).state().step());
        assertEquals(dir.resolve("early").resolve(CheckpointIO.fileName(15)),
                CheckpointIO.latest(dir.resolve("early")).orElseThrow());
    }

    @Test
    void aStopRequestedMidEpochWritesAFinalCheckpointAtThatStep() {
        BasicTrainer t = BasicTrainer.builder()
                .trainingConfig(training("stop").numEpochs(5).build())
                .student(Runs.student())
                .listener(stopAt(7, "enough")).build();
        TrainingResult result = t.train(Runs.data());
        assertEquals("enough", result.stopReason());
        assertEquals(7, result.state().step());
        assertEquals(dir.resolve("stop").resolve(CheckpointIO.fileName(7)), result.lastCheckpoint());
        assertEquals(7, CheckpointIO.read(result.lastCheckpoint()).state().step());
    }

    // ------------------------------------------------------------------ metrics file

    @Test
    void logDirWritesAMetricsLinePerUpdateEvaluationAndCheckpoint() throws IOException {
        Path logs = dir.resolve("logs");
        GeneralDistiller d = GeneralDistiller.builder()
                .trainingConfig(training("metrics").numEpochs(2).logDir(logs.toString()).maxGradNorm(1.0)
                        .optimizer(OptimizerConfig.adamW(1e-3)).build())
                .distillationConfig(DistillationConfig.builder().hardLabelWeight(0.5).intermediateMatches(List.of(
                        IntermediateMatch.hidden(2, 1, "hidden_mse").withProj(new ProjectionSpec("linear", 8, 16, 1e-2))))
                        .build())
                .teacher(Runs.teacher(dir)).student(Runs.student())
                .evaluator(ClassificationMetrics.accuracyOn(Runs.data(), "label", 64))
                .build();
        d.train(Runs.data());

        Path file = logs.resolve("metrics.jsonl");
        assertTrue(Files.isRegularFile(file));
        ObjectMapper json = new ObjectMapper();
        List<JsonNode> lines = new ArrayList<>();
        for (String line : Files.readAllLines(file)) {
            lines.add(json.readTree(line));
        }
        assertEquals("run_start", lines.get(0).get("event").asText());
        assertEquals("run_end", lines.get(lines.size() - 1).get("event").asText());
        List<JsonNode> steps = lines.stream().filter(l -> l.get("event").asText().equals("step")).toList();
        assertEquals(10, steps.size(), "one step line per update (2 epochs x 5 updates)");
        Set<String> terms = Set.of("kd", "hard_label:ce", "match0:hidden_mse(T2,S1)");
        for (int i = 0; i < steps.size(); i++) {
            JsonNode s = steps.get(i);
            assertEquals(i + 1, s.get("step").asLong());
            assertTrue(s.get("loss").isNumber() && Double.isFinite(s.get("loss").asDouble()), s.toString());
            assertTrue(s.get("grad_norm").isNumber() && s.get("grad_norm").asDouble() > 0, s.toString());
            assertEquals(Set.of("student", "proj0"), fieldNames(s.get("learning_rates")));
            assertEquals(1e-2, s.get("learning_rates").get("proj0").asDouble(), 1e-15);
            assertEquals(terms, fieldNames(s.get("unweighted")));
            assertEquals(terms, fieldNames(s.get("weighted")));
            assertEquals(terms, fieldNames(s.get("weights")));
        }
        List<JsonNode> evaluations = lines.stream().filter(l -> l.get("event").asText().equals("evaluation")).toList();
        assertEquals(2, evaluations.size());
        assertTrue(evaluations.get(0).get("metrics").has("accuracy"));
        List<JsonNode> checkpoints = lines.stream().filter(l -> l.get("event").asText().equals("checkpoint")).toList();
        assertEquals(List.of(5L, 10L), checkpoints.stream().map(c -> c.get("step").asLong()).toList());
        for (JsonNode c : checkpoints) {
            assertTrue(Files.isRegularFile(Path.of(c.get("file").asText())), c.toString());
        }
    }

    private static Set<String> fieldNames(JsonNode node) {
        Set<String> out = new TreeSet<>();
        node.fieldNames().forEachRemaining(out::add);
        return out;
    }

    // ------------------------------------------------------------------ probability shift

    @Test
    void probabilityShiftSwapsTopAndGoldLogitsOfSentenceLogits() {
        INDArray logits = Nd4j.create(new float[][]{{1, 3, 2}, {5, 0, 1}, {0, 1, 2}, {4, 4, 1}});
        INDArray labels = Nd4j.createFromArray(2, 0, 1, 2);
        INDArray shifted = ProbabilityShift.apply(logits.dup(), labels);
        INDArray expected = Nd4j.create(new float[][]{{1, 2, 3}, {5, 0, 1}, {0, 2, 1}, {1, 4, 4}});
        assertArrayEquals(new long[]{4, 3}, shifted.shape());
        assertArrayEquals(expected.toFloatMatrix(), shifted.toFloatMatrix());
        for (int r = 0; r < 3; r++) { // row 3 is a tie: gold shares the top value after the swap
            assertEquals(labels.getLong(r), shifted.getRow(r).argMax().getLong(0), "gold is the top class in row " + r);
        }
    }

    @Test
    void probabilityShiftOnTokenLogitsIgnoresNegativeLabels() {
        INDArray logits = Nd4j.create(new float[]{
                9, 1, 2, /**/ 0, 7, 1, /**/ 3, 2, 1,
                1, 2, 8, /**/ 5, 6, 4, /**/ 2, 0, 1}, new long[]{2, 3, 3}, 'c');
        INDArray labels = Nd4j.createFromArray(new int[][]{{2, -100, 0}, {-100, 0, 1}});
        INDArray shifted = ProbabilityShift.apply(logits.dup(), labels);
        INDArray expected = Nd4j.create(new float[]{
                2, 1, 9, /**/ 0, 7, 1, /**/ 3, 2, 1,
                1, 2, 8, /**/ 6, 5, 4, /**/ 0, 2, 1}, new long[]{2, 3, 3}, 'c');
        assertArrayEquals(new long[]{2, 3, 3}, shifted.shape());
        assertArrayEquals(expected.reshape(-1).toFloatVector(), shifted.dup().reshape(-1).toFloatVector());
    }

    @Test
    void probabilityShiftRejectsMismatchedOrOutOfRangeLabels() {
        INDArray logits = Nd4j.create(new float[][]{{1, 3, 2}, {5, 0, 1}});
        assertThrows(IllegalArgumentException.class, () -> ProbabilityShift.apply(logits.dup(), Nd4j.createFromArray(1, 2, 0)));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> ProbabilityShift.apply(logits.dup(), Nd4j.createFromArray(1, 3)));
        assertTrue(e.getMessage().contains("label 3"), e.getMessage());
    }

    @Test
    void distillationWithProbabilityShiftRunsAndChangesTheTargets() {
        ModelGraph teacher = Runs.teacher(dir);
        double teacherAccuracy = ClassificationMetrics.accuracy(teacher, Runs.data(), "label", 64);
        Map<String, INDArray> shifted = distilWithCaching("shift", teacher, false, true, false);
        for (Map.Entry<String, INDArray> p : shifted.entrySet()) {
            assertTrue(allFinite(p.getValue()), p.getKey() + " must be finite");
        }
        Map<String, INDArray> shiftedCached = distilWithCaching("shift-cached", teacher, true, true, false);
        assertSameParameters(shifted, shiftedCached, 1e-5); // the cache holds raw logits; the shift applies per batch
        if (teacherAccuracy < 1.0) {
            Map<String, INDArray> plain = distilWithCaching("no-shift", teacher, false, false, false);
            assertTrue(maxDifference(plain, shifted) > 1e-5,
                    "the teacher errs on some examples (accuracy " + teacherAccuracy + "), so the shift must matter");
        }
    }

    // ------------------------------------------------------------------ basic trainer

    @Test
    void basicTrainerLearnsTheSyntheticTask() {
        InMemoryExamples data = SyntheticTask.generate(120, 11, 5);
        Recorder r = new Recorder();
        BasicTrainer t = BasicTrainer.builder()
                .trainingConfig(training("basic").numEpochs(6).batchSize(20).optimizer(OptimizerConfig.adamW(2e-2)).build())
                .student(new TokenMlp(SyntheticTask.FEATURES, 16, 1, SyntheticTask.CLASSES)).listener(r).build();
        t.train(data);
        assertEquals(36, r.losses.size());
        double first = r.losses.get(0).total();
        double last = r.losses.get(r.losses.size() - 1).total();
        assertTrue(last < first, "loss " + first + " -> " + last);
        double firstEpoch = r.losses.subList(0, 6).stream().mapToDouble(StepLosses::total).average().orElseThrow();
        double lastEpoch = r.losses.subList(30, 36).stream().mapToDouble(StepLosses::total).average().orElseThrow();
        assertTrue(lastEpoch < 0.8 * firstEpoch, "mean epoch loss " + firstEpoch + " -> " + lastEpoch);
        assertEquals(Set.of("hard_label:ce"), r.losses.get(0).weights().keySet());
        double accuracy = ClassificationMetrics.accuracy(t.student(), data, "label", 120);
        System.out.printf("basic trainer: loss %.4f -> %.4f, epoch mean %.4f -> %.4f, accuracy %.3f%n", first, last,
                firstEpoch, lastEpoch, accuracy);
        assertTrue(accuracy > 0.5, "training accuracy " + accuracy + " (chance 0.25)");
    }
}
