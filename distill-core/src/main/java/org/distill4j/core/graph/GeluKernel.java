package org.distill4j.core.graph;

import java.util.Arrays;
import java.util.List;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * BERT's exact GELU and its derivative for float arrays, computed in Java for the graphs {@link ExactGelu} builds in
 * their fast form (see there and {@link HostKernels}):
 * <pre>
 *   gelu(x)  = x Phi(x),             Phi(x) = (1 + erf(x / sqrt 2)) / 2
 *   gelu'(x) = Phi(x) + x phi(x),    phi(x) = exp(-x^2 / 2) / sqrt(2 pi)
 * </pre>
 * erf is {@link ErfKernel#erf(float)} (4e-7). exp(-x^2 / 2) is (exp(-s))^16 with s = x^2 / 32: a degree-6 Taylor
 * polynomial on s in [0, 1.125] (x clamped to [-6, 6], where x phi(x) is below 4e-8) squared four times, which keeps
 * the loop free of branches and library calls so the JIT vectorises it ({@code Math.exp} is a scalar call). In float
 * arithmetic x phi(x) so computed is within 2.4e-7 of the exact value on [-10, 10] (five squarings of a longer
 * polynomial: 4.6e-7, each squaring doubling the rounding error; three: 3.0e-7 at degree 7).
 * Against PyTorch's double-precision GELU and its autograd derivative (tools/kernels/make_gelu_reference.py), over
 * [-10, 10]: gelu within 6.1e-7 (erf's 4e-7 times |x| / 2 at most), gelu' within 2.5e-7 (GeluKernelTest holds both to
 * 8e-7).
 */
final class GeluKernel {

    private static final float SQRT1_2 = 0.70710678118654752f;
    private static final float INV_SQRT_2PI = 0.39894228040143268f;
    /** |x| beyond which x phi(x) < 4e-8 is left at its value at the clamp (keeps x^2 / 64 inside the fit's range). */
    private static final float PHI_CLAMP = 6f;

    private GeluKernel() {
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

    /**
     * y = gelu(x), element by element.
     *
     * @param x any shape, float
     * @param y x's shape, float, written (may be x itself)
     */
    static void forward(INDArray x, INDArray y) {
        HostElementwise.map(x, y, GeluKernel::gelu);
    }

    /**
     * d = gelu'(x), element by element (SameDiff multiplies it by the incoming gradient).
     *
     * @param x any shape, float: the GELU's input
     * @param d x's shape, float, written (may be x itself)
     */
    static void derivative(INDArray x, INDArray d) {
        HostElementwise.map(x, d, GeluKernel::geluDerivative);
    }

    /** gelu of a[0..n), in place. */
    static void gelu(float[] a, float[] unused, int n) {
        for (int j = 0; j < n; j++) {
            float x = a[j];
            a[j] = x * (0.5f + 0.5f * ErfKernel.erf(x * SQRT1_2));
        }
    }

    /**
     * gelu' of a[0..n), in place, in two loops: one loop doing both terms was too long for C2 to unroll (its
     * {@code LoopUnrollLimit}), so it ran scalar, 17-21 ms on [2048, 1024] against 2 ms vectorised.
     */
    static void geluDerivative(float[] a, float[] gaussian, int n) {
        for (int j = 0; j < n; j++) {
            float c = Math.min(Math.max(a[j], -PHI_CLAMP), PHI_CLAMP);
            float s = c * c * (1f / 32f);
            // exp(-s) by Taylor's series to s^6 (s <= 1.125), then ^16 = exp(-x^2 / 2)
            float e = 1f - s * (1f - s * (1f / 2 - s * (1f / 6 - s * (1f / 24 - s * (1f / 120 - s * (1f / 720))))));
            e *= e;
            e *= e;
            e *= e;
            e *= e;
            gaussian[j] = c * e * INV_SQRT_2PI;
        }
        for (int j = 0; j < n; j++) {
            a[j] = 0.5f + 0.5f * ErfKernel.erf(a[j] * SQRT1_2) + gaussian[j];
        }
    }
}
