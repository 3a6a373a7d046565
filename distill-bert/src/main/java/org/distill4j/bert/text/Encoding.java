package org.distill4j.bert.text;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * One encoded input for BERT: {@code [CLS] a [SEP]} or {@code [CLS] a [SEP] b [SEP]}, optionally right-padded with
 * {@code [PAD]}. All arrays have the same length {@code L = length()}, one entry per position.
 *
 * <p>Immutable: the compact constructor copies the arrays and every array accessor returns a fresh copy (so do not
 * call them in a per-position loop; use {@link #id(int)} and friends instead).
 *
 * @param tokens        the token strings, e.g. {@code [CLS], hello, ##s, [SEP], [PAD]} (unmodifiable)
 * @param ids           vocabulary ids, shape {@code [L]}
 * @param typeIds       token type (segment) ids, shape {@code [L]}: 0 for {@code [CLS]}, the first segment and its
 *                      {@code [SEP]}; 1 for the second segment and the final {@code [SEP]}; 0 for padding
 * @param attentionMask 1 for real tokens (special tokens included), 0 for padding, shape {@code [L]}
 * @param startOffsets  start of each token in its original text (UTF-16 {@code char} index, inclusive); -1 for
 *                      special tokens and padding
 * @param endOffsets    end of each token in its original text (UTF-16 {@code char} index, exclusive); -1 for
 *                      special tokens and padding
 * @param sequenceIds   which text a token came from: 0 = first, 1 = second, -1 = special token or padding
 * @param numTruncated  how many word-piece tokens truncation removed (0 if none)
 */
public record Encoding(List<String> tokens, int[] ids, int[] typeIds, int[] attentionMask, int[] startOffsets,
                       int[] endOffsets, int[] sequenceIds, int numTruncated) {

    /**
     * Copies and validates: all arrays as long as {@code tokens}, {@code numTruncated >= 0}.
     *
     * @param tokens        token strings
     * @param ids           vocabulary ids
     * @param typeIds       token type ids
     * @param attentionMask 1 real, 0 padding
     * @param startOffsets  UTF-16 start offsets or -1
     * @param endOffsets    UTF-16 end offsets or -1
     * @param sequenceIds   0, 1 or -1
     * @param numTruncated  tokens removed by truncation
     */
    public Encoding {
        tokens = List.copyOf(tokens);
        ids = ids.clone();
        typeIds = typeIds.clone();
        attentionMask = attentionMask.clone();
        startOffsets = startOffsets.clone();
        endOffsets = endOffsets.clone();
        sequenceIds = sequenceIds.clone();
        int n = tokens.size();
        if (ids.length != n || typeIds.length != n || attentionMask.length != n || startOffsets.length != n
                || endOffsets.length != n || sequenceIds.length != n) {
            throw new IllegalArgumentException("all arrays must have length " + n);
        }
        if (numTruncated < 0) {
            throw new IllegalArgumentException("numTruncated must be >= 0");
        }
    }

    /** @return number of positions {@code L}, padding included */
    public int length() {
        return ids.length;
    }

    /** @return number of positions with attention mask 1 (special tokens included, padding excluded) */
    public int numRealTokens() {
        int n = 0;
        for (int m : attentionMask) {
            n += m;
        }
        return n;
    }

    /** @return a copy of the ids, shape {@code [L]} */
    @Override
    public int[] ids() {
        return ids.clone();
    }

    /** @return a copy of the token type ids, shape {@code [L]} */
    @Override
    public int[] typeIds() {
        return typeIds.clone();
    }

    /** @return a copy of the attention mask, shape {@code [L]} */
    @Override
    public int[] attentionMask() {
        return attentionMask.clone();
    }

    /** @return a copy of the start offsets, shape {@code [L]} */
    @Override
    public int[] startOffsets() {
        return startOffsets.clone();
    }

    /** @return a copy of the end offsets, shape {@code [L]} */
    @Override
    public int[] endOffsets() {
        return endOffsets.clone();
    }

    /** @return a copy of the sequence ids, shape {@code [L]} */
    @Override
    public int[] sequenceIds() {
        return sequenceIds.clone();
    }

    /** @return offsets as {@code [L][2]} pairs {@code {start, end}} (UTF-16 indices; {@code {-1, -1}} if none) */
    public int[][] offsets() {
        int[][] out = new int[ids.length][];
        for (int i = 0; i < ids.length; i++) {
            out[i] = new int[] {startOffsets[i], endOffsets[i]};
        }
        return out;
    }

    /**
     * @param i position in {@code [0, L)}
     * @return the token string at position {@code i}
     */
    public String token(int i) {
        return tokens.get(i);
    }

    /**
     * @param i position in {@code [0, L)}
     * @return the id at position {@code i}
     */
    public int id(int i) {
        return ids[i];
    }

    /**
     * @param i position in {@code [0, L)}
     * @return the token type id at position {@code i}
     */
    public int typeId(int i) {
        return typeIds[i];
    }

    /**
     * @param i position in {@code [0, L)}
     * @return the attention mask at position {@code i} (1 real, 0 padding)
     */
    public int mask(int i) {
        return attentionMask[i];
    }

    /**
     * @param i position in {@code [0, L)}
     * @return the start offset at position {@code i}, or -1
     */
    public int start(int i) {
        return startOffsets[i];
    }

    /**
     * @param i position in {@code [0, L)}
     * @return the end offset at position {@code i}, or -1
     */
    public int end(int i) {
        return endOffsets[i];
    }

    /**
     * @param i position in {@code [0, L)}
     * @return the sequence id at position {@code i}: 0, 1, or -1 for special tokens and padding
     */
    public int sequenceId(int i) {
        return sequenceIds[i];
    }

    /**
     * Joins the text tokens (special tokens and padding left out) with single spaces, gluing {@code ##} pieces to
     * the piece before. This is the normalized text, not the original (use the offsets for that).
     *
     * @return for example {@code "hello world ! [UNK]"}
     */
    public String decode() {
        List<String> text = new ArrayList<>();
        for (int i = 0; i < ids.length; i++) {
            if (sequenceIds[i] >= 0) {
                text.add(tokens.get(i));
            }
        }
        return BertTokenizer.joinPieces(text);
    }

    /**
     * Returns this encoding right-padded to {@code length} positions.
     *
     * @param length target length, at least {@link #length()}
     * @param padId  id of {@value Vocabulary#PAD}
     * @return a padded copy, or {@code this} if already that long
     */
    Encoding padTo(int length, int padId) {
        int n = ids.length;
        if (length < n) {
            throw new IllegalArgumentException("cannot pad an encoding of length " + n + " to " + length);
        }
        if (length == n) {
            return this;
        }
        List<String> t = new ArrayList<>(tokens);
        while (t.size() < length) {
            t.add(Vocabulary.PAD);
        }
        int[] id = Arrays.copyOf(ids, length);
        Arrays.fill(id, n, length, padId);
        int[] start = Arrays.copyOf(startOffsets, length);
        Arrays.fill(start, n, length, -1);
        int[] end = Arrays.copyOf(endOffsets, length);
        Arrays.fill(end, n, length, -1);
        int[] seq = Arrays.copyOf(sequenceIds, length);
        Arrays.fill(seq, n, length, -1);
        // typeIds and attentionMask pad with 0, which Arrays.copyOf already gives.
        return new Encoding(t, id, Arrays.copyOf(typeIds, length), Arrays.copyOf(attentionMask, length), start, end,
                seq, numTruncated);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Encoding e && tokens.equals(e.tokens) && Arrays.equals(ids, e.ids)
                && Arrays.equals(typeIds, e.typeIds) && Arrays.equals(attentionMask, e.attentionMask)
                && Arrays.equals(startOffsets, e.startOffsets) && Arrays.equals(endOffsets, e.endOffsets)
                && Arrays.equals(sequenceIds, e.sequenceIds) && numTruncated == e.numTruncated;
    }

    @Override
    public int hashCode() {
        return Objects.hash(tokens, Arrays.hashCode(ids), Arrays.hashCode(typeIds), Arrays.hashCode(attentionMask),
                Arrays.hashCode(startOffsets), Arrays.hashCode(endOffsets), Arrays.hashCode(sequenceIds),
                numTruncated);
    }

    @Override
    public String toString() {
        return "Encoding[tokens=" + tokens + ", ids=" + Arrays.toString(ids) + ", typeIds=" + Arrays.toString(typeIds)
                + ", attentionMask=" + Arrays.toString(attentionMask) + ", offsets=" + Arrays.deepToString(offsets())
                + ", sequenceIds=" + Arrays.toString(sequenceIds) + ", numTruncated=" + numTruncated + "]";
    }
}
