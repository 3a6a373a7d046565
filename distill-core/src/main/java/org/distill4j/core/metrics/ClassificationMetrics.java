package org.distill4j.core.metrics;

import java.util.Map;
import org.distill4j.core.data.ExampleSet;
import org.distill4j.core.graph.ModelGraph;
import org.distill4j.core.train.Evaluator;
import org.nd4j.linalg.api.ndarray.INDArray;

/** Accuracy and teacher agreement for sequence classification ([N, C] logits). */
public final class ClassificationMetrics {

    private ClassificationMetrics() {
    }

    /** Fraction of rows whose argmax equals the label. @param logits [N, C] @param labels [N] */
    public static double accuracy(INDArray logits, INDArray labels) {
        INDArray predicted = logits.argMax(1);
        long n = labels.length();
        long correct = 0;
        for (long i = 0; i < n; i++) {
            if (predicted.getLong(i) == labels.getLong(i)) {
                correct++;
            }
        }
        return (double) correct / n;
    }

    /** Fraction of rows where two models pick the same class. @param a [N, C] @param b [N, C] */
    public static double agreement(INDArray a, INDArray b) {
        return accuracy(a, b.argMax(1));
    }

    /**
     * An evaluator reporting {@code accuracy} on a labelled set.
     *
     * @param labelField batch field with [N] class indices
     */
    public static Evaluator accuracyOn(ExampleSet dev, String labelField, int batchSize) {
        INDArray labels = allLabels(dev, labelField);
        return (student, state) -> Map.of("accuracy", accuracy(student.predictLogits(dev, batchSize), labels));
    }

    /** The label field of a whole example set, [N]. */
    public static INDArray allLabels(ExampleSet data, String labelField) {
        int[] all = java.util.stream.IntStream.range(0, data.size()).toArray();
        return data.batch(all).get(labelField).reshape(-1);
    }

    /** Accuracy of a model on a labelled set. */
    public static double accuracy(ModelGraph model, ExampleSet data, String labelField, int batchSize) {
        return accuracy(model.predictLogits(data, batchSize), allLabels(data, labelField));
    }
}
