package org.distill4j.core.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.distill4j.core.checkpoint.CheckpointIO;
import org.distill4j.core.config.ConfigException;
import org.distill4j.core.config.DistillationConfig;
import org.distill4j.core.config.IntermediateMatch;
import org.distill4j.core.config.LayerRef;
import org.distill4j.core.config.NamedSpec;
import org.distill4j.core.config.OptimizerConfig;
import org.distill4j.core.config.ProjectionSpec;
import org.distill4j.core.config.ScheduleConfig;
import org.distill4j.core.config.TrainingConfig;
import org.distill4j.core.listener.EarlyStoppingListener;
import org.distill4j.core.listener.TrainingListener;
import org.distill4j.core.metrics.ClassificationMetrics;
import org.distill4j.core.support.Runs;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.ndarray.INDArray;

/** N updates in one go equal N/2, a checkpoint, a fresh process-like resume and N/2 more. */
class ResumeTest {

    @TempDir
    Path dir;

    private TrainingConfig training(String out) {
        return TrainingConfig.builder().numEpochs(3).batchSize(6).gradientAccumulationSteps(2).seed(17)
                .ckptFrequency(2).maxGradNorm(1.0)
                .optimizer(OptimizerConfig.adamW(5e-3).withWeightDecay(0.01))
                .lrSchedule(ScheduleConfig.of("linear_warmup_decay", Map.of("warmup_fraction", 0.2)))
                .outputDir(dir.resolve(out).toString()).build();
    }

    private static DistillationConfig distillation() {
        return DistillationConfig.builder().temperature(3).hardLabelWeight(0.5)
                .kdLossWeightScheduler(NamedSpec.of("linear_decay"))
                .temperatureScheduler(NamedSpec.of("flsw", 1.0, 1.0))
                .intermediateMatches(List.of(
                        IntermediateMatch.hidden(2, 1, "hidden_mse").withProj(new ProjectionSpec("tanh", 8, 16, 1e-2)),
                        new IntermediateMatch(LayerRef.pair(1, 2), LayerRef.pair(0, 1), "hidden", "mmd", 0.5, null, null)))
                .build();
    }

    private GeneralDistiller distiller(String out, TrainingListener listener, Path resume) {
        Distiller.Builder<GeneralDistiller> b = GeneralDistiller.builder().trainingConfig(training(out))
                .distillationConfig(distillation()).teacher(Runs.teacher(dir)).student(Runs.student())
                .evaluator(ClassificationMetrics.accuracyOn(Runs.data(), "label", 64))
                .listener(new EarlyStoppingListener("accuracy", true, 100, 0)); // state saved in checkpoints
        if (listener != null) {
            b.listener(listener);
        }
        if (resume != null) {
            b.resumeFrom(resume);
        }
        return b.build();
    }

    @Test
    void stoppedAndResumedRunEndsWithTheSameWeightsAsAnUninterruptedOne() {
        GeneralDistiller full = distiller("full", null, null);
        TrainingResult fullResult = full.train(Runs.data());
        long total = fullResult.state().step();
        assertEquals(12, total, "40 examples, batch 6 -> 7 micro-batches -> 4 updates per epoch, 3 epochs");
        Map<String, INDArray> expected = Runs.parameters(full.student());

        long half = total / 2 + 1; // stops mid-epoch: 7 updates = one epoch and 3 updates
        GeneralDistiller first = distiller("split", new TrainingListener() {
            @Override
            public void onStepEnd(TrainingContext ctx, StepLosses losses) {
                if (ctx.state().step() == half) {
                    ctx.requestStop("simulated interruption");
                }
            }
        }, null);
        TrainingResult firstResult = first.train(Runs.data());
        assertEquals(half, firstResult.state().step());
        assertEquals("simulated interruption", firstResult.stopReason());
        assertNotNull(firstResult.lastCheckpoint());

        GeneralDistiller resumed = distiller("split", null, dir.resolve("split"));
        TrainingResult resumedResult = resumed.train(Runs.data());
        assertEquals(total, resumedResult.state().step());
        Map<String, INDArray> actual = Runs.parameters(resumed.student());
        assertEquals(expected.keySet(), actual.keySet());
        for (String name : expected.keySet()) {
            assertArrayEquals(expected.get(name).dup().reshape(-1).toFloatVector(),
                    actual.get(name).dup().reshape(-1).toFloatVector(), 1e-6f, name);
        }
    }

    @Test
    void sameSeedGivesTheSameResult() {
        GeneralDistiller a = distiller("a", null, null);
        a.train(Runs.data());
        GeneralDistiller b = distiller("b", null, null);
        b.train(Runs.data());
        Map<String, INDArray> pa = Runs.parameters(a.student());
        Map<String, INDArray> pb = Runs.parameters(b.student());
        for (String name : pa.keySet()) {
            assertEquals(pa.get(name), pb.get(name), name);
        }
    }

    @Test
    void resumingWithAnotherConfigurationIsRefused() {
        distiller("other", null, null).train(Runs.data());
        Path ckpt = CheckpointIO.latest(dir.resolve("other")).orElseThrow();
        GeneralDistiller changed = GeneralDistiller.builder()
                .trainingConfig(training("other").toBuilder().batchSize(5).build())
                .distillationConfig(distillation()).teacher(Runs.teacher(dir)).student(Runs.student())
                .resumeFrom(ckpt).build();
        ConfigException e = assertThrows(ConfigException.class, () -> changed.train(Runs.data()));
        assertTrue(e.getMessage().contains("another configuration"), e.getMessage());
    }
}
