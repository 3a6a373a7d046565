package org.distill4j.core.train;

import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.function.IntConsumer;
import org.distill4j.core.config.ConfigException;
import org.distill4j.core.graph.ArrayRecycling;
import org.nd4j.autodiff.listeners.At;
import org.nd4j.autodiff.listeners.BaseListener;
import org.nd4j.autodiff.listeners.Listener;
import org.nd4j.autodiff.listeners.Operation;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.autodiff.samediff.internal.SameDiffOp;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.OpContext;
import org.nd4j.linalg.dataset.api.MultiDataSet;

/**
 * How much memory a training step needs, measured before training. ND4J's CPU arrays are invisible to JavaCPP's byte
 * counters (only the resident size sees them), so the estimate adds two parts: the process's resident size now
 * ({@link #heldBytes()}: weights, optimizer state, data, libraries, uncollected garbage), and what the graphs' runs
 * need in dry micro-steps of 1 and 2 examples: {@link #fixedStepBytes()} + examples x {@link #bytesPerExample()}. For a
 * graph whose arrays are recycled ({@link ArrayRecycling}), a run needs the new native memory it takes from an empty
 * thread cache: its arrays alive at once and those released but not reused yet (the cache keeps them for the next
 * step), times {@link #RECYCLED_MARGIN}; each graph's run is counted from an empty cache, as if each had a thread of
 * its own. For any other graph, SameDiff keeps a step's activations and gradients until the step ends, so every op
 * output counts. With {@code training.overlap_teacher} the teachers' runs count twice: the teacher thread produces the
 * next micro-batch's outputs while this one's are still held. All figures in bytes.
 */
public record MemoryEstimate(long heldBytes, long fixedStepBytes, long bytesPerExample) {

    /**
     * What a recycled run's counted memory is multiplied by. The count leaves out the allocator's fragmentation and a
     * step's outputs and gradients, which wait for the collection after the update: measured at a2ea061, the resident
     * peak of the full steps above the held memory was 1.16x the count at the standard benchmark's sizes (1125 against
     * 970 MiB) and 1.10x with a BERT-base teacher (2958 against 2680 MiB). 1.5 leaves room; the estimate without
     * recycling (every op output) was 2.3x the real figure there (4784 MiB against 1747 at the standard sizes).
     */
    static final double RECYCLED_MARGIN = 1.5;

    /**
     * Measures with {@code dryStep(examples)}: a forward and backward pass on that many examples that updates nothing.
     *
     * @param graphs the graphs whose ops the dry step runs (student and teacher)
     */
    public static MemoryEstimate measure(int batchSize, List<SameDiff> graphs, IntConsumer dryStep) {
        return measure(batchSize, graphs, List.of(), dryStep);
    }

    /**
     * As {@link #measure(int, List, IntConsumer)}, with the outputs of the ops of {@code twice} (graphs among
     * {@code graphs}) counted twice: the teachers when they run a micro-batch ahead on their own thread.
     */
    public static MemoryEstimate measure(int batchSize, List<SameDiff> graphs, List<SameDiff> twice, IntConsumer dryStep) {
        OutputBytes counter = new OutputBytes(twice);
        List<List<Listener>> before = new ArrayList<>();
        for (SameDiff sd : graphs) {
            before.add(new ArrayList<>(sd.getListeners()));
            sd.addListeners(counter);
        }
        long one;
        long two;
        try {
            one = counter.during(dryStep, 1);
            two = batchSize >= 2 ? counter.during(dryStep, 2) : 2 * one;
        } finally {
            for (int i = 0; i < graphs.size(); i++) {
                graphs.get(i).setListeners(before.get(i));
            }
        }
        long perExample = Math.max(two - one, 0);
        // The resident size as it is, garbage included: a collection here would cost more than it tells.
        return new MemoryEstimate(org.bytedeco.javacpp.Pointer.physicalBytes(), Math.max(one - perExample, 0), perExample);
    }

    /**
     * Counts while it is attached: for a graph run whose arrays are recycled ({@link ArrayRecycling#recycles}), the new
     * native memory the run takes from an empty thread cache (its working set); for any other run, the bytes of every op
     * output (SameDiff M2.1 then keeps them all until the step ends).
     */
    private static final class OutputBytes extends BaseListener {
        private final Set<SameDiff> twice = Collections.newSetFromMap(new IdentityHashMap<>());
        private long bytes;
        private boolean recycledRun;
        private long freshAtStart;

        OutputBytes(List<SameDiff> twice) {
            this.twice.addAll(twice);
        }

        long during(IntConsumer dryStep, int examples) {
            bytes = 0;
            dryStep.accept(examples);
            return bytes;
        }

        @Override
        public boolean isActive(Operation operation) {
            return true;
        }

        /** How many times a run of {@code sd} counts: twice for a teacher running a micro-batch ahead. */
        private int copies(SameDiff sd) {
            return twice.contains(sd) ? 2 : 1;
        }

