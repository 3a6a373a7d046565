package org.distill4j.examples.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
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
 * The benchmark's op profiler: ops by type, the gaps inside graph runs only (not the time between runs), stalls, and
 * a busy clock shared by profilers of graphs that run at once.
 */
class OpProfilerTest {

    @Test
    void countsOpsByTypeAndTimesOnlyTheGapsInsideGraphRuns() throws InterruptedException {
        SameDiff sd = SameDiff.create();
        SDVariable x = sd.placeHolder("x", DataType.FLOAT, -1, 4);
        sd.math.tanh(x.mmul(sd.var("w", Nd4j.ones(DataType.FLOAT, 4, 2)))).sum().rename("loss");
        sd.setLossVariables("loss");
        OpProfiler profiler = new OpProfiler();
        sd.addListeners(profiler);
        Map<String, INDArray> feeds = Map.of("x", Nd4j.ones(DataType.FLOAT, 3, 4));
        for (int run = 0; run < 3; run++) {
            sd.calculateGradientsAndOutputs(feeds, List.of("loss"), List.of("w"));
            Thread.sleep(200); // the training loop's own work between runs: not SameDiff's per-op time
        }
        String ops = profiler.report(20, 3);
        assertTrue(ops.contains("matmul [3, 2]") && ops.contains("matmul_bp") && ops.contains("tanh_bp"), ops);
        assertEquals(3 * 6, profiler.opCount(), ops); // matmul, tanh, reduce_sum and their three backward ops, 3 runs
        String gaps = profiler.gapReport(20, 3);
        assertTrue(gaps.contains("matmul_bp") && gaps.contains("tanh"), gaps);
        assertTrue(profiler.gapNanos() > 0 && profiler.gapNanos() < 300_000_000L,
                "gaps inside the 3 runs only, not the 600 ms between them: " + profiler.gapNanos() / 1e6 + " ms");
        profiler.reset();
        assertEquals(0, profiler.opCount());
        assertEquals(0, profiler.gapNanos());
    }

    @Test
    void aRunFarSlowerThanItsOpsMedianIsAStall() {
        SameDiff sd = SameDiff.create();
        SDVariable x = sd.placeHolder("x", DataType.FLOAT, -1, 4);
        sd.math.tanh(x.mmul(sd.var("w", Nd4j.ones(DataType.FLOAT, 4, 2)))).sum().rename("loss");
        Map<String, INDArray> feeds = Map.of("x", Nd4j.ones(DataType.FLOAT, 3, 4));
        sd.output(feeds, List.of("loss")); // a first run is slow for its own reasons (class loading, JIT)
        OpProfiler profiler = new OpProfiler();
        sd.addListeners(profiler);
        int[] run = {0};
        sd.addListeners(beforeTanh(() -> { // after the profiler: its sleep is op time
            if (run[0] == 3) {
                Thread.sleep(60);
            }
        }));
        for (run[0] = 0; run[0] < 5; run[0]++) {
            sd.output(feeds, List.of("loss"));
        }
        String stalls = profiler.stallReport(5);
        // at least the slowed run (another could stall on a busy machine), and the slowed one is the worst
        assertTrue(stalls.matches("[1-9]\\d* op runs over 4x their median and 10 ms, .* worst tanh \\d+\\.\\d ms"), stalls);
        profiler.reset();
        assertTrue(profiler.stallReport(1).startsWith("0 op runs"), "none after a reset");
    }

    /** A graph whose tanh op waits at {@code meet} (both graphs' tanh run at once) and then sleeps 150 ms. */
    private static SameDiff slowGraph(java.util.concurrent.CyclicBarrier meet) {
        SameDiff sd = SameDiff.create();
        SDVariable x = sd.placeHolder("x", DataType.FLOAT, -1, 4);
        sd.math.tanh(x.mmul(sd.var("w", Nd4j.ones(DataType.FLOAT, 4, 2)))).sum().rename("loss");
        sd.addListeners(beforeTanh(() -> {
            meet.await();
            Thread.sleep(150);
        }));
        return sd;
    }

    /** Something to do at an op (waiting, sleeping). */
    private interface Action {
        void run() throws Exception;
    }

    /** A listener that runs {@code action} as every tanh op starts: op time for a profiler attached before it. */
    private static org.nd4j.autodiff.listeners.Listener beforeTanh(Action action) {
        return new org.nd4j.autodiff.listeners.BaseListener() {
            @Override
            public boolean isActive(org.nd4j.autodiff.listeners.Operation operation) {
                return true;
            }

            @Override
            public void preOpExecution(SameDiff s, org.nd4j.autodiff.listeners.At at,
                                       org.nd4j.autodiff.samediff.internal.SameDiffOp op,
                                       org.nd4j.linalg.api.ops.OpContext ctx) {
                if (op.getOp().opName().equals("tanh")) {
                    try {
                        action.run();
                    } catch (Exception e) {
                        throw new IllegalStateException(e);
                    }
                }
            }
        };
    }

    @Test
    void aSharedBusyClockCountsOpsOfGraphsRunningAtOnceOnce() throws Exception {
        java.util.concurrent.CyclicBarrier meet = new java.util.concurrent.CyclicBarrier(2);
        SameDiff a = slowGraph(meet);
        SameDiff b = slowGraph(meet);
        OpProfiler.Busy busy = new OpProfiler.Busy();
        OpProfiler pa = new OpProfiler(busy);
        OpProfiler pb = new OpProfiler(busy);
        // the profiler first: its op interval then contains the other listener's wait and sleep
        a.setListeners(java.util.stream.Stream.concat(java.util.stream.Stream.of(pa), a.getListeners().stream()).toList());
        b.setListeners(java.util.stream.Stream.concat(java.util.stream.Stream.of(pb), b.getListeners().stream()).toList());
        Map<String, INDArray> feeds = Map.of("x", Nd4j.ones(DataType.FLOAT, 3, 4));
        Thread other = new Thread(() -> b.output(feeds, List.of("loss")));
        other.start();
        a.output(feeds, List.of("loss"));
        other.join();
        long sum = pa.totalNanos() + pb.totalNanos();
        long max = Math.max(pa.totalNanos(), pb.totalNanos());
        assertTrue(max >= 150_000_000L, "each graph's own op time holds its 150 ms tanh: " + max / 1e6 + " ms");
        assertTrue(busy.nanos() >= max && busy.nanos() <= sum - 140_000_000L,
                "the 150 ms both tanh ops ran together count once: busy " + busy.nanos() / 1e6 + " ms, sum " + sum / 1e6
                        + " ms, max " + max / 1e6 + " ms");
    }
}
