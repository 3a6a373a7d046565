package org.distill4j.bert.text;

import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * The full BERT tokenizer: {@link BasicTokenizer}, then {@link WordPieceTokenizer} on every word, then the BERT input
 * layout {@code [CLS] a [SEP]} or {@code [CLS] a [SEP] b [SEP]} with truncation, padding, token type ids, attention
 * mask and character offsets.
 *
 * <p>The word pieces match Google's {@code FullTokenizer} exactly (tested on the 30522-token uncased vocabulary),
 * except that the per-word length limit defaults to 100 code points (Hugging Face's default) instead of Google's 200;
 * see {@link Builder#maxInputCharsPerWord(int)}.
 *
 * <p>Create one with {@link #builder(Vocabulary)}. Instances are immutable and thread-safe.
 *
 * <pre>{@code
 * BertTokenizer tok = BertTokenizer.builder(Vocabulary.load(path))
 *         .maxLength(128).padding(Padding.TO_MAX_LENGTH).build();
 * Encoding e = tok.encode("Hello, world!");   // [CLS] hello , world ! [SEP] [PAD] ... (128 positions)
 * }</pre>
 */
public final class BertTokenizer {

    /** BERT-Base's position embedding count, the default {@code maxLength}. */
    public static final int DEFAULT_MAX_LENGTH = 512;

    private final Vocabulary vocabulary;
    private final BasicTokenizer basic;
    private final WordPieceTokenizer wordPiece;
    private final int maxLength;
    private final Truncation truncation;
    private final Padding padding;

    private BertTokenizer(Builder b) {
        this.vocabulary = b.vocabulary;
        this.basic = new BasicTokenizer(b.lowerCase, b.neverSplit);
        this.wordPiece = new WordPieceTokenizer(b.vocabulary, b.maxInputCharsPerWord);
        this.maxLength = b.maxLength;
        this.truncation = b.truncation;
        this.padding = b.padding;
    }

    /**
     * @param vocabulary the WordPiece vocabulary
     * @return a builder with the defaults: lowerCase true, maxLength {@value #DEFAULT_MAX_LENGTH}, LONGEST_FIRST
     *     truncation, no padding, 100 code points per word, no never-split words
     */
    public static Builder builder(Vocabulary vocabulary) {
        return new Builder(vocabulary);
    }

    /** @return the vocabulary */
    public Vocabulary vocabulary() {
        return vocabulary;
    }

    /** @return the basic tokenizer in use */
    public BasicTokenizer basicTokenizer() {
        return basic;
    }

    /** @return the WordPiece tokenizer in use */
    public WordPieceTokenizer wordPieceTokenizer() {
        return wordPiece;
    }

    /** @return whether text is lower-cased and accent-stripped */
    public boolean lowerCase() {
        return basic.lowerCase();
    }

    /** @return the maximum encoding length in tokens, special tokens included */
    public int maxLength() {
        return maxLength;
    }

    /** @return the truncation strategy */
    public Truncation truncation() {
        return truncation;
    }

    /** @return the padding of {@link #encode(String)} and {@link #encode(String, String)} */
    public Padding padding() {
        return padding;
    }

    /**
     * Word-piece tokens of a text, no special tokens, no truncation (Google's {@code FullTokenizer.tokenize}).
     *
     * @param text any string
     * @return e.g. {@code ["una", "##ffa", "##ble"]}
     */
    public List<String> tokenize(String text) {
        List<String> out = new ArrayList<>();
        for (TokenSpan s : tokenizeWithOffsets(text)) {
            out.add(s.token());
        }
        return out;
    }

    /**
     * Word-piece tokens of a text with their ids and offsets, no special tokens, no truncation.
     *
     * @param text any string
     * @return tokens with UTF-16 offsets into {@code text}
     */
    public List<TokenSpan> tokenizeWithOffsets(String text) {
        Objects.requireNonNull(text, "text");
        List<TokenSpan> out = new ArrayList<>();
        for (BasicToken word : basic.tokenizeWithOffsets(text)) {
            int[] cps = word.text().codePoints().toArray();
            for (WordPieceTokenizer.WordPiece p : wordPiece.split(cps, 0, cps.length)) {
                int[] span = word.span(p.start(), p.end());
                out.add(new TokenSpan(p.token(), p.id(), span[0], span[1]));
            }
        }
        return out;
    }

    /**
     * Encodes one text as {@code [CLS] text [SEP]}, truncated and padded as configured.
     *
     * @param text any string; empty or whitespace-only gives {@code [CLS] [SEP]}
     * @return the encoding; all type ids 0
     * @throws IllegalArgumentException if the text is too long and the truncation strategy forbids cutting it
     */
    public Encoding encode(String text) {
        Encoding e = build(tokenizeWithOffsets(text), null);
        return padding == Padding.TO_MAX_LENGTH ? e.padTo(maxLength, vocabulary.padId()) : e;
    }

    /**
     * Encodes a pair as {@code [CLS] a [SEP] b [SEP]}, truncated and padded as configured.
     *
     * @param a the first text (type id 0, like {@code [CLS]} and the first {@code [SEP]})
     * @param b the second text (type id 1, like the last {@code [SEP]})
     * @return the encoding; offsets of second-segment tokens index into {@code b}
     * @throws IllegalArgumentException if too long for the truncation strategy, or if {@code maxLength < 3}
     */
    public Encoding encode(String a, String b) {
        Objects.requireNonNull(b, "b");
        Encoding e = build(tokenizeWithOffsets(a), tokenizeWithOffsets(b));
        return padding == Padding.TO_MAX_LENGTH ? e.padTo(maxLength, vocabulary.padId()) : e;
    }

    /**
     * Encodes single texts into one rectangular batch, padded as this tokenizer's {@link #padding()} says
     * ({@link Padding#NONE} counts as {@link Padding#TO_LONGEST}).
     *
     * @param texts at least one text
     * @return the batch, shape {@code [texts.size(), L]}
     */
    public EncodedBatch encodeBatch(List<String> texts) {
        return encodeBatch(texts, padding == Padding.TO_MAX_LENGTH ? Padding.TO_MAX_LENGTH : Padding.TO_LONGEST);
    }

    /**
     * Encodes single texts into one rectangular batch.
     *
     * @param texts   at least one text
     * @param padding {@link Padding#TO_LONGEST} (L = longest encoding) or {@link Padding#TO_MAX_LENGTH}
     *                (L = {@link #maxLength()})
     * @return the batch, shape {@code [texts.size(), L]}
     */
    public EncodedBatch encodeBatch(List<String> texts, Padding padding) {
        Objects.requireNonNull(texts, "texts");
        List<Encoding> rows = new ArrayList<>(texts.size());
        for (String t : texts) {
            rows.add(build(tokenizeWithOffsets(t), null));
        }
        return pad(rows, padding);
    }

    /**
     * Encodes text pairs into one rectangular batch.
     *
     * @param first   first texts
     * @param second  second texts, as many as {@code first}
     * @param padding {@link Padding#TO_LONGEST} or {@link Padding#TO_MAX_LENGTH}
     * @return the batch, shape {@code [first.size(), L]}
     */
    public EncodedBatch encodePairBatch(List<String> first, List<String> second, Padding padding) {
        Objects.requireNonNull(first, "first");
        Objects.requireNonNull(second, "second");
        if (first.size() != second.size()) {
            throw new IllegalArgumentException("first has " + first.size() + " texts, second has " + second.size());
        }
        List<Encoding> rows = new ArrayList<>(first.size());
        for (int i = 0; i < first.size(); i++) {
            rows.add(build(tokenizeWithOffsets(first.get(i)), tokenizeWithOffsets(Objects.requireNonNull(
                    second.get(i), "second text " + i))));
        }
        return pad(rows, padding);
    }

    /**
     * Turns ids back into normalized text: tokens joined with spaces, {@code ##} pieces glued on,
     * {@code [CLS]}, {@code [SEP]} and {@code [PAD]} left out. Not the original text (case, accents and spacing
     * around punctuation are lost); use an encoding's offsets for that.
     *
     * @param ids token ids
     * @return e.g. {@code "hello , world !"}
     */
    public String decode(int[] ids) {
        List<String> tokens = new ArrayList<>(ids.length);
        for (int id : ids) {
            if (id != vocabulary.clsId() && id != vocabulary.sepId() && id != vocabulary.padId()) {
                tokens.add(vocabulary.token(id));
            }
        }
        return joinPieces(tokens);
    }

    /** Hugging Face's {@code " ".join(tokens).replace(" ##", "")} without the cleanup of spaces. */
    static String joinPieces(List<String> tokens) {
        StringBuilder sb = new StringBuilder();
        for (String t : tokens) {
            if (t.startsWith(WordPieceTokenizer.CONTINUATION_PREFIX) && sb.length() > 0) {
                sb.append(t, WordPieceTokenizer.CONTINUATION_PREFIX.length(), t.length());
            } else {
                if (sb.length() > 0) {
                    sb.append(' ');
                }
                sb.append(t);
            }
        }
        return sb.toString();
    }

    private EncodedBatch pad(List<Encoding> rows, Padding batchPadding) {
        Objects.requireNonNull(batchPadding, "padding");
        if (rows.isEmpty()) {
            throw new IllegalArgumentException("a batch needs at least one text");
        }
        int length;
        switch (batchPadding) {
            case TO_MAX_LENGTH -> length = maxLength;
            case TO_LONGEST -> length = rows.stream().mapToInt(Encoding::length).max().orElseThrow();
            default -> throw new IllegalArgumentException(
                    "a batch must be rectangular: use Padding.TO_LONGEST or TO_MAX_LENGTH, not " + batchPadding);
        }
        List<Encoding> padded = new ArrayList<>(rows.size());
        for (Encoding e : rows) {
            padded.add(e.padTo(length, vocabulary.padId()));
        }
        return new EncodedBatch(padded);
    }

    /** Truncates and lays out {@code [CLS] a [SEP] (b [SEP])}, unpadded. {@code b == null} for a single text. */
    private Encoding build(List<TokenSpan> a, List<TokenSpan> b) {
        boolean pair = b != null;
        int budget = maxLength - (pair ? 3 : 2);
        if (budget < 0) {
            throw new IllegalArgumentException("maxLength " + maxLength + " leaves no room for [CLS] a [SEP] b [SEP]");
        }
        int[] keep = truncatedLengths(a.size(), pair ? b.size() : -1, budget, truncation, maxLength);
        int keepA = keep[0];
        int keepB = pair ? keep[1] : 0;
        int n = keepA + keepB + (pair ? 3 : 2);
        List<String> tokens = new ArrayList<>(n);
        int[] ids = new int[n];
        int[] typeIds = new int[n];
        int[] mask = new int[n];
        int[] starts = new int[n];
        int[] ends = new int[n];
        int[] seq = new int[n];
        int pos = 0;
        pos = putSpecial(Vocabulary.CLS, vocabulary.clsId(), 0, pos, tokens, ids, typeIds, mask, starts, ends, seq);
        for (int i = 0; i < keepA; i++) {
            pos = putText(a.get(i), 0, pos, tokens, ids, typeIds, mask, starts, ends, seq);
        }
        pos = putSpecial(Vocabulary.SEP, vocabulary.sepId(), 0, pos, tokens, ids, typeIds, mask, starts, ends, seq);
        if (pair) {
            for (int i = 0; i < keepB; i++) {
                pos = putText(b.get(i), 1, pos, tokens, ids, typeIds, mask, starts, ends, seq);
            }
            putSpecial(Vocabulary.SEP, vocabulary.sepId(), 1, pos, tokens, ids, typeIds, mask, starts, ends, seq);
        }
        int removed = (a.size() - keepA) + (pair ? b.size() - keepB : 0);
        return new Encoding(tokens, ids, typeIds, mask, starts, ends, seq, removed);
    }

    private static int putSpecial(String token, int id, int typeId, int pos, List<String> tokens, int[] ids,
                                  int[] typeIds, int[] mask, int[] starts, int[] ends, int[] seq) {
        tokens.add(token);
        ids[pos] = id;
        typeIds[pos] = typeId;
        mask[pos] = 1;
        starts[pos] = -1;
        ends[pos] = -1;
        seq[pos] = -1;
        return pos + 1;
    }

    private static int putText(TokenSpan s, int segment, int pos, List<String> tokens, int[] ids, int[] typeIds,
                               int[] mask, int[] starts, int[] ends, int[] seq) {
        tokens.add(s.token());
        ids[pos] = s.id();
        typeIds[pos] = segment;
        mask[pos] = 1;
        starts[pos] = s.start();
        ends[pos] = s.end();
        seq[pos] = segment;
        return pos + 1;
    }

    /**
     * How many tokens of each segment survive truncation.
     *
     * @param lengthA   tokens in the first segment
     * @param lengthB   tokens in the second segment, or -1 for a single text
     * @param budget    tokens allowed for both segments together ({@code maxLength} minus special tokens)
     * @param strategy  the truncation strategy
     * @param maxLength for error messages
     * @return {@code {keepA, keepB}} ({@code keepB = -1} for a single text)
     */
    static int[] truncatedLengths(int lengthA, int lengthB, int budget, Truncation strategy, int maxLength) {
        boolean pair = lengthB >= 0;
        int total = lengthA + Math.max(lengthB, 0);
        if (total <= budget) {
            return new int[] {lengthA, lengthB};
        }
        int excess = total - budget;
        String what = (pair ? "pair of " + lengthA + " + " + lengthB : "text of " + lengthA)
                + " word-piece tokens does not fit maxLength " + maxLength + " (room for " + budget
                + " besides the special tokens)";
        switch (strategy) {
            case DO_NOT_TRUNCATE:
                throw new IllegalArgumentException(what + " and truncation is DO_NOT_TRUNCATE");
            case ONLY_FIRST:
                if (excess >= lengthA) {
                    throw new IllegalArgumentException(what + "; ONLY_FIRST would have to remove all of the first "
                            + "segment");
                }
                return new int[] {lengthA - excess, lengthB};
            case ONLY_SECOND:
                if (!pair) {
                    throw new IllegalArgumentException(what + "; ONLY_SECOND cannot shorten a single text");
                }
                if (excess >= lengthB) {
                    throw new IllegalArgumentException(what + "; ONLY_SECOND would have to remove all of the "
                            + "second segment");
                }
                return new int[] {lengthA, lengthB - excess};
            case LONGEST_FIRST:
                if (!pair) {
                    return new int[] {lengthA - excess, -1};
                }
                // Closed form of "while too long: drop from the longer one, from b on a tie" (_truncate_seq_pair):
                // first even out the difference, then b loses ceil(rest/2) and a floor(rest/2).
                int la = lengthA;
                int lb = lengthB;
                int first = Math.min(Math.abs(la - lb), excess);
                if (la > lb) {
                    la -= first;
                } else {
                    lb -= first;
                }
                int rest = excess - first;
                lb -= (rest + 1) / 2;
                la -= rest / 2;
                return new int[] {la, lb};
            default:
                throw new IllegalStateException("unknown truncation " + strategy);
        }
    }

    @Override
    public String toString() {
        return "BertTokenizer[" + vocabulary + ", lowerCase=" + lowerCase() + ", maxLength=" + maxLength
                + ", truncation=" + truncation + ", padding=" + padding + ", maxInputCharsPerWord="
                + wordPiece.maxInputCharsPerWord() + ", neverSplit=" + basic.neverSplit() + "]";
    }

    /** Builder for {@link BertTokenizer}; every setter validates its argument immediately. */
    public static final class Builder {
        private final Vocabulary vocabulary;
        private boolean lowerCase = true;
        private int maxLength = DEFAULT_MAX_LENGTH;
        private Truncation truncation = Truncation.LONGEST_FIRST;
        private Padding padding = Padding.NONE;
        private int maxInputCharsPerWord = WordPieceTokenizer.DEFAULT_MAX_INPUT_CHARS_PER_WORD;
        private final Set<String> neverSplit = new LinkedHashSet<>();

        private Builder(Vocabulary vocabulary) {
            this.vocabulary = Objects.requireNonNull(vocabulary, "vocabulary");
        }

        /**
         * @param lowerCase lower-case and strip accents; must match the model (true for uncased BERT)
         * @return this builder
         */
        public Builder lowerCase(boolean lowerCase) {
            this.lowerCase = lowerCase;
            return this;
        }

        /**
         * @param maxLength maximum encoding length in tokens, special tokens included; at least 2 (pairs need 3)
         * @return this builder
         */
        public Builder maxLength(int maxLength) {
            if (maxLength < 2) {
                throw new IllegalArgumentException("maxLength must be >= 2 for [CLS] [SEP], got " + maxLength);
            }
            this.maxLength = maxLength;
            return this;
        }

        /**
         * @param truncation what to do with inputs longer than {@code maxLength}
         * @return this builder
         */
        public Builder truncation(Truncation truncation) {
            this.truncation = Objects.requireNonNull(truncation, "truncation");
            return this;
        }

        /**
         * @param padding padding for {@code encode}: {@link Padding#NONE} or {@link Padding#TO_MAX_LENGTH}
         *                ({@link Padding#TO_LONGEST} acts as NONE for one encoding, and as TO_LONGEST in batches)
         * @return this builder
         */
        public Builder padding(Padding padding) {
            this.padding = Objects.requireNonNull(padding, "padding");
            return this;
        }

        /**
         * @param maxInputCharsPerWord words longer than this many code points (after normalization) become
         *                             {@value Vocabulary#UNK}; 100 by default, Google's {@code tokenization.py}
         *                             uses 200
         * @return this builder
         */
        public Builder maxInputCharsPerWord(int maxInputCharsPerWord) {
            if (maxInputCharsPerWord < 1) {
                throw new IllegalArgumentException("maxInputCharsPerWord must be >= 1, got " + maxInputCharsPerWord);
            }
            this.maxInputCharsPerWord = maxInputCharsPerWord;
            return this;
        }

        /**
         * Adds words the basic tokenizer keeps verbatim when they stand alone between whitespace.
         *
         * @param words for example {@code List.of("[MASK]")}
         * @return this builder
         */
        public Builder neverSplit(Collection<String> words) {
            for (String w : words) {
                neverSplit.add(Objects.requireNonNull(w, "neverSplit word"));
            }
            return this;
        }

        /**
         * Keeps {@code [PAD] [UNK] [CLS] [SEP] [MASK]} written in the text as single special tokens (Hugging Face
         * style) instead of splitting them like other text (Google style, the default). Leave this off for
         * untrusted input such as mail, where a literal {@code [SEP]} should not act as a separator.
         *
         * @return this builder
         */
        public Builder neverSplitSpecialTokens() {
            return neverSplit(Vocabulary.specialTokens());
        }

        /** @return the tokenizer */
        public BertTokenizer build() {
            return new BertTokenizer(this);
        }
    }
}
