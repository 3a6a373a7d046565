package org.distill4j.core.support;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Golden values computed independently with PyTorch by tools/golden/make_golden.py
 * (resource golden/reference.json).
 */
public final class GoldenCases {

    /** One case: family, registry name, scalar params, input and expected arrays (float64). */
    public record Case(String id, String family, String name, Map<String, JsonNode> params,
                       Map<String, INDArray> inputs, Map<String, INDArray> expected) {
        public double param(String key) {
            JsonNode n = params.get(key);
            if (n == null) {
                throw new IllegalArgumentException(id + " has no param " + key);
            }
            return n.asDouble();
        }

        public boolean hasParam(String key) {
            return params.containsKey(key);
        }

        @Override
        public String toString() {
            return id;
        }
    }

    private static final List<Case> ALL = load();

    private GoldenCases() {
    }

    /** All cases of a family. */
    public static List<Case> family(String family) {
        return ALL.stream().filter(c -> c.family().equals(family)).toList();
    }

    private static List<Case> load() {
        try (InputStream in = GoldenCases.class.getResourceAsStream("/golden/reference.json")) {
            JsonNode root = new ObjectMapper().readTree(in);
            List<Case> cases = new ArrayList<>();
            for (JsonNode c : root.get("cases")) {
                Map<String, JsonNode> params = new LinkedHashMap<>();
                c.get("params").fields().forEachRemaining(e -> params.put(e.getKey(), e.getValue()));
                cases.add(new Case(c.get("id").asText(), c.get("family").asText(), c.get("name").asText(), params,
                        arrays(c.get("inputs")), arrays(c.get("expected"))));
            }
            return cases;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static Map<String, INDArray> arrays(JsonNode node) {
        Map<String, INDArray> out = new LinkedHashMap<>();
        node.fields().forEachRemaining(e -> {
            JsonNode shapeNode = e.getValue().get("shape");
            long[] shape = new long[shapeNode.size()];
            for (int i = 0; i < shape.length; i++) {
                shape[i] = shapeNode.get(i).asLong();
            }
            JsonNode dataNode = e.getValue().get("data");
            double[] data = new double[dataNode.size()];
            for (int i = 0; i < data.length; i++) {
                data[i] = dataNode.get(i).asDouble();
            }
            INDArray arr = shape.length == 0 ? Nd4j.scalar(data[0]) : Nd4j.create(data, shape, DataType.DOUBLE);
            out.put(e.getKey(), arr.castTo(DataType.DOUBLE));
        });
        return out;
    }
}
