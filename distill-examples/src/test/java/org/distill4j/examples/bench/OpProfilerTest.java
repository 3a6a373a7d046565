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

/** The benchmark's op profiler: ops by type, and the gaps inside graph runs only, not the time between runs. */
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
}
