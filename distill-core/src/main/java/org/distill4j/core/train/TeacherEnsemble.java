package org.distill4j.core.train;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.distill4j.core.data.Batch;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.ops.transforms.Transforms;

/**
 * The teacher side of a run with one or more teachers. The first teacher gives every output the losses read
 * (its logits and the features of intermediate matches); with more teachers, each logits output is replaced by the
 * weighted mean of all teachers' corresponding logits (TextBrewer's MultiTeacherDistiller averages them with equal
 * weights). Each teacher keeps its own cache and probability shift.
 */
final class TeacherEnsemble {

    private final TeacherOutputs main;
    private final List<String> mainLogits;
    private final List<TeacherOutputs> others;
    private final List<List<String>> otherLogits;
    private final double[] weights;
    private final double[] temperatures;
    private final double baseTemperature;
    private final String kdLossType;

    /**
     * @param weights one per teacher (main first), >= 0 with a positive sum
     */
    TeacherEnsemble(TeacherOutputs main, List<String> mainLogits, List<TeacherOutputs> others,
                    List<List<String>> otherLogits, List<Double> weights) {
        this(main, mainLogits, others, otherLogits, weights, List.of(), 1, "ce");
    }

    /**
     * @param temperatures  one per teacher, or empty: with them, the target is the weighted mixture of each teacher's
     *                      own tempered prediction, fed as logits z such that the KD loss at {@code baseTemperature}
     *                      sees exactly that mixture (ce: softmax(z / tau) = sum_k w_k softmax(T_k / tau_k);
     *                      mse: z / tau = sum_k w_k T_k / tau_k; bce: sigmoid(z / tau) = sum_k w_k sigmoid(T_k / tau_k))
     * @param kdLossType    ce, mse or bce when temperatures are given
     */
    TeacherEnsemble(TeacherOutputs main, List<String> mainLogits, List<TeacherOutputs> others,
                    List<List<String>> otherLogits, List<Double> weights, List<Double> temperatures,
                    double baseTemperature, String kdLossType) {
        this.main = main;
        this.mainLogits = List.copyOf(mainLogits);
        this.others = List.copyOf(others);
        this.otherLogits = List.copyOf(otherLogits);
        double sum = weights.stream().mapToDouble(Double::doubleValue).sum();
        this.weights = weights.stream().mapToDouble(w -> w / sum).toArray();
        this.temperatures = temperatures.stream().mapToDouble(Double::doubleValue).toArray();
        this.baseTemperature = baseTemperature;
        this.kdLossType = kdLossType;
    }

    /** Teacher forward passes run so far by all teachers (cache misses). */
    long forwards() {
        long n = main.forwards();
        for (TeacherOutputs t : others) {
            n += t.forwards();
        }
        return n;
    }

    /** True if every teacher's cache holds the outputs of all {@code examples} examples. */
    boolean allCached(int examples) {
        return main.allCached(examples) && others.stream().allMatch(t -> t.allCached(examples));
    }

    /** Outputs keyed by the main teacher's variable names, logits averaged over the teachers. */
    Map<String, INDArray> forBatch(Batch batch, int[] indices, DataType dtype) {
        return combined(t -> t.forBatch(batch, indices, dtype));
    }

    /** As {@link #forBatch}, computed afresh outside the caches and forward counts (memory-estimate dry steps). */
    Map<String, INDArray> dryRun(Batch batch, DataType dtype) {
        return combined(t -> t.dryRun(batch, dtype));
    }

    private Map<String, INDArray> combined(java.util.function.Function<TeacherOutputs, Map<String, INDArray>> outputsOf) {
        Map<String, INDArray> out = new LinkedHashMap<>(outputsOf.apply(main));
        if (others.isEmpty() && temperatures.length == 0) {
            return out;
        }
        List<Map<String, INDArray>> otherOutputs = new ArrayList<>();
        for (TeacherOutputs t : others) {
            otherOutputs.add(outputsOf.apply(t));
        }
        for (int i = 0; i < mainLogits.size(); i++) {
            String name = mainLogits.get(i);
            if (!out.containsKey(name)) {
                continue; // KD is off: the logits are not needed
            }
            List<INDArray> all = new ArrayList<>(List.of(out.get(name)));
            for (int k = 0; k < others.size(); k++) {
                all.add(otherOutputs.get(k).get(otherLogits.get(k).get(i)));
            }
            out.put(name, temperatures.length == 0 ? weightedMean(all) : tempered(all));
        }
        return out;
    }

    private INDArray weightedMean(List<INDArray> logits) {
        INDArray mean = logits.get(0).mul(weights[0]);
        for (int k = 1; k < logits.size(); k++) {
            mean.addi(logits.get(k).mul(weights[k]));
        }
        return mean;
    }

    /** Logits whose tempered prediction at the base temperature is the mixture of the teachers' own. */
    private INDArray tempered(List<INDArray> logits) {
        INDArray mix = null;
        for (int k = 0; k < logits.size(); k++) {
            INDArray scaled = logits.get(k).div(temperatures[k]);
            INDArray part = switch (kdLossType) {
                case "ce" -> Transforms.softmax(scaled.reshape(-1, scaled.size(-1)), true).reshape(scaled.shape());
                case "bce" -> Transforms.sigmoid(scaled, true);
                default -> scaled; // mse compares tempered logits directly
            };
            mix = mix == null ? part.mul(weights[k]) : mix.addi(part.mul(weights[k]));
        }
        INDArray z = switch (kdLossType) {
            case "ce" -> Transforms.log(mix.add(1e-30), true);
            case "bce" -> {
                INDArray p = Transforms.max(Transforms.min(mix, 1 - 1e-7, true), 1e-7, true);
                yield Transforms.log(p.div(p.rsub(1.0)), true);
            }
            default -> mix;
        };
        return z.muli(baseTemperature);
    }
}
