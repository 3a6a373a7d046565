package org.distill4j.core.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;
import org.distill4j.core.config.DistillationConfig;
import org.distill4j.core.config.IntermediateMatch;
import org.distill4j.core.config.OptimizerConfig;
import org.distill4j.core.config.ProjectionSpec;
import org.distill4j.core.config.TrainingConfig;
import org.distill4j.core.data.Batch;
import org.distill4j.core.data.BatchPostprocessor;
import org.distill4j.core.data.ExampleSet;
import org.distill4j.core.graph.ArrayRecycling;
import org.distill4j.core.graph.ModelGraph;
import org.distill4j.core.listener.TrainingListener;
import org.distill4j.core.support.Runs;
import org.distill4j.core.support.SyntheticTask;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.autodiff.listeners.At;
import org.nd4j.autodiff.listeners.BaseListener;
import org.nd4j.autodiff.listeners.Listener;
import org.nd4j.autodiff.listeners.Operation;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.autodiff.samediff.internal.SameDiffOp;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.OpContext;
import org.nd4j.linalg.factory.Nd4j;

/**
 * {@code training.overlap_teacher}: the teacher's forward pass of the next micro-batch runs on a second thread. The
 * run must not change: the same weights and losses, bit for bit, as with one thread, with shuffling, gradient
 * accumulation, a random post-processor, cached teacher outputs and several tasks; failures surface at the
 * micro-batch where they surface without overlap; nothing is left running after train().
 */
class TeacherAheadTest {

    private static final String THREAD = "distill4j-teacher";

    @TempDir
    Path dir;

    private ModelGraph teacher;
    private Listener probe;

    @AfterEach
    void detachProbe() {
        if (probe != null) {
            SameDiff sd = teacher.sd();
            sd.setListeners(sd.getListeners().stream().filter(l -> l != probe).toList());
        }
    }

    /** Forward passes of the teacher during the loop (from onRunStart: not the wiring's and memory check's). */
    private final List<String> threads = Collections.synchronizedList(new ArrayList<>());
    private volatile boolean armed;
    /** Bytes in the teacher thread's array cache at the start of each of its forward passes. */
    private final List<Long> teacherThreadCache = Collections.synchronizedList(new ArrayList<>());
    private final TrainingListener arm = new TrainingListener() {
        @Override
        public void onRunStart(TrainingContext ctx) {
            threads.clear();
            armed = true;
        }

        @Override
        public void onRunEnd(TrainingContext ctx) {
            armed = false;
        }
    };

    /** Records the thread of every forward pass of the teacher in the loop; fails the loop's forward pass {@code failAt}. */
    private List<String> probeTeacher(int failAt) {
        teacher = Runs.teacher(dir);
        armed = false;
        probe = new BaseListener() {
            @Override
            public boolean isActive(Operation operation) {
                return operation == Operation.INFERENCE;
            }

            @Override
            public void operationStart(SameDiff sd, Operation op) {
                if (!armed) {
                    return;
                }
                threads.add(Thread.currentThread().getName());
                if (THREAD.equals(Thread.currentThread().getName())) {
                    teacherThreadCache.add(ArrayRecycling.cachedBytesOfThisThread());
                }
                if (threads.size() == failAt) {
                    throw new IllegalStateException("teacher forward " + failAt + " failed");
                }
            }
        };
        teacher.sd().addListeners(probe);
        return threads;
    }

    /** Seeded noise on the features: the post-processor draws from its Random and from ND4J's. */
    private static final BatchPostprocessor NOISE = (batch, rng) -> {
        INDArray f = batch.get("features");
        double[] n = new double[(int) f.length()];
        for (int i = 0; i < n.length; i++) {
            n[i] = 0.3 * rng.nextGaussian();
        }
        Map<String, INDArray> fields = new LinkedHashMap<>(batch.fields());
        fields.put("features", f.add(Nd4j.create(n, f.shape(), f.dataType())).addi(Nd4j.rand(f.dataType(), f.shape()).muli(1e-3)));
        return new Batch(fields);
    };

