package org.distill4j.core.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;

import org.distill4j.core.config.ConfigException;
import org.distill4j.core.config.DistillationConfig;
import org.distill4j.core.config.OptimizerConfig;
import org.distill4j.core.config.TrainingConfig;
import org.distill4j.core.data.Batch;
import org.distill4j.core.graph.ModelGraph;
import org.distill4j.core.support.Runs;
import org.distill4j.core.support.SyntheticTask;
import org.distill4j.core.support.TokenMlp;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.ops.transforms.Transforms;

/** Several teachers: the KD target is the weighted mean of their logits. */
class MultiTeacherTest {

    @TempDir
    Path dir;

    private ModelGraph secondTeacher(int classes) {
        BasicTrainer t = BasicTrainer.builder()
                .trainingConfig(TrainingConfig.builder().numEpochs(1).batchSize(32).seed(8)
                        .optimizer(OptimizerConfig.adamW(3e-3)).outputDir(dir.resolve("t2-" + classes).toString()).build())
                .student(new TokenMlp(SyntheticTask.FEATURES, 12, 1, classes)).build();
        t.train(SyntheticTask.generate(128, 11, 31));
        return t.trainedModel();
    }

    @Test
    void targetIsTheWeightedMeanOfTheTeachersLogits() {
        ModelGraph a = Runs.teacher(dir);
        ModelGraph b = secondTeacher(SyntheticTask.CLASSES);
        Batch batch = Runs.data().batch(new int[]{0, 1, 2, 3, 4});
        TeacherOutputs outA = new TeacherOutputs(a, List.of("logits"), false, List.of(), null);
        TeacherOutputs outB = new TeacherOutputs(b, List.of("logits"), false, List.of(), null);
        TeacherEnsemble ensemble = new TeacherEnsemble(outA, List.of("logits"), List.of(outB), List.of(List.of("logits")),
                List.of(3.0, 1.0));
        INDArray mean = ensemble.forBatch(batch, new int[]{0, 1, 2, 3, 4}, DataType.FLOAT).get("logits");
        INDArray la = a.output(batch, List.of("logits")).get("logits");
        INDArray lb = b.output(batch, List.of("logits")).get("logits");
        INDArray expected = la.mul(0.75).add(lb.mul(0.25));
        assertTrue(expected.equalsWithEps(mean, 1e-6), expected + "\nvs\n" + mean);
    }

    @Test
    void perTeacherTemperaturesGiveTheMixtureOfTemperedPredictions() {
        ModelGraph a = Runs.teacher(dir);
        ModelGraph b = secondTeacher(SyntheticTask.CLASSES);
        int[] idx = {0, 1, 2, 3, 4};
        Batch batch = Runs.data().batch(idx);
        INDArray la = a.output(batch, List.of("logits")).get("logits");
        INDArray lb = b.output(batch, List.of("logits")).get("logits");
        for (String type : List.of("ce", "mse", "bce")) {
            TeacherEnsemble ensemble = new TeacherEnsemble(
                    new TeacherOutputs(a, List.of("logits"), false, List.of(), null), List.of("logits"),
                    List.of(new TeacherOutputs(b, List.of("logits"), false, List.of(), null)), List.of(List.of("logits")),
                    List.of(1.0, 3.0), List.of(2.0, 5.0), 4.0, type);
            INDArray z = ensemble.forBatch(batch, idx, DataType.FLOAT).get("logits").div(4.0);
            INDArray expected;
            INDArray actual;
            switch (type) {
                case "ce" -> {
                    expected = Transforms.softmax(la.div(2.0)).mul(0.25).add(Transforms.softmax(lb.div(5.0)).mul(0.75));
                    actual = Transforms.softmax(z);
                }
                case "bce" -> {
                    expected = Transforms.sigmoid(la.div(2.0)).mul(0.25).add(Transforms.sigmoid(lb.div(5.0)).mul(0.75));
                    actual = Transforms.sigmoid(z);
                }
                default -> {
                    expected = la.div(2.0).mul(0.25).add(lb.div(5.0).mul(0.75));
                    actual = z;
                }
            }
            assertTrue(expected.equalsWithEps(actual, 1e-5), type + ": " + expected + " vs " + actual);
        }
        assertThrows(ConfigException.class, () -> multi("t1", List.of(a, b), List.of()).teacherTemperatures(List.of(2.0)).build());
        assertThrows(ConfigException.class, () -> multi("t2", List.of(a, b), List.of()).teacherTemperatures(List.of(2.0, 0.0)).build());
        MultiTeacherDistiller d = multi("t3", List.of(a, b), List.of()).teacherTemperatures(List.of(2.0, 6.0)).build();
        d.train(Runs.data());
    }

    private Distiller.Builder<MultiTeacherDistiller> multi(String out, List<ModelGraph> teachers, List<Double> weights) {
        return MultiTeacherDistiller.builder()
                .trainingConfig(TrainingConfig.builder().numEpochs(1).batchSize(8).seed(3).outputDir(dir.resolve(out).toString()).build())
                .distillationConfig(DistillationConfig.builder().hardLabelWeight(0.5).build())
                .teachers(teachers, weights).student(Runs.student());
    }

    @Test
    void aZeroWeightTeacherChangesNothingAndAWeightedOneDoes() {
        ModelGraph a = Runs.teacher(dir);
        ModelGraph b = secondTeacher(SyntheticTask.CLASSES);
        BasicDistiller single = BasicDistiller.builder()
                .trainingConfig(TrainingConfig.builder().numEpochs(1).batchSize(8).seed(3).outputDir(dir.resolve("single").toString()).build())
                .distillationConfig(DistillationConfig.builder().hardLabelWeight(0.5).build())
                .teacher(a).student(Runs.student()).build();
        single.train(Runs.data());
        MultiTeacherDistiller onlyA = multi("onlyA", List.of(a, b), List.of(1.0, 0.0)).build();
        onlyA.train(Runs.data());
        MultiTeacherDistiller both = multi("both", List.of(a, b), List.of()).build();
        both.train(Runs.data());
        for (String p : single.student().parameterNames()) {
            assertTrue(single.student().sd().getArrForVarName(p).equalsWithEps(onlyA.student().sd().getArrForVarName(p), 1e-6), p);
        }
        assertNotEquals(single.student().sd().getArrForVarName("cls/W"), both.student().sd().getArrForVarName("cls/W"));
    }

    @Test
    void teachersWithAnotherLabelSpaceOrWrongWeightsAreRefused() {
        ModelGraph a = Runs.teacher(dir);
        ModelGraph threeClasses = secondTeacher(3);
        MultiTeacherDistiller d = multi("mismatch", List.of(a, threeClasses), List.of()).build();
        ConfigException e = assertThrows(ConfigException.class, () -> d.train(Runs.data()));
        assertTrue(e.getMessage().contains("teachers[1]") && e.getMessage().contains("label space"), e.getMessage());
        ConfigException w = assertThrows(ConfigException.class, () -> multi("w", List.of(a, a), List.of(1.0)).build());
        assertEquals("teacher weights", w.field());
        assertThrows(ConfigException.class, () -> multi("w2", List.of(a, a), List.of(1.0, -1.0)).build());
        assertThrows(ConfigException.class, () -> multi("w3", List.of(a, a), List.of(0.0, 0.0)).build());
    }

}
