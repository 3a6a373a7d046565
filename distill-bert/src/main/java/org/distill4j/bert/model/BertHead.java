package org.distill4j.bert.model;

/** The task head on top of the encoder, each with its hard-label loss. */
public enum BertHead {
    /** Pooled [CLS] -> logits [B, C]; softmax cross-entropy with labels [B] (single sentences and pairs). */
    SEQUENCE_CLASSIFICATION,
    /** Pooled [CLS] -> logits [B, C]; sigmoid binary cross-entropy with float labels [B, C] in {0, 1}. */
    MULTI_LABEL,
    /** Every token -> logits [B, L, C]; cross-entropy with labels [B, L], positions labelled -100 ignored. */
    TOKEN_CLASSIFICATION,
    /** Every token -> start and end logits [B, L]; mean of the cross-entropies of start_positions and end_positions [B]. */
    QUESTION_ANSWERING,
    /** No head: the encoder's hidden states, attentions and pooled output only. */
    NONE
}
