package org.distill4j.examples;

import java.nio.file.Path;
import java.util.List;
import org.distill4j.core.checkpoint.ExportedModel;
import org.distill4j.core.config.DistillationConfig;
import org.distill4j.core.config.IntermediateMatch;
import org.distill4j.core.config.LayerRef;
import org.distill4j.core.config.OptimizerConfig;
import org.distill4j.core.config.ProjectionSpec;
import org.distill4j.core.config.ScheduleConfig;
import org.distill4j.core.config.TrainingConfig;
import org.distill4j.core.data.InMemoryExamples;
import org.distill4j.core.graph.ModelGraph;
import org.distill4j.core.listener.ConsoleProgressListener;
import org.distill4j.core.metrics.ClassificationMetrics;
import org.distill4j.core.train.BasicTrainer;
import org.distill4j.core.train.GeneralDistiller;
import org.distill4j.examples.data.MajorityTokenTask;
import org.distill4j.examples.models.TinyTransformer;

/**
 * The README's main command: trains a small transformer teacher on an embedded task, distils it into a smaller
 * student with GeneralDistiller (KD + hidden-state and MiniLM value-relation matches), exports the student, and
 * prints teacher and student accuracy, parameter counts and inference speed. Needs no downloads.
 * Usage: {@code Quickstart [output-folder]} (default runs/quickstart).
 */
public final class Quickstart {

    private Quickstart() {
    }

    public static void main(String[] args) {
        Path out = Path.of(args.length > 0 ? args[0] : "runs/quickstart");
        long t0 = System.nanoTime();
        InMemoryExamples train = MajorityTokenTask.generate(2000, 1);
        InMemoryExamples dev = MajorityTokenTask.generate(500, 2);
        int L = MajorityTokenTask.LENGTH;
        TinyTransformer teacherModel = new TinyTransformer(MajorityTokenTask.VOCAB, L, 64, 2, 4, 128, MajorityTokenTask.CLASSES);
        TinyTransformer studentModel = new TinyTransformer(MajorityTokenTask.VOCAB, L, 32, 1, 2, 64, MajorityTokenTask.CLASSES);

        System.out.println("1/3 fine-tuning the teacher (2 layers, width 64) on " + train.size() + " examples");
        BasicTrainer teacherTrainer = BasicTrainer.builder()
                .trainingConfig(TrainingConfig.builder().numEpochs(3).batchSize(32).seed(1)
                        .optimizer(OptimizerConfig.adamW(2e-3))
                        .lrSchedule(ScheduleConfig.of("linear_warmup_decay", java.util.Map.of("warmup_fraction", 0.1)))
                        .outputDir(out.resolve("teacher").toString()).build())
                .student(teacherModel)
                .evaluator(ClassificationMetrics.accuracyOn(dev, "label", 200))
                .listener(new ConsoleProgressListener("teacher"))
                .build();
        teacherTrainer.train(train);
        ModelGraph teacher = teacherTrainer.trainedModel();

        System.out.println("2/3 distilling into the student (1 layer, width 32)");
        DistillationConfig distillation = DistillationConfig.builder()
                .temperature(4).hardLabelWeight(0.5)
                .intermediateMatches(List.of(
                        IntermediateMatch.hidden(2, 1, "hidden_mse").withProj(new ProjectionSpec("linear", 32, 64, null)),
                        new IntermediateMatch(LayerRef.of(1), LayerRef.of(0), "value", "minilm_value", 1.0, null, 2)))
                .build();
        GeneralDistiller distiller = GeneralDistiller.builder()
                .trainingConfig(TrainingConfig.builder().numEpochs(4).batchSize(32).seed(2)
                        .optimizer(OptimizerConfig.adamW(3e-3)).maxGradNorm(1.0)
                        .lrSchedule(ScheduleConfig.of("linear_warmup_decay", java.util.Map.of("warmup_fraction", 0.1)))
                        .outputDir(out.resolve("student").toString()).logDir(out.resolve("logs").toString()).build())
                .distillationConfig(distillation)
                .teacher(teacher).student(studentModel)
                .evaluator(ClassificationMetrics.accuracyOn(dev, "label", 200))
                .listener(new ConsoleProgressListener("distill"))
                .build();
        distiller.train(train);
        Path exported = out.resolve("student-export");
        distiller.exportStudent(exported);
        ModelGraph student = ExportedModel.load(exported);

        System.out.println("3/3 comparing on " + dev.size() + " held-out examples");
        double teacherAcc = ClassificationMetrics.accuracy(teacher, dev, "label", 200);
        double studentAcc = ClassificationMetrics.accuracy(student, dev, "label", 200);
        double teacherSpeed = InferenceSpeed.samplesPerSecond(teacher, dev, 64);
        double studentSpeed = InferenceSpeed.samplesPerSecond(student, dev, 64);
        System.out.printf("%-8s %10s %10s %14s%n", "model", "params", "accuracy", "samples/s");
        System.out.printf("%-8s %10d %10.3f %14.0f%n", "teacher", teacher.parameterCount(), teacherAcc, teacherSpeed);
        System.out.printf("%-8s %10d %10.3f %14.0f%n", "student", student.parameterCount(), studentAcc, studentSpeed);
        System.out.printf("student: %.1fx fewer parameters, %.1fx faster inference; exported to %s%n",
                (double) teacher.parameterCount() / student.parameterCount(), studentSpeed / teacherSpeed, exported);
        System.out.printf("done in %.0f s%n", (System.nanoTime() - t0) / 1e9);
    }
}
