package org.distill4j.examples.bench;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.nd4j.autodiff.listeners.At;
import org.nd4j.autodiff.listeners.BaseListener;
import org.nd4j.autodiff.listeners.Operation;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.autodiff.samediff.internal.SameDiffOp;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.OpContext;
import org.nd4j.linalg.dataset.api.MultiDataSet;

/**
 * Times every op SameDiff executes, by op type (e.g. "layer_norm_bp"; matmuls also by output shape): the time from SameDiff's
 * pre-execution hook to its post-execution hook, so the op's own work. Whatever a step spends outside these
 * intervals is framework and loop overhead. It also times the gaps inside a graph run (from its start to the first op,
 * then between consecutive ops), by the op that follows: SameDiff's own work per op (dependency tracking, output
 * shapes, allocating outputs), the part of that overhead inside the graphs. Attach with {@code sd.addListeners(profiler)}.
 */
public final class OpProfiler extends BaseListener {

    private final Map<String, long[]> byType = new HashMap<>();
    private final Map<String, long[]> gapsBefore = new HashMap<>();
    private long opStart;
    private long opEnd;     // 0 outside a graph run
    private long total;

    @Override
    public boolean isActive(Operation operation) {
        return true;
    }

    @Override
    public void operationStart(SameDiff sd, Operation op) {
        opEnd = System.nanoTime();
    }

    @Override
    public void operationEnd(SameDiff sd, Operation op) {
        opEnd = 0;
    }

    @Override
    public void preOpExecution(SameDiff sd, At at, SameDiffOp op, OpContext opContext) {
        opStart = System.nanoTime();
        if (opEnd > 0) {
            add(gapsBefore, op.getOp().opName(), opStart - opEnd);
        }
    }

    @Override
    public void opExecution(SameDiff sd, At at, MultiDataSet batch, SameDiffOp op, OpContext opContext, INDArray[] outputs) {
        opEnd = System.nanoTime();
        long elapsed = opEnd - opStart;
        total += elapsed;
        String type = op.getOp().opName();
        if (type.startsWith("matmul") && outputs != null && outputs.length > 0 && outputs[0] != null) {
            type += " " + java.util.Arrays.toString(outputs[0].shape()); // matmuls differ most by shape
        }
        add(byType, type, elapsed);
    }

    private static void add(Map<String, long[]> table, String key, long nanos) {
        long[] entry = table.computeIfAbsent(key, k -> new long[2]);
        entry[0]++;
        entry[1] += nanos;
    }

    /** Nanoseconds spent inside ops since the last reset. */
    public long totalNanos() {
        return total;
    }

    /** Ops executed since the last reset. */
    public long opCount() {
        return byType.values().stream().mapToLong(e -> e[0]).sum();
    }

    /** Nanoseconds inside graph runs but outside their ops since the last reset. */
    public long gapNanos() {
        return gapsBefore.values().stream().mapToLong(e -> e[1]).sum();
    }

    public void reset() {
        byType.clear();
        gapsBefore.clear();
        total = 0;
    }

    /** The {@code top} op types by time: "type count ms share", one per line, divided by {@code steps}. */
    public String report(int top, int steps) {
        return table(byType, top, steps, total);
    }

    /**
     * The {@code top} op types by the gap before them: "type count ms share-of-all-gaps", one per line, divided by
     * {@code steps}; the time between ops (SameDiff's own per-op work) summed by the op that follows.
     */
    public String gapReport(int top, int steps) {
        return table(gapsBefore, top, steps, gapNanos());
    }

    private static String table(Map<String, long[]> table, int top, int steps, long all) {
        List<Map.Entry<String, long[]>> entries = new ArrayList<>(table.entrySet());
        entries.sort((a, b) -> Long.compare(b.getValue()[1], a.getValue()[1]));
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < Math.min(top, entries.size()); i++) {
            Map.Entry<String, long[]> e = entries.get(i);
            sb.append(String.format("%-28s %6d ops %9.1f ms %5.1f%%%n", e.getKey(), e.getValue()[0] / steps,
                    e.getValue()[1] / 1e6 / steps, 100.0 * e.getValue()[1] / Math.max(all, 1)));
        }
        return sb.toString();
    }
}
