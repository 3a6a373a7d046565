package org.distill4j.examples;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.distill4j.core.checkpoint.ExportedModel;
import org.distill4j.core.config.DistillationConfig;
import org.distill4j.core.config.IntermediateMatch;
import org.distill4j.core.config.OptimizerConfig;
import org.distill4j.core.config.ProjectionSpec;
import org.distill4j.core.config.ScheduleConfig;
import org.distill4j.core.config.TrainingConfig;
import org.distill4j.core.graph.ModelGraph;
import org.distill4j.examples.run.RunSpec;
import org.distill4j.examples.run.TaskRun;
import org.distill4j.examples.spam.EmbeddedSpamSubset;

/**
 * The README's main command: on the SpamAssassin subset shipped in this jar (400 train, 100 dev, 100 test real
 * mails, spam vs ham), fine-tunes a small BERT teacher (2 layers, width 128) from scratch, distils it into a smaller
 * BERT student (1 layer, width 64) with GeneralDistiller (KD + a projected hidden-state match), and prints teacher
 * and student accuracy and spam F1 on the test mails, parameter counts and inference speed. Each step is a
 * {@link TaskRun} of a {@link RunSpec}, the same as {@code bin/distill fine-tune|distill RUN.yaml}; both run folders
 * (config, provenance, metrics, checkpoints, plots, exported model) stay under the output folder. Needs no downloads.
 * Usage: {@code Quickstart [output-folder]} (default runs/quickstart).
 */
public final class Quickstart {

    private Quickstart() {
    }

    public static void main(String[] args) throws IOException {
        ExampleRuntime.start(); // before ND4J loads
        Path out = Path.of(args.length > 0 ? args[0] : "runs/quickstart");
        long t0 = System.nanoTime();
        RunSpec.DataSpec spam = ExampleData.spamSubset(out.resolve("data"), "label");

        System.out.println("1/2 fine-tuning the teacher (BERT, 2 layers, width 128) on " + EmbeddedSpamSubset.TRAIN_SIZE
                + " mails");
        RunSpec teacherSpec = new RunSpec(out.resolve("teacher").toString(), spam,
                new RunSpec.TeacherSource(null, null, new RunSpec.ModelSize(2, 128, 2, 256)), null, "trainer",
                training(6, 1e-3, 1), null, null);
        Map<String, Object> teacher = TaskRun.open(teacherSpec).fineTune();

        System.out.println("2/2 distilling into the student (BERT, 1 layer, width 64)");
        DistillationConfig distillation = DistillationConfig.builder().temperature(4).hardLabelWeight(0.5)
                .intermediateMatches(List.of(IntermediateMatch.hidden(2, 1, "hidden_mse")
                        .withProj(new ProjectionSpec("linear", 64, 128, null))))
                .build();
        RunSpec studentSpec = new RunSpec(out.resolve("student").toString(), spam,
                new RunSpec.TeacherSource(out.resolve("teacher/model").toString(), null, null),
                new RunSpec.StudentSpec(null, new RunSpec.ModelSize(1, 64, 2, 128), List.of()), "general",
                training(6, 2e-3, 2), distillation, null);
        TaskRun studentRun = TaskRun.open(studentSpec);
        Map<String, Object> student = studentRun.distill();

        ModelGraph teacherModel = ExportedModel.load(out.resolve("teacher/model"));
        ModelGraph studentModel = ExportedModel.load(out.resolve("student/model"));
        double teacherSpeed = InferenceSpeed.samplesPerSecond(teacherModel, studentRun.testData(), 50);
        double studentSpeed = InferenceSpeed.samplesPerSecond(studentModel, studentRun.testData(), 50);
        Map<?, ?> teacherTest = (Map<?, ?>) teacher.get("test");
        Map<?, ?> studentTest = (Map<?, ?>) student.get("test");
        System.out.printf("%nSpamAssassin subset, %d test mails%n", EmbeddedSpamSubset.TEST_SIZE);
        System.out.printf("%-8s %10s %10s %10s %12s%n", "model", "params", "accuracy", "spam F1", "mails/s");
        System.out.printf("%-8s %10d %10.3f %10.3f %12.0f%n", "teacher", teacherModel.parameterCount(),
                teacherTest.get("accuracy"), teacherTest.get("f1_spam"), teacherSpeed);
        System.out.printf("%-8s %10d %10.3f %10.3f %12.0f%n", "student", studentModel.parameterCount(),
                studentTest.get("accuracy"), studentTest.get("f1_spam"), studentSpeed);
        System.out.printf("student: %.1fx fewer parameters, %.1fx faster inference; runs in %s%n",
                (double) teacherModel.parameterCount() / studentModel.parameterCount(), studentSpeed / teacherSpeed, out);
        System.out.printf("done in %.0f s%n", (System.nanoTime() - t0) / 1e9);
    }

    private static TrainingConfig training(int epochs, double learningRate, long seed) {
        return TrainingConfig.builder().numEpochs(epochs).batchSize(16).seed(seed)
                .optimizer(OptimizerConfig.adamW(learningRate))
                .lrSchedule(ScheduleConfig.of("linear_warmup_decay", Map.of("warmup_fraction", 0.1)))
                .build();
    }
}
