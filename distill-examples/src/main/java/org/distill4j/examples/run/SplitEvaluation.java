package org.distill4j.examples.run;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.distill4j.bert.data.Label;
import org.distill4j.bert.data.TaskDataset;
import org.distill4j.core.graph.ModelGraph;
import org.distill4j.core.metrics.ClassificationMetrics;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.ops.transforms.Transforms;

/**
 * Scores a trained model on a labelled split for a run folder: accuracy, F1, macro F1 and inference speed, a warning
 * when the model collapsed to one class, and the per-example predictions that {@link PairedComparison} reads.
 */
final class SplitEvaluation {

    private SplitEvaluation() {
    }

    /**
     * Accuracy, F1 of the second label (e.g. spam, when labels sort as ham, spam), macro F1 and samples/s; writes the
     * per-example predictions to {@code predictions} unless it is null.
     */
    static Map<String, Object> evaluate(ModelGraph model, TaskDataset data, Path predictions) throws IOException {
        INDArray gold = ClassificationMetrics.allLabels(data, TaskDataset.LABELS);
        long start = System.nanoTime();
        INDArray logits = model.predictLogits(data, 64);
        double seconds = (System.nanoTime() - start) / 1e9;
        if (predictions != null) {
            writePredictions(predictions, data, logits);
        }
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("examples", data.size());
        m.put("accuracy", ClassificationMetrics.accuracy(logits, gold));
        if (logits.size(1) == 2) {
            m.put("f1_" + data.labelVocabulary().get(1), ClassificationMetrics.f1(logits, gold, 1));
        }
        m.put("macro_f1", ClassificationMetrics.macroF1(logits, gold));
        m.put("samples_per_s", data.size() / seconds);
        String warning = collapseWarning(logits, gold, data.labelVocabulary());
        if (warning != null) {
            m.put("warning", warning);
            System.err.println("warning: " + warning);
        }
        return m;
    }

    /**
     * A warning when the model gives every example the same label although the gold labels differ: training collapsed
     * to one class (e.g. KD without hard labels at too high a learning rate), which accuracy alone hides on an
     * imbalanced split. Null otherwise.
     *
     * @param logits [N, C]
     * @param gold   [N] class indices
     */
    static String collapseWarning(INDArray logits, INDArray gold, List<String> labels) {
        int[] predicted = logits.argMax(1).toIntVector();
        int[] g = gold.toIntVector();
        boolean onePrediction = Arrays.stream(predicted).distinct().count() == 1;
        boolean severalGold = Arrays.stream(g).distinct().count() > 1;
        if (!onePrediction || !severalGold) {
            return null;
        }
        return "the model predicts '" + labels.get(predicted[0]) + "' for all " + predicted.length + " examples: "
                + "training collapsed to one class (lower the learning rate, or add hard labels)";
    }

    /**
     * Writes one line per example: its 0-based index in the file, its id (file:line), gold and predicted label and the
     * predicted probability of each label (softmax of the logits), for paired comparisons of runs
     * ({@link PairedComparison}).
     */
    static void writePredictions(Path file, TaskDataset data, INDArray logits) throws IOException {
        List<String> labels = data.labelVocabulary();
        INDArray probabilities = org.nd4j.linalg.ops.transforms.Transforms.softmax(logits.castTo(DataType.DOUBLE), true);
        List<String> lines = new ArrayList<>(data.size() + 1);
        StringBuilder header = new StringBuilder("index\tid\tgold\tpredicted");
        labels.forEach(l -> header.append("\tp_").append(l));
        lines.add(header.toString());
        for (int i = 0; i < data.size(); i++) {
            int g = ((Label.ClassIndex) data.example(i).label()).index();
            int p = probabilities.getRow(i).argMax().getInt(0);
            StringBuilder line = new StringBuilder().append(i).append('\t').append(data.example(i).id()).append('\t')
                    .append(labels.get(g)).append('\t').append(labels.get(p));
            for (int c = 0; c < labels.size(); c++) {
                line.append('\t').append(String.format(Locale.ROOT, "%.6f", probabilities.getDouble(i, c)));
            }
            lines.add(line.toString());
        }
        Files.createDirectories(file.toAbsolutePath().getParent());
        Files.write(file, lines, StandardCharsets.UTF_8);
    }
}
