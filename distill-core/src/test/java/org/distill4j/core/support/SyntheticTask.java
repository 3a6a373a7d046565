package org.distill4j.core.support;

import java.util.Map;
import java.util.Random;
import org.distill4j.core.data.InMemoryExamples;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * A synthetic classification task over padded token sequences: each position has random features, the class is
 * the argmax of a fixed random non-linear function of the mean over valid positions. Deterministic per seed.
 */
public final class SyntheticTask {

    public static final int FEATURES = 8;
    public static final int LENGTH = 6;
    public static final int CLASSES = 4;

    private SyntheticTask() {
    }

    /** {@code n} examples; the generating function depends only on {@code taskSeed}, the inputs on {@code dataSeed}. */
    public static InMemoryExamples generate(int n, long taskSeed, long dataSeed) {
        Random task = new Random(taskSeed);
        double[][] a = gaussian(task, FEATURES, 16);
        double[][] b = gaussian(task, 16, CLASSES);
        Random rng = new Random(dataSeed);
        float[] x = new float[n * LENGTH * FEATURES];
        float[] mask = new float[n * LENGTH];
        int[] labels = new int[n];
        for (int i = 0; i < n; i++) {
            int len = 2 + rng.nextInt(LENGTH - 1);
            double[] pooled = new double[16];
            for (int t = 0; t < LENGTH; t++) {
                double[] f = new double[FEATURES];
                for (int k = 0; k < FEATURES; k++) {
                    f[k] = rng.nextGaussian();
                    x[(i * LENGTH + t) * FEATURES + k] = (float) f[k];
                }
                if (t < len) {
                    mask[i * LENGTH + t] = 1;
                    for (int j = 0; j < 16; j++) {
                        double s = 0;
                        for (int k = 0; k < FEATURES; k++) {
                            s += f[k] * a[k][j];
                        }
                        pooled[j] += Math.tanh(s) / len;
                    }
                }
            }
            int best = 0;
            double bestScore = Double.NEGATIVE_INFINITY;
            for (int c = 0; c < CLASSES; c++) {
                double s = 0;
                for (int j = 0; j < 16; j++) {
                    s += pooled[j] * b[j][c];
                }
                if (s > bestScore) {
                    bestScore = s;
                    best = c;
                }
            }
            labels[i] = best;
        }
        INDArray features = Nd4j.create(x, new long[]{n, LENGTH, FEATURES}, 'c');
        return new InMemoryExamples(Map.of(
                "features", features,
                "mask", Nd4j.create(mask, new long[]{n, LENGTH}, 'c'),
                "label", Nd4j.createFromArray(labels).castTo(DataType.INT32)));
    }

    private static double[][] gaussian(Random rng, int rows, int cols) {
        double[][] m = new double[rows][cols];
        for (double[] row : m) {
            for (int j = 0; j < cols; j++) {
                row[j] = rng.nextGaussian();
            }
        }
        return m;
    }
}
