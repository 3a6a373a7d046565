package org.distill4j.bert.weights;

import java.util.Collections;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.SortedSet;
import java.util.TreeMap;
import java.util.TreeSet;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/** {@link TensorSource#of}: arrays held in memory. */
final class InMemoryTensorSource implements TensorSource {
    private final String description;
    private final Map<String, INDArray> tensors = new TreeMap<>();
    private final Map<String, TensorInfo> infos = new TreeMap<>();

    InMemoryTensorSource(String description, Map<String, INDArray> tensors) {
        this.description = description;
        tensors.forEach((name, array) -> {
            TensorDType dtype = dtypeOf(name, array.dataType());
            this.tensors.put(name, array);
            infos.put(name, new TensorInfo(name, array.shape(), dtype, dtype.safetensorsName(),
                    array.length() * dtype.byteSize()));
        });
    }

    /** ND4J type to the dtype this package reports for it. */
    static TensorDType dtypeOf(String name, DataType type) {
        // if-chain, not switch: INT, LONG and HALF are deprecated constants, INT32, INT64 and FLOAT16 their aliases
        if (type == DataType.FLOAT) {
            return TensorDType.FLOAT32;
        } else if (type == DataType.DOUBLE) {
            return TensorDType.FLOAT64;
        } else if (type == DataType.FLOAT16) {
            return TensorDType.FLOAT16;
        } else if (type == DataType.BFLOAT16) {
            return TensorDType.BFLOAT16;
        } else if (type == DataType.INT32) {
            return TensorDType.INT32;
        } else if (type == DataType.INT64) {
            return TensorDType.INT64;
        }
        throw new IllegalArgumentException("tensor '" + name + "' has ND4J type " + type
                + "; expected FLOAT, DOUBLE, FLOAT16, BFLOAT16, INT32 or INT64");
    }

    @Override
    public String description() {
        return description;
    }

    @Override
    public SortedSet<String> names() {
        return Collections.unmodifiableSortedSet(new TreeSet<>(infos.keySet()));
    }

    @Override
    public TensorInfo info(String name) {
        TensorInfo info = infos.get(name);
        if (info == null) {
            throw new NoSuchElementException("no tensor '" + name + "' in " + description);
        }
        return info;
    }

    @Override
    public INDArray read(String name) {
        TensorInfo info = info(name);
        // Same contract as the file readers: a fresh c-ordered array of the read type.
        return tensors.get(name).castTo(info.dtype().readType()).dup('c');
    }

    @Override
    public void close() {
        // nothing to release
    }
}
