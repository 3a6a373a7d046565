package org.distill4j.core.data;

import java.util.LinkedHashMap;
import java.util.Map;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.indexing.INDArrayIndex;
import org.nd4j.linalg.indexing.NDArrayIndex;

/** Examples held as arrays whose first axis is the example (all padded to a common shape). */
public final class InMemoryExamples implements ExampleSet {

    private final Map<String, INDArray> columns;
    private final int size;

    /** @param columns named arrays with the same first-axis length */
    public InMemoryExamples(Map<String, INDArray> columns) {
        Batch check = new Batch(columns);
        this.columns = new LinkedHashMap<>(columns);
        this.size = check.size();
    }

    @Override
    public int size() {
        return size;
    }

    @Override
    public Batch batch(int[] indices) {
        long[] rows = new long[indices.length];
        for (int i = 0; i < indices.length; i++) {
            if (indices[i] < 0 || indices[i] >= size) {
                throw new IndexOutOfBoundsException("example " + indices[i] + " of " + size);
            }
            rows[i] = indices[i];
        }
        Map<String, INDArray> out = new LinkedHashMap<>();
        for (Map.Entry<String, INDArray> e : columns.entrySet()) {
            INDArray column = e.getValue();
            INDArrayIndex[] index = new INDArrayIndex[column.rank()];
            index[0] = NDArrayIndex.indices(rows);
            for (int d = 1; d < index.length; d++) {
                index[d] = NDArrayIndex.all();
            }
            INDArray picked = column.get(index).dup();
            if (picked.rank() < column.rank()) { // a single index can drop the example axis
                long[] shape = column.shape().clone();
                shape[0] = rows.length;
                picked = picked.reshape(shape);
            }
            out.put(e.getKey(), picked);
        }
        return new Batch(out);
    }

    /** The full column. */
    public INDArray column(String field) {
        return new Batch(columns).get(field);
    }
}
