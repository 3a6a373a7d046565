package org.distill4j.core.train;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.util.ArrayList;
import java.util.List;
import org.bytedeco.javacpp.Pointer;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Why the training loop trims the C allocator after a run: closed ND4J buffers stay resident, as free memory in
 * glibc's arenas, until {@link NativeHeap#trim()} hands it back.
 */
class NativeHeapTest {

    private static final long MIB = 1L << 20;

    @Test
    void closedBuffersStayResidentUntilTheHeapIsTrimmed() throws Exception {
        assumeTrue(System.getProperty("os.name").toLowerCase().contains("linux"), "glibc's malloc_trim");
        long[] rss = new long[3];
        boolean[] trimmed = new boolean[1];
        Thread t = new Thread(() -> {
            // 4096 buffers of 64 KiB (below glibc's smallest mmap threshold, so from an arena), every other one closed:
            // 128 MiB of holes between live buffers, which free() keeps
            List<INDArray> arrays = new ArrayList<>();
            for (int i = 0; i < 4096; i++) {
                arrays.add(Nd4j.createUninitializedDetached(DataType.FLOAT, 16384).assign(1f));
            }
            rss[0] = Pointer.physicalBytes();
            for (int i = 0; i < arrays.size(); i += 2) {
                arrays.get(i).close();
            }
            rss[1] = Pointer.physicalBytes();
            trimmed[0] = NativeHeap.trim();
            rss[2] = Pointer.physicalBytes();
            for (int i = 1; i < arrays.size(); i += 2) {
                arrays.get(i).close();
            }
        });
        t.start();
        t.join();
        assumeTrue(trimmed[0], "JavaCPP's malloc_trim binding");
        String figures = String.format("resident MiB: all live %d, half closed %d, trimmed %d", rss[0] / MIB,
                rss[1] / MIB, rss[2] / MIB);
        System.out.println(figures);
        assertTrue(rss[0] - rss[1] < 32 * MIB, "closing keeps the memory: " + figures);
        assertTrue(rss[1] - rss[2] > 96 * MIB, "trimming hands most of the 128 MiB back: " + figures);
    }
}
