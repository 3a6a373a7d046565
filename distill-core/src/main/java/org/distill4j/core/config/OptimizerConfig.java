package org.distill4j.core.config;

import com.fasterxml.jackson.annotation.JsonProperty;

/**
 * The optimizer for the student and projections.
 *
 * @param name         optimizer registry name: adamw (decoupled weight decay), adam (L2 added to the gradient), sgd
 * @param learningRate base learning rate (> 0), scaled per step by the learning-rate schedule
 * @param beta1        Adam first-moment decay in [0, 1)
 * @param beta2        Adam second-moment decay in [0, 1)
 * @param eps          Adam denominator epsilon (> 0)
 * @param weightDecay  weight decay (>= 0); applied to matrices only (rank >= 2), not to biases and norm scales
 * @param momentum     SGD momentum in [0, 1)
 */
public record OptimizerConfig(
        @JsonProperty("name") String name,
        @JsonProperty("learning_rate") Double learningRate,
        @JsonProperty("beta1") Double beta1,
        @JsonProperty("beta2") Double beta2,
        @JsonProperty("eps") Double eps,
        @JsonProperty("weight_decay") Double weightDecay,
        @JsonProperty("momentum") Double momentum) {

    public OptimizerConfig {
        name = name == null ? "adamw" : name;
        learningRate = Check.positive("optimizer.learning_rate", learningRate == null ? 1e-4 : learningRate);
        beta1 = Check.inRange("optimizer.beta1", beta1 == null ? 0.9 : beta1, 0, 1);
        beta2 = Check.inRange("optimizer.beta2", beta2 == null ? 0.999 : beta2, 0, 1);
        eps = Check.positive("optimizer.eps", eps == null ? 1e-8 : eps);
        weightDecay = Check.nonNegative("optimizer.weight_decay", weightDecay == null ? 0.0 : weightDecay);
        momentum = Check.inRange("optimizer.momentum", momentum == null ? 0.0 : momentum, 0, 1);
    }

    /** AdamW with the given learning rate and the other defaults. */
    public static OptimizerConfig adamW(double learningRate) {
        return new OptimizerConfig("adamw", learningRate, null, null, null, null, null);
    }

    /** The same optimizer with another name. */
    public OptimizerConfig withName(String newName) {
        return new OptimizerConfig(newName, learningRate, beta1, beta2, eps, weightDecay, momentum);
    }

    /** The same optimizer with another weight decay. */
    public OptimizerConfig withWeightDecay(double decay) {
        return new OptimizerConfig(name, learningRate, beta1, beta2, eps, decay, momentum);
    }
}
