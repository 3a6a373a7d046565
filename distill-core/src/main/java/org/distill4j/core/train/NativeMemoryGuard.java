package org.distill4j.core.train;

import java.util.function.LongSupplier;

/**
 * Keeps ND4J's native memory bounded during training. ND4J frees an array's native buffer only once the JVM has
 * collected the Java object, and a training step makes native garbage but little Java garbage, so the JVM's own
 * collections are rare: without the guard the process grew by a step's native garbage per step until JavaCPP's limit
 * stalled allocations or the kernel killed it. Since {@link org.distill4j.core.graph.ArrayRecycling} reuses the
 * graphs' arrays, the loop gives each update's gradients back and borrows its own arrays (dropout masks, Adam's
 * update arrays, lookup gradients) from the same cache, lookup rows are written in place and the teacher's outputs are
 * closed once read, little is left per step: a few small arrays (the resident size grew by a few MiB per step on the
 * standard benchmark without collections, against 1.1-1.5 GiB before recycling).
 *
 * <p>Garbage that is not collected is new native memory, so it shows as growth of the resident size, and the guard
 * collects when the resident size has grown by more than {@link #allowanceBytes()} above its lowest value since the
 * last collection (the lowest, because ND4J frees the collected buffers on its own thread shortly after the
 * collection). Memory the C allocator keeps after a collection is reused by the next allocations without growth, so
 * a run that makes no garbage is never collected, and one that makes much is collected often. A collection costs
 * 20-30 ms at the standard sizes; it used to run after every step of at least 0.2 s, 2.5-3% of the full step (the
 * benchmark's time with no op running fell from 6.9-7.7% to 4.0-5.0% in three alternating pairs; README, Speed).
 */
final class NativeMemoryGuard {

    /** The most the resident size may grow above its floor between collections: 128 MiB. */
    static final long MAX_ALLOWANCE_BYTES = 128L << 20;

    private final LongSupplier residentBytes;
    private final long allowanceBytes;
    private long floor;
    private long lastDuration;
    private long collections;

    /** A guard for this process: allowance 128 MiB, or a sixteenth of the memory limit if that is less. */
    NativeMemoryGuard() {
        this(org.bytedeco.javacpp.Pointer::physicalBytes,
                Math.min(MAX_ALLOWANCE_BYTES, MemoryLimits.processLimitBytes() / 16));
    }

    /**
     * @param residentBytes  the process's resident size in bytes
     * @param allowanceBytes growth above the floor that triggers a collection
     */
    NativeMemoryGuard(LongSupplier residentBytes, long allowanceBytes) {
        this.residentBytes = residentBytes;
        this.allowanceBytes = allowanceBytes;
        this.floor = residentBytes.getAsLong();
    }

    /** Called after each update. */
    void afterUpdate() {
        long resident = residentBytes.getAsLong();
        floor = Math.min(floor, resident);
        if (resident - floor > allowanceBytes) {
            long start = System.nanoTime();
            System.gc();
            collections++;
            lastDuration = System.nanoTime() - start;
            floor = residentBytes.getAsLong();
        }
    }

    /** Growth of the resident size above its floor that triggers a collection, in bytes. */
    long allowanceBytes() {
        return allowanceBytes;
    }

    /** Nanoseconds the last collection took (0 before the first). */
    long lastCollectionNanos() {
        return lastDuration;
    }

    /** Collections run so far. */
    long collections() {
        return collections;
    }
}
