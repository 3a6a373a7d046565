package org.distill4j.core.train;

/**
 * Keeps ND4J's native memory bounded during training. ND4J frees an array's native buffer only once the JVM has
 * collected the Java object, and a training step makes large native arrays (SameDiff's activations and gradients:
 * about 1.6 GiB per step on the standard benchmark before {@link org.distill4j.core.graph.ArrayRecycling}; the
 * gradients, outputs and whatever runs outside the listener still are) but little Java garbage, so collections are rare: the process
 * grew by that much per step until JavaCPP's limit stalled allocations (it collects and sleeps) or the kernel killed
 * it, and every step touched fresh pages. Neither JavaCPP's byte counters nor the resident size tell when to collect
 * (freed memory stays resident in the allocator; ND4J's CPU buffers are in neither counter), so the guard goes by time.
 * After an update it collects if the step took at least 0.2 s and {@value #LONG_STEP_FACTOR} times the last collection
 * (so the collection costs at most a tenth of such a step; on the standard benchmark, 20-30 ms after steps of 0.6-1.1
 * s), or else if at least a second, and at least twenty times the last collection's duration, has passed since the
 * last one (steps of milliseconds: a few percent of their time at most). Skipping the collection after a long step is what
 * costs: the next step's arrays come from fresh pages, the resident size jumps by a step's allocations (1.1-1.5 GiB)
 * and stays, and that step is 0.5-0.7 s slower. With only the once-a-second rule the benchmark's 0.6 s cached steps
 * collected every other step: two alternating pairs, peak 3731 / 4353 MiB before and 2779 / 2868 MiB with the
 * long-step rule, full step 12.54 / 14.53 -> 13.57 / 14.94 samples/s, cached 22.85 / 26.89 -> 24.71 / 26.98.
 */
final class NativeMemoryGuard {

    private static final long MIN_INTERVAL_NANOS = 1_000_000_000L;
    /**
     * A step of at least {@link #LONG_STEP_MIN_NANOS} and this many times the last collection's duration is followed
     * by a collection whatever the interval.
     */
    static final int LONG_STEP_FACTOR = 10;
    static final long LONG_STEP_MIN_NANOS = 200_000_000L;
    private long lastEnd = System.nanoTime();
    private long lastDuration;
    private long collections;
    private long lastUpdate = System.nanoTime();

    /** Called after each update. */
    void afterUpdate() {
        long now = System.nanoTime();
        long step = now - lastUpdate;
        boolean longStep = collections > 0 && step >= Math.max(LONG_STEP_MIN_NANOS, LONG_STEP_FACTOR * lastDuration);
        if (longStep || now - lastEnd >= Math.max(MIN_INTERVAL_NANOS, 20 * lastDuration)) {
            System.gc();
            collections++;
            lastEnd = System.nanoTime();
            lastDuration = lastEnd - now;
        }
        lastUpdate = System.nanoTime();
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