    private static DistillationConfig.Builder distillation() {
        return DistillationConfig.builder().temperature(2).hardLabelWeight(0.5).intermediateMatches(List.of(
                IntermediateMatch.hidden(2, 1, "hidden_mse").withProj(new ProjectionSpec("linear", 8, 16, null))));
    }

    private TrainingConfig.Builder training(String out, boolean overlap) {
        return TrainingConfig.builder().numEpochs(3).batchSize(8).gradientAccumulationSteps(2).seed(7)
                .optimizer(OptimizerConfig.adamW(5e-3)).overlapTeacher(overlap)
                .outputDir(dir.resolve(out + (overlap ? "-overlap" : "-serial")).toString());
    }

    /** Every step's total loss, and how many steps ended. */
    private static final class Losses implements TrainingListener {
        final List<Double> totals = new ArrayList<>();

        @Override
        public void onStepEnd(TrainingContext ctx, StepLosses losses) {
            totals.add(losses.total());
        }
    }

    private record Run(Map<String, INDArray> parameters, List<Double> losses, long forwards) {
    }

    private Run distill(boolean overlap, boolean caching, TrainingListener extra) {
        Losses losses = new Losses();
        var b = GeneralDistiller.builder().trainingConfig(training("run", overlap).build())
                .distillationConfig(distillation().isCachingLogits(caching).build())
                .teacher(Runs.teacher(dir)).student(Runs.student()).listener(losses).listener(arm);
        if (!caching) {
            b.batchPostprocessor(NOISE); // caching refuses a post-processor (the examples change each time)
        }
        if (extra != null) {
            b.listener(extra);
        }
        GeneralDistiller d = b.build();
        d.train(Runs.data());
        return new Run(Runs.parameters(d.student()), losses.totals, d.teacherForwards());
    }

    private static void assertSameRun(Run expected, Run actual) {
        assertEquals(expected.losses(), actual.losses(), "losses of every step");
        assertSameParameters(expected.parameters(), actual.parameters());
    }

    /** Every parameter equal bit for bit. */
    private static void assertSameParameters(Map<String, INDArray> expected, Map<String, INDArray> actual) {
        assertEquals(expected.keySet(), actual.keySet());
        expected.forEach((p, v) -> assertArrayEquals(v.dup().reshape(-1).toFloatVector(),
                actual.get(p).dup().reshape(-1).toFloatVector(), 0f, p));
    }

    private static boolean teacherThreadAlive() {
        return Thread.getAllStackTraces().keySet().stream().anyMatch(t -> t.getName().equals(THREAD) && t.isAlive());
    }

    @Test
    void overlapGivesTheSerialRunBitForBitAndRunsTheTeacherOnItsThread() throws Exception {
        probeTeacher(-1);
        armed = false;
        Run serial = distill(false, false, null);
        assertEquals(15, threads.size());
        String caller = Thread.currentThread().getName();
        assertTrue(threads.stream().allMatch(caller::equals), "without overlap the teacher runs on the loop's thread");
        Run overlap = distill(true, false, null);
        assertEquals(15, threads.size());
        assertSameRun(serial, overlap);
        assertEquals(serial.forwards(), overlap.forwards(), "one forward per micro-batch (15: 5 per epoch, 3 epochs)");
        assertEquals(15, overlap.forwards());
        // the first micro-batch too (nothing to overlap with, the loop waits): the loop thread's array cache then never
        // holds the teacher's arrays, which it would keep for the whole run
        assertTrue(threads.stream().allMatch(THREAD::equals), threads.toString());
        Thread.sleep(100); // an executor's thread ends just after its last task
        assertFalse(teacherThreadAlive(), "train() leaves no thread behind");
        assertTrue(teacherThreadCache.stream().anyMatch(b -> b > 0), "the teacher thread reuses its runs' arrays");
        Map<String, Long> cached = ArrayRecycling.cachedBytesByThread();
        assertFalse(cached.containsKey(THREAD), "train() closes the teacher thread's array cache: " + cached);
        assertEquals(0, ArrayRecycling.cachedBytesOfThisThread(), "and the loop thread's");
    }

