package org.distill4j.core.train;

import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.function.Supplier;
import org.distill4j.core.data.Batch;
import org.distill4j.core.graph.ArrayRecycling;
import org.distill4j.core.graph.BatchedMatmulThreads;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Runs the teacher side of the next micro-batch on a second thread while the student trains on the current one
 * ({@code training.overlap_teacher}). The training loop prepares the next micro-batch itself (indices,
 * post-processing) on its own thread, in the order it would without overlap, and hands only the teacher forward to
 * this thread; at most one is in flight. The teacher is frozen, so its outputs do not depend on when they are
 * computed.
 *
 * <p>Why: SameDiff runs the student's roughly 650 ops one after another from one Java thread, and between ops (and
 * in the many small ones) only one of the machine's cores works. On the standard benchmark's two cores the process
 * used about 1.4 cores during a full step; the teacher's forward fills the idle share.
 *
 * <p>Only the thread this was made on may call {@link #submit}, {@link #take} and {@link #close}.
 *
 * @param <K> what identifies a micro-batch (task, update, micro-batch index)
 */
final class TeacherAhead<K> implements AutoCloseable {

    /**
     * A micro-batch prepared ahead: the batch as the models see it, its teacher outputs (or how they failed), and the
     * single-threaded BLAS its forward pass holds while it overlaps the student (null where nothing overlaps).
     */
    record Prepared(Batch batch, CompletableFuture<Map<String, INDArray>> outputs, Overlap overlap) {

        /**
         * The teacher outputs, waiting for them if needed; a failure on the teacher thread is rethrown as it was. A
         * forward pass still running when the loop starts waiting gets BLAS's threads back: nothing else runs then.
         */
        Map<String, INDArray> await() {
            if (overlap != null && !outputs.isDone()) {
                overlap.end();
            }
            try {
                return outputs.get();
            } catch (ExecutionException e) {
                Throwable cause = e.getCause();
                if (cause instanceof RuntimeException r) {
                    throw r;
                }
                if (cause instanceof Error err) {
                    throw err;
                }
                throw new IllegalStateException("the teacher forward pass failed", cause);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while waiting for the teacher's outputs", e);
            }
        }
    }

    /**
     * BLAS single-threaded for all products ({@link BatchedMatmulThreads#beginSingleThreaded()}) from the start of
     * a forward pass on the teacher thread until it ends or the loop waits for it, whichever comes first; once ended
     * it does not begin again. Why: with the teacher's products and the student's each on OpenBLAS's two threads,
     * two cores ran four BLAS threads that waited for each other. Alternating pairs of the standard benchmark: five
     * of six faster, mean +8% full step; BERT-base +7% (README, Speed).
     * {@code -Ddistill4j.singleThreadBlasWhileOverlapped=false} turns it off.
     */
    static final class Overlap {
        /** System property that turns the single-threaded BLAS of overlapped forward passes off when "false". */
        static final String PROPERTY = "distill4j.singleThreadBlasWhileOverlapped";

        private boolean held;
        private boolean ended;

        /** A hold for one forward pass, or null when turned off. */
        static Overlap create() {
            return "false".equalsIgnoreCase(System.getProperty(PROPERTY)) ? null : new Overlap();
        }

        synchronized void begin() {
            if (!ended && !held) {
                held = BatchedMatmulThreads.beginSingleThreaded();
            }
        }

        synchronized void end() {
            ended = true;
            if (held) {
                held = false;
                BatchedMatmulThreads.endSingleThreaded();
            }
        }
    }

    private final ExecutorService thread = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "distill4j-teacher");
        t.setDaemon(true); // a JVM whose training failed must still be able to exit
        return t;
    });
    private K pendingKey;
    private Prepared pending;

    /**
     * Prepares micro-batch {@code key}: {@code batch} runs on the calling thread now (a failure is kept and rethrown
     * by {@link Prepared#await()}, so it surfaces at that micro-batch, as without overlap), then {@code teacher} on
     * the teacher thread. Waits for a micro-batch still in flight first.
     */
    void submit(K key, Supplier<Batch> batch, Function<Batch, Map<String, INDArray>> teacher) {
        drain();
        pendingKey = key;
        try {
            Batch prepared = batch.get();
            Overlap overlap = Overlap.create();
            pending = new Prepared(prepared, CompletableFuture.supplyAsync(() -> {
                if (overlap != null) {
                    overlap.begin();
                }
                try {
                    return teacher.apply(prepared);
                } finally {
                    if (overlap != null) {
                        overlap.end();
                    }
                }
            }, thread), overlap);
        } catch (RuntimeException | Error e) {
            pending = new Prepared(null, CompletableFuture.failedFuture(e), null);
        }
    }

    /**
     * Runs {@code teacher} on the teacher thread now and waits for it (a micro-batch nothing ran ahead for, such as a
     * run's first): the teacher's arrays then stay in that thread's array cache, and the calling thread's cache holds
     * only the student's (each thread keeps what its runs released, see {@link ArrayRecycling}). Waits for a
     * micro-batch still in flight first; a failure is rethrown as it was.
     */
    Map<String, INDArray> runNow(Function<Batch, Map<String, INDArray>> teacher, Batch batch) {
        drain();
        return new Prepared(batch, CompletableFuture.supplyAsync(() -> teacher.apply(batch), thread), null).await();
    }

    /** The micro-batch prepared for {@code key}, or null if it was not (then the caller prepares it itself). */
    Prepared take(K key) {
        if (pending == null || !pendingKey.equals(key)) {
            drain(); // a micro-batch that will not run (the run stopped early): let it finish, drop it
            return null;
        }
        Prepared p = pending;
        pending = null;
        pendingKey = null;
        if (p.batch() == null) {
            p.await(); // the preparation failed: rethrow it here
        }
        return p;
    }

    /** Waits for the micro-batch in flight, if any, and drops it with whatever it produced. */
    private void drain() {
        if (pending != null) {
            if (pending.overlap() != null) {
                pending.overlap().end(); // nothing else runs while this thread waits
            }
            try {
                pending.outputs().join();
            } catch (RuntimeException ignored) {
                // a dropped micro-batch's failure does not matter
            }
            pending = null;
            pendingKey = null;
        }
    }

    /**
     * Closes the arrays the teacher thread's runs left for reuse (its {@link ArrayRecycling} cache), after whatever
     * it runs now, and waits for that: when the teacher will not run again for a while (its outputs are cached).
     */
    void releaseArrays() {
        CompletableFuture.runAsync(ArrayRecycling::releaseThisThread, thread).join();
    }

    /**
     * Waits for the teacher thread to finish whatever it runs (native code cannot be interrupted; a forward pass takes
     * seconds at most) and stops it, so the teacher's graph is the caller's again when this returns.
     */
    @Override
    public void close() {
        drain();
        thread.execute(ArrayRecycling::releaseThisThread); // the teacher thread's reusable arrays, freed now
        thread.shutdown();
        boolean interrupted = false;
        while (true) {
            try {
                if (thread.awaitTermination(1, TimeUnit.MINUTES)) {
                    break;
                }
            } catch (InterruptedException e) {
                interrupted = true; // keep waiting: returning early would hand over a graph still in use
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }
}
