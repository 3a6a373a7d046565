package org.distill4j.core.train;

/**
 * Keeps ND4J's native memory bounded during training. ND4J frees an array's native buffer only once the JVM has
 * collected the Java object, and a training step makes large native arrays (SameDiff's activations and gradients:
 * about 1.6 GiB per step on the standard benchmark) but little Java garbage, so collections are rare: the process
 * grew by that much per step until JavaCPP's limit stalled allocations (it collects and sleeps) or the kernel killed
 * it, and every step touched fresh pages. Neither JavaCPP's byte counters nor the resident size tell when to collect
 * (freed memory stays resident in the allocator), so the guard goes by time: after an update it runs a collection
 * if at least a second, and at least twenty times the last collection's duration, has passed since the last one.
 * Steps of a second or more collect every step (the standard benchmark: resident size flat, steps faster); steps of
 * milliseconds collect about once a second, for a few percent of their time at most.
 */
final class NativeMemoryGuard {

    private static final long MIN_INTERVAL_NANOS = 1_000_000_000L;
    private long lastEnd = System.nanoTime();
    private long lastDuration;
    private long collections;

    /** Called after each update. */
    void afterUpdate() {
        long now = System.nanoTime();
        if (now - lastEnd >= Math.max(MIN_INTERVAL_NANOS, 20 * lastDuration)) {
            System.gc();
            collections++;
            lastEnd = System.nanoTime();
            lastDuration = lastEnd - now;
        }
    }

    /** Collections run so far. */
    long collections() {
        return collections;
    }
}
