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
 *
 * <p>Graphs may run on different threads at once (the training loop's teacher thread): each profiler's methods are
 * synchronized, and profilers made with one {@link Busy} clock add up the time in which at least one of their ops
 * runs, counting overlapping ops once.
 */
public final class OpProfiler extends BaseListener {

    /** Wall time in which at least one op of any profiler sharing this clock runs. */
    public static final class Busy {
        private int running;
        private long since;
        private long busy;

        synchronized void opStarted(long now) {
            if (running++ == 0) {
                since = now;
            }
        }

        synchronized void opEnded(long now) {
            if (--running == 0) {
                busy += now - since;
            }
        }

        /** Nanoseconds so far with at least one op running, the op running now included up to now. */
        public synchronized long nanos() {
            return running > 0 ? busy + System.nanoTime() - since : busy;
        }
    }

    /** A stall: an op run over this many times its node's median run ... */
    static final int STALL_FACTOR = 4;
    /** ... and over this many milliseconds. */
    static final int STALL_MIN_MS = 10;

    private final Map<String, long[]> byType = new HashMap<>();
    private final Map<String, long[]> gapsBefore = new HashMap<>();
    private final Map<String, List<Long>> runs = new HashMap<>(); // each run's time by op name, for stalls
    private long opStart;
    private long opEnd;     // 0 outside a graph run
    private long total;
    private final Busy busy;

    /** A profiler with its own busy clock. */
    public OpProfiler() {
        this(new Busy());
    }

    /** A profiler whose ops also count on a clock shared with other profilers. */
    public OpProfiler(Busy busy) {
        this.busy = busy;
    }

    @Override
    public boolean isActive(Operation operation) {
        return true;
    }

    @Override
    public synchronized void operationStart(SameDiff sd, Operation op) {
        opEnd = System.nanoTime();
    }

    @Override
    public synchronized void operationEnd(SameDiff sd, Operation op) {
        opEnd = 0;
    }

    @Override
    public synchronized void preOpExecution(SameDiff sd, At at, SameDiffOp op, OpContext opContext) {
        opStart = System.nanoTime();
        busy.opStarted(opStart);
        if (opEnd > 0) {
            add(gapsBefore, op.getOp().opName(), opStart - opEnd);
        }
    }

    @Override
    public synchronized void opExecution(SameDiff sd, At at, MultiDataSet batch, SameDiffOp op, OpContext opContext,
                                         INDArray[] outputs) {
        opEnd = System.nanoTime();
        busy.opEnded(opEnd);
        long elapsed = opEnd - opStart;
        total += elapsed;
        String type = op.getOp().opName();
        if (type.startsWith("matmul") && outputs != null && outputs.length > 0 && outputs[0] != null) {
            type += " " + java.util.Arrays.toString(outputs[0].shape()); // matmuls differ most by shape
        }
        add(byType, type, elapsed);
        runs.computeIfAbsent(op.getName(), k -> new ArrayList<>()).add(elapsed);
    }

    private static void add(Map<String, long[]> table, String key, long nanos) {
        long[] entry = table.computeIfAbsent(key, k -> new long[2]);
        entry[0]++;
        entry[1] += nanos;
    }

    /** Nanoseconds spent inside ops since the last reset. */
    public synchronized long totalNanos() {
        return total;
    }

    /** Ops executed since the last reset. */
    public synchronized long opCount() {
        return byType.values().stream().mapToLong(e -> e[0]).sum();
    }

    /** Nanoseconds inside graph runs but outside their ops since the last reset. */
    public synchronized long gapNanos() {
        return gapsBefore.values().stream().mapToLong(e -> e[1]).sum();
    }

    public synchronized void reset() {
        byType.clear();
        gapsBefore.clear();
        runs.clear();
        total = 0;
    }

    /** The {@code top} op types by time: "type count ms share", one per line, divided by {@code steps}. */
    public synchronized String report(int top, int steps) {
        return table(byType, top, steps, total);
    }

    /**
     * The {@code top} op types by the gap before them: "type count ms share-of-all-gaps", one per line, divided by
     * {@code steps}; the time between ops (SameDiff's own per-op work) summed by the op that follows.
     */
    public synchronized String gapReport(int top, int steps) {
        return table(gapsBefore, top, steps, gapNanos());
    }

    /**
     * Stalls: runs of an op that took over {@value #STALL_FACTOR} times that op's median run and over
     * {@value #STALL_MIN_MS} ms, as "count, ms per step beyond the median, worst (op, ms)". An op node of the graph
     * does the same work on every step, so such runs waited for something (threads, the allocator), e.g. the batched
     * matmuls before {@code BatchedMatmulThreads}.
     */
    public synchronized String stallReport(int steps) {
        long count = 0;
        long excess = 0;
        long worst = 0;
        String worstOp = "-";
        for (Map.Entry<String, List<Long>> e : runs.entrySet()) {
            long[] t = e.getValue().stream().mapToLong(Long::longValue).sorted().toArray();
            long median = t[t.length / 2];
            for (long v : t) {
                if (v > STALL_FACTOR * median && v > STALL_MIN_MS * 1_000_000L) {
                    count++;
                    excess += v - median;
                    if (v > worst) {
                        worst = v;
                        worstOp = e.getKey();
                    }
                }
            }
        }
        return String.format("%d op runs over %dx their median and %d ms, %.1f ms per step beyond the median, worst %s %.1f ms",
                count, STALL_FACTOR, STALL_MIN_MS, excess / 1e6 / steps, worstOp, worst / 1e6);
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
