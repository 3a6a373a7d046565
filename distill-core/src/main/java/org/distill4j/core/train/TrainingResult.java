package org.distill4j.core.train;

import java.nio.file.Path;
import java.util.Map;

/**
 * How a run ended.
 *
 * @param state          final position
 * @param lastLosses     loss terms of the last update (null if no update ran)
 * @param lastMetrics    metrics of the last evaluation (empty if none)
 * @param lastCheckpoint the last checkpoint written (null if none)
 * @param stopReason     why a listener stopped the run early, or null if it ran to the end
 */
public record TrainingResult(RunState state, StepLosses lastLosses, Map<String, Double> lastMetrics, Path lastCheckpoint,
                             String stopReason) {
}
