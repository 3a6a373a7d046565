package org.distill4j.bert.weights;

import java.util.Arrays;
import java.util.Objects;

/**
 * What a source knows about one tensor before reading it.
 *
 * @param name       the tensor's name in its source
 * @param shape      dimensions, outermost first ({@code []} for a scalar); returned as a copy
 * @param dtype      the decodable element type, or {@code null} when the file stores a type this package cannot
 *                   read (see {@link #storedType()}); such tensors are listed but {@link TensorSource#read} refuses them
 * @param storedType the type as the file names it, e.g. {@code "F16"} or {@code "DT_STRING"}
 * @param byteSize   bytes the tensor occupies in the file
 */
public record TensorInfo(String name, long[] shape, TensorDType dtype, String storedType, long byteSize) {

    /**
     * Validates and copies the shape.
     *
     * @param name see the record description
     * @param shape see the record description
     * @param dtype see the record description
     * @param storedType see the record description
     * @param byteSize see the record description
     */
    public TensorInfo {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(storedType, "storedType");
        shape = shape.clone();
        for (long d : shape) {
            if (d < 0) {
                throw new IllegalArgumentException("tensor '" + name + "': negative dimension in " + Arrays.toString(shape));
            }
        }
    }

    /** @return a copy of the dimensions */
    @Override
    public long[] shape() {
        return shape.clone();
    }

    /** @return the number of dimensions */
    public int rank() {
        return shape.length;
    }

    /** @return the number of elements (1 for a scalar, 0 if any dimension is 0) */
    public long elementCount() {
        return elementCount(shape);
    }

    /** @return whether {@link TensorSource#read(String)} can decode this tensor */
    public boolean isReadable() {
        return dtype != null;
    }

    /**
     * @param shape dimensions
     * @return their product, failing on overflow
     */
    static long elementCount(long[] shape) {
        long n = 1;
        for (long d : shape) {
            n = Math.multiplyExact(n, d);
        }
        return n;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof TensorInfo t && name.equals(t.name) && Arrays.equals(shape, t.shape)
                && dtype == t.dtype && storedType.equals(t.storedType) && byteSize == t.byteSize;
    }

    @Override
    public int hashCode() {
        return Objects.hash(name, Arrays.hashCode(shape), dtype, storedType, byteSize);
    }

    @Override
    public String toString() {
        return name + " " + storedType + Arrays.toString(shape);
    }
}
