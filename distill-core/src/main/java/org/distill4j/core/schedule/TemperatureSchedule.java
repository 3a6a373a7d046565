package org.distill4j.core.schedule;

import java.util.List;
import org.distill4j.core.config.ConfigException;
import org.distill4j.core.config.NamedSpec;
import org.distill4j.core.loss.SdMath;
import org.distill4j.core.registry.Registry;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;

/**
 * A temperature schedule, built in the graph from the current logits with no gradient (as TextBrewer's
 * torch.no_grad). Constant returns the base temperature; flsw and cwsm return one temperature per row.
 *
 * @param argNames names of the positional arguments after the schedule name, e.g. [beta, gamma]
 * @param body     builds the temperature
 */
public record TemperatureSchedule(List<String> argNames, Body body) {

    public TemperatureSchedule {
        argNames = List.copyOf(argNames);
    }

    /** Builds the temperature tensor. */
    @FunctionalInterface
    public interface Body {
        /**
         * @param base    base temperature, a scalar
         * @param student student logits [B, C] or [B, L, C] (use without gradient)
         * @param teacher teacher logits, same shape
         * @param args    the positional arguments, checked against {@link #argNames}
         * @return a scalar, or per-row temperatures [B] / [B, L]
         */
        SDVariable build(SameDiff sd, SDVariable base, SDVariable student, SDVariable teacher, List<Double> args);
    }

    /** True if the result is per row rather than a scalar. */
    public boolean perRow() {
        return !argNames.isEmpty();
    }

    /** Checks that the spec gives exactly the arguments this schedule takes. */
    public void validate(String field, NamedSpec spec) {
        if (spec.args().size() != argNames.size()) {
            throw new ConfigException(field, spec.toJson(), "'" + spec.name() + "' takes " + argNames.size()
                    + " argument(s) " + argNames + " after its name");
        }
    }

    /** The base temperature for every row. */
    public static final TemperatureSchedule CONSTANT = new TemperatureSchedule(List.of(), (sd, base, s, t, args) -> base);

    /**
     * Focal-loss-style sample weighting (flsw): v, t = L2-normalised logits (norm + 1e-4), w = (1 - v.t)^gamma,
     * tau_row = base + (mean(w) - w) * beta.
     */
    public static final TemperatureSchedule FLSW = new TemperatureSchedule(List.of("beta", "gamma"), (sd, base, s, t, args) -> {
        SDVariable v = normalized(sd, SdMath.stopGradient(sd, s));
        SDVariable u = normalized(sd, SdMath.stopGradient(sd, t));
        SDVariable w = sd.math.pow(SdMath.sumLast(v.mul(u)).rsub(1.0), args.get(1));
        return shift(sd, base, w, args.get(0));
    });

    /** Confidence-weighted (cwsm): w = 1 / (max softmax(S) + 1e-3), tau_row = base + (mean(w) - w) * beta. */
    public static final TemperatureSchedule CWSM = new TemperatureSchedule(List.of("beta"), (sd, base, s, t, args) -> {
        SDVariable probs = SdMath.softmaxLast(sd, SdMath.stopGradient(sd, s));
        SDVariable w = probs.max(-1).add(1e-3).rdiv(1.0);
        return shift(sd, base, w, args.get(0));
    });

    /** A new registry: none and constant (the same), flsw, cwsm. */
    public static Registry<TemperatureSchedule> registry() {
        return new Registry<TemperatureSchedule>("temperature scheduler")
                .register("none", CONSTANT)
                .register("constant", CONSTANT)
                .register("flsw", FLSW)
                .register("cwsm", CWSM);
    }

    private static SDVariable normalized(SameDiff sd, SDVariable x) {
        SDVariable norm = SdMath.keepLastAxis(sd, sd.math.sqrt(SdMath.sumLast(x.mul(x))));
        return x.div(norm.add(1e-4));
    }

    private static SDVariable shift(SameDiff sd, SDVariable base, SDVariable w, double beta) {
        return SdMath.stopGradient(sd, w.mean().sub(w).mul(beta).add(base));
    }
}
