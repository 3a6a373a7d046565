package org.distill4j.core.graph;

import java.nio.DoubleBuffer;
import java.nio.FloatBuffer;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Rows of a dense float or double array's host memory, read and written as double[] by the Java kernels
 * ({@link LayerNormKernel}, {@link BiasGradientKernel}): the array seen as [length / width, width] in C order. A
 * float row goes through one bulk copy into a float[] and a conversion loop each way (per-element buffer access is not
 * vectorised by the JIT and was the larger part of a layer norm's time); float to double and back is exact.
 */
abstract class HostRows {

    final int base;

    private HostRows(int base) {
        this.base = base;
    }

    /**
     * C-contiguous (each dimension longer than 1 steps over the elements of the dimensions after it; an offset into
     * a larger buffer is fine) and within the 2 GiB a Java buffer can address: the arrays the kernels can read as rows.
     * Dimensions of length 1 may have any stride: ND4J gives a [1, 1, W] array strides [W, W, 1], which
     * {@code Shape.hasDefaultStridesForShape} rejects.
     */
    static boolean dense(INDArray a) {
        if (a == null || a.isEmpty() || a.data() == null) {
            return false;
        }
        long[] shape = a.shape();
        long[] stride = a.stride();
        long step = 1;
        for (int i = shape.length - 1; i >= 0; i--) {
            if (shape[i] != 1 && stride[i] != step) {
                return false;
            }
            step *= shape[i];
        }
        return (a.data().offset() + a.length()) * a.data().getElementSize() <= Integer.MAX_VALUE;
    }

    /** The rows of a dense float or double array (its elements start at the buffer's position: a view's offset). */
    static HostRows of(INDArray a) {
        if (a.dataType() == DataType.FLOAT) {
            FloatBuffer buffer = a.data().asNioFloat();
            return new FloatRows(buffer, buffer.position());
        }
        DoubleBuffer buffer = a.data().asNioDouble();
        return new DoubleRows(buffer, buffer.position());
    }

    /** Reads row {@code row} (elements [row * width, (row + 1) * width)) into {@code into}; returns it. */
    abstract double[] read(int row, int width, double[] into);

    /** Writes {@code from[0..width)} as row {@code row}. */
    abstract void write(int row, int width, double[] from);

    private static final class FloatRows extends HostRows {
        private final FloatBuffer buffer;
        private float[] scratch = new float[0];

        FloatRows(FloatBuffer buffer, int base) {
            super(base);
            this.buffer = buffer;
        }

        @Override
        double[] read(int row, int width, double[] into) {
            float[] floats = scratch(width);
            buffer.get(base + row * width, floats, 0, width);
            for (int j = 0; j < width; j++) {
                into[j] = floats[j];
            }
            return into;
        }

        @Override
        void write(int row, int width, double[] from) {
            float[] floats = scratch(width);
            for (int j = 0; j < width; j++) {
                floats[j] = (float) from[j];
            }
            buffer.put(base + row * width, floats, 0, width);
        }

        private float[] scratch(int width) {
            if (scratch.length < width) {
                scratch = new float[width];
            }
            return scratch;
        }
    }

    private static final class DoubleRows extends HostRows {
        private final DoubleBuffer buffer;

        DoubleRows(DoubleBuffer buffer, int base) {
            super(base);
            this.buffer = buffer;
        }

        @Override
        double[] read(int row, int width, double[] into) {
            buffer.get(base + row * width, into, 0, width);
            return into;
        }

        @Override
        void write(int row, int width, double[] from) {
            buffer.put(base + row * width, from, 0, width);
        }
    }
}
