package org.distill4j.core.projection;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import java.util.Random;
import java.util.stream.Stream;
import org.distill4j.core.support.GoldenCases;
import org.distill4j.core.support.GoldenCases.Case;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.autodiff.validation.GradCheckUtil;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** Projections against PyTorch, their gradient, and TextBrewer's initialisation. */
@org.junit.jupiter.api.extension.ExtendWith(org.distill4j.core.support.DoublePrecision.class)
class ProjectionGoldenTest {


    static Stream<Case> cases() {
        return GoldenCases.family("projection").stream();
    }

    private static SDVariable build(SameDiff sd, Case c) {
        INDArray w = c.inputs().get("W");
        SDVariable x = sd.var("x", c.inputs().get("x").dup());
        ProjectionLayer layer = ProjectionLayer.of(sd.var("W", w.dup()), sd.var("b", c.inputs().get("b").dup()),
                Projection.registry().get("proj", c.name()), (int) w.size(0), (int) w.size(1));
        return layer.apply(sd, x, 3);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void projectionMatchesReference(Case c) {
        SameDiff sd = SameDiff.create();
        INDArray y = build(sd, c).eval();
        INDArray expected = c.expected().get("y");
        assertArrayEquals(expected.shape(), y.shape());
        assertArrayEquals(expected.dup().reshape(-1).toDoubleVector(), y.dup().reshape(-1).toDoubleVector(), 1e-12);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void projectionGradientIsCorrect(Case c) {
        SameDiff sd = SameDiff.create();
        SDVariable y = build(sd, c);
        SDVariable loss = y.mul(y).sum();
        sd.setLossVariables(loss);
        assertTrue(GradCheckUtil.checkGradients(sd, Map.of(), 1e-6, 1e-5, 1e-8, false, false));
    }

    @Test
    void initialisationIsNormalWithStd002AndZeroBias() {
        SameDiff sd = SameDiff.create();
        ProjectionLayer layer = ProjectionLayer.create(sd, "p", Projection.LINEAR, 200, 300, DataType.DOUBLE, new Random(7));
        INDArray w = sd.getArrForVarName(layer.parameterNames().get(0));
        INDArray b = sd.getArrForVarName(layer.parameterNames().get(1));
        assertEquals(0.0, w.meanNumber().doubleValue(), 0.001);
        assertEquals(0.02, w.stdNumber().doubleValue(), 0.0005);
        assertEquals(0.0, b.norm2Number().doubleValue(), 0.0);
    }
}
