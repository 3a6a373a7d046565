package org.distill4j.core.train;

import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * TextBrewer's probability_shift: where the teacher's top class is not the gold label, swap the two logits so the
 * gold class becomes the teacher's top choice. Positions whose label is negative (e.g. -100 padding of
 * token-level labels) are left alone.
 */
final class ProbabilityShift {

    private ProbabilityShift() {
    }

    /**
     * @param logits [B, C] or [B, L, C], modified in place and returned
     * @param labels [B] or [B, L] class indices
     */
    static INDArray apply(INDArray logits, INDArray labels) {
        long classes = logits.size(-1);
        INDArray rows = logits.reshape(-1, classes);
        INDArray gold = labels.reshape(-1);
        if (gold.length() != rows.rows()) {
            throw new IllegalArgumentException("probability_shift: " + gold.length() + " labels for " + rows.rows()
                    + " logits rows; labels must be [B] for [B, C] logits or [B, L] for [B, L, C]");
        }
        for (int r = 0; r < rows.rows(); r++) {
            long label = gold.getLong(r);
            if (label < 0) {
                continue;
            }
            if (label >= classes) {
                throw new IllegalArgumentException("probability_shift: label " + label + " at row " + r + " is outside 0.."
                        + (classes - 1));
            }
            long top = rows.getRow(r).argMax().getLong(0);
            if (top != label) {
                double a = rows.getDouble(r, top);
                rows.putScalar(r, top, rows.getDouble(r, label));
                rows.putScalar(r, label, a);
            }
        }
        return rows.reshape(logits.shape());
    }
}
