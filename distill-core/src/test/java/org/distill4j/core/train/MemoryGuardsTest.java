package org.distill4j.core.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.distill4j.core.checkpoint.CheckpointIO;
import org.distill4j.core.config.ConfigException;
import org.distill4j.core.config.OptimizerConfig;
import org.distill4j.core.config.TrainingConfig;
import org.distill4j.core.graph.ArrayRecycling;
import org.distill4j.core.listener.TrainingListener;
import org.distill4j.core.support.Runs;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Memory: the up-front estimate measures what a step allocates, a run that would not fit is refused before its first
 * update with the estimate and a batch size that fits, and running out of memory mid-run says what to lower.
 */
class MemoryGuardsTest {

    @TempDir
    Path dir;

    private TrainingConfig.Builder training(String out) {
        return TrainingConfig.builder().seed(5).batchSize(8).numSteps(6).ckptSteps(2)
                .optimizer(OptimizerConfig.adamW(1e-3)).outputDir(dir.resolve(out).toString());
    }

    /** Two ops whose outputs are [n, 1024] floats: 8 kB per example; a [256, 1024] constant product: 1 MB per step. */
    @Test
    void theEstimateCountsWhatTheOpsOfADryStepProduce() {
        SameDiff sd = SameDiff.create();
        SDVariable x = sd.placeHolder("x", DataType.FLOAT, -1, 1024);
        x.mul(2.0).add("y", 1.0);
        SDVariable c = sd.constant("c", Nd4j.ones(DataType.FLOAT, 256, 1024));
        c.mul("z", 3.0);
        MemoryEstimate e = MemoryEstimate.measure(16, List.of(sd),
                examples -> sd.output(Map.of("x", Nd4j.ones(DataType.FLOAT, examples, 1024)), "y", "z"));
        assertEquals(8192, e.bytesPerExample(), e.toString());
        assertEquals(1 << 20, e.fixedStepBytes(), e.toString());
        assertTrue(e.heldBytes() > 0, "the resident size");
        assertEquals(e.heldBytes() + e.fixedStepBytes() + 16 * e.bytesPerExample(), e.bytesAt(16));
        assertTrue(sd.getListeners().isEmpty(), "the counting listener is removed");
    }

    /**
     * A chain of four [n, 1024] float ops: SameDiff without recycling keeps all four outputs (16 kB per example); with
     * {@link ArrayRecycling} the third and fourth take the first two's memory, so a run needs two (8 kB per example,
     * counted with the estimate's margin for the allocator and the garbage between collections).
     */
    @Test
    void withRecycledArraysTheEstimateCountsWhatARunNeedsAtOnce() {
        java.util.function.Supplier<SameDiff> chain = () -> {
            SameDiff sd = SameDiff.create();
            sd.placeHolder("x", DataType.FLOAT, -1, 1024).mul(2.0).add(1.0).mul(3.0).sub("y", 1.0);
            return sd;
        };
        SameDiff plain = chain.get();
        SameDiff recycled = chain.get();
        ArrayRecycling.attach(recycled);
        try {
            for (SameDiff sd : List.of(plain, recycled)) {
                MemoryEstimate e = MemoryEstimate.measure(16, List.of(sd),
                        examples -> sd.output(Map.of("x", Nd4j.ones(DataType.FLOAT, examples, 1024)), "y"));
                long expected = sd == plain ? 4 * 4096 : (long) (MemoryEstimate.RECYCLED_MARGIN * 2 * 4096);
                assertEquals(expected, e.bytesPerExample(), e.toString());
                assertEquals(0, e.fixedStepBytes(), e.toString());
            }
            assertEquals(List.of(), plain.getListeners(), "the counting listener is removed");
            assertEquals(1, recycled.getListeners().size(), "the counting listener is removed");
        } finally {
            ArrayRecycling.releaseThisThread();
        }
    }

    /** With overlap_teacher a teacher's outputs count twice: the next micro-batch's exist beside this one's. */
    @Test
    void aTeacherRunningAheadCountsTwice() {
        SameDiff student = SameDiff.create();
        student.placeHolder("x", DataType.FLOAT, -1, 1024).mul("y", 2.0);
        SameDiff teacher = SameDiff.create();
        teacher.placeHolder("x", DataType.FLOAT, -1, 256).mul("t", 3.0);
        java.util.function.IntConsumer dry = examples -> {
            student.output(Map.of("x", Nd4j.ones(DataType.FLOAT, examples, 1024)), "y");
            teacher.output(Map.of("x", Nd4j.ones(DataType.FLOAT, examples, 256)), "t");
        };
        MemoryEstimate serial = MemoryEstimate.measure(16, List.of(student, teacher), dry);
        MemoryEstimate ahead = MemoryEstimate.measure(16, List.of(student, teacher), List.of(teacher), dry);
        assertEquals(4096 + 1024, serial.bytesPerExample(), serial.toString());
        assertEquals(4096 + 2 * 1024, ahead.bytesPerExample(), ahead.toString());
        assertTrue(student.getListeners().isEmpty() && teacher.getListeners().isEmpty(), "the counting listener is removed");
    }

