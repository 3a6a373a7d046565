package org.distill4j.examples.data;

import java.util.Map;
import java.util.Random;
import org.distill4j.core.data.InMemoryExamples;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The quickstart's embedded task, generated on the spot so it needs no download: token sequences where three
 * groups of marker tokens compete, and the label is the group that occurs most often (ties are never generated).
 * Fields: input_ids [N, L] (int), attention_mask [N, L] (int), label [N] (int). Token 0 is padding.
 */
public final class MajorityTokenTask {

    /** Vocabulary size. */
    public static final int VOCAB = 32;
    /** Padded sequence length. */
    public static final int LENGTH = 16;
    /** Number of classes (marker groups). */
    public static final int CLASSES = 3;

    private static final int FIRST_FILLER = 1 + CLASSES * 4;

    private MajorityTokenTask() {
    }

    /** {@code n} examples drawn with the given seed. */
    public static InMemoryExamples generate(int n, long seed) {
        Random rng = new Random(seed);
        int[] ids = new int[n * LENGTH];
        int[] mask = new int[n * LENGTH];
        int[] labels = new int[n];
        for (int i = 0; i < n; i++) {
            int[] counts;
            int[] row = new int[LENGTH];
            int len;
            do {
                len = 6 + rng.nextInt(LENGTH - 5);
                counts = new int[CLASSES];
                for (int t = 0; t < len; t++) {
                    if (rng.nextDouble() < 0.5) {
                        int group = rng.nextInt(CLASSES);
                        counts[group]++;
                        row[t] = 1 + group * 4 + rng.nextInt(4);
                    } else {
                        row[t] = FIRST_FILLER + rng.nextInt(VOCAB - FIRST_FILLER);
                    }
                }
            } while (winner(counts) < 0);
            for (int t = 0; t < LENGTH; t++) {
                ids[i * LENGTH + t] = t < len ? row[t] : 0;
                mask[i * LENGTH + t] = t < len ? 1 : 0;
            }
            labels[i] = winner(counts);
        }
        return new InMemoryExamples(Map.of(
                "input_ids", Nd4j.createFromArray(ids).reshape(n, LENGTH).castTo(DataType.INT32),
                "attention_mask", Nd4j.createFromArray(mask).reshape(n, LENGTH).castTo(DataType.INT32),
                "label", Nd4j.createFromArray(labels).castTo(DataType.INT32)));
    }

    /** The strictly largest group, or -1 on a tie. */
    private static int winner(int[] counts) {
        int best = 0;
        for (int c = 1; c < counts.length; c++) {
            if (counts[c] > counts[best]) {
                best = c;
            }
        }
        for (int c = 0; c < counts.length; c++) {
            if (c != best && counts[c] == counts[best]) {
                return -1;
            }
        }
        return best;
    }
}
