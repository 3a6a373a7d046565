package org.distill4j.core.graph;

import java.util.Arrays;
import java.util.List;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * ND4J's {@code erf} for float arrays, computed in Java on the calling thread (see {@link HostKernels} for why):
 * erf(x) = x P(x^2) / Q(x^2) with x clamped to [-4, 4] (beyond, erf rounds to +-1 in float) and the result to
 * [-1, 1]; P of degree 6 and Q of degree 4, fitted by {@code tools/kernels/erf_rational_fit.py}, which also prints
 * the largest absolute error of this float arithmetic against Python's double-precision {@code math.erf}: 3.9e-7
 * on [-6, 6] (a few float ulps of values near 1; ND4J's float erf is within 6e-8). NaN stays NaN.
 *
 * <p>The loop has no branch and no library call, so the JIT compiles it to vector instructions: [2048, 1536]
 * (a GELU of the standard benchmark's teacher) takes 6-8 ms on one thread, ND4J's native op 14-50 ms on two. Large
 * arrays are split over ND4J's threads when no other graph runs ({@link HostThreads}).
 * Double arrays are left to ND4J: the fit is accurate to float precision only.
 */
final class ErfKernel {

    private static final float CLAMP = 4f;
    private static final float P0 = 1.128378630e+00f;
    private static final float P1 = 2.146001309e-01f;
    private static final float P2 = 5.251685902e-02f;
    private static final float P3 = 4.323308822e-03f;
    private static final float P4 = 1.564619597e-04f;
    private static final float P5 = -1.996744231e-06f;
    private static final float P6 = 1.923993587e-08f;
    private static final float Q1 = 5.235113502e-01f;
    private static final float Q2 = 1.210688129e-01f;
    private static final float Q3 = 1.560731698e-02f;
    private static final float Q4 = 1.106150681e-03f;

    private ErfKernel() {
    }

    /** True for one dense float input and one dense float output of the same shape (the in-place case included). */
    static boolean handles(List<INDArray> inputs, List<INDArray> outputs) {
        if (inputs.size() != 1 || outputs.size() != 1) {
            return false;
        }
        INDArray x = inputs.get(0);
        INDArray y = outputs.get(0);
        return dense(x) && dense(y) && Arrays.equals(x.shape(), y.shape());
    }

    private static boolean dense(INDArray a) {
        return HostRows.dense(a) && a.dataType() == DataType.FLOAT;
    }

    /** erf of the op's one input into its one output (a {@link #handles handled} op). */
    static void apply(List<INDArray> inputs, List<INDArray> outputs) {
        apply(inputs.get(0), outputs.get(0));
    }

    /**
     * y = erf(x), element by element.
     *
     * @param x any shape, float
     * @param y x's shape, float, written (may be x itself)
     */
    static void apply(INDArray x, INDArray y) {
        HostElementwise.map(x, y, (a, scratch, n) -> erf(a, n));
    }

    /** erf of a[0..n), in place. */
    static void erf(float[] a, int n) {
        for (int j = 0; j < n; j++) {
            a[j] = erf(a[j]);
        }
    }

    /** erf(x) to 4e-7 (small enough for the JIT to inline into the loops that call it, which it then vectorises). */
    static float erf(float x) {
        float c = Math.min(Math.max(x, -CLAMP), CLAMP);
        float t = c * c;
        float p = (((((P6 * t + P5) * t + P4) * t + P3) * t + P2) * t + P1) * t + P0;
        float q = (((Q4 * t + Q3) * t + Q2) * t + Q1) * t + 1f;
        return Math.min(Math.max(c * p / q, -1f), 1f);
    }
}
