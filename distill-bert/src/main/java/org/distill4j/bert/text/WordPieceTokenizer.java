package org.distill4j.bert.text;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * BERT's WordPiece tokenizer (Google's {@code WordpieceTokenizer}): greedy longest-match-first splitting of one word
 * into vocabulary pieces, where every piece after the first carries the {@value #CONTINUATION_PREFIX} prefix.
 *
 * <p>Example with the uncased BERT vocabulary: {@code "unaffable" -> ["una", "##ffa", "##ble"]}. A word that cannot be
 * covered completely by pieces, or that is longer than {@code maxInputCharsPerWord} code points, becomes a single
 * {@value Vocabulary#UNK}.
 *
 * <p>Input words are expected to come from {@link BasicTokenizer} (already normalized). Lengths are counted in
 * Unicode code points, as Python counts characters. Instances are immutable and thread-safe.
 */
public final class WordPieceTokenizer {

    /** Prefix that marks a piece continuing the previous one. */
    public static final String CONTINUATION_PREFIX = "##";

    /**
     * Default word length limit in code points: Hugging Face's {@code BertTokenizer} default. (Google's
     * {@code tokenization.py} defaults to 200; pass 200 to the constructor to get that.)
     */
    public static final int DEFAULT_MAX_INPUT_CHARS_PER_WORD = 100;

    private final Vocabulary vocabulary;
    private final int maxInputCharsPerWord;

    /**
     * @param vocabulary the WordPiece vocabulary
     */
    public WordPieceTokenizer(Vocabulary vocabulary) {
        this(vocabulary, DEFAULT_MAX_INPUT_CHARS_PER_WORD);
    }

    /**
     * @param vocabulary           the WordPiece vocabulary
     * @param maxInputCharsPerWord words longer than this many code points become {@value Vocabulary#UNK}; at least 1
     */
    public WordPieceTokenizer(Vocabulary vocabulary, int maxInputCharsPerWord) {
        this.vocabulary = Objects.requireNonNull(vocabulary, "vocabulary");
        if (maxInputCharsPerWord < 1) {
            throw new IllegalArgumentException("maxInputCharsPerWord must be >= 1, got " + maxInputCharsPerWord);
        }
        this.maxInputCharsPerWord = maxInputCharsPerWord;
    }

    /** @return the vocabulary pieces are looked up in */
    public Vocabulary vocabulary() {
        return vocabulary;
    }

    /** @return the word length limit in code points */
    public int maxInputCharsPerWord() {
        return maxInputCharsPerWord;
    }

    /**
     * Splits a text on whitespace (Python's {@code str.split()}) and each word into pieces, like Google's
     * {@code WordpieceTokenizer.tokenize}.
     *
     * @param text one word, or words separated by whitespace
     * @return the piece strings, e.g. {@code ["token", "##ization"]}
     */
    public List<String> tokenize(String text) {
        Objects.requireNonNull(text, "text");
        List<String> out = new ArrayList<>();
        int[] cps = text.codePoints().toArray();
        int i = 0;
        while (i < cps.length) {
            if (CharClasses.isPythonSpace(cps[i])) {
                i++;
                continue;
            }
            int end = i;
            while (end < cps.length && !CharClasses.isPythonSpace(cps[end])) {
                end++;
            }
            for (WordPiece p : split(cps, i, end)) {
                out.add(p.token());
            }
            i = end;
        }
        return out;
    }

    /**
     * Splits one word into pieces.
     *
     * @param word a single word (no whitespace), already normalized
     * @return the pieces with their ids and code point ranges in {@code word}; one {@value Vocabulary#UNK} piece
     *     spanning the whole word if it cannot be split or is too long; empty for an empty word
     */
    public List<WordPiece> split(String word) {
        Objects.requireNonNull(word, "word");
        int[] cps = word.codePoints().toArray();
        return split(cps, 0, cps.length);
    }

    /** Greedy longest-match-first over {@code cps[from, to)}; piece ranges are relative to {@code from}. */
    List<WordPiece> split(int[] cps, int from, int to) {
        int n = to - from;
        if (n == 0) {
            return List.of();
        }
        if (n > maxInputCharsPerWord) {
            return List.of(new WordPiece(Vocabulary.UNK, vocabulary.unkId(), 0, n));
        }
        // No vocabulary entry is longer than this, so longer candidates cannot match: start the search there.
        int longest = vocabulary.maxTokenCodePoints();
        List<WordPiece> pieces = new ArrayList<>();
        int start = 0;
        while (start < n) {
            int end = Math.min(n, start + longest);
            String match = null;
            int id = -1;
            while (start < end) {
                String candidate = new String(cps, from + start, end - start);
                if (start > 0) {
                    candidate = CONTINUATION_PREFIX + candidate;
                }
                id = vocabulary.indexOf(candidate);
                if (id >= 0) {
                    match = candidate;
                    break;
                }
                end--;
            }
            if (match == null) {
                return List.of(new WordPiece(Vocabulary.UNK, vocabulary.unkId(), 0, n));
            }
            pieces.add(new WordPiece(match, id, start, end));
            start = end;
        }
        return pieces;
    }

    @Override
    public String toString() {
        return "WordPieceTokenizer[" + vocabulary + ", maxInputCharsPerWord=" + maxInputCharsPerWord + "]";
    }

    /**
     * One piece of a word.
     *
     * @param token the vocabulary entry, with {@value #CONTINUATION_PREFIX} if it continues a word
     * @param id    its vocabulary id
     * @param start first code point of the word it covers (inclusive)
     * @param end   code point after the last one it covers (exclusive)
     */
    public record WordPiece(String token, int id, int start, int end) {
        /**
         * Validates the fields.
         *
         * @param token the vocabulary entry
         * @param id    its id
         * @param start first code point (inclusive)
         * @param end   last code point (exclusive)
         */
        public WordPiece {
            Objects.requireNonNull(token, "token");
            if (start < 0 || end < start) {
                throw new IllegalArgumentException("bad range [" + start + ", " + end + ")");
            }
        }
    }
}
