package org.distill4j.core.optim;

import java.util.List;
import org.distill4j.core.config.OptimizerConfig;
import org.distill4j.core.registry.Registry;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * An optimizer update rule applied in place to one parameter. Its per-parameter state (moments, momentum buffers)
 * lives in arrays that the training loop owns and checkpoints, so a resumed run continues exactly.
 */
public interface Optimizer {

    /** Names of the state arrays kept per parameter, e.g. [m, v] for Adam. */
    List<String> stateNames();

    /**
     * One update of {@code param} in place.
     *
     * @param param        the parameter
     * @param grad         its gradient (not modified)
     * @param state        state arrays in {@link #stateNames()} order, same shape as param, zero at first
     * @param step         1-based count of updates including this one (for bias correction)
     * @param learningRate learning rate for this update
     * @param weightDecay  weight decay for this parameter (0 for biases and norm scales)
     */
    void update(INDArray param, INDArray grad, List<INDArray> state, long step, double learningRate, double weightDecay);

    /** Creates an optimizer from its configuration. */
    @FunctionalInterface
    interface Factory {
        Optimizer create(OptimizerConfig config);
    }

    /** A new registry: adamw, adam, sgd. */
    static Registry<Factory> registry() {
        return new Registry<Factory>("optimizer")
                .register("adamw", c -> new Adam(c.beta1(), c.beta2(), c.eps(), true))
                .register("adam", c -> new Adam(c.beta1(), c.beta2(), c.eps(), false))
                .register("sgd", c -> new Sgd(c.momentum()));
    }
}
