package org.distill4j.examples;

import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
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
import org.distill4j.core.data.ExampleSet;
import org.distill4j.core.graph.ModelGraph;
import org.distill4j.core.listener.ConsoleProgressListener;
import org.distill4j.core.metrics.ClassificationMetrics;
import org.distill4j.core.train.MultiTaskDistiller;
import org.distill4j.examples.run.RunSpec;
import org.distill4j.examples.run.TaskRun;
import org.distill4j.examples.spam.EmbeddedSpamSubset;

/**
 * Multi-task distillation on real mail: two tasks built from the embedded SpamAssassin subset, spam vs ham and
 * which corpus folder a mail came from (easy-ham-1, easy-ham-2, hard-ham-1, spam-1, spam-2), each with its own
 * teacher (a 2-layer BERT fine-tuned on that task), distilled into one 1-layer student with a head per task
 * (MultiTaskDistiller, encoder shared, tasks drawn in proportion to their data). Prints each task's test accuracy
 * for its teacher and for the shared student. Usage: {@code MultiTaskSpamExample [output-folder]} (default
 * runs/multitask).
 */
public final class MultiTaskSpamExample {

    private MultiTaskSpamExample() {
    }

    public static void main(String[] args) throws IOException {
        ExampleRuntime.start(); // before ND4J loads
        Path out = Path.of(args.length > 0 ? args[0] : "runs/multitask");
        Map<String, String> labelColumns = new LinkedHashMap<>();
        labelColumns.put("spam", "label");
        labelColumns.put("folder", "folder");

        Map<String, TaskRun> runs = new LinkedHashMap<>();
        Map<String, ModelGraph> teachers = new LinkedHashMap<>();
        for (Map.Entry<String, String> task : labelColumns.entrySet()) {
            System.out.println("teacher for task " + task.getKey() + " (label column " + task.getValue() + ")");
            RunSpec.DataSpec spec = ExampleData.spamSubset(out.resolve("data"), task.getValue());
            RunSpec teacherSpec = new RunSpec(out.resolve("teacher-" + task.getKey()).toString(), spec,
                    new RunSpec.TeacherSource(null, null, new RunSpec.ModelSize(2, 128, 2, 256)), null, "trainer",
                    training(6, 1e-3).build(), null, null);
            TaskRun run = TaskRun.open(teacherSpec);
            run.fineTune();
            runs.put(task.getKey(), run);
            teachers.put(task.getKey(), ExportedModel.load(out.resolve("teacher-" + task.getKey() + "/model")));
        }

        BertConfig student = new BertConfig(30522, 64, 1, 2, 128, 512, 2, 1e-12, 0.1, 0.1, 0.02);
        MultiTaskDistiller.Builder<MultiTaskDistiller> b = MultiTaskDistiller.builder()
                .trainingConfig(training(0, 2e-3).numSteps(300).ckptSteps(100)
                        .outputDir(out.resolve("student/checkpoints").toString()).logDir(out.resolve("student").toString()).build())
                .distillationConfig(DistillationConfig.builder().temperature(4).hardLabelWeight(0.5).build())
                .sharedParameters(name -> name.startsWith("bert/"))
                .listener(new ConsoleProgressListener("multi-task"));
        Map<String, ExampleSet> train = new LinkedHashMap<>();
        for (String task : labelColumns.keySet()) {
            TaskRun run = runs.get(task);
            b.task(task, teachers.get(task), new BertModel(student, BertHead.SEQUENCE_CLASSIFICATION,
                    run.trainingData().numLabels()), ClassificationMetrics.accuracyOn(run.devData(), TaskDataset.LABELS, 64));
            train.put(task, run.trainingData());
        }
        MultiTaskDistiller distiller = b.build();
        distiller.train(train);
        distiller.exportStudent(out.resolve("student/model"));

        System.out.printf("%nembedded SpamAssassin subset, %d test mails%n", EmbeddedSpamSubset.TEST_SIZE);
        System.out.printf("%-8s %8s %10s %10s%n", "task", "classes", "teacher", "student");
        for (String task : labelColumns.keySet()) {
            TaskDataset test = runs.get(task).testData();
            System.out.printf("%-8s %8d %10.3f %10.3f%n", task, test.numLabels(),
                    ClassificationMetrics.accuracy(teachers.get(task), test, TaskDataset.LABELS, 64),
                    ClassificationMetrics.accuracy(distiller.trainedModel(task), test, TaskDataset.LABELS, 64));
        }
        System.out.printf("one student (%d parameters: a shared encoder and a head per task) replaces two teachers of %d "
                + "parameters each%n", distiller.trainedModel("spam").parameterCount(), teachers.get("spam").parameterCount());
    }

    private static TrainingConfig.Builder training(int epochs, double learningRate) {
        TrainingConfig.Builder b = TrainingConfig.builder().batchSize(16).seed(1)
                .optimizer(OptimizerConfig.adamW(learningRate))
                .lrSchedule(ScheduleConfig.of("linear_warmup_decay", Map.of("warmup_fraction", 0.1)));
        return epochs > 0 ? b.numEpochs(epochs) : b;
    }
}
