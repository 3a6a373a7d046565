package org.distill4j.examples;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.distill4j.bert.data.TaskDataset;
import org.distill4j.bert.model.BertConfig;
import org.distill4j.bert.model.BertHead;
import org.distill4j.bert.model.BertModel;
import org.distill4j.core.checkpoint.ExportedModel;
import org.distill4j.core.config.DistillationConfig;
import org.distill4j.core.config.OptimizerConfig;
import org.distill4j.core.config.ScheduleConfig;
import org.distill4j.core.config.TrainingConfig;
import org.distill4j.core.graph.ModelGraph;
import org.distill4j.core.listener.ConsoleProgressListener;
import org.distill4j.core.metrics.ClassificationMetrics;
import org.distill4j.core.train.MultiTeacherDistiller;
import org.distill4j.examples.run.RunSpec;
import org.distill4j.examples.run.TaskRun;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Multi-teacher distillation on real mail: three small BERT teachers of different sizes and seeds, each fine-tuned
 * on the embedded SpamAssassin subset, distilled into one 1-layer student whose KD target is the mean of their
 * logits (MultiTeacherDistiller, TextBrewer's rule). Prints each teacher's, the teachers' ensemble's (mean logits)
 * and the student's test accuracy and spam F1. Usage: {@code MultiTeacherSpamExample [output-folder]} (default
 * runs/multiteacher).
 */
public final class MultiTeacherSpamExample {

    private MultiTeacherSpamExample() {
    }

    public static void main(String[] args) throws IOException {
        ExampleRuntime.start(); // before ND4J loads
        Path out = Path.of(args.length > 0 ? args[0] : "runs/multiteacher");
        RunSpec.DataSpec spam = ExampleData.spamSubset(out.resolve("data"), "label");
        List<RunSpec.ModelSize> sizes = List.of(new RunSpec.ModelSize(2, 128, 2, 256), new RunSpec.ModelSize(2, 96, 2, 192),
                new RunSpec.ModelSize(3, 64, 2, 128));
        List<ModelGraph> teachers = new ArrayList<>();
        TaskRun run = null;
        for (int k = 0; k < sizes.size(); k++) {
            RunSpec.ModelSize size = sizes.get(k);
            System.out.printf("teacher %d of %d: %d layers, width %d%n", k + 1, sizes.size(), size.layers(), size.hidden());
            RunSpec spec = new RunSpec(out.resolve("teacher-" + k).toString(), spam, new RunSpec.TeacherSource(null, null, size),
                    null, "trainer", training(1e-3, 10 + k).numEpochs(6).build(), null, null);
            run = TaskRun.open(spec);
            run.fineTune();
            teachers.add(ExportedModel.load(out.resolve("teacher-" + k + "/model")));
        }

        System.out.println("distilling the three teachers' mean logits into the student (1 layer, width 64)");
        MultiTeacherDistiller distiller = MultiTeacherDistiller.builder()
                .trainingConfig(training(2e-3, 2).numEpochs(6).outputDir(out.resolve("student/checkpoints").toString())
                        .logDir(out.resolve("student").toString()).build())
                .distillationConfig(DistillationConfig.builder().temperature(4).hardLabelWeight(0.5).build())
                .teachers(teachers, List.of())
                .student(new BertModel(new BertConfig(30522, 64, 1, 2, 128, 512, 2, 1e-12, 0.1, 0.1, 0.02),
                        BertHead.SEQUENCE_CLASSIFICATION, 2))
                .evaluator(ClassificationMetrics.accuracyOn(run.devData(), TaskDataset.LABELS, 64))
                .listener(new ConsoleProgressListener("multi-teacher"))
                .build();
        distiller.train(run.trainingData());
        distiller.exportStudent(out.resolve("student/model"));

        TaskDataset test = run.testData();
        INDArray gold = ClassificationMetrics.allLabels(test, TaskDataset.LABELS);
        System.out.printf("%nembedded SpamAssassin subset, %d test mails%n", test.size());
        System.out.printf("%-10s %10s %10s %10s%n", "model", "params", "accuracy", "spam F1");
        INDArray sum = null;
        for (int k = 0; k < teachers.size(); k++) {
            INDArray logits = teachers.get(k).predictLogits(test, 64);
            sum = sum == null ? logits.dup() : sum.addi(logits);
            print("teacher " + (k + 1), teachers.get(k).parameterCount(), logits, gold);
        }
        print("ensemble", teachers.stream().mapToLong(ModelGraph::parameterCount).sum(), sum.div(teachers.size()), gold);
        ModelGraph student = distiller.trainedModel();
        print("student", student.parameterCount(), student.predictLogits(test, 64), gold);
    }

    private static void print(String name, long params, INDArray logits, INDArray gold) {
        System.out.printf("%-10s %10d %10.3f %10.3f%n", name, params, ClassificationMetrics.accuracy(logits, gold),
                ClassificationMetrics.f1(logits, gold, 1));
    }

    private static TrainingConfig.Builder training(double learningRate, long seed) {
        return TrainingConfig.builder().batchSize(16).seed(seed).optimizer(OptimizerConfig.adamW(learningRate))
                .lrSchedule(ScheduleConfig.of("linear_warmup_decay", Map.of("warmup_fraction", 0.1)));
    }
}
