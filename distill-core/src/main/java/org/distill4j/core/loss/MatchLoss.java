package org.distill4j.core.loss;

import java.util.List;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;

/**
 * An intermediate-feature loss and what it needs, so a configuration can be checked before training.
 *
 * @param pair               true if it compares two layers per side (fsp, gram, mmd, nst): layer_T/layer_S are pairs
 * @param features           adaptor features it reads regardless of the match's {@code feature} field (MiniLM's
 *                           query/key/value), or empty to read the match's feature
 * @param inputRank          rank of each input: 3 for [B, L, D], 4 for attention [B, H, L, L]
 * @param widthsMayDiffer    true if D_S may differ from D_T without a projection (for attention maps: if the
 *                           head counts may differ)
 * @param usesRelationHeads  true if the match must give relation_heads
 * @param body               builds the scalar loss
 */
public record MatchLoss(boolean pair, List<String> features, int inputRank, boolean widthsMayDiffer,
                        boolean usesRelationHeads, Body body) {

    public MatchLoss {
        features = List.copyOf(features);
    }

    /** Builds the scalar loss as SameDiff ops. */
    @FunctionalInterface
    public interface Body {
        SDVariable build(SameDiff sd, MatchInputs in);
    }

    /** A single-layer loss on [B, L, D] features of equal width. */
    public static MatchLoss onHidden(Body body) {
        return new MatchLoss(false, List.of(), 3, false, false, body);
    }

    /** A single-layer loss on [B, H, L, L] attention maps; {@code headsMayDiffer} if it pools the heads first. */
    public static MatchLoss onAttention(boolean headsMayDiffer, Body body) {
        return new MatchLoss(false, List.of(), 4, headsMayDiffer, false, body);
    }

    /** Builds the loss. */
    public SDVariable build(SameDiff sd, MatchInputs in) {
        return body.build(sd, in);
    }
}
