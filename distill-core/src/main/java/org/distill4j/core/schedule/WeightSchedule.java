package org.distill4j.core.schedule;

import org.distill4j.core.config.ConfigException;
import org.distill4j.core.config.NamedSpec;
import org.distill4j.core.registry.Registry;

/**
 * A loss-weight schedule: a multiplier f(x) of the configured weight, with x = step / total_steps in [0, 1].
 * (TextBrewer replaces the weight with f(x) and so loses the configured value; with weight 1 both agree.)
 */
@FunctionalInterface
public interface WeightSchedule {

    /** The multiplier at progress x in [0, 1]. */
    double multiplier(double progress);

    /** Always 1. */
    WeightSchedule NONE = x -> 1.0;
    /** 1 - x. */
    WeightSchedule LINEAR_DECAY = x -> 1.0 - x;
    /** x. */
    WeightSchedule LINEAR_GROWTH = x -> x;

    /** A new registry: none, linear_decay, linear_growth. */
    static Registry<WeightSchedule> registry() {
        return new Registry<WeightSchedule>("weight scheduler")
                .register("none", NONE)
                .register("linear_decay", LINEAR_DECAY)
                .register("linear_growth", LINEAR_GROWTH);
    }

    /** Checks that a weight-schedule spec takes no arguments. */
    static void validate(String field, NamedSpec spec) {
        if (!spec.args().isEmpty()) {
            throw new ConfigException(field, spec.toJson(), "weight schedulers take no arguments: write just the name");
        }
    }
}
