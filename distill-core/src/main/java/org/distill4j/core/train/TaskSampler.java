package org.distill4j.core.train;

import java.util.List;
import java.util.SplittableRandom;

/**
 * Chooses the task of each multi-task step: task k with probability |D_k|^tau / sum_j |D_j|^tau (TextBrewer's rule).
 * The draw of step s depends only on (seed, s), so a resumed run repeats the sequence and can replay it to recover
 * each task's position in its data.
 */
final class TaskSampler {

    private final double[] cumulative;
    private final long seed;

    /**
     * @param sizes examples per task (each > 0)
     * @param tau   the exponent: 1 is proportional to size, 0 is uniform
     */
    TaskSampler(List<Integer> sizes, double tau, long seed) {
        this.cumulative = new double[sizes.size()];
        double sum = 0;
        for (int k = 0; k < sizes.size(); k++) {
            sum += Math.pow(sizes.get(k), tau);
            cumulative[k] = sum;
        }
        for (int k = 0; k < cumulative.length; k++) {
            cumulative[k] /= sum;
        }
        this.seed = seed;
    }

    /** Probability of each task. */
    double[] probabilities() {
        double[] p = new double[cumulative.length];
        for (int k = 0; k < p.length; k++) {
            p[k] = cumulative[k] - (k == 0 ? 0 : cumulative[k - 1]);
        }
        return p;
    }

    /** The task index trained at step {@code step} (0-based). */
    int taskAt(long step) {
        if (cumulative.length == 1) {
            return 0;
        }
        double u = new SplittableRandom(seed * 0x2545F4914F6CDD1DL + step).nextDouble();
        for (int k = 0; k < cumulative.length - 1; k++) {
            if (u < cumulative[k]) {
                return k;
            }
        }
        return cumulative.length - 1;
    }
}
