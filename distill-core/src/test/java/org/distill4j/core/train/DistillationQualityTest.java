package org.distill4j.core.train;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import org.distill4j.core.config.DistillationConfig;
import org.distill4j.core.config.IntermediateMatch;
import org.distill4j.core.config.OptimizerConfig;
import org.distill4j.core.config.ProjectionSpec;
import org.distill4j.core.config.TrainingConfig;
import org.distill4j.core.data.InMemoryExamples;
import org.distill4j.core.graph.ModelGraph;
import org.distill4j.core.metrics.ClassificationMetrics;
import org.distill4j.core.support.SyntheticTask;
import org.distill4j.core.support.TokenMlp;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * The point of the library, on a small model: a student distilled from a teacher agrees with it far above chance
 * and better than the same student trained on hard labels alone with the same data and budget.
 */
class DistillationQualityTest {

    @TempDir
    static Path dir;
    static ModelGraph teacher;
    static InMemoryExamples transfer;
    static InMemoryExamples heldOut;

    @BeforeAll
    static void trainTeacher() {
        InMemoryExamples teacherData = SyntheticTask.generate(2000, 11, 1);
        transfer = SyntheticTask.generate(160, 11, 2);
        heldOut = SyntheticTask.generate(800, 11, 3);
        BasicTrainer trainer = BasicTrainer.builder()
                .trainingConfig(TrainingConfig.builder().numEpochs(12).batchSize(50).seed(5)
                        .optimizer(OptimizerConfig.adamW(3e-3)).outputDir(dir.resolve("teacher").toString()).build())
                .student(new TokenMlp(SyntheticTask.FEATURES, 48, 2, SyntheticTask.CLASSES))
                .build();
        trainer.train(teacherData);
        teacher = trainer.trainedModel();
        double acc = ClassificationMetrics.accuracy(teacher, heldOut, "label", 200);
        assertTrue(acc > 0.7, "the teacher must learn the task first, held-out accuracy " + acc);
    }

    private static double agreementOf(ModelGraph student) {
        INDArray t = teacher.predictLogits(heldOut, 200);
        INDArray s = student.predictLogits(heldOut, 200);
        return ClassificationMetrics.agreement(s, t);
    }

    private static TrainingConfig studentTraining(String name) {
        return TrainingConfig.builder().numEpochs(30).batchSize(16).seed(9)
                .optimizer(OptimizerConfig.adamW(3e-3)).outputDir(dir.resolve(name).toString()).build();
    }

    @Test
    void distilledStudentAgreesWithTeacherBetterThanHardLabelStudent() {
        TokenMlp studentModel = new TokenMlp(SyntheticTask.FEATURES, 12, 1, SyntheticTask.CLASSES);
        BasicTrainer hard = BasicTrainer.builder().trainingConfig(studentTraining("hard")).student(studentModel).build();
        hard.train(transfer);
        double hardAgreement = agreementOf(hard.student());

        GeneralDistiller kd = GeneralDistiller.builder().trainingConfig(studentTraining("kd"))
                .distillationConfig(DistillationConfig.builder().temperature(4)
                        .intermediateMatches(List.of(IntermediateMatch.hidden(2, 1, "hidden_mse")
                                .withProj(new ProjectionSpec("linear", 12, 48, null)).withWeight(0.1)))
                        .build())
                .teacher(teacher).student(studentModel).build();
        kd.train(transfer);
        double kdAgreement = agreementOf(kd.student());

        System.out.printf("teacher agreement on held-out data: distilled %.3f, hard-label %.3f (chance 0.25)%n",
                kdAgreement, hardAgreement);
        assertTrue(kdAgreement > 0.6, "distilled agreement " + kdAgreement + " should be far above chance (0.25)");
        assertTrue(kdAgreement > hardAgreement + 0.02, "distilled " + kdAgreement + " vs hard-label " + hardAgreement);
    }
}
