package org.distill4j.bert.text;

/**
 * What {@link BertTokenizer} does when {@code [CLS] a [SEP] (b [SEP])} would exceed {@code maxLength} tokens.
 * Tokens are always removed from the end of a segment.
 */
public enum Truncation {
    /**
     * Remove one token at a time from the longer segment; on a tie from the second. Same as Google's
     * {@code _truncate_seq_pair} and Hugging Face's {@code longest_first}. For a single text: cut it to fit.
     */
    LONGEST_FIRST,
    /** Remove tokens from the first segment only; an error if that would empty it. */
    ONLY_FIRST,
    /** Remove tokens from the second segment only; an error if that would empty it, or for a single text. */
    ONLY_SECOND,
    /** Never remove tokens; an error if the encoding would be longer than {@code maxLength}. */
    DO_NOT_TRUNCATE
}
