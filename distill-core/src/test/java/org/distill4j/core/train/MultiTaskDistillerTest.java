package org.distill4j.core.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.function.Predicate;
import org.distill4j.core.checkpoint.Checkpoint;
import org.distill4j.core.checkpoint.CheckpointIO;
import org.distill4j.core.config.ConfigException;
import org.distill4j.core.config.DistillationConfig;
import org.distill4j.core.config.IntermediateMatch;
import org.distill4j.core.config.OptimizerConfig;
import org.distill4j.core.config.ProjectionSpec;
import org.distill4j.core.config.TrainingConfig;
import org.distill4j.core.data.ExampleSet;
import org.distill4j.core.data.InMemoryExamples;
import org.distill4j.core.graph.ModelGraph;
import org.distill4j.core.listener.TrainingListener;
import org.distill4j.core.metrics.ClassificationMetrics;
import org.distill4j.core.support.Runs;
import org.distill4j.core.support.SyntheticTask;
import org.distill4j.core.support.TokenMlp;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * One student, a head per task: tasks drawn in proportion to |D|^tau, the encoder one array across tasks, each head
 * trained only on its task's steps, per-task evaluation, and checkpoints that hold every head and resume exactly.
 */
class MultiTaskDistillerTest {

    /** Everything but the classifier ("cls/W", "cls/b") is the shared encoder. */
    private static final Predicate<String> ENCODER = name -> !name.startsWith("cls/");

    @TempDir
    Path dir;

    private static ModelGraph teacherB;

    /** A second task: another synthetic rule over the same features, with its own teacher. */
    private static InMemoryExamples dataB(int n) {
        return SyntheticTask.generate(n, 12, 23);
    }

    private synchronized ModelGraph teacherB() {
        if (teacherB == null) {
            BasicTrainer t = BasicTrainer.builder()
                    .trainingConfig(TrainingConfig.builder().numEpochs(2).batchSize(32).seed(4)
                            .optimizer(OptimizerConfig.adamW(3e-3)).outputDir(dir.resolve("teacher-b").toString()).build())
                    .student(new TokenMlp(SyntheticTask.FEATURES, 16, 2, SyntheticTask.CLASSES)).build();
            t.train(dataB(256));
            teacherB = t.trainedModel();
        }
        return teacherB;
    }

    private TrainingConfig.Builder steps(int n, String out) {
        return TrainingConfig.builder().numSteps(n).batchSize(8).seed(5).optimizer(OptimizerConfig.adamW(5e-3))
                .outputDir(dir.resolve(out).toString());
    }

    private static DistillationConfig withMatches() {
        return DistillationConfig.builder().temperature(2).hardLabelWeight(0.5)
                .intermediateMatches(List.of(
                        IntermediateMatch.hidden(2, 1, "hidden_mse").withProj(new ProjectionSpec("linear", 8, 16, 1e-2))))
                .build();
    }

    private Distiller.Builder<MultiTaskDistiller> twoTasks(TrainingConfig training) {
        return MultiTaskDistiller.builder().trainingConfig(training).distillationConfig(withMatches())
                .task("a", Runs.teacher(dir), Runs.student(), ClassificationMetrics.accuracyOn(Runs.data(), "label", 64))
                .task("b", teacherB(), Runs.student(), ClassificationMetrics.accuracyOn(dataB(40), "label", 64))
                .sharedParameters(ENCODER);
    }

    private static Map<String, ExampleSet> data(int sizeA, int sizeB) {
        return Map.of("a", SyntheticTask.generate(sizeA, 11, 22), "b", dataB(sizeB));
    }

