package org.distill4j.bert.text;

/** How encodings are padded with {@value Vocabulary#PAD} (on the right; attention mask 0, type id 0, offsets -1). */
public enum Padding {
    /** No padding: an encoding is as long as its tokens. Not valid for batches, which must be rectangular. */
    NONE,
    /** Pad every encoding of a batch to the longest one in it. For a single encoding the same as {@link #NONE}. */
    TO_LONGEST,
    /** Pad to the tokenizer's {@code maxLength}. */
    TO_MAX_LENGTH
}
