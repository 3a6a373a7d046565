package org.distill4j.core.train;

import java.util.List;

/**
 * Parameters updated with one learning rate: the student's, or one projection's.
 *
 * @param name         group name in logs (student, proj0, ...)
 * @param parameters   variable names in the training graph
 * @param learningRate base learning rate of this group, before the schedule's factor
 */
public record ParamGroup(String name, List<String> parameters, double learningRate) {

    public ParamGroup {
        parameters = List.copyOf(parameters);
    }
}
