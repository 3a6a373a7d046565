package org.distill4j.core.listener;

import java.util.Map;
import org.distill4j.core.train.TrainingContext;

/**
 * Stops the run when an evaluation metric has not improved for {@code patience} evaluations. Its best value and
 * counter are saved in checkpoints, so a resumed run keeps counting.
 */
public final class EarlyStoppingListener implements TrainingListener {

    private final String metric;
    private final boolean higherIsBetter;
    private final int patience;
    private final double minDelta;
    private double best = Double.NaN;
    private int evaluationsWithoutImprovement;

    /**
     * @param metric         name of the evaluator's metric to watch
     * @param higherIsBetter true for accuracy-like metrics, false for losses
     * @param patience       evaluations without improvement before stopping (>= 1)
     * @param minDelta       smallest change that counts as an improvement (>= 0)
     */
    public EarlyStoppingListener(String metric, boolean higherIsBetter, int patience, double minDelta) {
        if (patience < 1 || minDelta < 0) {
            throw new IllegalArgumentException("patience must be >= 1 and minDelta >= 0, got " + patience + ", " + minDelta);
        }
        this.metric = metric;
        this.higherIsBetter = higherIsBetter;
        this.patience = patience;
        this.minDelta = minDelta;
    }

    @Override
    public void onEvaluation(TrainingContext ctx, Map<String, Double> metrics) {
        Double value = metrics.get(metric);
        if (value == null) {
            throw new IllegalStateException("early stopping watches '" + metric + "' but the evaluator reports " + metrics.keySet());
        }
        boolean improved = Double.isNaN(best) || (higherIsBetter ? value > best + minDelta : value < best - minDelta);
        if (improved) {
            best = value;
            evaluationsWithoutImprovement = 0;
        } else if (++evaluationsWithoutImprovement >= patience) {
            ctx.requestStop("early stopping: " + metric + " did not improve on " + best + " for " + patience + " evaluations");
        }
    }

    /** The best value seen, or NaN before the first evaluation. */
    public double best() {
        return best;
    }

    @Override
    public Map<String, Double> saveState() {
        return Map.of("best", best, "evaluations_without_improvement", (double) evaluationsWithoutImprovement);
    }

    @Override
    public void restoreState(Map<String, Double> state) {
        best = state.getOrDefault("best", Double.NaN);
        evaluationsWithoutImprovement = state.getOrDefault("evaluations_without_improvement", 0.0).intValue();
    }
}
