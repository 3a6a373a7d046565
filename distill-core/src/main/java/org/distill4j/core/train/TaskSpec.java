package org.distill4j.core.train;

import org.distill4j.core.config.ConfigException;
import org.distill4j.core.graph.ModelDefinition;
import org.distill4j.core.graph.ModelGraph;

/**
 * One task of a {@link MultiTaskDistiller}: its frozen teacher, the student built for it (the shared encoder plus
 * this task's head) and how to evaluate it.
 *
 * @param name      the task's name: keys its data, its head's parameters in checkpoints ("name::parameter"), its
 *                  loss terms and metrics ("name/kd", "name/accuracy"); letters, digits, '_', '-' and '.'
 * @param teacher   the task's frozen teacher
 * @param student   the student's definition for this task; parameters that the distiller's shared-parameter rule
 *                  selects are one array across every task, the rest (the head) belong to this task
 * @param evaluator evaluates this task's student at each checkpoint, or null
 */
public record TaskSpec(String name, ModelGraph teacher, ModelDefinition student, Evaluator evaluator) {

    public TaskSpec {
        if (name == null || !name.matches("[A-Za-z0-9_.-]+")) {
            throw new ConfigException("task name", name, "use letters, digits, '_', '-' and '.' (e.g. spam)");
        }
        if (teacher == null) {
            throw new ConfigException("task " + name + " teacher", null, "every task needs its teacher");
        }
        if (student == null) {
            throw new ConfigException("task " + name + " student", null, "every task needs the student's definition "
                    + "with this task's head");
        }
    }
}