    @Test
    void samplingFrequenciesFollowDataSizeToTheTau() {
        List<Integer> sizes = List.of(100, 400, 25);
        int draws = 40_000;
        for (double tau : new double[]{1.0, 0.5, 0.0}) {
            TaskSampler sampler = new TaskSampler(sizes, tau, 77);
            double[] p = sampler.probabilities();
            double norm = 0;
            for (int s : sizes) {
                norm += Math.pow(s, tau);
            }
            for (int k = 0; k < sizes.size(); k++) {
                assertEquals(Math.pow(sizes.get(k), tau) / norm, p[k], 1e-12, "tau " + tau + " task " + k);
            }
            long[] counts = new long[sizes.size()];
            for (long step = 0; step < draws; step++) {
                counts[sampler.taskAt(step)]++;
            }
            // Pearson's chi-square, 2 degrees of freedom: 13.82 is the 0.999 quantile.
            double chi2 = 0;
            for (int k = 0; k < counts.length; k++) {
                double expected = draws * p[k];
                chi2 += (counts[k] - expected) * (counts[k] - expected) / expected;
            }
            assertTrue(chi2 < 13.82, "tau " + tau + ": counts " + java.util.Arrays.toString(counts) + " chi2 " + chi2);
        }
        TaskSampler a = new TaskSampler(sizes, 1.0, 77);
        TaskSampler b = new TaskSampler(sizes, 1.0, 77);
        for (long step = 500; step >= 0; step--) { // a draw depends on (seed, step) only, not on earlier draws
            assertEquals(a.taskAt(step), b.taskAt(500 - step == step ? step : step));
        }
        int differ = 0;
        TaskSampler other = new TaskSampler(sizes, 1.0, 78);
        for (long step = 0; step < 200; step++) {
            differ += a.taskAt(step) != other.taskAt(step) ? 1 : 0;
        }
        assertTrue(differ > 20, "another seed gives another sequence");
    }

    @Test
    void theRunTrainsTheSampledTaskEachStepAndOnlyThatTasksHead() throws Exception {
        List<String> trained = new ArrayList<>();
        Map<String, Map<String, INDArray>> before = new LinkedHashMap<>();
        List<String> violations = new ArrayList<>();
        MultiTaskDistiller[] holder = new MultiTaskDistiller[1];
        TrainingListener watcher = new TrainingListener() {
            @Override
            public void beforeUpdate(TrainingContext ctx, double gradNorm, Map<String, Double> rates) {
                for (String t : List.of("a", "b")) {
                    before.put(t, Runs.parameters(holder[0].student(t)));
                }
            }

            @Override
            public void afterUpdate(TrainingContext ctx) {
                String task = ctx.task();
                trained.add(task);
                for (String t : List.of("a", "b")) {
                    boolean headMoved = !before.get(t).get("cls/W").equals(holder[0].student(t).sd().getArrForVarName("cls/W"));
                    if (headMoved != t.equals(task)) {
                        violations.add("step " + ctx.state().step() + " trained " + task + " but head " + t
                                + (headMoved ? " moved" : " did not move"));
                    }
                }
                if (before.get(task).get("layer0/W").equals(holder[0].student(task).sd().getArrForVarName("layer0/W"))) {
                    violations.add("step " + ctx.state().step() + ": the shared encoder did not move");
                }
            }
        };
        int steps = 120;
        holder[0] = twoTasks(steps(steps, "sampled").logDir(dir.resolve("log").toString()).build()).listener(watcher).build();
        TrainingResult result = holder[0].train(data(40, 160));
        assertEquals(steps, result.state().step());
        assertTrue(violations.isEmpty(), violations.toString());

        TaskSampler sampler = new TaskSampler(List.of(40, 160), 1.0, 5);
        List<String> expected = new ArrayList<>();
        for (long s = 0; s < steps; s++) {
            expected.add(sampler.taskAt(s) == 0 ? "a" : "b");
        }
        assertEquals(expected, trained, "the loop trains the task the sampler draws for each step");
        long a = trained.stream().filter("a"::equals).count();
        double mean = steps * 0.2;
        double sd = Math.sqrt(steps * 0.2 * 0.8);
        assertTrue(Math.abs(a - mean) < 4 * sd, "task a trained " + a + " times, expected " + mean + " +- " + 4 * sd);
        List<String> logged = Files.readAllLines(dir.resolve("log/metrics.jsonl")).stream()
                .filter(l -> l.contains("\"event\":\"step\"")).map(l -> l.replaceAll(".*\"task\":\"([a-z]+)\".*", "$1")).toList();
        assertEquals(expected, logged, "the metrics file names each update's task");

        // The encoder is one array in both graphs; the heads and the projections (named distill/...) are two each.
        for (String p : holder[0].student("a").parameterNames()) {
            INDArray inA = holder[0].student("a").sd().getArrForVarName(p);
            INDArray inB = holder[0].student("b").sd().getArrForVarName(p);
            if (ENCODER.test(p) && !p.startsWith("distill/")) {
                assertSame(inA, inB, p);
            } else {
                assertNotEquals(inA, inB, p);
            }
        }
        assertTrue(result.lastLosses().unweighted().keySet().stream().allMatch(k -> k.startsWith("a/") || k.startsWith("b/")),
                result.lastLosses().unweighted().keySet().toString());
        assertEquals(new TreeSet<>(List.of("a/accuracy", "b/accuracy")), new TreeSet<>(result.lastMetrics().keySet()));
    }

