package org.distill4j.bert.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import org.distill4j.core.graph.ModelGraph;
import org.junit.jupiter.api.Test;
import org.nd4j.autodiff.listeners.At;
import org.nd4j.autodiff.listeners.BaseListener;
import org.nd4j.autodiff.listeners.Operation;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.autodiff.samediff.internal.SameDiffOp;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.OpContext;
import org.nd4j.linalg.dataset.api.MultiDataSet;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Why {@link BertModel#onEveryRow} carries a control dependency: SameDiff M2.1 runs an op as soon as its inputs exist,
 * and the bias rows ones [N, 1] x b [1, D] read only the row count and a parameter, so every layer's bias rows were
 * computed at the start of a run and all kept until their layer's add read them (a teacher's forward pass at the
 * standard benchmark sizes: 162 of the 168 MiB it had alive at its peak). M2.1 drops ops' control dependencies when it
 * builds the gradient function; {@link ModelGraph#prepareGradients()} puts them back.
 */
class BiasRowsOrderTest {

    private static final int LAYERS = 3;

    /** Three dense layers x W + ones x b; {@code ordered}: the bias rows through onEveryRow, else bare. */
    private static SameDiff layers(boolean ordered) {
        SameDiff sd = SameDiff.create();
        Nd4j.getRandom().setSeed(3);
        SDVariable h = sd.placeHolder("x", DataType.FLOAT, -1, 8);
        SDVariable ones = sd.onesLike(sd.reshape(sd.sum(h, 1), -1, 1), DataType.FLOAT); // [N, 1]
        for (int i = 0; i < LAYERS; i++) {
            SDVariable w = sd.var("w" + i, Nd4j.randn(DataType.FLOAT, 8, 8).muli(0.3));
            SDVariable b = sd.var("b" + i, Nd4j.randn(DataType.FLOAT, 8));
            SDVariable product = sd.mmul("product" + i, h, w);
            SDVariable rows = ordered ? BertModel.onEveryRow(sd, ones, b, 8, product)
                    : sd.mmul(ones, sd.reshape(b, 1, 8));
            rows.rename("rows" + i);
            h = product.add("h" + i, rows);
        }
        h.sum("loss");
        sd.setLossVariables("loss");
        return sd;
    }

    private static final Map<String, INDArray> FEED = Map.of("x", feature());

    private static INDArray feature() {
        float[] x = new float[40];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) Math.sin(i);
        }
        return Nd4j.create(x, new long[]{5, 8}, DataType.FLOAT);
    }

    /** Names of the ops' first outputs, in the order a run executed them. */
    private static List<String> order(SameDiff sd, boolean training) {
        List<String> ran = Collections.synchronizedList(new ArrayList<>());
        BaseListener l = new BaseListener() {
            @Override
            public boolean isActive(Operation operation) {
                return true;
            }

            @Override
            public void opExecution(SameDiff s, At at, MultiDataSet batch, SameDiffOp op, OpContext ctx,
                                    INDArray[] outputs) {
                ran.add(op.getOutputsOfOp().get(0));
            }
        };
        sd.addListeners(l);
        if (training) {
            sd.calculateGradients(FEED, "w0", "b0");
            sd.getFunction("grad").getListeners().remove(l);
        } else {
            sd.output(FEED, "h" + (LAYERS - 1));
        }
        sd.getListeners().remove(l);
        return ran;
    }

    private static boolean everyRowsAfterItsProduct(List<String> ran) {
        for (int i = 0; i < LAYERS; i++) {
            if (ran.indexOf("rows" + i) < ran.indexOf("product" + i)) {
                return false;
            }
        }
        return true;
    }

    @Test
    void withoutTheDependencyLaterLayersBiasRowsRunBeforeTheirProducts() {
        List<String> ran = order(layers(false), false);
        assertTrue(ran.indexOf("rows" + (LAYERS - 1)) < ran.indexOf("product1"), ran.toString());
    }

    @Test
    void withItEachLayersBiasRowsRunAfterItsProduct() {
        List<String> ran = order(layers(true), false);
        assertTrue(everyRowsAfterItsProduct(ran), ran.toString());
    }

    @Test
    void m21DropsTheOpsControlDependenciesWhenItBuildsTheGradientFunction() {
        List<String> ran = order(layers(true), true);
        assertFalse(everyRowsAfterItsProduct(ran), ran.toString());
    }

    @Test
    void prepareGradientsGivesThemBackAndNoGradientChanges() {
        SameDiff sd = layers(true);
        new ModelGraph(sd, null).prepareGradients();
        List<String> ran = order(sd, true);
        assertTrue(everyRowsAfterItsProduct(ran), ran.toString());

        Map<String, INDArray> ordered = sd.calculateGradients(FEED, "w0", "b0", "w2", "b2");
        Map<String, INDArray> bare = layers(false).calculateGradients(FEED, "w0", "b0", "w2", "b2");
        bare.forEach((name, g) -> assertEquals(g, ordered.get(name), name));
    }
}
