package org.distill4j.core.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.distill4j.core.config.DistillationConfig;
import org.distill4j.core.config.IntermediateMatch;
import org.distill4j.core.config.ProjectionSpec;
import org.distill4j.core.config.ScheduleConfig;
import org.distill4j.core.config.TrainingConfig;
import org.distill4j.core.data.InMemoryExamples;
import org.distill4j.core.graph.ModelAdaptor;
import org.distill4j.core.graph.ModelDefinition;
import org.distill4j.core.listener.TrainingListener;
import org.distill4j.core.loss.MatchLoss;
import org.distill4j.core.registry.Registries;
import org.distill4j.core.schedule.LearningRateSchedule;
import org.distill4j.core.support.Runs;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.ndarray.INDArray;

/** Teacher and student reading different batch fields, and user-registered registry entries. */
class ExtensibilityTest {

    @TempDir
    Path dir;

    /** The student's "features" placeholder is fed from another batch field. */
    private static ModelDefinition studentReading(String field) {
        return (sd, seed) -> {
            ModelAdaptor a = Runs.student().build(sd, seed);
            Map<String, String> inputs = new LinkedHashMap<>(a.inputs());
            inputs.put("features", field);
            return new ModelAdaptor(inputs, a.logits(), a.logitsMask(), a.labels(), a.losses(), a.features(), a.inputsMask(), a.lookups(), a.trainingFlag(), a.randomMasks());
        };
    }

    private static InMemoryExamples withStudentField(INDArray studentFeatures) {
        InMemoryExamples data = Runs.data();
        Map<String, INDArray> columns = new HashMap<>();
        for (String f : List.of("features", "mask", "label")) {
            columns.put(f, data.column(f));
        }
        columns.put("student_features", studentFeatures);
        return new InMemoryExamples(columns);
    }

    private BasicDistiller distiller(String out, ModelDefinition student) {
        return BasicDistiller.builder()
                .trainingConfig(TrainingConfig.builder().numEpochs(1).batchSize(8).seed(3).outputDir(dir.resolve(out).toString()).build())
                .distillationConfig(DistillationConfig.builder().hardLabelWeight(1).build())
                .teacher(Runs.teacher(dir)).student(student).build();
    }

    @Test
    void teacherAndStudentReadTheirOwnFieldsOfTheSameBatch() {
        INDArray features = Runs.data().column("features");
        BasicDistiller same = distiller("same", Runs.student());
        same.train(Runs.data());
        BasicDistiller mapped = distiller("mapped", studentReading("student_features"));
        mapped.train(withStudentField(features.dup()));
        for (String p : same.student().parameterNames()) {
            assertEquals(same.student().sd().getArrForVarName(p), mapped.student().sd().getArrForVarName(p), p);
        }
        // Poison only the student's field: the failure must come from the student side, so the teacher read "features".
        INDArray poisoned = features.dup().assign(Double.NaN);
        BasicDistiller broken = distiller("poisoned", studentReading("student_features"));
        NonFiniteLossException e = assertThrows(NonFiniteLossException.class, () -> broken.train(withStudentField(poisoned)));
        assertTrue(e.term().equals("kd") || e.term().startsWith("hard_label"), e.getMessage());
    }

    @Test
    void userRegisteredLossAndScheduleAreUsedByName() {
        Registries registries = Registries.defaults();
        registries.matchLosses().register("hidden_l1", MatchLoss.onHidden((sd, in) -> sd.math.abs(in.s().sub(in.t())).mean()));
        registries.lrSchedules().register("halving", new LearningRateSchedule(Map.of("every", 2.0),
                (p, t, total) -> Math.pow(0.5, Math.floor(t / p.get("every")))));
        Map<String, Double> rates = new HashMap<>();
        Map<String, Double> terms = new HashMap<>();
        GeneralDistiller d = GeneralDistiller.builder()
                .trainingConfig(TrainingConfig.builder().numSteps(5).batchSize(8).seed(3).outputDir(dir.resolve("custom").toString())
                        .lrSchedule(ScheduleConfig.of("halving", Map.of("every", 2.0))).build())
                .distillationConfig(DistillationConfig.builder().intermediateMatches(List.of(
                        IntermediateMatch.hidden(2, 1, "hidden_l1").withProj(new ProjectionSpec("linear", 8, 16, null)))).build())
                .teacher(Runs.teacher(dir)).student(Runs.student()).registries(registries)
                .listener(new TrainingListener() {
                    @Override
                    public void beforeUpdate(TrainingContext ctx, double gradNorm, Map<String, Double> lr) {
                        rates.put("step" + ctx.state().step(), lr.get("student"));
                    }

                    @Override
                    public void onStepEnd(TrainingContext ctx, StepLosses losses) {
                        terms.putAll(losses.unweighted());
                    }
                }).build();
        d.train(Runs.data());
        assertTrue(terms.containsKey("match0:hidden_l1(T2,S1)"), terms.toString());
        double base = TrainingConfig.defaults().optimizer().learningRate();
        assertEquals(base, rates.get("step1"), 1e-15);
        assertEquals(base / 2, rates.get("step2"), 1e-15);
        assertEquals(base / 4, rates.get("step4"), 1e-15);
    }
}
