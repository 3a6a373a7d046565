package org.distill4j.core.graph;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.distill4j.core.data.Batch;
import org.distill4j.core.data.ExampleSet;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.autodiff.samediff.VariableType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * A model: its SameDiff graph and the adaptor that names its inputs and outputs.
 *
 * @param sd      the graph (its VARIABLE-type variables are the trainable parameters)
 * @param adaptor names of inputs and outputs
 */
public record ModelGraph(SameDiff sd, ModelAdaptor adaptor) {

    /** Builds a model from its definition into a new graph. */
    public static ModelGraph create(ModelDefinition definition, long seed) {
        SameDiff sd = SameDiff.create();
        return new ModelGraph(sd, definition.build(sd, seed));
    }

    /** The placeholder feeds for a batch, as the adaptor maps fields to placeholders. */
    public Map<String, INDArray> feeds(Batch batch) {
        Map<String, INDArray> feeds = new LinkedHashMap<>();
        adaptor.inputs().forEach((placeholder, field) -> feeds.put(placeholder, batch.get(field)));
        return feeds;
    }

    /** Runs the graph on a batch and returns the named variables. */
    public Map<String, INDArray> output(Batch batch, List<String> names) {
        return sd.output(feeds(batch), names);
    }

    /** Names of the trainable parameters (VARIABLE-type), in graph order. */
    public List<String> parameterNames() {
        return sd.variables().stream().filter(v -> v.getVariableType() == VariableType.VARIABLE)
                .map(SDVariable::name).toList();
    }

    /** Number of trainable scalars. */
    public long parameterCount() {
        long n = 0;
        for (String name : parameterNames()) {
            n += sd.getArrForVarName(name).length();
        }
        return n;
    }

    /**
     * The first logits output over a whole example set, in order: [N, C] (or [N, L, C]).
     *
     * @param batchSize examples per forward pass
     */
    public INDArray predictLogits(ExampleSet data, int batchSize) {
        String logits = adaptor.logits().get(0);
        List<INDArray> parts = new java.util.ArrayList<>();
        for (int from = 0; from < data.size(); from += batchSize) {
            int to = Math.min(data.size(), from + batchSize);
            int[] idx = java.util.stream.IntStream.range(from, to).toArray();
            parts.add(output(data.batch(idx), List.of(logits)).get(logits));
        }
        return Nd4j.concat(0, parts.toArray(INDArray[]::new));
    }
}