        /**
         * Runs after {@link ArrayRecycling}'s own start (it was attached first): empties the thread's cache, so each
         * graph's run is counted on its own, as if it ran on a thread of its own (the teacher thread does).
         */
        @Override
        public void operationStart(SameDiff sd, Operation op) {
            recycledRun = ArrayRecycling.recycles(sd);
            if (recycledRun) {
                ArrayRecycling.emptyThisThreadsCache();
                freshAtStart = ArrayRecycling.freshBytesOfThisThread();
            }
        }

        @Override
        public void operationEnd(SameDiff sd, Operation op) {
            if (recycledRun) {
                long fresh = ArrayRecycling.freshBytesOfThisThread() - freshAtStart;
                bytes += copies(sd) * (long) (RECYCLED_MARGIN * fresh);
                recycledRun = false;
            }
        }

        @Override
        public void opExecution(SameDiff sd, At at, MultiDataSet batch, SameDiffOp op, OpContext opContext,
                                INDArray[] outputs) {
            if (!recycledRun && outputs != null) {
                int copies = copies(sd);
                for (INDArray o : outputs) {
                    if (o != null && !o.isEmpty()) {
                        bytes += copies * o.length() * o.dataType().width();
                    }
                }
            }
        }
    }

    /** Resident bytes a run with micro-batches of {@code batchSize} examples reaches at its peak. */
    public long bytesAt(int batchSize) {
        return heldBytes + fixedStepBytes + batchSize * bytesPerExample;
    }

    /**
     * This estimate with {@code bytes} more per step: the growth {@link NativeMemoryGuard} lets the resident size reach
     * above its floor before it collects (garbage that a step leaves for the collector). Since the graphs' arrays are
     * recycled the counted part is small beside it: at 25cdaa2 the full steps' resident peak was 754 MiB above the held
     * memory against 462 MiB counted at the standard benchmark sizes (1.63x, past {@link #RECYCLED_MARGIN}) and 1645
     * against 1125 MiB with a BERT-base teacher (1.46x); with the guard's 128 MiB added, 1.35x both.
     */
    public MemoryEstimate plusPerStep(long bytes) {
        return new MemoryEstimate(heldBytes, fixedStepBytes + bytes, bytesPerExample);
    }

    /** The largest micro-batch that fits in {@code limitBytes}, 0 if not even one example does. */
    public int largestBatchWithin(long limitBytes) {
        long room = limitBytes - heldBytes - fixedStepBytes;
        if (room < bytesPerExample || room <= 0) {
            return 0;
        }
        return bytesPerExample == 0 ? Integer.MAX_VALUE : (int) Math.min(Integer.MAX_VALUE, room / bytesPerExample);
    }

    /**
     * Refuses a batch size whose estimate exceeds the limit, before training.
     *
     * @param limitBytes the resident size the process may reach ({@link MemoryLimits#processLimitBytes()})
     * @throws ConfigException naming training.batch_size, the estimate and its parts, the limit, and the batch size and
     *                         gradient accumulation that would fit with the same effective batch
     */
    public void checkFits(int batchSize, int accumulation, long limitBytes) {
        checkFits(batchSize, accumulation, limitBytes, "");
    }

    /** As {@link #checkFits(int, int, long)}, with {@code advice} (e.g. "; or ...") added to the ways out. */
    public void checkFits(int batchSize, int accumulation, long limitBytes, String advice) {
        if (bytesAt(batchSize) <= limitBytes) {
            return;
        }
        int fits = largestBatchWithin(limitBytes);
        String parts = String.format(Locale.ROOT, "this run needs about %s of memory (%s held now: weights, optimizer "
                        + "state, data and libraries; %s per step and %s per example of a micro-batch), more than the "
                        + "%s limit (-Dorg.bytedeco.javacpp.maxphysicalbytes)", MemoryLimits.gib(bytesAt(batchSize)),
                MemoryLimits.gib(heldBytes), MemoryLimits.gib(fixedStepBytes), MemoryLimits.gib(bytesPerExample),
                MemoryLimits.gib(limitBytes));
        // "held" is the resident size, which keeps what an earlier run in this JVM freed (ND4J and the C allocator
        // do not give it back): the second training in a notebook or a benchmark can be refused for that alone
        String earlierRun = "; if this JVM trained before, part of what is held is memory that run freed, which this "
                + "run would reuse: a fresh JVM needs less";
        if (fits == 0) {
            throw new ConfigException("training.batch_size", batchSize, parts + "; even one example does not fit: use a "
                    + "smaller model or a shorter max_length, or raise the limit" + advice + earlierRun);
        }
        int accumulate = (int) Math.ceil((double) batchSize * accumulation / fits);
        throw new ConfigException("training.batch_size", batchSize, parts + "; use batch_size " + fits + " or less, with "
                + "gradient_accumulation_steps " + accumulate + " to keep an effective batch of at least "
                + batchSize * accumulation + ", or raise the limit" + advice + earlierRun);
    }
}
