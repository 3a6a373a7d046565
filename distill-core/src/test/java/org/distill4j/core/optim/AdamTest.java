package org.distill4j.core.optim;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.impl.updaters.AdamUpdater;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Adam runs as ND4J's native adam_updater (OptimizerGoldenTest pins it to torch.optim in double precision, including
 * the bias-corrected epsilon it is given); these check what the golden cases do not: float parameters, and that the
 * gradient it is handed is left as it was.
 */
class AdamTest {

    @ParameterizedTest(name = "decoupled={0}")
    @ValueSource(booleans = {false, true})
    void floatParametersFollowTheDoubleUpdateAndTheGradientIsNotModified(boolean decoupled) {
        Adam adam = new Adam(0.9, 0.999, 1e-8, decoupled);
        Nd4j.getRandom().setSeed(11);
        INDArray start = Nd4j.randn(DataType.DOUBLE, 3, 5);
        INDArray pDouble = start.dup();
        INDArray pFloat = start.castTo(DataType.FLOAT);
        List<INDArray> sDouble = List.of(Nd4j.zeros(DataType.DOUBLE, 3, 5), Nd4j.zeros(DataType.DOUBLE, 3, 5));
        List<INDArray> sFloat = List.of(Nd4j.zeros(DataType.FLOAT, 3, 5), Nd4j.zeros(DataType.FLOAT, 3, 5));
        for (int step = 1; step <= 6; step++) {
            INDArray g = Nd4j.randn(DataType.DOUBLE, 3, 5).muli(step % 2 == 0 ? 1e-3 : 1.0);
            INDArray gFloat = g.castTo(DataType.FLOAT);
            INDArray gFloatBefore = gFloat.dup();
            adam.update(pDouble, g, sDouble, step, 1e-2, 0.1);
            adam.update(pFloat, gFloat, sFloat, step, 1e-2, 0.1);
            assertEquals(gFloatBefore, gFloat, "the gradient was modified at step " + step);
            assertArrayEquals(pDouble.dup().reshape(-1).toDoubleVector(),
                    pFloat.castTo(DataType.DOUBLE).reshape(-1).toDoubleVector(), 2e-6, "step " + step);
        }
    }

    @Test
    void theUpdateLeavesNoNativeReferenceToTheGradient() {
        INDArray g = Nd4j.rand(DataType.FLOAT, 4, 3);
        INDArray param = Nd4j.rand(DataType.FLOAT, 4, 3);
        List<INDArray> state = List.of(Nd4j.zeros(DataType.FLOAT, 4, 3), Nd4j.zeros(DataType.FLOAT, 4, 3));
        INDArray update = Nd4j.createUninitialized(DataType.FLOAT, 4, 3);
        // Why ArrayRecycling.execReleasingArrays exists: Nd4j.exec keeps the op's buffers referenced until the JVM collects its context.
        Nd4j.exec(new AdamUpdater(g, state.get(1), state.get(0), update, state.get(1), state.get(0), 1e-3, 0.9, 0.999,
                1e-8, 0));
        assertEquals(2, useCount(g), "M2.1: a second reference to the gradient after Nd4j.exec");

        INDArray grad = Nd4j.rand(DataType.FLOAT, 4, 3);
        List<INDArray> fresh = List.of(Nd4j.zeros(DataType.FLOAT, 4, 3), Nd4j.zeros(DataType.FLOAT, 4, 3));
        new Adam(0.9, 0.999, 1e-8, true).update(param, grad, fresh, 1, 1e-3, 0.01);
        assertEquals(1, useCount(grad), "the array cache only reuses buffers with one reference");
        assertEquals(1, useCount(fresh.get(0)));
        assertEquals(1, useCount(fresh.get(1)));
    }

    private static int useCount(INDArray a) {
        return Nd4j.getExecutioner().useCount(a.data());
    }
}
