package org.distill4j.bert.weights;

import java.io.IOException;
import java.util.Collections;
import java.util.HashMap;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.SortedSet;
import java.util.TreeSet;
import java.util.function.Function;
import org.nd4j.linalg.api.ndarray.INDArray;

/** {@link TensorSource#renamed}: a view with translated names. */
final class RenamedTensorSource implements TensorSource {
    private final TensorSource inner;
    private final Map<String, String> newToOld = new HashMap<>();
    private final SortedSet<String> names;

    RenamedTensorSource(TensorSource inner, Function<String, String> rename) {
        this.inner = inner;
        for (String old : inner.names()) {
            String renamed = rename.apply(old);
            if (renamed == null) {
                continue;
            }
            String clash = newToOld.put(renamed, old);
            if (clash != null) {
                throw new IllegalArgumentException("renaming tensors of " + inner.description() + ": both '" + clash
                        + "' and '" + old + "' become '" + renamed + "'");
            }
        }
        this.names = Collections.unmodifiableSortedSet(new TreeSet<>(newToOld.keySet()));
    }

    @Override
    public String description() {
        return inner.description();
    }

    @Override
    public SortedSet<String> names() {
        return names;
    }

    private String old(String name) {
        String old = newToOld.get(name);
        if (old == null) {
            throw new NoSuchElementException("no tensor '" + name + "' in the renamed view of " + inner.description());
        }
        return old;
    }

    @Override
    public TensorInfo info(String name) {
        TensorInfo i = inner.info(old(name));
        return new TensorInfo(name, i.shape(), i.dtype(), i.storedType(), i.byteSize());
    }

    @Override
    public INDArray read(String name) throws IOException {
        return inner.read(old(name));
    }

    @Override
    public void close() throws IOException {
        inner.close();
    }
}
