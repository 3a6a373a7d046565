package org.distill4j.core.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.distill4j.core.config.ConfigException;
import org.distill4j.core.config.ConfigIO;
import org.distill4j.core.config.DistillationConfig;
import org.distill4j.core.config.IntermediateMatch;
import org.distill4j.core.config.MultiStageConfig;
import org.distill4j.core.config.OptimizerConfig;
import org.distill4j.core.config.ProjectionSpec;
import org.distill4j.core.config.StageConfig;
import org.distill4j.core.config.TrainingConfig;
import org.distill4j.core.listener.TrainingListener;
import org.distill4j.core.registry.Registries;
import org.distill4j.core.support.Runs;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.ndarray.INDArray;

/** TinyBERT-style two-stage runs: intermediate layers first, then the prediction layer. */
class MultiStageRunTest {

    @TempDir
    Path dir;

    private static MultiStageConfig twoStages(double secondLearningRate) {
        TrainingConfig training = TrainingConfig.builder().numEpochs(2).batchSize(8).seed(5)
                .optimizer(OptimizerConfig.adamW(3e-3)).build();
        return new MultiStageConfig(List.of(
                new StageConfig("intermediate", "general", training, DistillationConfig.builder().kdLossWeight(0)
                        .intermediateMatches(List.of(IntermediateMatch.hidden(2, 1, "hidden_mse")
                                .withProj(new ProjectionSpec("linear", 8, 16, null)))).build()),
                new StageConfig("prediction", "general",
                        training.toBuilder().optimizer(OptimizerConfig.adamW(secondLearningRate)).build(),
                        DistillationConfig.builder().temperature(4).hardLabelWeight(0.5).build())));
    }

    private MultiStageRun run(MultiStageConfig config, String out, String stopStage, long stopStep) {
        return new MultiStageRun(config, Runs.teacher(dir), Runs.student(), dir.resolve(out), Registries.defaults(),
                stage -> !stage.name().equals(stopStage) ? List.of() : List.of(new TrainingListener() {
                    @Override
                    public void onStepEnd(TrainingContext ctx, StepLosses losses) {
                        if (ctx.state().step() == stopStep) {
                            ctx.requestStop("interrupted");
                        }
                    }
                }));
    }

    private static void assertSameWeights(Map<String, INDArray> a, Map<String, INDArray> b) {
        assertEquals(a.keySet(), b.keySet());
        for (String p : a.keySet()) {
            assertTrue(a.get(p).equalsWithEps(b.get(p), 1e-6), p);
        }
    }

    @Test
    void aRunInterruptedInEitherStageEndsLikeAnUninterruptedOne() {
        MultiStageRun full = run(twoStages(3e-3), "full", null, 0);
        Map<String, TrainingResult> results = full.run(Runs.data());
        assertEquals(List.of("intermediate", "prediction"), List.copyOf(results.keySet()));
        assertTrue(Files.isRegularFile(full.stageFolder(0).resolve("stage.done")));
        assertTrue(results.get("intermediate").lastLosses().unweighted().keySet().stream().allMatch(k -> k.startsWith("match")));
        assertTrue(results.get("prediction").lastLosses().unweighted().containsKey("kd"));

        for (String stage : List.of("intermediate", "prediction")) {
            MultiStageRun first = run(twoStages(3e-3), "split-" + stage, stage, 3);
            Map<String, TrainingResult> partial = first.run(Runs.data());
            assertEquals("interrupted", partial.get(stage).stopReason());
            assertTrue(first.finalWeights().isEmpty());
            MultiStageRun again = run(twoStages(3e-3), "split-" + stage, null, 0);
            again.run(Runs.data());
            assertSameWeights(full.finalWeights(), again.finalWeights());
        }
    }

    @Test
    void theSecondStageStartsFromTheFirstStagesWeights() {
        MultiStageRun oneStage = new MultiStageRun(new MultiStageConfig(List.of(twoStages(3e-3).stages().get(0))),
                Runs.teacher(dir), Runs.student(), dir.resolve("one"), Registries.defaults(), s -> List.of());
        oneStage.run(Runs.data());
        MultiStageRun frozenSecond = run(twoStages(1e-12), "frozen", null, 0); // the second stage barely moves
        frozenSecond.run(Runs.data());
        assertSameWeights(oneStage.finalWeights(), frozenSecond.finalWeights());
    }

    @Test
    void stagesRoundTripThroughYamlAndAreValidated() {
        MultiStageConfig config = twoStages(1e-3);
        assertEquals(config, ConfigIO.fromYaml(ConfigIO.toYaml(config), "stages", MultiStageConfig.class));
        assertThrows(ConfigException.class, () -> new MultiStageConfig(List.of()));
        ConfigException e = assertThrows(ConfigException.class, () -> new MultiStageConfig(List.of(
                config.stages().get(0), config.stages().get(0))));
        assertEquals("stages[1].name", e.field());
        ConfigException bad = assertThrows(ConfigException.class, () -> ConfigIO.fromYaml(
                "stages:\n  - name: a\n    distiller: teacherless\n", "stages.yaml", MultiStageConfig.class));
        assertTrue(bad.getMessage().contains("general, basic, trainer"), bad.getMessage());
    }
}
