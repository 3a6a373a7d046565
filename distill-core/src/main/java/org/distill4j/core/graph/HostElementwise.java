package org.distill4j.core.graph;

import java.nio.FloatBuffer;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * The loop shared by the Java kernels that map each element of a dense float array to one of another
 * ({@link ErfKernel}, {@link GeluKernel}): the elements go through a float[] chunk (bulk copies each way; per-element
 * buffer access is not vectorised by the JIT), the kernel's function maps the chunk in place, and large arrays are
 * split over ND4J's threads when no other graph runs ({@link HostThreads}).
 */
final class HostElementwise {

    /** Elements per bulk copy between native memory and the Java arrays the loops vectorise over (64 KiB each). */
    private static final int CHUNK = 16384;

    /** A function applied to a[0..n) in place; {@code scratch} is a work array at least n long. */
    @FunctionalInterface
    interface FloatMap {
        void apply(float[] a, float[] scratch, int n);
    }

    private HostElementwise() {
    }

    /**
     * y = f(x), element by element.
     *
     * @param x any shape, dense float ({@link HostRows#dense})
     * @param y x's length, dense float, written (may be x itself)
     */
    static void map(INDArray x, INDArray y, FloatMap f) {
        int n = (int) x.length();
        int parts = HostThreads.parts(n);
        HostThreads.forEachPart(parts, part -> map(x, y, f, HostThreads.firstRow(part, parts, n, 1),
                HostThreads.firstRow(part + 1, parts, n, 1)));
    }

    /** Elements [from, to) of y = f(x). */
    private static void map(INDArray x, INDArray y, FloatMap f, int from, int to) {
        FloatBuffer in = x.data().asNioFloat(); // positioned at the array's first element (a view's offset)
        FloatBuffer out = y.data().asNioFloat();
        int inBase = in.position();
        int outBase = out.position();
        float[] chunk = new float[Math.min(CHUNK, Math.max(1, to - from))];
        float[] scratch = new float[chunk.length];
        for (int start = from; start < to; start += CHUNK) {
            int length = Math.min(CHUNK, to - start);
            in.get(inBase + start, chunk, 0, length);
            f.apply(chunk, scratch, length);
            out.put(outBase + start, chunk, 0, length);
        }
    }
}