    /**
     * The teacher outputs a student's run reads are closed right after it (their memory is reused at once, not after a
     * collection), with and without the teacher thread and with cached outputs; the runs above show the values do not
     * change.
     */
    @Test
    void theTeacherOutputsAreFreedOnceTheStudentHasReadThem() {
        for (boolean[] c : new boolean[][]{{false, false}, {true, false}, {true, true}}) {
            boolean overlap = c[0];
            boolean caching = c[1];
            GeneralDistiller d = GeneralDistiller.builder().trainingConfig(training("free" + overlap + caching, overlap).build())
                    .distillationConfig(distillation().isCachingLogits(caching).build())
                    .teacher(Runs.teacher(dir)).student(Runs.student()).listener(arm).build();
            List<INDArray> fed = new ArrayList<>();
            d.student().sd().addListeners(new BaseListener() {
                @Override
                public boolean isActive(Operation operation) {
                    return true;
                }

                @Override
                public void preOpExecution(SameDiff sd, At at, SameDiffOp op, OpContext context) {
                    List<String> inputs = op.getInputsToOp();
                    if (!armed || inputs == null || context == null) {
                        return; // the loop's runs only, not the wiring's or the memory check's
                    }
                    for (int i = 0; i < inputs.size(); i++) {
                        if (inputs.get(i).startsWith(LossWiring.TEACHER_PREFIX)) {
                            fed.add(context.getInputArray(i));
                        }
                    }
                }
            });
            d.train(Runs.data());
            assertFalse(fed.isEmpty());
            List<INDArray> open = fed.stream().filter(a -> !a.wasClosed()).toList();
            assertEquals(List.of(), open, "teacher outputs left for the collector, overlap " + overlap + ", caching " + caching);
        }
    }

    @Test
    void cachedTeacherOutputsAreTheSameWithOverlap() {
        Run serial = distill(false, true, null);
        Run overlap = distill(true, true, null);
        assertSameRun(serial, overlap);
        assertEquals(5, overlap.forwards(), "the first epoch fills the cache, later ones read it");
    }

    /**
     * Once every teacher output is cached (after the first epoch) the teacher thread's array cache is closed: it would
     * hold a teacher forward's working set for the rest of the run. {@link #cachedTeacherOutputsAreTheSameWithOverlap}
     * shows the values do not change.
     */
    @Test
    void theTeacherThreadsArraysAreFreedOnceItsOutputsAreCached() {
        for (boolean caching : new boolean[]{false, true}) {
            List<Boolean> open = new ArrayList<>(); // the teacher thread has an array cache after each update
            distill(true, caching, new TrainingListener() {
                @Override
                public void onStepEnd(TrainingContext ctx, StepLosses losses) {
                    open.add(ArrayRecycling.cachedBytesByThread().containsKey(THREAD));
                }
            });
            String seen = "teacher thread's cache open after each update: " + open + ", caching " + caching;
            assertEquals(9, open.size(), seen); // 3 updates per epoch (micro-batches 2 + 2 + 1), 3 epochs
            assertTrue(open.get(0), seen);
            if (caching) {
                assertEquals(List.of(false, false, false, false, false, false), open.subList(3, 9), seen);
            } else {
                assertEquals(List.of(true, true, true, true, true, true, true, true), open.subList(0, 8), seen);
            }
        }
    }

