package org.distill4j.core.data;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * A batch of examples as named arrays whose first axis is the example, e.g. input_ids [B, L], attention_mask
 * [B, L], labels [B]. Teacher and student adaptors pick the fields they need, so the two models can take
 * different inputs (e.g. different tokenizations) from the same batch.
 */
public final class Batch {

    private final Map<String, INDArray> fields;
    private final int size;

    /** @param fields named arrays, all with the same first-axis length */
    public Batch(Map<String, INDArray> fields) {
        if (fields.isEmpty()) {
            throw new IllegalArgumentException("a batch needs at least one field");
        }
        this.fields = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(fields));
        long first = -1;
        for (Map.Entry<String, INDArray> e : fields.entrySet()) {
            long n = e.getValue().rank() == 0 ? 1 : e.getValue().size(0);
            if (first >= 0 && n != first) {
                throw new IllegalArgumentException("batch field '" + e.getKey() + "' has " + n
                        + " examples but the others have " + first);
            }
            first = n;
        }
        this.size = (int) first;
    }

    /** Number of examples. */
    public int size() {
        return size;
    }

    /** Field names. */
    public Set<String> fieldNames() {
        return fields.keySet();
    }

    /** The field's array; an error names the missing field and those present. */
    public INDArray get(String field) {
        INDArray a = fields.get(field);
        if (a == null) {
            throw new IllegalArgumentException("batch has no field '" + field + "'; fields: " + fields.keySet());
        }
        return a;
    }

    /** True if the field exists. */
    public boolean has(String field) {
        return fields.containsKey(field);
    }

    /** All fields. */
    public Map<String, INDArray> fields() {
        return fields;
    }
}
