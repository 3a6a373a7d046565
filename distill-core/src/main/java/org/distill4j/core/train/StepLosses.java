package org.distill4j.core.train;

import java.util.Map;

/**
 * The loss terms of one optimizer update, each averaged over its micro-batches (weighted by their sizes).
 *
 * @param total      the weighted total that was minimised
 * @param unweighted each term's raw value, by term name (e.g. kd, hard_label/loss, match0:hidden_mse(T2,S1))
 * @param weighted   each term times its (scheduled) weight
 * @param weights    each term's weight at this step
 */
public record StepLosses(double total, Map<String, Double> unweighted, Map<String, Double> weighted,
                         Map<String, Double> weights) {
}