    @Test
    void oneTaskRunEqualsTheGeneralDistillerRun() {
        GeneralDistiller single = GeneralDistiller.builder().trainingConfig(steps(9, "single").build())
                .distillationConfig(withMatches()).teacher(Runs.teacher(dir)).student(Runs.student()).build();
        single.train(Runs.data());
        MultiTaskDistiller multi = MultiTaskDistiller.builder().trainingConfig(steps(9, "multi").build())
                .distillationConfig(withMatches()).task("a", Runs.teacher(dir), Runs.student(), null)
                .sharedParameters(ENCODER).build();
        multi.train(Map.of("a", Runs.data()));
        Map<String, INDArray> expected = Runs.parameters(single.student());
        Map<String, INDArray> actual = Runs.parameters(multi.student("a"));
        assertEquals(expected.keySet(), actual.keySet());
        for (String p : expected.keySet()) {
            assertArrayEquals(expected.get(p).dup().reshape(-1).toFloatVector(), actual.get(p).dup().reshape(-1).toFloatVector(),
                    1e-6f, p);
        }
    }

    @Test
    void checkpointsHoldEveryHeadAndAResumedRunEndsWhereAnUninterruptedOneDoes() {
        TrainingConfig full = steps(24, "full").ckptSteps(8).build();
        MultiTaskDistiller uninterrupted = twoTasks(full).build();
        uninterrupted.train(data(40, 64));

        TrainingConfig split = steps(24, "split").ckptSteps(8).build();
        MultiTaskDistiller first = twoTasks(split).listener(new TrainingListener() {
            @Override
            public void onStepEnd(TrainingContext ctx, StepLosses losses) {
                if (ctx.state().step() == 11) {
                    ctx.requestStop("simulated interruption");
                }
            }
        }).build();
        TrainingResult stopped = first.train(data(40, 64));
        assertEquals(11, stopped.state().step());

        Checkpoint ckpt = CheckpointIO.read(stopped.lastCheckpoint());
        TreeSet<String> keys = new TreeSet<>(ckpt.parameters().keySet());
        assertTrue(keys.containsAll(List.of("a::cls/W", "a::cls/b", "b::cls/W", "b::cls/b", "layer0/W", "embed/W")), keys.toString());
        assertTrue(keys.stream().anyMatch(k -> k.startsWith("a::distill/")) && keys.stream().anyMatch(k -> k.startsWith("b::distill/")),
                "each task's projection is its own: " + keys);
        assertTrue(keys.stream().noneMatch(k -> k.startsWith("a::layer") || k.startsWith("b::embed")), keys.toString());

        // Like a new process: a fresh distiller (split's config) resumes from the folder.
        MultiTaskDistiller resumed = twoTasks(split).resumeFrom(dir.resolve("split")).build();
        TrainingResult end = resumed.train(data(40, 64));
        assertEquals(24, end.state().step());
        for (String task : List.of("a", "b")) {
            Map<String, INDArray> expected = Runs.parameters(uninterrupted.student(task));
            Map<String, INDArray> actual = Runs.parameters(resumed.student(task));
            for (String p : expected.keySet()) {
                assertArrayEquals(expected.get(p).dup().reshape(-1).toFloatVector(),
                        actual.get(p).dup().reshape(-1).toFloatVector(), 1e-6f, task + " " + p);
            }
        }

        ConfigException changed = assertThrows(ConfigException.class,
                () -> twoTasks(split).resumeFrom(dir.resolve("split")).build().train(data(40, 72)));
        assertTrue(changed.getMessage().contains("same tasks, tau and data"), changed.getMessage());
    }

