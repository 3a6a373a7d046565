package org.distill4j.core.config;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;

/**
 * One intermediate-feature match: a loss between the teacher's feature at {@code layer_T} and the student's at
 * {@code layer_S}, optionally through a trainable projection of the student feature.
 *
 * @param layerT        teacher feature-list index, or a pair for pair losses
 * @param layerS        student feature-list index, or a pair for pair losses
 * @param feature       adaptor feature list to read (hidden, attention, or another list the adaptor names)
 * @param loss          match-loss registry name (hidden_mse, cos, attention_ce, mmd, minilm_value, ...)
 * @param weight        weight of this term in the total loss (>= 0)
 * @param proj          projection of the student feature, or null
 * @param relationHeads number of relation heads for the MiniLM relation losses (null for other losses)
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record IntermediateMatch(
        @JsonProperty("layer_T") LayerRef layerT,
        @JsonProperty("layer_S") LayerRef layerS,
        @JsonProperty("feature") String feature,
        @JsonProperty("loss") String loss,
        @JsonProperty("weight") Double weight,
        @JsonProperty("proj") ProjectionSpec proj,
        @JsonProperty("relation_heads") Integer relationHeads) {

    public IntermediateMatch {
        if (layerT == null) {
            throw new ConfigException("layer_T", null, "every match needs layer_T (an index or a pair)");
        }
        if (layerS == null) {
            throw new ConfigException("layer_S", null, "every match needs layer_S (an index or a pair)");
        }
        if (layerT.isPair() != layerS.isPair()) {
            throw new ConfigException("layer_S", layerS, "layer_T is " + layerT + ": both must be single indices or both pairs");
        }
        feature = feature == null ? "hidden" : feature;
        if (loss == null || loss.isBlank()) {
            throw new ConfigException("loss", loss, "name a match loss, e.g. hidden_mse");
        }
        weight = Check.nonNegative("weight", weight == null ? 1.0 : weight);
        if (relationHeads != null) {
            Check.atLeast("relation_heads", relationHeads, 1);
        }
    }

    /** A single-layer hidden-state match with weight 1 and no projection. */
    public static IntermediateMatch hidden(int layerT, int layerS, String loss) {
        return new IntermediateMatch(LayerRef.of(layerT), LayerRef.of(layerS), "hidden", loss, 1.0, null, null);
    }

    /** The same match with another projection. */
    public IntermediateMatch withProj(ProjectionSpec projection) {
        return new IntermediateMatch(layerT, layerS, feature, loss, weight, projection, relationHeads);
    }

    /** The same match with another weight. */
    public IntermediateMatch withWeight(double newWeight) {
        return new IntermediateMatch(layerT, layerS, feature, loss, newWeight, proj, relationHeads);
    }

    /** A short label for logs: {@code hidden_mse(T4,S2)}. */
    public String label() {
        return loss + "(T" + layerT + ",S" + layerS + ")";
    }
}
