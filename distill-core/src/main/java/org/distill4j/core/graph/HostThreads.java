package org.distill4j.core.graph;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.IntConsumer;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Spreads a Java kernel's rows over ND4J's thread count when no other graph is running: the kernels run on the graph's
 * thread, and while they do the native op threads are idle, so in the cached step and in inference one of the two
 * cores was idle for their 50-70 ms a step. Not while the training loop's teacher thread overlaps the student (it
 * holds BLAS single-threaded through {@link BatchedMatmulThreads#beginSingleThreaded()}, the sign that the other core
 * is busy): then everything stays on the calling thread, as before.
 *
 * <p>Work is split into parts of whole row blocks, and every reduction over rows (a layer norm's dgamma and dbeta,
 * a bias gradient) is summed per block and the blocks merged in order on the calling thread, so results do not
 * depend on how many threads ran them (exact resume and reproducible runs need that).
 */
final class HostThreads {

    /** Below this many elements a part is not worth a hand-over to another thread (tens of microseconds). */
    static final long MIN_ELEMENTS_PER_PART = 1 << 16;

    /**
     * Rows the kernels sum together before adding the blocks' sums in order: the unit of the parts (so a sum over
     * rows does not depend on the thread count) and short enough that a float sum of one block stays near float
     * precision.
     */
    static final int SUM_BLOCK_ROWS = 64;

    private static volatile Pool helpers;

    private HostThreads() {
    }

    /**
     * How many parts to split work of {@code elements} elements into: 1 when ND4J runs one thread, when BLAS is held
     * single-threaded (another graph is running), or when the work is small.
     */
    static int parts(long elements) {
        int threads = Nd4j.getEnvironment().maxThreads();
        if (threads < 2 || BatchedMatmulThreads.heldSingleThreaded()) {
            return 1;
        }
        return (int) Math.max(1, Math.min(threads, elements / MIN_ELEMENTS_PER_PART));
    }

    /** The first row of part {@code part} of {@code parts} over {@code blocks} blocks of {@code blockRows} rows. */
    static int firstRow(int part, int parts, int blocks, int blockRows) {
        return (int) ((long) blocks * part / parts) * blockRows;
    }

    /**
     * Runs {@code task} for every part in [0, parts): part 0 on the calling thread, the others on helper threads
     * (daemons, started when first needed). Returns when all have ended; rethrows the first failure.
     */
    static void forEachPart(int parts, IntConsumer task) {
        if (parts <= 1) {
            task.accept(0);
            return;
        }
        ExecutorService pool = helpers(parts - 1);
        List<Future<?>> others = new ArrayList<>(parts - 1);
        for (int part = 1; part < parts; part++) {
            int p = part;
            others.add(pool.submit(() -> task.accept(p)));
        }
        RuntimeException failure = null;
        try {
            task.accept(0);
        } catch (RuntimeException e) {
            failure = e;
        }
        for (Future<?> other : others) {
            try {
                other.get();
            } catch (ExecutionException e) {
                if (failure == null) {
                    failure = e.getCause() instanceof RuntimeException r ? r : new IllegalStateException(e.getCause());
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                if (failure == null) {
                    failure = new IllegalStateException("interrupted while a kernel's other parts ran", e);
                }
            }
        }
        if (failure != null) {
            throw failure;
        }
    }

    private static ExecutorService helpers(int needed) {
        Pool pool = helpers;
        if (pool != null && pool.size() >= needed) {
            return pool.executor();
        }
        synchronized (HostThreads.class) {
            pool = helpers;
            if (pool == null || pool.size() < needed) {
                int[] number = {0};
                ExecutorService executor = Executors.newFixedThreadPool(needed, r -> {
                    Thread t = new Thread(r, "distill4j-host-kernel-" + ++number[0]);
                    t.setDaemon(true); // never keeps a JVM alive
                    return t;
                });
                if (pool != null) {
                    pool.executor().shutdown(); // tasks already given to it still run
                }
                pool = new Pool(executor, needed);
                helpers = pool;
            }
            return pool.executor();
        }
    }

    private record Pool(ExecutorService executor, int size) {
    }
}