    @Test
    void eachTasksModelIsExportedAndMatchesItsTrainedGraph() throws Exception {
        MultiTaskDistiller d = twoTasks(steps(6, "export").build()).build();
        d.train(data(40, 40));
        d.exportStudent(dir.resolve("exported"));
        assertTrue(Files.isDirectory(dir.resolve("exported/a")) && Files.isDirectory(dir.resolve("exported/b")));
        var batch = Runs.data().batch(new int[]{0, 1, 2});
        for (String t : List.of("a", "b")) {
            INDArray trained = d.student(t).output(batch, List.of("logits")).get("logits");
            INDArray clean = d.trainedModel(t).output(batch, List.of("logits")).get("logits");
            assertTrue(trained.equalsWithEps(clean, 1e-6), t);
        }
        assertThrows(ConfigException.class, d::trainedModel);
        assertThrows(ConfigException.class, () -> d.train(Runs.data()));
    }

    @Test
    void badMultiTaskSetupsAreRefusedBeforeTraining() {
        ConfigException epochs = assertThrows(ConfigException.class, () -> twoTasks(
                TrainingConfig.builder().numEpochs(1).outputDir(dir.resolve("e").toString()).build()).build());
        assertEquals("training.num_steps", epochs.field());

        ConfigException noRule = assertThrows(ConfigException.class, () -> twoTasks(steps(2, "r").build())
                .sharedParameters(null).build());
        assertEquals("shared parameters", noRule.field());

        ConfigException widths = assertThrows(ConfigException.class, () -> twoTasks(steps(2, "w").build())
                .task("c", Runs.teacher(dir), new TokenMlp(SyntheticTask.FEATURES, 12, 1, SyntheticTask.CLASSES), null).build());
        assertTrue(widths.getMessage().contains("task c") && widths.getMessage().contains("embed/W"), widths.getMessage());

        assertThrows(ConfigException.class, () -> twoTasks(steps(2, "d").build())
                .task("a", Runs.teacher(dir), Runs.student(), null).build());
        assertThrows(ConfigException.class, () -> twoTasks(steps(2, "t").build()).tau(-1).build());
        assertThrows(ConfigException.class, () -> twoTasks(steps(2, "n").build()).task("bad name", Runs.teacher(dir),
                Runs.student(), null));
        assertThrows(ConfigException.class, () -> GeneralDistiller.builder().trainingConfig(steps(2, "g").build())
                .task("a", Runs.teacher(dir), Runs.student(), null).build());
        assertThrows(ConfigException.class, () -> twoTasks(steps(2, "s").build()).student(Runs.student()).build());

        MultiTaskDistiller d = twoTasks(steps(2, "k").build()).build();
        ConfigException keys = assertThrows(ConfigException.class, () -> d.train(Map.of("a", Runs.data())));
        assertEquals("training data", keys.field());
    }
}