    @Test
    void aDistillationRefusedForMemoryNamesOverlapTeacherWhenItIsOn() {
        for (boolean overlap : new boolean[]{true, false}) {
            GeneralDistiller d = GeneralDistiller.builder()
                    .trainingConfig(training("refused-" + overlap).overlapTeacher(overlap).build())
                    .distillationConfig(org.distill4j.core.config.DistillationConfig.builder().hardLabelWeight(1).build())
                    .teacher(Runs.teacher(dir)).student(Runs.student()).memoryLimitBytes(1L << 20).build();
            ConfigException e = assertThrows(ConfigException.class, () -> d.train(Runs.data()));
            assertEquals(overlap, e.getMessage().contains("or set training.overlap_teacher: false"), e.getMessage());
        }
    }

    @Test
    void aBatchThatDoesNotFitIsRefusedWithTheEstimateAndABatchThatFits() {
        MemoryEstimate e = new MemoryEstimate(100L << 20, 50L << 20, 10L << 20);
        e.checkFits(32, 1, 500L << 20); // 100 + 50 + 320 MiB fits
        ConfigException x = assertThrows(ConfigException.class, () -> e.checkFits(64, 2, 500L << 20));
        assertEquals("training.batch_size", x.field());
        assertTrue(x.getMessage().contains("0.77 GiB") && x.getMessage().contains("0.49 GiB limit")
                && x.getMessage().contains("use batch_size 35 or less, with gradient_accumulation_steps 4")
                && x.getMessage().contains("effective batch of at least 128")
                && x.getMessage().contains("if this JVM trained before"), x.getMessage());
        ConfigException none = assertThrows(ConfigException.class, () -> e.checkFits(1, 1, 155L << 20));
        assertTrue(none.getMessage().contains("even one example does not fit"), none.getMessage());
    }

    /** The guard's garbage allowance counts once per step: a batch that fitted without it may not. */
    @Test
    void theGuardsAllowanceIsAddedPerStep() {
        MemoryEstimate e = new MemoryEstimate(100L << 20, 50L << 20, 10L << 20).plusPerStep(128L << 20);
        assertEquals(178L << 20, e.fixedStepBytes());
        assertEquals((100L + 178 + 320) << 20, e.bytesAt(32));
        assertEquals(22, e.largestBatchWithin(500L << 20)); // (500 - 100 - 178) / 10
        assertThrows(ConfigException.class, () -> e.checkFits(32, 1, 500L << 20)); // fitted without the allowance
    }

    @Test
    void aRunOverItsMemoryLimitIsRefusedBeforeItsFirstUpdate() {
        List<String> events = new ArrayList<>();
        BasicTrainer t = BasicTrainer.builder().trainingConfig(training("refused").build()).student(Runs.student())
                .memoryLimitBytes(1L << 20) // 1 MB: less than the process holds already
                .listener(new TrainingListener() {
                    @Override
                    public void onStepStart(TrainingContext ctx) {
                        events.add("step");
                    }
                }).build();
        ConfigException e = assertThrows(ConfigException.class, () -> t.train(Runs.data()));
        assertEquals("training.batch_size", e.field());
        assertTrue(e.getMessage().contains("needs about") && e.getMessage().contains("per example"), e.getMessage());
        assertTrue(events.isEmpty(), "no update ran");
        assertTrue(CheckpointIO.latest(dir.resolve("refused")).isEmpty());

        BasicTrainer roomy = BasicTrainer.builder().trainingConfig(training("fits").build()).student(Runs.student())
                .memoryLimitBytes(8L << 30).build();
        assertEquals(6, roomy.train(Runs.data()).state().step());
    }

    /** An OutOfMemoryError inside a step (here thrown by a listener at update 5) becomes advice; checkpoints stay. */
    @Test
    void runningOutOfMemoryMidRunNamesTheSettingsToLowerAndKeepsTheCheckpoints() throws Exception {
        BasicTrainer t = BasicTrainer.builder().trainingConfig(training("oom").gradientAccumulationSteps(2).build())
                .student(Runs.student())
                .listener(new TrainingListener() {
                    @Override
                    public void onStepStart(TrainingContext ctx) {
                        if (ctx.state().step() == 4) {
                            throw new OutOfMemoryError("Cannot allocate 268435456 bytes");
                        }
                    }
                }).build();
        TrainingOutOfMemoryException e = assertThrows(TrainingOutOfMemoryException.class, () -> t.train(Runs.data()));
        assertInstanceOf(OutOfMemoryError.class, e.getCause());
        assertTrue(e.getMessage().contains("update 5") && e.getMessage().contains("training.batch_size (now 8)")
                && e.getMessage().contains("gradient_accumulation_steps (now 2)")
                && e.getMessage().contains("Cannot allocate"), e.getMessage());
        assertEquals(CheckpointIO.fileName(4), CheckpointIO.latest(dir.resolve("oom")).orElseThrow().getFileName().toString());
        assertTrue(Files.list(dir.resolve("oom")).noneMatch(p -> p.toString().endsWith(".partial")));
    }

    @Test
    void defaultLimitsFollowTheMachineNotTheHeap() {
        long machine = MemoryLimits.machineBytes();
        assertTrue(machine > 256L << 20, "machine memory " + machine);
        // this JVM loaded ND4J long ago: the description reports, and nothing ND4J uses changes
        String line = MemoryLimits.applyDefaults();
        assertTrue(line.contains("machine") && line.contains("maxbytes"), line);
        assertTrue(MemoryLimits.processLimitBytes() > 0 && MemoryLimits.processLimitBytes() <= machine);
    }
}