    @Test
    void severalTasksWithTheirOwnTeachersAreTheSameWithOverlap() {
        Predicate<String> encoder = name -> !name.startsWith("cls/");
        ModelGraph teacherB = Runs.teacher(dir); // the same graph for both tasks: the teacher thread serves them in turn
        List<Map<String, INDArray>> results = new ArrayList<>();
        for (boolean overlap : new boolean[]{false, true}) {
            MultiTaskDistiller m = MultiTaskDistiller.builder()
                    .trainingConfig(training("multi", overlap).numSteps(11).build())
                    .distillationConfig(distillation().build())
                    .task("a", Runs.teacher(dir), Runs.student(), null)
                    .task("b", teacherB, Runs.student(), null)
                    .sharedParameters(encoder).build();
            Map<String, ExampleSet> data = Map.of("a", Runs.data(), "b", SyntheticTask.generate(24, 12, 23));
            m.train(data);
            Map<String, INDArray> all = new LinkedHashMap<>();
            Runs.parameters(m.student("a")).forEach((k, v) -> all.put("a:" + k, v));
            Runs.parameters(m.student("b")).forEach((k, v) -> all.put("b:" + k, v));
            results.add(all);
        }
        assertSameParameters(results.get(0), results.get(1));
    }

    @Test
    void aFailedTeacherForwardSurfacesAtItsMicroBatchAsWithoutOverlap() throws Exception {
        List<Integer> stepsDone = new ArrayList<>();
        for (boolean overlap : new boolean[]{false, true}) {
            probeTeacher(4); // the 4th micro-batch: the second of update 2
            Losses losses = new Losses();
            GeneralDistiller d = GeneralDistiller.builder().trainingConfig(training("fail", overlap).build())
                    .distillationConfig(distillation().build()).teacher(teacher).student(Runs.student())
                    .listener(losses).listener(arm).build();
            IllegalStateException e = assertThrows(IllegalStateException.class, () -> d.train(Runs.data()));
            assertEquals("teacher forward 4 failed", e.getMessage(), "the teacher thread's exception, as thrown");
            stepsDone.add(losses.totals.size());
            detachProbe();
        }
        assertEquals(List.of(1, 1), stepsDone, "update 1 ended, update 2 failed, with and without overlap");
        Thread.sleep(100);
        assertFalse(teacherThreadAlive());
        assertEquals(1, teacher.output(Runs.data().batch(new int[]{0, 1}), List.of("logits")).size(),
                "the teacher is usable after the failed run");
    }

    @Test
    void aFailedPostProcessorSurfacesAtItsMicroBatchAsWithoutOverlap() {
        List<Integer> stepsDone = new ArrayList<>();
        for (boolean overlap : new boolean[]{false, true}) {
            int[] calls = {0};
            BatchPostprocessor failsThird = (batch, rng) -> {
                if (++calls[0] == 3) {
                    throw new IllegalArgumentException("bad batch 3");
                }
                return batch;
            };
            Losses losses = new Losses();
            GeneralDistiller d = GeneralDistiller.builder().trainingConfig(training("post", overlap).build())
                    .distillationConfig(distillation().build()).teacher(Runs.teacher(dir)).student(Runs.student())
                    .batchPostprocessor(failsThird).listener(losses).build();
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> d.train(Runs.data()));
            assertEquals("bad batch 3", e.getMessage());
            stepsDone.add(losses.totals.size());
        }
        assertEquals(List.of(1, 1), stepsDone, "micro-batch 3 is the first of update 2");
    }

    @Test
    void aStoppedRunDropsTheMicroBatchPreparedAheadAndEndsAsWithoutOverlap() {
        TrainingListener stopAfterTwo = new TrainingListener() {
            @Override
            public void onStepEnd(TrainingContext ctx, StepLosses losses) {
                if (ctx.state().step() == 2) {
                    ctx.requestStop("enough");
                }
            }
        };
        Run serial = distill(false, false, stopAfterTwo);
        Run overlap = distill(true, false, stopAfterTwo);
        assertSameRun(serial, overlap);
        assertEquals(4, serial.forwards());
        assertEquals(5, overlap.forwards(), "the micro-batch prepared ahead ran, and was dropped");
    }
}
