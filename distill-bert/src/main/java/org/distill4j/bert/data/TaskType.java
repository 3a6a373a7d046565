package org.distill4j.bert.data;

/** What a {@link TaskDataset}'s labels are, and so which batch fields it produces. */
public enum TaskType {
    /** One class per example: {@code labels} [B] INT, an index into the label vocabulary. */
    CLASSIFICATION,
    /** One real number per example: {@code labels} [B] FLOAT. No label vocabulary. */
    REGRESSION,
    /** Any number of classes per example: {@code labels} [B, C] FLOAT, 1 where the class applies, else 0. */
    MULTI_LABEL,
    /**
     * One class per word: {@code labels} [B, L] INT, the class on the first word piece of each word and
     * {@link TaskDataset#IGNORE_INDEX} (-100) on other pieces, special tokens and padding.
     */
    TOKEN_CLASSIFICATION,
    /**
     * An answer span: {@code start_positions} and {@code end_positions} [B] INT, token indices into the input (both
     * 0, the {@code [CLS]} position, when the answer is not inside the input). No label vocabulary.
     */
    QUESTION_ANSWERING;

    /** @return whether labels are names from a label vocabulary */
    public boolean hasLabelVocabulary() {
        return this == CLASSIFICATION || this == MULTI_LABEL || this == TOKEN_CLASSIFICATION;
    }
}
