package org.distill4j.bert.weights;

import java.io.Closeable;
import java.io.IOException;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.SortedSet;
import java.util.function.Function;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * A named collection of tensors, such as a checkpoint or a safetensors file. Names, shapes and dtypes are known
 * when the source is opened; data is read lazily, one tensor per {@link #read(String)} call, so a 400 MB checkpoint
 * never has to sit in memory at once.
 *
 * <p>Implementations hold open files: close them. They are not thread-safe unless stated.
 */
public interface TensorSource extends Closeable {

    /** @return a short description for messages, usually the file path */
    String description();

    /** @return all tensor names, sorted; includes tensors whose dtype cannot be decoded (see {@link TensorInfo#isReadable()}) */
    SortedSet<String> names();

    /**
     * @param name a tensor name
     * @return what is known about it without reading data
     * @throws NoSuchElementException if there is no such tensor (the message names the source)
     */
    TensorInfo info(String name);

    /**
     * @param name a tensor name
     * @return whether the source holds it
     */
    default boolean contains(String name) {
        return names().contains(name);
    }

    /**
     * @param name a tensor name
     * @return its shape (a copy)
     * @throws NoSuchElementException if there is no such tensor
     */
    default long[] shape(String name) {
        return info(name).shape();
    }

    /**
     * @param name a tensor name
     * @return its decodable dtype, or {@code null} if the file stores a type this package cannot read
     * @throws NoSuchElementException if there is no such tensor
     */
    default TensorDType dtype(String name) {
        return info(name).dtype();
    }

    /**
     * Reads one tensor into a new c-ordered array of {@link TensorDType#readType()}: FLOAT for float32, float16 and
     * bfloat16, DOUBLE for float64, INT32 for int32, INT64 for int64. Formats with checksums verify them here.
     *
     * @param name a tensor name
     * @return the tensor's values
     * @throws NoSuchElementException if there is no such tensor
     * @throws WeightFormatException  if the data is corrupt, truncated or of an unsupported dtype
     * @throws IOException            if the file cannot be read
     */
    INDArray read(String name) throws IOException;

    /**
     * A view of this source under other names; closing the view closes this source.
     *
     * @param rename maps each name here to the name in the view, or to {@code null} to leave the tensor out
     * @return the renamed view
     * @throws IllegalArgumentException if two tensors get the same new name (both are named)
     */
    default TensorSource renamed(Function<String, String> rename) {
        return new RenamedTensorSource(this, rename);
    }

    /**
     * A source over arrays already in memory, for tests and for checking a model's own parameters with
     * {@link WeightMap}. Arrays are returned as copies so callers cannot change the source.
     *
     * @param description used in messages
     * @param tensors     name to array; arrays must be FLOAT, DOUBLE, FLOAT16, BFLOAT16, INT32 or INT64
     * @return the source
     */
    static TensorSource of(String description, Map<String, INDArray> tensors) {
        return new InMemoryTensorSource(description, tensors);
    }

    /** Releases open files; idempotent. Sources without files do nothing. */
    @Override
    void close() throws IOException;
}
