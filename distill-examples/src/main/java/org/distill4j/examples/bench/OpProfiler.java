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
 * intervals is framework and loop overhead. Attach with {@code sd.addListeners(profiler)}.
 */
public final class OpProfiler extends BaseListener {

    private final Map<String, long[]> byType = new HashMap<>();
    private long opStart;
    private long total;

    @Override
    public boolean isActive(Operation operation) {
        return true;
    }

    @Override
    public void preOpExecution(SameDiff sd, At at, SameDiffOp op, OpContext opContext) {
        opStart = System.nanoTime();
    }

    @Override
    public void opExecution(SameDiff sd, At at, MultiDataSet batch, SameDiffOp op, OpContext opContext, INDArray[] outputs) {
        long elapsed = System.nanoTime() - opStart;
        total += elapsed;
        String type = op.getOp().opName();
        if (type.startsWith("matmul") && outputs != null && outputs.length > 0 && outputs[0] != null) {
            type += " " + java.util.Arrays.toString(outputs[0].shape()); // matmuls differ most by shape
        }
        long[] entry = byType.computeIfAbsent(type, k -> new long[2]);
        entry[0]++;
        entry[1] += elapsed;
    }

    /** Nanoseconds spent inside ops since the last reset. */
    public long totalNanos() {
        return total;
    }

    /** Ops executed since the last reset. */
    public long opCount() {
        return byType.values().stream().mapToLong(e -> e[0]).sum();
    }

    public void reset() {
        byType.clear();
        total = 0;
    }

    /** The {@code top} op types by time: "type count ms share", one per line, divided by {@code steps}. */
    public String report(int top, int steps) {
        List<Map.Entry<String, long[]>> entries = new ArrayList<>(byType.entrySet());
        entries.sort((a, b) -> Long.compare(b.getValue()[1], a.getValue()[1]));
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < Math.min(top, entries.size()); i++) {
            Map.Entry<String, long[]> e = entries.get(i);
            sb.append(String.format("%-28s %6d ops %9.1f ms %5.1f%%%n", e.getKey(), e.getValue()[0] / steps,
                    e.getValue()[1] / 1e6 / steps, 100.0 * e.getValue()[1] / Math.max(total, 1)));
        }
        return sb.toString();
    }
}
