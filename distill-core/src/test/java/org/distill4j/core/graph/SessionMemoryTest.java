package org.distill4j.core.graph;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.distill4j.core.data.Batch;
import org.distill4j.core.support.TokenMlp;
import org.junit.jupiter.api.Test;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Why {@link ModelGraph#releaseSessionMemory()} exists (SameDiff M2.1 keeps a per-thread session after every run,
 * holding the run's intermediate arrays), and that releasing it changes no result.
 */
class SessionMemoryTest {

    private static Batch batch() {
        Nd4j.getRandom().setSeed(3);
        return new Batch(Map.of(
                "features", Nd4j.rand(DataType.FLOAT, 4, 6, 5),
                "mask", Nd4j.ones(DataType.FLOAT, 4, 6),
                "label", Nd4j.createFromArray(0, 1, 2, 1)));
    }

    @Test
    void sessionsKeepArraysAfterARunAndReleasingThemChangesNoResult() {
        ModelGraph g = ModelGraph.create(new TokenMlp(5, 8, 2, 3), 1);
        g.sd().setLossVariables("ce");
        Batch batch = batch();
        List<String> params = g.parameterNames();

        Map<String, INDArray> before = g.sd().calculateGradients(g.feeds(batch), params);
        INDArray logitsBefore = g.output(batch, List.of("logits")).get("logits");
        INDArray logitsCopy = logitsBefore.dup();
        SameDiff grad = g.sd().getFunction("grad");
        // the behaviour the release is for: after a run both graphs hold a session (with the run's arrays)
        assertEquals(1, g.sd().getSessions().size());
        assertEquals(1, grad.getSessions().size());

        g.releaseSessionMemory();
        assertTrue(g.sd().getSessions().isEmpty());
        assertTrue(grad.getSessions().isEmpty());
        assertEquals(logitsCopy, logitsBefore, "an array a run returned is still valid after the release");

        Map<String, INDArray> after = g.sd().calculateGradients(g.feeds(batch), params);
        for (String p : params) {
            assertEquals(before.get(p), after.get(p), p);
        }
        assertEquals(logitsCopy, g.output(batch, List.of("logits")).get("logits"));
    }
}
