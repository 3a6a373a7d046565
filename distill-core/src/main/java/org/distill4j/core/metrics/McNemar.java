package org.distill4j.core.metrics;

/**
 * The exact McNemar test: do two classifiers scored on the same examples differ in accuracy? Only the examples
 * where they disagree count: {@code b} where only the first is right, {@code c} where only the second is. Under the
 * null hypothesis each disagreement goes either way with probability 1/2, so the two-sided p-value is that of an
 * exact binomial test of {@code b} in {@code b + c} trials at 1/2: {@code min(1, 2 * P(X <= min(b, c)))},
 * X ~ Binomial(b + c, 1/2). Unlike the chi-squared approximation it is exact for the small counts that a test split of
 * a few hundred examples gives.
 */
public final class McNemar {

    private McNemar() {
    }

    /**
     * @param b examples only the first classifier gets right (at least 0)
     * @param c examples only the second classifier gets right (at least 0)
     * @return the two-sided p-value in (0, 1]; 1 when they never disagree
     */
    public static double exactPValue(long b, long c) {
        if (b < 0 || c < 0) {
            throw new IllegalArgumentException("disagreement counts must be at least 0, got b = " + b + ", c = " + c);
        }
        long n = b + c;
        long k = Math.min(b, c);
        if (2 * k >= n) {
            return 1.0; // b == c: the observed split is the most likely one
        }
        // log P(X = j) = log C(n, j) - n log 2, summed for j = 0..k in log space (n can be many thousands)
        double logHalfPow = -n * Math.log(2);
        double logTerm = logHalfPow; // j = 0
        double logSum = logTerm;
        for (long j = 0; j < k; j++) {
            logTerm += Math.log((double) (n - j)) - Math.log((double) (j + 1));
            double hi = Math.max(logSum, logTerm);
            logSum = hi + Math.log(Math.exp(logSum - hi) + Math.exp(logTerm - hi));
        }
        return Math.min(1.0, 2.0 * Math.exp(logSum));
    }
}
