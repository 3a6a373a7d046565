package org.distill4j.bert.data;

import java.util.List;
import org.distill4j.bert.text.Encoding;

/** Small helpers around {@link Encoding}. */
final class Encodings {

    private Encodings() {
    }

    /** The encoding without trailing padding (positions with attention mask 0 at the end). */
    static Encoding unpadded(Encoding e) {
        int n = e.length();
        while (n > 0 && e.mask(n - 1) == 0) {
            n--;
        }
        if (n == e.length()) {
            return e;
        }
        return new Encoding(List.copyOf(e.tokens().subList(0, n)), prefix(e.ids(), n), prefix(e.typeIds(), n),
                prefix(e.attentionMask(), n), prefix(e.startOffsets(), n), prefix(e.endOffsets(), n),
                prefix(e.sequenceIds(), n), e.numTruncated());
    }

    private static int[] prefix(int[] a, int n) {
        return java.util.Arrays.copyOf(a, n);
    }
}
