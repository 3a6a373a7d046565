package org.distill4j.core.train;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/** The guard collects at most about once a second, so quick steps pay little for it. */
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
}
