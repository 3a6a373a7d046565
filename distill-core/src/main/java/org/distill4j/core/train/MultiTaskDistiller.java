package org.distill4j.core.train;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import org.distill4j.core.config.ConfigException;
import org.distill4j.core.data.ExampleSet;

/**
 * Distils one teacher per task into one student with a head per task (TextBrewer's MultiTaskDistiller, with
 * intermediate matches). Each task has its own student graph, built from that task's definition, in which the
 * parameters selected by {@link Distiller.Builder#sharedParameters} are the same arrays across tasks (the encoder)
 * and the rest are the task's own (its head); the projections of intermediate matches are per task, since each
 * task's teacher has its own feature space. Each step trains one task, drawn with probability proportional to
 * |D_task|^tau (seeded by the run's seed and the step), so runs are in step mode ({@code num_steps}).
 *
 * <p>Loss terms and evaluation metrics are named "task/term" ("spam/kd", "spam/accuracy"); checkpoints hold the shared
 * parameters under their own names and each head under "task::name", with one optimizer state per array; resuming
 * replays the task draws to find each task's position in its data.
 *
 * <pre>{@code
 * MultiTaskDistiller d = MultiTaskDistiller.builder()
 *         .trainingConfig(training)                       // with num_steps
 *         .distillationConfig(distillation)
 *         .task("spam", spamTeacher, studentWithSpamHead, spamEvaluator)
 *         .task("folder", folderTeacher, studentWithFolderHead, folderEvaluator)
 *         .sharedParameters(name -> name.startsWith("bert/"))
 *         .build();
 * d.train(Map.of("spam", spamData, "folder", folderData));
 * }</pre>
 */
public final class MultiTaskDistiller extends Distiller {

    private MultiTaskDistiller(Setup setup) {
        super(checked(setup), Mode.KD_WITH_MATCHES);
    }

    private static Setup checked(Setup setup) {
        if (setup.tasks().size() < 1) {
            throw new ConfigException("tasks", "[]", "add at least one task with Builder.task(name, teacher, student, evaluator)");
        }
        return setup;
    }

    /** A builder; add tasks with {@link Distiller.Builder#task} and say what they share. */
    public static Builder<MultiTaskDistiller> builder() {
        return new Builder<>(MultiTaskDistiller::new);
    }

    /**
     * Trains on each task's data (keys: the task names, all of them and no others).
     *
     * @throws ConfigException if a task's data is missing or unknown, or a shape check fails (before any update)
     */
    public TrainingResult train(Map<String, ExampleSet> data) {
        List<String> names = taskNames();
        if (!new TreeSet<>(data.keySet()).equals(new TreeSet<>(names))) {
            throw new ConfigException("training data", new TreeSet<>(data.keySet()), "give one data set per task: " + names);
        }
        List<ExampleSet> ordered = new ArrayList<>();
        names.forEach(n -> ordered.add(data.get(n)));
        return run(ordered);
    }
}
