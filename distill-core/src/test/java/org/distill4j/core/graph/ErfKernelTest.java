package org.distill4j.core.graph;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.impl.transforms.strict.Erf;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * {@link ErfKernel}: within its documented 4e-7 of ND4J's double-precision erf over the float range that matters
 * (and at the special values), taken by graphs of float erf ops and not by others. The reference is the native op
 * in double precision, an implementation independent of the kernel's rational fit. Only the forward value changes:
 * erf's gradient is SameDiff's own (2/sqrt(pi) exp(-x^2) dy, from other ops), as it is without the kernel.
 */
class ErfKernelTest {

    /** The bound tools/kernels/erf_rational_fit.py prints for this float arithmetic (3.9e-7), rounded up. */
    private static final double BOUND = 4e-7;

    private static INDArray nativeErfInDouble(INDArray x) {
        INDArray xd = x.castTo(DataType.DOUBLE);
        INDArray y = xd.ulike();
        Nd4j.exec(new Erf(xd, y));
        return y;
    }

    private static INDArray evenlySpaced(float from, float to, int count) {
        float[] values = new float[count];
        for (int i = 0; i < count; i++) {
            values[i] = from + (to - from) * i / (count - 1);
        }
        return Nd4j.createFromArray(values);
    }

    @Test
    void staysWithinItsBoundOfTheDoublePrecisionErf() {
        // every float step of 2^-16 on [-8, 8] (1M values), so the fit's worst points near |x| = 3.4 are among them
        INDArray x = evenlySpaced(-8, 8, (1 << 20) + 1);
        INDArray y = x.ulike();
        ErfKernel.apply(x, y);
        double worst = y.castTo(DataType.DOUBLE).sub(nativeErfInDouble(x)).amaxNumber().doubleValue();
        assertTrue(worst < BOUND, "largest error " + worst);
        assertTrue(worst > 1e-8, "no visible error at all: is this the kernel? " + worst);
        assertTrue(y.amaxNumber().doubleValue() <= 1.0, "|erf| above 1");
    }

    @Test
    void keepsTheSpecialValues() {
        float[] special = {0f, -0f, Float.NaN, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, Float.MIN_VALUE,
                -Float.MIN_VALUE, 1e-30f, Float.MAX_VALUE, -Float.MAX_VALUE, 4f, -4f, 10f};
        INDArray x = Nd4j.createFromArray(special);
        INDArray y = x.ulike();
        ErfKernel.apply(x, y);
        assertEquals(Float.floatToRawIntBits(0f), Float.floatToRawIntBits(y.getFloat(0)));
        assertEquals(Float.floatToRawIntBits(-0f), Float.floatToRawIntBits(y.getFloat(1)), "erf(-0) is -0");
        assertTrue(Float.isNaN(y.getFloat(2)));
        assertEquals(1f, y.getFloat(3));
        assertEquals(-1f, y.getFloat(4));
        INDArray expected = nativeErfInDouble(x);
        for (int i = 5; i < special.length; i++) {
            assertEquals(expected.getDouble(i), y.getFloat(i), BOUND, "erf(" + special[i] + ")");
        }
    }

    @Test
    void writesViewsAndInPlace() {
        INDArray big = evenlySpaced(-3, 3, 60).reshape(6, 10);
        INDArray rows = big.get(NDArrayIndex.interval(2, 5), NDArrayIndex.all()); // a view with an offset
        INDArray expected = nativeErfInDouble(rows);
        INDArray untouched = big.get(NDArrayIndex.interval(0, 2), NDArrayIndex.all()).dup();
        ErfKernel.apply(rows, rows);
        assertTrue(rows.castTo(DataType.DOUBLE).sub(expected).amaxNumber().doubleValue() < BOUND);
        assertEquals(untouched, big.get(NDArrayIndex.interval(0, 2), NDArrayIndex.all()));
    }

    @Test
    void takesFloatErfOpsInAGraphAndLeavesTheRest() {
        INDArray x = Nd4j.randn(DataType.FLOAT, 64, 48).muli(3);
        SameDiff sd = SameDiff.create();
        SDVariable v = sd.var("x", x);
        sd.math.erf("y", v);
        HostKernels.attach(sd);
        long before = HostKernels.runs();
        INDArray y = sd.output(Map.of(), "y").get("y");
        assertEquals(before + 1, HostKernels.runs(), "the graph's erf did not run in the kernel");
        assertTrue(y.castTo(DataType.DOUBLE).sub(nativeErfInDouble(x)).amaxNumber().doubleValue() < BOUND);

        // double precision: the fit is float-accurate only, so ND4J computes it
        SameDiff sdDouble = SameDiff.create();
        sdDouble.math.erf("y", sdDouble.var("x", x.castTo(DataType.DOUBLE)));
        HostKernels.attach(sdDouble);
        before = HostKernels.runs();
        INDArray yd = sdDouble.output(Map.of(), "y").get("y");
        assertEquals(before, HostKernels.runs());
        assertEquals(nativeErfInDouble(x), yd);

        INDArray f = Nd4j.rand(DataType.FLOAT, 4, 6);
        assertTrue(ErfKernel.handles(List.of(f), List.of(f.ulike())));
        assertFalse(ErfKernel.handles(List.of(f.castTo(DataType.DOUBLE)), List.of(f.castTo(DataType.DOUBLE))));
        assertFalse(ErfKernel.handles(List.of(f), List.of(Nd4j.create(DataType.FLOAT, 6, 4))));
        assertFalse(ErfKernel.handles(List.of(f, f), List.of(f.ulike())));
        assertFalse(ErfKernel.handles(List.of(f.dup('f')), List.of(f.ulike())));
        INDArray strided = f.get(NDArrayIndex.all(), NDArrayIndex.interval(0, 2, 6));
        assertFalse(ErfKernel.handles(List.of(strided), List.of(strided.ulike())));
    }
}
