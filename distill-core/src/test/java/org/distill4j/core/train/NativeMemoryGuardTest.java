package org.distill4j.core.train;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/**
 * The guard collects at most about once a second after quick steps, so they pay little for it, and after every long
 * step (at least 0.2 s and ten times the last collection), so a skipped collection cannot double a step's memory.
 */
class NativeMemoryGuardTest {

    @Test
    void collectsAtMostOncePerSecond() throws InterruptedException {
        NativeMemoryGuard guard = new NativeMemoryGuard();
        for (int i = 0; i < 100; i++) {
            guard.afterUpdate();
        }
        assertEquals(0, guard.collections(), "no collection within the first second");
        Thread.sleep(1_050);
        guard.afterUpdate();
        guard.afterUpdate();
        assertEquals(1, guard.collections(), "one collection once a second has passed, not one per update");
    }

    @Test
    void collectsAfterEveryLongStep() throws InterruptedException {
        NativeMemoryGuard guard = new NativeMemoryGuard();
        Thread.sleep(1_050);
        guard.afterUpdate();
        assertEquals(1, guard.collections(), "the first collection goes by the once-a-second rule");
        for (int i = 2; i <= 4; i++) {
            long stepMillis = Math.max(NativeMemoryGuard.LONG_STEP_MIN_NANOS,
                    NativeMemoryGuard.LONG_STEP_FACTOR * guard.lastCollectionNanos()) / 1_000_000 + 20;
            Thread.sleep(stepMillis); // a long step: usually well under the second of the other rule
            guard.afterUpdate();
            assertEquals(i, guard.collections(), "a collection after each long step (" + stepMillis + " ms)");
        }
        Thread.sleep(50);
        guard.afterUpdate();
        assertEquals(4, guard.collections(), "not after a short one");
    }
}
