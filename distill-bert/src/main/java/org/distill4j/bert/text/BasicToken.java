package org.distill4j.bert.text;

import java.util.Arrays;

/**
 * One token from {@link BasicTokenizer}: its normalized text and where each of its code points came from in the
 * original string.
 *
 * <p>Units: {@link #start()}, {@link #end()}, {@link #sourceStart(int)} and {@link #sourceEnd(int)} are UTF-16
 * {@code char} indices into the original string (so {@code original.substring(start(), end())} is the source text),
 * end exclusive. Code point indices ({@code cp}) count Unicode code points of {@link #text()}.
 *
 * <p>Normalization can change lengths: lower-casing {@code "İ"} gives two code points, NFD turns one Hangul syllable
 * into two or three jamo, and accent stripping removes marks. Every code point of {@link #text()} keeps the span of
 * the original code point it came from, so several code points may share one span. An accent removed by
 * stripping is counted with the character before it (the character after it if the word starts with it), so
 * {@code "e\u0301"} gives the token {@code "e"} with the span of both chars.
 */
public final class BasicToken {

    private final String text;
    private final int[] sourceStarts;
    private final int[] sourceEnds;

    BasicToken(String text, int[] sourceStarts, int[] sourceEnds) {
        if (sourceStarts.length != text.codePointCount(0, text.length()) || sourceEnds.length != sourceStarts.length) {
            throw new IllegalArgumentException("one source span per code point required");
        }
        this.text = text;
        this.sourceStarts = sourceStarts;
        this.sourceEnds = sourceEnds;
    }

    /** @return the normalized token text (lower-cased and accent-stripped if the tokenizer does so) */
    public String text() {
        return text;
    }

    /** @return number of Unicode code points in {@link #text()} */
    public int codePointCount() {
        return sourceStarts.length;
    }

    /** @return start of the token in the original string (UTF-16 index, inclusive) */
    public int start() {
        return span(0, sourceStarts.length)[0];
    }

    /** @return end of the token in the original string (UTF-16 index, exclusive) */
    public int end() {
        return span(0, sourceStarts.length)[1];
    }

    /**
     * @param cp code point index into {@link #text()}
     * @return UTF-16 start index in the original string of the character this code point came from
     */
    public int sourceStart(int cp) {
        return sourceStarts[cp];
    }

    /**
     * @param cp code point index into {@link #text()}
     * @return UTF-16 end index (exclusive) in the original string of the character this code point came from
     */
    public int sourceEnd(int cp) {
        return sourceEnds[cp];
    }

    /**
     * The original-string span covered by code points {@code [fromCp, toCp)} of {@link #text()}.
     *
     * @param fromCp first code point index into {@link #text()} (inclusive)
     * @param toCp   last code point index (exclusive), greater than {@code fromCp}
     * @return {@code {start, end}}, UTF-16 indices into the original string, end exclusive
     */
    public int[] span(int fromCp, int toCp) {
        if (fromCp < 0 || toCp > sourceStarts.length || fromCp >= toCp) {
            throw new IndexOutOfBoundsException("bad code point range [" + fromCp + ", " + toCp + ") of "
                    + sourceStarts.length);
        }
        // min/max, not first/last: NFD may reorder combining marks, so spans are not always monotonic.
        int start = Integer.MAX_VALUE;
        int end = Integer.MIN_VALUE;
        for (int i = fromCp; i < toCp; i++) {
            start = Math.min(start, sourceStarts[i]);
            end = Math.max(end, sourceEnds[i]);
        }
        return new int[] {start, end};
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof BasicToken other && text.equals(other.text)
                && Arrays.equals(sourceStarts, other.sourceStarts) && Arrays.equals(sourceEnds, other.sourceEnds);
    }

    @Override
    public int hashCode() {
        return text.hashCode() * 31 + Arrays.hashCode(sourceStarts);
    }

    @Override
    public String toString() {
        return text + "@[" + start() + "," + end() + ")";
    }
}
