package org.distill4j.core.data;

import java.util.LinkedHashMap;
import java.util.Map;
import org.distill4j.core.config.ConfigException;
import org.nd4j.linalg.api.ndarray.INDArray;

/** Combinations of example sets. */
public final class ExampleSets {

    private ExampleSets() {
    }

    /**
     * The same examples seen two ways, in one set: each batch holds {@code main}'s fields and {@code other}'s fields
     * under {@code otherPrefix}. Typical use: the student's tokenization as main and the teacher's (another
     * vocabulary, another length) as other with prefix "teacher.", read by
     * {@link org.distill4j.core.graph.ModelGraph#readingFieldsWithPrefix}. Example i of both sets must be the same
     * example; the sizes must agree.
     *
     * @throws ConfigException if the sizes differ or the prefix is empty
     */
    public static ExampleSet join(ExampleSet main, ExampleSet other, String otherPrefix) {
        if (main.size() != other.size()) {
            throw new ConfigException("joined examples", main.size() + " vs " + other.size(),
                    "both sets must hold the same examples in the same order (equal sizes)");
        }
        if (otherPrefix == null || otherPrefix.isEmpty()) {
            throw new ConfigException("joined examples prefix", otherPrefix, "give a non-empty prefix, e.g. \"teacher.\"");
        }
        return new ExampleSet() {
            @Override
            public int size() {
                return main.size();
            }

            @Override
            public Batch batch(int[] indices) {
                Map<String, INDArray> fields = new LinkedHashMap<>(main.batch(indices).fields());
                other.batch(indices).fields().forEach((name, value) -> fields.put(otherPrefix + name, value));
                return new Batch(fields);
            }
        };
    }
}
