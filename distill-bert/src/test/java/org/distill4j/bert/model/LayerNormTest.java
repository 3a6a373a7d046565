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
 * BertModel uses ND4J's native layer_norm (one op) instead of BERT's (x - mean) / sqrt(var + 1e-12) * gamma + beta
 * written out (about twelve ops). The two must agree, values and gradients, also at the tiny variances of freshly
 * initialised embeddings (rows of scale 1e-3 around an offset).
 */
class LayerNormTest {

    @Test
    void nativeLayerNormEqualsBertsFormulaWithGradients() {
        for (double scale : new double[]{1.0, 0.03, 1e-3}) {
            SameDiff sd = SameDiff.create();
            SDVariable x = sd.var("x", Nd4j.randn(DataType.DOUBLE, 64, 32).muli(scale).addi(0.5));
            SDVariable gamma = sd.var("g", Nd4j.rand(DataType.DOUBLE, 32).addi(0.5));
            SDVariable beta = sd.var("b", Nd4j.rand(DataType.DOUBLE, 32));
            SDVariable nativeLn = sd.nn.layerNorm("native", x, gamma, beta, false, 1);
            SDVariable centered = x.sub(sd.expandDims(x.mean(1), 1));
            SDVariable variance = sd.expandDims(centered.mul(centered).mean(1), 1);
            SDVariable bert = sd.identity("bert", centered.div(sd.math.sqrt(variance.add(1e-12))).mul(gamma).add(beta));
            Map<String, INDArray> out = sd.output(Map.of(), "native", "bert");
            double valueDiff = out.get("native").sub(out.get("bert")).amaxNumber().doubleValue();
            assertTrue(valueDiff < 1e-5, "scale " + scale + ": values differ by " + valueDiff);

            SDVariable weights = sd.constant(Nd4j.randn(DataType.DOUBLE, 64, 32));
            sd.identity("loss_native", nativeLn.mul(weights).sum());
            sd.identity("loss_bert", bert.mul(weights).sum());
            sd.setLossVariables("loss_native");
            Map<String, INDArray> gNative = sd.calculateGradients(Map.of(), "x", "g", "b");
            sd.setLossVariables("loss_bert");
            sd.clearOpInputs();
            Map<String, INDArray> gBert = sd.calculateGradients(Map.of(), "x", "g", "b");
            for (String v : List.of("x", "g", "b")) {
                INDArray a = gNative.get(v);
                INDArray b = gBert.get(v);
                double relative = a.sub(b).amaxNumber().doubleValue() / b.amaxNumber().doubleValue();
                assertTrue(relative < 1e-5, "scale " + scale + ": gradient of " + v + " differs by " + relative + " (relative)");
            }
        }
    }
}
