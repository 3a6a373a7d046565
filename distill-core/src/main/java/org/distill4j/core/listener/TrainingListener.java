package org.distill4j.core.listener;

import java.nio.file.Path;
import java.util.Map;
import org.distill4j.core.train.StepLosses;
import org.distill4j.core.train.TrainingContext;

/**
 * Hooks into the training loop. Every method has a no-op default; implement what you need. A listener stops the
 * run with {@link TrainingContext#requestStop}. Listeners that keep state across a run (early stopping) save it
 * in checkpoints through {@link #saveState} and {@link #restoreState}.
 */
public interface TrainingListener {

    /** Before the first update (also when resuming). */
    default void onRunStart(TrainingContext ctx) {
    }

    default void onEpochStart(TrainingContext ctx) {
    }

    /** Before the micro-batches of an update are computed. */
    default void onStepStart(TrainingContext ctx) {
    }

    /**
     * After gradients are computed and clipped, before the parameters change.
     *
     * @param gradNorm      global gradient norm before clipping
     * @param learningRates learning rate of each parameter group (student, proj0, ...)
     */
    default void beforeUpdate(TrainingContext ctx, double gradNorm, Map<String, Double> learningRates) {
    }

    /** After the parameters changed. */
    default void afterUpdate(TrainingContext ctx) {
    }

    /** After an update, with every loss term weighted and unweighted. */
    default void onStepEnd(TrainingContext ctx, StepLosses losses) {
    }

    default void onEpochEnd(TrainingContext ctx) {
    }

    /** After a checkpoint was written (atomically) to {@code file}. */
    default void onCheckpoint(TrainingContext ctx, Path file) {
    }

    /** After the evaluator ran at a checkpoint. */
    default void onEvaluation(TrainingContext ctx, Map<String, Double> metrics) {
    }

    /** When the run fails; the exception is rethrown after all listeners saw it. */
    default void onException(TrainingContext ctx, Throwable error) {
    }

    /** After the last update (also after a requested stop). */
    default void onRunEnd(TrainingContext ctx) {
    }

    /** State to keep in checkpoints (numbers only), or an empty map. */
    default Map<String, Double> saveState() {
        return Map.of();
    }

    /** Restores what {@link #saveState} returned, when resuming. */
    default void restoreState(Map<String, Double> state) {
    }
}
