package org.distill4j.core.schedule;

import java.util.Map;
import java.util.TreeMap;
import org.distill4j.core.config.ConfigException;
import org.distill4j.core.config.ScheduleConfig;
import org.distill4j.core.registry.Registry;

/**
 * A learning-rate schedule: the factor by which the base learning rate is multiplied for the update with index t
 * (t = updates already done, 0-based) out of {@code total} updates.
 *
 * @param defaults the parameters it takes, with their default values
 * @param body     computes the factor
 */
public record LearningRateSchedule(Map<String, Double> defaults, Body body) {

    public LearningRateSchedule {
        defaults = Map.copyOf(defaults);
    }

    /** Computes the factor. */
    @FunctionalInterface
    public interface Body {
        double factor(Map<String, Double> params, long t, long total);
    }

    /** A schedule bound to its parameters and run length. */
    @FunctionalInterface
    public interface Bound {
        /** Factor for update t (0-based). */
        double factor(long t);
    }

    /**
     * Binds the configured parameters, rejecting unknown names and out-of-range values.
     *
     * @param field the configuration field, for messages
     */
    public Bound bind(String field, ScheduleConfig config, long total) {
        Map<String, Double> params = new TreeMap<>(defaults);
        for (Map.Entry<String, Double> e : config.params().entrySet()) {
            if (!defaults.containsKey(e.getKey())) {
                throw new ConfigException(field + ".params." + e.getKey(), e.getValue(),
                        "'" + config.name() + "' takes " + (defaults.isEmpty() ? "no parameters" : ConfigException.oneOf(defaults.keySet())));
            }
            if (e.getValue() == null || !(e.getValue() >= 0) || Double.isInfinite(e.getValue())) {
                throw new ConfigException(field + ".params." + e.getKey(), e.getValue(), "must be a finite number >= 0");
            }
            params.put(e.getKey(), e.getValue());
        }
        return t -> body.factor(params, t, total);
    }

    /** Factor 1. */
    public static final LearningRateSchedule CONSTANT = new LearningRateSchedule(Map.of(), (p, t, total) -> 1.0);

    /**
     * Linear warm-up over the first floor(warmup_fraction * total) updates, then linear decay to 0 (Hugging Face's
     * get_linear_schedule_with_warmup): t / warmup, then (total - t) / (total - warmup).
     */
    public static final LearningRateSchedule LINEAR_WARMUP_DECAY = new LearningRateSchedule(
            Map.of("warmup_fraction", 0.1), (p, t, total) -> {
        long warmup = (long) Math.floor(p.get("warmup_fraction") * total);
        if (t < warmup) {
            return (double) t / Math.max(1, warmup);
        }
        return Math.max(0.0, (double) (total - t) / Math.max(1, total - warmup));
    });

    /**
     * Slanted triangular (ULMFiT): a short linear rise over cut = floor(total * cut_frac) updates then a long linear
     * fall; factor = (1 + p (ratio - 1)) / ratio, so the lowest rate is 1/ratio of the peak.
     */
    public static final LearningRateSchedule SLANTED_TRIANGULAR = new LearningRateSchedule(
            Map.of("cut_frac", 0.1, "ratio", 32.0), (p, t, total) -> {
        double cutFrac = p.get("cut_frac");
        double ratio = p.get("ratio");
        long cut = Math.max(1, (long) Math.floor(total * cutFrac)); // at least one rising update
        double progress = t < cut ? (double) t / cut : 1.0 - (t - cut) / (cut * (1.0 / cutFrac - 1.0));
        return (1.0 + progress * (ratio - 1.0)) / ratio;
    });

    /** A new registry: constant, linear_warmup_decay, slanted_triangular. */
    public static Registry<LearningRateSchedule> registry() {
        return new Registry<LearningRateSchedule>("learning-rate schedule")
                .register("constant", CONSTANT)
                .register("linear_warmup_decay", LINEAR_WARMUP_DECAY)
                .register("slanted_triangular", SLANTED_TRIANGULAR);
    }
}
