package org.distill4j.core.train;

/**
 * Where a run is: updates done, the epoch and the micro-batch within it. Lives apart from the configuration and
 * is saved in checkpoints.
 *
 * @param step              optimizer updates done so far (0 before the first)
 * @param totalSteps        updates the whole run will do
 * @param epoch             current epoch, 0-based
 * @param microBatchInEpoch micro-batches of the current epoch already consumed
 * @param microBatchesPerEpoch micro-batches per epoch
 */
public record RunState(long step, long totalSteps, int epoch, int microBatchInEpoch, int microBatchesPerEpoch) {

    /** step / totalSteps in [0, 1]: the x of weight schedules. */
    public double progress() {
        return totalSteps == 0 ? 0 : (double) step / totalSteps;
    }
}
