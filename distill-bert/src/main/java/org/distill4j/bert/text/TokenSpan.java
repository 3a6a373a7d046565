package org.distill4j.bert.text;

import java.util.Objects;

/**
 * A WordPiece token of a text with where it came from.
 *
 * @param token the vocabulary entry (e.g. {@code "##ing"} or {@value Vocabulary#UNK})
 * @param id    its vocabulary id
 * @param start start in the original text, a UTF-16 {@code char} index (inclusive)
 * @param end   end in the original text, a UTF-16 {@code char} index (exclusive); for {@value Vocabulary#UNK} the
 *              span is the whole word that could not be split
 */
public record TokenSpan(String token, int id, int start, int end) {
    /**
     * Validates the fields.
     *
     * @param token the vocabulary entry
     * @param id    its id
     * @param start UTF-16 start index (inclusive)
     * @param end   UTF-16 end index (exclusive)
     */
    public TokenSpan {
        Objects.requireNonNull(token, "token");
        if (start < 0 || end < start) {
            throw new IllegalArgumentException("bad span [" + start + ", " + end + ")");
        }
    }
}
