package org.distill4j.core.graph;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.distill4j.core.support.DoublePrecision;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.autodiff.validation.GradCheckUtil;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.DynamicCustomOp;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * {@link BiasGradientKernel}: add_bp of a bias broadcast over rows gives dz itself and its column sums (against a
 * double-precision sum and the native op; float and double, rank 2 and 3, both input orders, bias shapes [W] and
 * [1, 1, W]), is taken by a graph's bias adds and passes a finite-difference check there, and leaves every other
 * add_bp (equal shapes, other broadcasts, mixed types, other layouts) to ND4J.
 */
@ExtendWith(DoublePrecision.class) // GradCheckUtil insists on it; every array here names its type
class BiasGradientKernelTest {

    /** Runs add_bp natively (dx, db) for x + b. */
    private static INDArray[] nativeAddBp(INDArray x, INDArray b, INDArray dz) {
        INDArray dx = x.ulike();
        INDArray db = b.ulike();
        Nd4j.exec(DynamicCustomOp.builder("add_bp").addInputs(x, b, dz).addOutputs(dx, db).build());
        return new INDArray[]{dx, db};
    }

    private static INDArray columnSumsInDouble(INDArray dz) {
        long width = dz.size(dz.rank() - 1);
        return dz.castTo(DataType.DOUBLE).reshape(-1, width).sum(0);
    }

    @Test
    void floatGradientsAreDzAndItsColumnSums() {
        Nd4j.getRandom().setSeed(3);
        for (long[] shape : new long[][]{{2048, 256}, {2048, 1024}, {100, 7}}) { // 100: a last, partial block
            long width = shape[1];
            INDArray x = Nd4j.randn(DataType.FLOAT, shape);
            INDArray b = Nd4j.randn(DataType.FLOAT, width);
            INDArray dz = Nd4j.randn(DataType.FLOAT, shape).addi(3); // sums of about 6000: rounding shows
            INDArray dx = x.ulike();
            INDArray db = b.ulike();
            assertTrue(BiasGradientKernel.handles(List.of(x, b, dz), List.of(dx, db)));
            BiasGradientKernel.apply(List.of(x, b, dz), List.of(dx, db));
            assertEquals(dz, dx);
            INDArray exact = columnSumsInDouble(dz);
            double ours = db.castTo(DataType.DOUBLE).sub(exact).amaxNumber().doubleValue();
            double theirs = nativeAddBp(x, b, dz)[1].castTo(DataType.DOUBLE).sub(exact).amaxNumber().doubleValue();
            // float rounding of a sum near 6000 is 5e-4 a step; the kernel adds at most 64 floats before double
            assertTrue(ours <= 2e-3, "width " + width + ": column sums off by " + ours + " (native: " + theirs + ")");
        }
    }

    @Test
    void doubleRankThreeAndBothInputOrdersEqualTheNativeOp() {
        INDArray x = Nd4j.randn(DataType.DOUBLE, 4, 5, 6);
        INDArray dz = Nd4j.randn(DataType.DOUBLE, 4, 5, 6);
        for (INDArray b : List.of(Nd4j.randn(DataType.DOUBLE, 6), Nd4j.randn(DataType.DOUBLE, 1, 1, 6))) {
            INDArray[] expected = nativeAddBp(x, b, dz);
            INDArray dx = x.ulike();
            INDArray db = b.ulike();
            BiasGradientKernel.apply(List.of(x, b, dz), List.of(dx, db));
            assertEquals(expected[0], dx);
            assertTrue(db.sub(expected[1]).amaxNumber().doubleValue() < 1e-12);
            assertTrue(db.sub(columnSumsInDouble(dz).reshape(b.shape())).amaxNumber().doubleValue() < 1e-12);

            INDArray dbFirst = b.ulike();
            INDArray dxSecond = x.ulike();
            assertTrue(BiasGradientKernel.handles(List.of(b, x, dz), List.of(dbFirst, dxSecond)));
            BiasGradientKernel.apply(List.of(b, x, dz), List.of(dbFirst, dxSecond));
            assertEquals(dz, dxSecond);
            assertEquals(db, dbFirst);
        }
    }

