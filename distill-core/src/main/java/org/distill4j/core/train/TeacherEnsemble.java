package org.distill4j.core.train;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.distill4j.core.data.Batch;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

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

    /**
     * @param weights one per teacher (main first), >= 0 with a positive sum
     */
    TeacherEnsemble(TeacherOutputs main, List<String> mainLogits, List<TeacherOutputs> others,
                    List<List<String>> otherLogits, List<Double> weights) {
        this.main = main;
        this.mainLogits = List.copyOf(mainLogits);
        this.others = List.copyOf(others);
        this.otherLogits = List.copyOf(otherLogits);
        double sum = weights.stream().mapToDouble(Double::doubleValue).sum();
        this.weights = weights.stream().mapToDouble(w -> w / sum).toArray();
    }

    /** Outputs keyed by the main teacher's variable names, logits averaged over the teachers. */
    Map<String, INDArray> forBatch(Batch batch, int[] indices, DataType dtype) {
        Map<String, INDArray> out = new LinkedHashMap<>(main.forBatch(batch, indices, dtype));
        if (others.isEmpty()) {
            return out;
        }
        List<Map<String, INDArray>> otherOutputs = new ArrayList<>();
        for (TeacherOutputs t : others) {
            otherOutputs.add(t.forBatch(batch, indices, dtype));
        }
        for (int i = 0; i < mainLogits.size(); i++) {
            String name = mainLogits.get(i);
            if (!out.containsKey(name)) {
                continue; // KD is off: the logits are not needed
            }
            INDArray mean = out.get(name).mul(weights[0]);
            for (int k = 0; k < others.size(); k++) {
                mean.addi(otherOutputs.get(k).get(otherLogits.get(k).get(i)).mul(weights[k + 1]));
            }
            out.put(name, mean);
        }
        return out;
    }
}
