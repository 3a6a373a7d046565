package org.distill4j.core.checkpoint;

import java.util.Map;
import org.distill4j.core.train.RunState;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Everything needed to continue a run exactly: parameters of student and projections, optimizer state, the run's
 * position (which also fixes the learning-rate and weight schedules), the current epoch's data order, the seed
 * (dropout and shuffling derive from seed and position) and the listeners' state.
 *
 * @param state          position of the run after the last update
 * @param seed           the run's seed
 * @param parameters     parameter name -> value
 * @param optimizerState "parameter|state" -> value (e.g. "dense/W|m")
 * @param epochOrder     the current epoch's permutation of example indices
 * @param listenerStates listener class name -> its saved numbers
 * @param experiment     the run's configuration as JSON, to detect a resume with a different configuration
 */
public record Checkpoint(RunState state, long seed, Map<String, INDArray> parameters, Map<String, INDArray> optimizerState,
                         int[] epochOrder, Map<String, Map<String, Double>> listenerStates, String experiment) {

    /** Key of an optimizer-state array. */
    public static String stateKey(String parameter, String stateName) {
        return parameter + "|" + stateName;
    }
}
