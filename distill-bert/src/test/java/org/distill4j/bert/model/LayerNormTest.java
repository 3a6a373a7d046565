package org.distill4j.bert.model;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * BertModel's two layer norms must both be BERT's (x - mean) / sqrt(var + eps) * gamma + beta, values and gradients,
 * also at the tiny variances of freshly initialised embeddings (rows of scale 1e-3 around an offset): ND4J's native
 * layer_norm (one op) for BERT's eps 1e-12, and {@link BertModel#flatLayerNorm} for any other eps, which the native
 * op ignores.
 */
class LayerNormTest {

    private static final int N = 64;
    private static final int D = 32;

    /** x, gamma, beta, weights for a loss sum(y * weights); double precision. */
    private static SameDiff graph(double scale, double eps) {
        SameDiff sd = SameDiff.create();
        Nd4j.getRandom().setSeed(7);
        SDVariable x = sd.var("x", Nd4j.randn(DataType.DOUBLE, N, D).muli(scale).addi(0.5));
        SDVariable gamma = sd.var("g", Nd4j.rand(DataType.DOUBLE, D).addi(0.5));
        SDVariable beta = sd.var("b", Nd4j.rand(DataType.DOUBLE, D));
        SDVariable ones = sd.constant(Nd4j.ones(DataType.DOUBLE, N, 1));
        sd.identity("ours", BertModel.flatLayerNorm(sd, x, gamma, beta, ones, eps));
        SDVariable centered = x.sub(sd.expandDims(x.mean(1), 1));
        SDVariable variance = sd.expandDims(centered.mul(centered).mean(1), 1);
        sd.identity("bert", centered.div(sd.math.sqrt(variance.add(eps))).mul(gamma).add(beta));
        sd.nn.layerNorm("native", x, gamma, beta, false, 1);
        SDVariable weights = sd.constant(Nd4j.randn(DataType.DOUBLE, N, D));
        for (String y : List.of("ours", "bert", "native")) {
            sd.identity("loss_" + y, sd.getVariable(y).mul(weights).sum());
        }
        return sd;
    }

    private static double maxRelative(INDArray a, INDArray b) {
        return a.sub(b).amaxNumber().doubleValue() / b.amaxNumber().doubleValue();
    }

    /** Values within valueTolerance (absolute) and gradients within gradientTolerance (relative) of BERT's formula. */
    private static void assertEqualsBertsFormula(String which, double eps, double valueTolerance,
                                                 double gradientTolerance) {
        for (double scale : new double[]{1.0, 0.03, 1e-3}) {
            SameDiff sd = graph(scale, eps);
            Map<String, INDArray> out = sd.output(Map.of(), which, "bert");
            double valueDiff = out.get(which).sub(out.get("bert")).amaxNumber().doubleValue();
            assertTrue(valueDiff < valueTolerance, which + ", scale " + scale + ": values differ by " + valueDiff);

            sd.setLossVariables("loss_" + which);
            Map<String, INDArray> ours = sd.calculateGradients(Map.of(), "x", "g", "b");
            sd.setLossVariables("loss_bert");
            sd.clearOpInputs();
            Map<String, INDArray> bert = sd.calculateGradients(Map.of(), "x", "g", "b");
            for (String v : List.of("x", "g", "b")) {
                double relative = maxRelative(ours.get(v), bert.get(v));
                assertTrue(relative < gradientTolerance, which + ", scale " + scale + ": gradient of " + v
                        + " differs by " + relative);
            }
        }
    }

    @Test
    void nativeOpEqualsBertsFormulaAtBertsEpsilon() {
        assertEqualsBertsFormula("native", 1e-12, 1e-5, 1e-5);
    }

    @Test
    void flatLayerNormEqualsBertsFormulaWithGradients() {
        assertEqualsBertsFormula("ours", 1e-12, 1e-9, 1e-8);
        assertEqualsBertsFormula("ours", 1e-5, 1e-9, 1e-8);
    }

    @Test
    void gradientsMatchFiniteDifferences() {
        SameDiff sd = graph(0.03, 1e-12);
        sd.setLossVariables("loss_ours");
        double worst = FiniteDifferences.worstRelativeError(sd, Map.of(), "loss_ours", List.of("x", "g", "b"), 24, 3);
        assertTrue(worst < 1e-6, "worst relative error " + worst);
    }

    /**
     * At variances near epsilon the configured epsilon matters: flatLayerNorm follows it, the native op (1e-12 fixed
     * inside, added to the standard deviation) does not, which is why BertModel uses it only for eps 1e-12.
     */
    @Test
    void honoursTheConfiguredEpsilon() {
        SameDiff sd = graph(1e-3, 1e-5); // variance about 1e-6
        Map<String, INDArray> out = sd.output(Map.of(), "ours", "bert", "native");
        double ours = out.get("ours").sub(out.get("bert")).amaxNumber().doubleValue();
        assertTrue(ours < 1e-9, "ours differs from BERT's formula with eps 1e-5 by " + ours);
        double nativeDiff = out.get("native").sub(out.get("bert")).amaxNumber().doubleValue();
        assertTrue(nativeDiff > 0.1, "the native op should ignore eps 1e-5 here; it differs by only " + nativeDiff);
    }
}
