package org.distill4j.core.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.distill4j.core.data.Batch;
import org.distill4j.core.graph.BatchedMatmulThreads;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * {@link TeacherAhead}'s teacher forward passes run with single-threaded BLAS while they overlap the student
 * ({@link TeacherAhead.Overlap}), get the threads back as soon as the loop waits for them, and leave the thread count
 * as it was; a forward pass nothing overlaps ({@code runNow}) keeps them all. Why it exists is a matter of time, which
 * unit tests do not assert: the benchmark's alternating pairs (README, Speed).
 */
class TeacherOverlapThreadsTest {

    private int threadsBefore;

    @BeforeEach
    void twoBlasThreads() {
        threadsBefore = Nd4j.factory().blas().getMaxThreads();
        Nd4j.factory().blas().setMaxThreads(2);
    }

    @AfterEach
    void restore() {
        Nd4j.factory().blas().setMaxThreads(threadsBefore);
    }

    private static int blasThreads() {
        return Nd4j.factory().blas().getMaxThreads();
    }

    private static final Batch BATCH = new Batch(Map.of("x", Nd4j.zeros(2, 2)));

    @Test
    void anOverlappedForwardPassRunsWithOneBlasThreadUntilTheLoopWaitsForIt() throws Exception {
        List<Integer> seen = new CopyOnWriteArrayList<>();
        CountDownLatch started = new CountDownLatch(1);
        CountDownLatch proceed = new CountDownLatch(1);
        try (TeacherAhead<Integer> ahead = new TeacherAhead<>()) {
            ahead.submit(1, () -> BATCH, b -> {
                seen.add(blasThreads());              // while the student would train
                started.countDown();
                await(proceed);
                seen.add(blasThreads());              // after the loop started waiting
                return Map.<String, INDArray>of();
            });
            started.await(10, TimeUnit.SECONDS);
            assertEquals(1, blasThreads(), "the loop's thread sees one BLAS thread too while the teacher overlaps it");
            TeacherAhead.Prepared p = ahead.take(1);
            Thread release = new Thread(() -> {
                sleep(200);
                proceed.countDown();
            });
            release.start();
            p.await(); // gives the threads back, then waits
            release.join();
            assertEquals(List.of(1, 2), seen);
            assertEquals(2, blasThreads());

            // one that finishes before the loop waits gives them back itself
            ahead.submit(2, () -> BATCH, b -> {
                seen.add(blasThreads());
                return Map.<String, INDArray>of();
            });
            ahead.take(2).outputs().get(10, TimeUnit.SECONDS); // the outputs only: no waiting through await
            assertEquals(2, blasThreads());
            // and one run now, with nothing to overlap, keeps both
            ahead.runNow(b -> {
                seen.add(blasThreads());
                return Map.<String, INDArray>of();
            }, BATCH);
            assertEquals(List.of(1, 2, 1, 2), seen);
        }
        assertEquals(2, blasThreads());
    }

    @Test
    void aFailedForwardPassGivesTheThreadsBackAndCanBeTurnedOff() throws Exception {
        try (TeacherAhead<Integer> ahead = new TeacherAhead<>()) {
            ahead.submit(1, () -> BATCH, b -> {
                throw new IllegalStateException("teacher failed");
            });
            TeacherAhead.Prepared p = ahead.take(1);
            try {
                p.outputs().get(10, TimeUnit.SECONDS);
            } catch (java.util.concurrent.ExecutionException expected) {
                // the failure itself is TeacherAheadTest's
            }
            assertEquals(2, blasThreads());

            System.setProperty(TeacherAhead.Overlap.PROPERTY, "false");
            try {
                List<Integer> seen = new CopyOnWriteArrayList<>();
                ahead.submit(2, () -> BATCH, b -> {
                    seen.add(blasThreads());
                    return Map.<String, INDArray>of();
                });
                ahead.take(2).await();
                assertEquals(List.of(2), seen);
            } finally {
                System.clearProperty(TeacherAhead.Overlap.PROPERTY);
            }
        }
        assertEquals(2, blasThreads());
    }

    @Test
    void holdsNestWithTheBatchedProductsOwn() {
        assertTrue(BatchedMatmulThreads.beginSingleThreaded());
        assertTrue(BatchedMatmulThreads.beginSingleThreaded());
        assertEquals(1, blasThreads());
        BatchedMatmulThreads.endSingleThreaded();
        assertEquals(1, blasThreads(), "released while another still holds it");
        BatchedMatmulThreads.endSingleThreaded();
        assertEquals(2, blasThreads());
    }

    private static void await(CountDownLatch latch) {
        try {
            latch.await(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
