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

    /**
     * The label field of a whole example set, [N].
     *
     * @throws IllegalArgumentException when some examples are unlabelled (a negative class index such as -100): a
     *                                  scored set needs every label
     */
    public static INDArray allLabels(ExampleSet data, String labelField) {
        int[] all = java.util.stream.IntStream.range(0, data.size()).toArray();
        INDArray labels = data.batch(all).get(labelField).reshape(-1);
        long unlabelled = labels.dataType().isIntType() ? labels.lt(0).castTo(org.nd4j.linalg.api.buffer.DataType.INT64)
                .sumNumber().longValue() : 0;
        if (unlabelled > 0) {
            throw new IllegalArgumentException(unlabelled + " of " + labels.length() + " examples have no label "
                    + "(class index < 0): accuracy and F1 need a fully labelled set");
        }
        return labels;
    }

    /** Accuracy of a model on a labelled set. */
    public static double accuracy(ModelGraph model, ExampleSet data, String labelField, int batchSize) {
        return accuracy(model.predictLogits(data, batchSize), allLabels(data, labelField));
    }

    /**
     * F1 of one class: 2 * precision * recall / (precision + recall), where precision and recall treat
     * {@code positive} as the positive class (e.g. spam); 0 when the class is never predicted nor present.
     *
     * @param logits [N, C] scores
     * @param labels [N] class indices
     */
    public static double f1(INDArray logits, INDArray labels, int positive) {
        int[] predicted = logits.argMax(1).toIntVector();
        int[] gold = labels.toIntVector();
        long tp = 0;
        long fp = 0;
        long fn = 0;
        for (int i = 0; i < gold.length; i++) {
            boolean p = predicted[i] == positive;
            boolean g = gold[i] == positive;
            tp += p && g ? 1 : 0;
            fp += p && !g ? 1 : 0;
            fn += !p && g ? 1 : 0;
        }
        return tp == 0 ? 0.0 : 2.0 * tp / (2.0 * tp + fp + fn);
    }

    /** The mean of the per-class F1 over the C classes of [N, C] logits. */
    public static double macroF1(INDArray logits, INDArray labels) {
        long classes = logits.size(1);
        double sum = 0;
        for (int c = 0; c < classes; c++) {
            sum += f1(logits, labels, c);
        }
        return sum / classes;
    }
}
