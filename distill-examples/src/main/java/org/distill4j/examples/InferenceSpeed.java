package org.distill4j.examples;

import org.distill4j.core.data.ExampleSet;
import org.distill4j.core.graph.ModelGraph;

/** Measures inference throughput: the median of several timed passes over a data set after a warm-up pass. */
public final class InferenceSpeed {

    private InferenceSpeed() {
    }

    /** Examples per second of the first logits output, median of 5 passes after one warm-up. */
    public static double samplesPerSecond(ModelGraph model, ExampleSet data, int batchSize) {
        model.predictLogits(data, batchSize);
        double[] rates = new double[5];
        for (int i = 0; i < rates.length; i++) {
            long start = System.nanoTime();
            model.predictLogits(data, batchSize);
            rates[i] = data.size() / ((System.nanoTime() - start) / 1e9);
        }
        java.util.Arrays.sort(rates);
        return rates[rates.length / 2];
    }
}
