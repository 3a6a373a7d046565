package org.distill4j.core.graph;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * {@link HostThreads}: parts run on the caller and helper threads and failures come back; one part while BLAS is held
 * single-threaded (another graph running); and the kernels that split their rows give the same bits however many
 * threads ran them (their sums over rows go by fixed blocks), which exact resume relies on.
 */
class HostThreadsTest {

    private static void assumeTwoThreads() {
        assumeTrue(Nd4j.getEnvironment().maxThreads() >= 2, "ND4J runs one thread here");
    }

    @Test
    void runsEveryPartPartZeroOnTheCallerAndRethrowsFailures() {
        Set<String> threads = ConcurrentHashMap.newKeySet();
        int[] seen = new int[4];
        HostThreads.forEachPart(4, part -> {
            seen[part]++;
            threads.add(part == 0 ? "caller:" + Thread.currentThread().getName() : Thread.currentThread().getName());
        });
        assertEquals(List.of(1, 1, 1, 1), List.of(seen[0], seen[1], seen[2], seen[3]));
        assertTrue(threads.contains("caller:" + Thread.currentThread().getName()), threads.toString());
        assertTrue(threads.stream().anyMatch(t -> t.startsWith("distill4j-host-kernel-")), threads.toString());

        IllegalArgumentException failure = assertThrows(IllegalArgumentException.class,
                () -> HostThreads.forEachPart(3, part -> {
                    if (part == 2) {
                        throw new IllegalArgumentException("part 2 failed");
                    }
                }));
        assertEquals("part 2 failed", failure.getMessage());
    }

    @Test
    void splitsOnlyWhenNothingHoldsBlasSingleThreaded() {
        assumeTwoThreads();
        long large = 1L << 22;
        assertEquals(Math.min(Nd4j.getEnvironment().maxThreads(), 64), HostThreads.parts(large));
        assertEquals(1, HostThreads.parts(HostThreads.MIN_ELEMENTS_PER_PART - 1), "small work stays on one thread");
        boolean held = BatchedMatmulThreads.beginSingleThreaded();
        try {
            assumeTrue(held, "BatchedMatmulThreads is turned off");
            assertEquals(1, HostThreads.parts(large), "another graph holds BLAS single-threaded");
        } finally {
            if (held) {
                BatchedMatmulThreads.endSingleThreaded();
            }
        }
    }

    @Test
    void kernelsGiveTheSameBitsOnOneThreadAndOnSeveral() {
        assumeTwoThreads();
        Nd4j.getRandom().setSeed(17);
        INDArray x = Nd4j.randn(DataType.FLOAT, 2000, 384).muli(3).addi(1); // 2000 rows: a last, partial block
        INDArray gamma = Nd4j.rand(DataType.FLOAT, 384).addi(0.5);
        INDArray beta = Nd4j.randn(DataType.FLOAT, 384);
        INDArray dy = Nd4j.randn(DataType.FLOAT, 2000, 384).addi(2);
        INDArray[] split = runKernels(x, gamma, beta, dy);
        INDArray[] single;
        boolean held = BatchedMatmulThreads.beginSingleThreaded();
        try {
            assumeTrue(held, "BatchedMatmulThreads is turned off");
            single = runKernels(x, gamma, beta, dy);
        } finally {
            if (held) {
                BatchedMatmulThreads.endSingleThreaded();
            }
        }
        for (int i = 0; i < split.length; i++) {
            assertEquals(single[i], split[i], "output " + i);
        }
        assertNotEquals(0.0, split[3].amaxNumber().doubleValue(), "dgamma all zero: the blocks were not summed");
    }

    /** erf, layer norm forward, and layer norm backward's dx, dgamma, dbeta. */
    private static INDArray[] runKernels(INDArray x, INDArray gamma, INDArray beta, INDArray dy) {
        INDArray erf = x.ulike();
        ErfKernel.apply(x, erf);
        INDArray y = x.ulike();
        LayerNormKernel.forward(x, gamma, beta, y);
        INDArray dx = x.ulike();
        INDArray dGamma = gamma.ulike();
        INDArray dBeta = beta.ulike();
        LayerNormKernel.backward(x, gamma, dy, dx, dGamma, dBeta);
        return new INDArray[]{erf, y, dx, dGamma, dBeta};
    }
}
