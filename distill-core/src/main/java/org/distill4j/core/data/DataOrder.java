package org.distill4j.core.data;

import java.util.Random;

/**
 * The order in which an epoch visits the examples: a permutation that depends only on (seed, epoch), so a resumed
 * run reproduces it, and the split of that order into micro-batches (the last one may be smaller; none is dropped).
 */
public final class DataOrder {

    private DataOrder() {
    }

    /** The permutation of 0..n-1 for an epoch (identity when not shuffling). */
    public static int[] permutation(long seed, int epoch, int n, boolean shuffle) {
        int[] order = new int[n];
        for (int i = 0; i < n; i++) {
            order[i] = i;
        }
        if (shuffle) {
            Random rng = new Random(seed * 1_000_003L + epoch);
            for (int i = n - 1; i > 0; i--) {
                int j = rng.nextInt(i + 1);
                int tmp = order[i];
                order[i] = order[j];
                order[j] = tmp;
            }
        }
        return order;
    }

    /** Number of micro-batches per epoch: ceil(n / batchSize). */
    public static int microBatches(int n, int batchSize) {
        return (n + batchSize - 1) / batchSize;
    }

    /** Indices of micro-batch {@code k} of an epoch's order. */
    public static int[] microBatch(int[] order, int batchSize, int k) {
        int from = k * batchSize;
        int to = Math.min(order.length, from + batchSize);
        return java.util.Arrays.copyOfRange(order, from, to);
    }
}
