package org.distill4j.core.train;

/** What a distiller optimises; the three public distillers differ only in this. */
enum Mode {
    /** The model's own (hard-label) losses; no teacher. */
    SUPERVISED,
    /** KD on logits plus weighted hard-label losses. */
    KD,
    /** KD, hard labels and intermediate matches. */
    KD_WITH_MATCHES
}
