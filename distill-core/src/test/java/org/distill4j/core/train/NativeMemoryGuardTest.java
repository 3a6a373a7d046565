package org.distill4j.core.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The guard collects when the resident size has grown by more than its allowance above the lowest value seen since
 * the last collection (uncollected native garbage is new memory), and never while it stays within.
 */
class NativeMemoryGuardTest {

    private static final long MIB = 1L << 20;

    /** A resident size that reads the given values (MiB) in turn, the last one from then on. */
    private static java.util.function.LongSupplier readings(Long... mib) {
        Deque<Long> values = new ArrayDeque<>(List.of(mib));
        return () -> (values.size() > 1 ? values.poll() : values.peek()) * MIB;
    }

    @Test
    void neverCollectsWhileTheResidentSizeStaysWithinTheAllowance() {
        // start 1000, then steps that reuse memory: up and down within 256 MiB of the floor
        NativeMemoryGuard guard = new NativeMemoryGuard(readings(1000L, 1100L, 1250L, 1180L, 1256L, 1000L, 1200L), 256 * MIB);
        for (int i = 0; i < 6; i++) {
            guard.afterUpdate();
        }
        assertEquals(0, guard.collections());
    }

    @Test
    void collectsOnceTheGrowthPassesTheAllowanceAndMeasuresFromTheNewFloor() {
        NativeMemoryGuard guard = new NativeMemoryGuard(readings(
                1000L,          // at start
                1100L, 1257L,   // the second update: 257 MiB above the floor, collect
                1240L,          // read right after the collection (ND4J frees on its own thread, a little later)
                1050L,          // the freed memory is gone: the floor follows it down
                1300L,          // 250 above the floor: no collection
                1310L,          // 260 above: collect
                1300L, 1300L), 256 * MIB);
        guard.afterUpdate();
        assertEquals(0, guard.collections());
        guard.afterUpdate();
        assertEquals(1, guard.collections(), "growth of 257 MiB");
        guard.afterUpdate();
        guard.afterUpdate();
        assertEquals(1, guard.collections(), "250 MiB above the lowest value since the collection");
        guard.afterUpdate();
        assertEquals(2, guard.collections(), "260 MiB above it");
        assertTrue(guard.lastCollectionNanos() > 0);
    }

    @Test
    void theAllowanceIsAtMost128MibAndASixteenthOfTheLimit() {
        long allowance = new NativeMemoryGuard().allowanceBytes();
        assertTrue(allowance <= NativeMemoryGuard.MAX_ALLOWANCE_BYTES);
        assertEquals(Math.min(NativeMemoryGuard.MAX_ALLOWANCE_BYTES, MemoryLimits.processLimitBytes() / 16), allowance);
    }
}
