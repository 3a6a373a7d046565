package org.distill4j.core.graph;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.distill4j.core.support.BagOfEmbeddings;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
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
import org.nd4j.linalg.factory.Nd4j;

/**
 * {@link BatchedMatmulThreads}: BLAS runs single-threaded inside batched matmuls (forward and backward) and with all
 * its threads everywhere else, the thread count comes back after a run and after a failed op, and the values do not
 * change. Why it exists is a matter of time, which unit tests do not assert: the benchmark prints the stalls it removes
 * ("stalls:" lines; README, Speed).
 */
class BatchedMatmulThreadsTest {

    private int threadsBefore;

    @BeforeEach
    void twoBlasThreads() {
        threadsBefore = Nd4j.factory().blas().getMaxThreads();
        Nd4j.factory().blas().setMaxThreads(2); // the listener only acts when BLAS has threads to give up
    }

    @AfterEach
    void restore() {
        Nd4j.factory().blas().setMaxThreads(threadsBefore);
    }

    /** Records the BLAS thread count each matmul runs with (added after the listener, so it sees its setting). */
    private static final class Probe extends BaseListener {
        final List<String> seen = new ArrayList<>();

        @Override
        public boolean isActive(Operation operation) {
            return true;
        }

        @Override
        public void preOpExecution(SameDiff sd, At at, SameDiffOp op, OpContext ctx) {
            if (op.getOp().opName().startsWith("matmul")) {
                seen.add(op.getOp().opName() + " rank " + ctx.getInputArrays().get(0).rank() + ": "
                        + Nd4j.factory().blas().getMaxThreads());
            }
        }
    }

    /** Attention-like graph: a batched product [2, 3, 4, 5] x [2, 3, 5, 4], then a plain [8, 12] x [12, 6]. */
    private static SameDiff graph() {
        SameDiff sd = SameDiff.create();
        SDVariable q = sd.var("q", Nd4j.rand(DataType.FLOAT, 2, 3, 4, 5).subi(0.5));
        SDVariable k = sd.var("k", Nd4j.rand(DataType.FLOAT, 2, 3, 4, 5).subi(0.5));
        SDVariable w = sd.var("w", Nd4j.rand(DataType.FLOAT, 12, 6).subi(0.5));
        SDVariable scores = sd.mmul("scores", q, k, false, true, false);   // [2, 3, 4, 4]
        SDVariable flat = sd.reshape(scores, 8, 12);
        SDVariable out = sd.mmul("out", flat, w);
        sd.math.square(out).mean("loss");
        sd.setLossVariables("loss");
        return sd;
    }

    /** A graph with the listener and a probe after it, run forward once; the probe is returned. */
    private static Probe forwardWithProbe(SameDiff sd, String what) {
        BatchedMatmulThreads.attach(sd);
        Probe probe = new Probe();
        sd.addListeners(probe);
        sd.output(Map.of(), List.of("loss"));
        assertEquals(List.of("matmul rank 4: 1", "matmul rank 2: 2"), probe.seen, what);
        assertEquals(2, Nd4j.factory().blas().getMaxThreads(), "restored after the run");
        return probe;
    }

    @Test
    void batchedProductsRunWithOneBlasThreadAndPlainOnesWithAll() {
        SameDiff sd = graph();
        Probe probe = forwardWithProbe(sd, "forward");

        probe.seen.clear();
        sd.calculateGradients(Map.of(), List.of("q", "w"));
        assertTrue(probe.seen.contains("matmul_bp rank 4: 1"), "the batched gradient too: " + probe.seen);
        assertTrue(probe.seen.contains("matmul_bp rank 2: 2"), "the plain gradient keeps its threads: " + probe.seen);
        assertEquals(2, Nd4j.factory().blas().getMaxThreads(), "restored after the gradient run");
    }

    @Test
    void valuesAndGradientsAreUnchanged() {
        SameDiff plain = graph();
        SameDiff single = graph();
        single.getVariable("q").setArray(plain.getArrForVarName("q").dup());
        single.getVariable("k").setArray(plain.getArrForVarName("k").dup());
        single.getVariable("w").setArray(plain.getArrForVarName("w").dup());
        BatchedMatmulThreads.attach(single);

        assertEquals(plain.output(Map.of(), List.of("scores")).get("scores"),
                single.output(Map.of(), List.of("scores")).get("scores"));
        Map<String, INDArray> a = plain.calculateGradients(Map.of(), List.of("q", "k", "w"));
        Map<String, INDArray> b = single.calculateGradients(Map.of(), List.of("q", "k", "w"));
        for (String p : List.of("q", "k", "w")) {
            assertEquals(a.get(p), b.get(p), p);
        }
    }

    @Test
    void aFailedBatchedProductDoesNotLeaveBlasSingleThreaded() {
        SameDiff bad = graph();
        BatchedMatmulThreads.attach(bad);
        bad.addListeners(new BaseListener() { // fails the batched product after the listener has set one thread
            @Override
            public boolean isActive(Operation operation) {
                return true;
            }

            @Override
            public void preOpExecution(SameDiff sd, At at, SameDiffOp op, OpContext ctx) {
                if (BatchedMatmulThreads.isBatchedMatmul(op.getOp().opName(), ctx.getInputArrays())) {
                    throw new IllegalStateException("op failed");
                }
            }
        });
        assertThrows(IllegalStateException.class, () -> bad.output(Map.of(), List.of("loss")));
        assertEquals(1, Nd4j.factory().blas().getMaxThreads(), "the failed op left one thread (no callback ends it)");

        forwardWithProbe(graph(), "the next run restores it");
    }

    @Test
    void everyModelGraphHasItOnce() {
        ModelGraph g = ModelGraph.create(new BagOfEmbeddings(10, 4, 2, false, DataType.FLOAT), 1);
        ModelGraph again = new ModelGraph(g.sd(), g.adaptor());
        assertEquals(1, again.sd().getListeners().stream().filter(l -> l == BatchedMatmulThreads.instance()).count());
    }

    @Test
    void thePropertyTurnsItOff() {
        System.setProperty(BatchedMatmulThreads.PROPERTY, "false");
        try {
            assertFalse(BatchedMatmulThreads.enabled());
            ModelGraph g = ModelGraph.create(new BagOfEmbeddings(10, 4, 2, false, DataType.FLOAT), 1);
            assertFalse(g.sd().getListeners().contains(BatchedMatmulThreads.instance()));
        } finally {
            System.clearProperty(BatchedMatmulThreads.PROPERTY);
        }
        assertTrue(BatchedMatmulThreads.enabled(), "on by default with ND4J's CPU backend");
    }
}