    @Test
    void leavesOtherAddGradientsToTheNativeOp() {
        INDArray x = Nd4j.rand(DataType.FLOAT, 8, 6);
        INDArray b = Nd4j.rand(DataType.FLOAT, 6);
        INDArray dz = Nd4j.rand(DataType.FLOAT, 8, 6);
        assertTrue(BiasGradientKernel.handles(List.of(x, b, dz), List.of(x.ulike(), b.ulike())));
        // equal shapes (a residual), a column broadcast, a middle broadcast, mixed types, column-major, strided
        assertFalse(BiasGradientKernel.handles(List.of(x, x.dup(), dz), List.of(x.ulike(), x.ulike())));
        INDArray column = Nd4j.rand(DataType.FLOAT, 8, 1);
        assertFalse(BiasGradientKernel.handles(List.of(x, column, dz), List.of(x.ulike(), column.ulike())));
        INDArray scores = Nd4j.rand(DataType.FLOAT, 2, 3, 4, 4);
        INDArray mask = Nd4j.rand(DataType.FLOAT, 2, 1, 1, 4);
        assertFalse(BiasGradientKernel.handles(List.of(scores, mask, scores.ulike()), List.of(scores.ulike(), mask.ulike())));
        INDArray bd = b.castTo(DataType.DOUBLE);
        assertFalse(BiasGradientKernel.handles(List.of(x, bd, dz), List.of(x.ulike(), bd.ulike())));
        assertFalse(BiasGradientKernel.handles(List.of(x, b, dz.dup('f')), List.of(x.ulike(), b.ulike())));
        INDArray strided = Nd4j.rand(DataType.FLOAT, 8, 12).get(NDArrayIndex.all(), NDArrayIndex.interval(0, 2, 12));
        assertFalse(BiasGradientKernel.handles(List.of(x, b, strided), List.of(x.ulike(), b.ulike())));
        assertFalse(BiasGradientKernel.handles(List.of(x, b, dz), List.of(x.ulike())));
    }

    /** x W + b with a loss that weights every output differently. */
    private static SameDiff denseLayer(DataType type) {
        Nd4j.getRandom().setSeed(5);
        SameDiff sd = SameDiff.create();
        SDVariable x = sd.var("x", Nd4j.randn(type, 3, 4, 5));
        SDVariable w = sd.var("w", Nd4j.randn(type, 5, 6));
        SDVariable b = sd.var("b", Nd4j.randn(type, 6));
        SDVariable weights = sd.constant(Nd4j.randn(type, 12, 6));
        sd.mmul(sd.reshape(x, 12, 5), w).add(b).mul(weights).sum("loss");
        sd.setLossVariables("loss");
        return sd;
    }

    @Test
    void aGraphsBiasGradientRunsHereAndPassesAFiniteDifferenceCheck() {
        SameDiff reference = denseLayer(DataType.DOUBLE);
        Map<String, INDArray> expected = reference.calculateGradients(Map.of(), "x", "w", "b");

        SameDiff sd = denseLayer(DataType.DOUBLE);
        HostKernels.attach(sd);
        long before = HostKernels.runs();
        Map<String, INDArray> ours = sd.calculateGradients(Map.of(), "x", "w", "b");
        assertTrue(HostKernels.runs() > before, "the bias gradient did not run in the kernel");
        for (String v : List.of("x", "w", "b")) {
            assertTrue(ours.get(v).sub(expected.get(v)).amaxNumber().doubleValue() < 1e-12, v);
        }
        before = HostKernels.runs();
        assertTrue(GradCheckUtil.checkGradients(sd, Map.of(), 1e-6, 1e-5, 1e-8, false, false));
        assertTrue(HostKernels.runs() > before, "the gradient check never ran the kernel");
    }
}
