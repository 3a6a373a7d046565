package org.distill4j.core.train;

import java.lang.reflect.Method;
import org.bytedeco.javacpp.Pointer;

/**
 * Hands the C allocator's free memory back to the operating system. ND4J's native buffers come from glibc's
 * {@code malloc}, which keeps freed memory in its arenas for later allocations: after a training run has closed its
 * array caches (hundreds of MiB at the standard benchmark sizes, on the loop thread and on the teacher thread, each
 * with an arena of its own) the process stayed that much larger until it exited. {@code malloc_trim(0)} returns the
 * free pages of every arena. Not during training: the next step would take the same memory again, page by page (a
 * periodic trim, {@code -XX:TrimNativeHeapInterval=500}, made the standard full step 40% slower; README, Speed).
 */
final class NativeHeap {

    /** JavaCPP's own binding of {@code malloc_trim(0)} (private in JavaCPP 1.5.7); null where it cannot be reached. */
    private static final Method TRIM = trimMethod();

    private NativeHeap() {
    }

    private static Method trimMethod() {
        try {
            Method m = Pointer.class.getDeclaredMethod("trimMemory");
            m.setAccessible(true);
            return m;
        } catch (ReflectiveOperationException | RuntimeException e) {
            return null;
        }
    }

    /**
     * Returns the allocator's free memory to the operating system where the platform allows it (glibc: {@code
     * malloc_trim(0)}); elsewhere does nothing.
     *
     * @return true if the allocator was asked to
     */
    static boolean trim() {
        if (TRIM == null) {
            return false;
        }
        try {
            return (Boolean) TRIM.invoke(null);
        } catch (ReflectiveOperationException | RuntimeException | UnsatisfiedLinkError e) {
            return false;
        }
    }
}
