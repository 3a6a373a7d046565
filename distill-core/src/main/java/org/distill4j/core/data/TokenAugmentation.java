package org.distill4j.core.data;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;

/**
 * TextBrewer's token-level data augmentation, on any token type (strings or ids), driven by a caller's seeded
 * {@link Random} so an augmented run repeats exactly. Each method returns a new list and leaves its input alone.
 */
public final class TokenAugmentation {

    private TokenAugmentation() {
    }

    /** Replaces each token by {@code mask} with probability p. */
    public static <T> List<T> masking(List<T> tokens, double p, T mask, Random rng) {
        checkProbability(p);
        List<T> out = new ArrayList<>(tokens);
        for (int i = 0; i < out.size(); i++) {
            if (rng.nextDouble() < p) {
                out.set(i, mask);
            }
        }
        return out;
    }

    /** Drops each token with probability p. */
    public static <T> List<T> deleting(List<T> tokens, double p, Random rng) {
        checkProbability(p);
        List<T> out = new ArrayList<>();
        for (T t : tokens) {
            if (rng.nextDouble() >= p) {
                out.add(t);
            }
        }
        return out;
    }

    /**
     * A random contiguous span whose length is drawn from {@code lengths} with probabilities {@code probabilities}
     * (TextBrewer's defaults: lengths 1..5, each with 0.2); the whole list if it is shorter than the span.
     */
    public static <T> List<T> nGramSampling(List<T> tokens, double[] probabilities, int[] lengths, Random rng) {
        if (probabilities.length != lengths.length || lengths.length == 0) {
            throw new IllegalArgumentException("give one probability per n-gram length");
        }
        int length = lengths[draw(probabilities, rng)];
        if (tokens.size() <= length) {
            return new ArrayList<>(tokens);
        }
        int start = rng.nextInt(tokens.size() - length + 1);
        return new ArrayList<>(tokens.subList(start, start + length));
    }

    /**
     * Local disorder: walking left to right, each position is left alone or starts one of four small permutations
     * (abc -> bac, cba, cab, bca) with the probabilities {@code p} (5 entries, TextBrewer's default [0.9, 0.1, 0, 0, 0]);
     * next to the end any permutation becomes a swap of the last two.
     */
    public static <T> List<T> shortDisorder(List<T> tokens, double[] p, Random rng) {
        if (p.length != 5) {
            throw new IllegalArgumentException("short disorder takes 5 probabilities: untouched, bac, cba, cab, bca");
        }
        List<T> out = new ArrayList<>(tokens);
        int n = out.size();
        int i = 0;
        while (i < n - 1) {
            int permutation = draw(p, rng);
            if (permutation != 0 && i == n - 2) {
                Collections.swap(out, i, i + 1);
                i += 2;
            } else if (permutation == 1) {
                Collections.swap(out, i, i + 1);
                i += 2;
            } else if (permutation == 2) {
                Collections.swap(out, i, i + 2);
                i += 3;
            } else if (permutation == 3) {
                T c = out.get(i + 2);
                out.set(i + 2, out.get(i + 1));
                out.set(i + 1, out.get(i));
                out.set(i, c);
                i += 3;
            } else if (permutation == 4) {
                T a = out.get(i);
                out.set(i, out.get(i + 1));
                out.set(i + 1, out.get(i + 2));
                out.set(i + 2, a);
                i += 3;
            } else {
                i += 1;
            }
        }
        return out;
    }

    /**
     * Long-range disorder: a window of {@code length} tokens (or that fraction of the list if length <= 1; rounded up
     * to even) slides left to right; with probability p its two halves swap and the walk jumps past it.
     */
    public static <T> List<T> longDisorder(List<T> tokens, double p, double length, Random rng) {
        checkProbability(p);
        List<T> out = new ArrayList<>(tokens);
        double raw = length <= 1 ? tokens.size() * length : length;
        int window = ((int) raw + 1) / 2 * 2;
        if (window < 2) {
            return out;
        }
        int half = window / 2;
        int i = 0;
        while (i <= out.size() - window) {
            if (rng.nextDouble() < p) {
                List<T> first = new ArrayList<>(out.subList(i, i + half));
                List<T> second = new ArrayList<>(out.subList(i + half, i + window));
                for (int k = 0; k < half; k++) {
                    out.set(i + k, second.get(k));
                    out.set(i + half + k, first.get(k));
                }
                i += window;
            } else {
                i += 1;
            }
        }
        return out;
    }

    private static int draw(double[] probabilities, Random rng) {
        double u = rng.nextDouble();
        double cumulative = 0;
        for (int i = 0; i < probabilities.length; i++) {
            cumulative += probabilities[i];
            if (u < cumulative) {
                return i;
            }
        }
        return probabilities.length - 1;
    }

    private static void checkProbability(double p) {
        if (!(p >= 0 && p <= 1)) {
            throw new IllegalArgumentException("probability must be in [0, 1], got " + p);
        }
    }
}
