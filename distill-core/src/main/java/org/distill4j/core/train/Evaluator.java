package org.distill4j.core.train;

import java.util.Map;
import org.distill4j.core.graph.ModelGraph;

/** Evaluates the student at each checkpoint; the metrics go to listeners (e.g. early stopping) and the log. */
@FunctionalInterface
public interface Evaluator {

    /**
     * @param student the student as it is now (do not train it here)
     * @param state   the run's position
     * @return metric name -> value
     */
    Map<String, Double> evaluate(ModelGraph student, RunState state);
}
