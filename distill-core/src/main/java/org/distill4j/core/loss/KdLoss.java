package org.distill4j.core.loss;

import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;

/**
 * A knowledge-distillation loss between student and teacher logits, built as SameDiff ops so the backend
 * differentiates it with the student.
 */
@FunctionalInterface
public interface KdLoss {

    /**
     * Builds the loss.
     *
     * @param sd          the training graph
     * @param student     student logits, [B, C] or token-level [B, L, C]
     * @param teacher     teacher logits, same shape (no gradient flows into them)
     * @param temperature temperature broadcastable against the logits: a scalar, [B, 1] or [B, L, 1]
     * @param rowMask     for token-level logits, [B, L] with 1 for positions that count; null to count all rows
     * @return the scalar loss
     */
    SDVariable build(SameDiff sd, SDVariable student, SDVariable teacher, SDVariable temperature, SDVariable rowMask);
}
