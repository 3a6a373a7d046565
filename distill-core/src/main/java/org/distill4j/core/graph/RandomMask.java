package org.distill4j.core.graph;

import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.List;

/**
 * A dropout mask fed to the graph as a placeholder, drawn outside it from ND4J's global random generator (which the
 * training loop seeds per micro-batch, so a resumed run draws the same masks). SameDiff M2.1's in-graph random ops
 * did not follow that generator, and nn.dropout has no gradient. While training, the mask holds
 * Bernoulli(keep) / keep (inverted dropout); at inference it is a broadcastable array of ones of the same rank.
 *
 * @param placeholder the placeholder the graph multiplies by
 * @param like        batch field whose shape gives the symbolic sizes
 * @param dims        the mask's shape: -1 = size 0 of {@code like} (batch), -2 = its size 1 (sequence), -3 = their
 *                    product (batch x sequence, for flat [B*L, D] activations), n >= 1 literal
 * @param keep        probability of keeping an entry, in (0, 1]
 */
public record RandomMask(@JsonProperty("placeholder") String placeholder, @JsonProperty("like") String like,
                         @JsonProperty("dims") List<Integer> dims, @JsonProperty("keep") double keep) {

    public RandomMask {
        dims = List.copyOf(dims);
        if (!(keep > 0 && keep <= 1)) {
            throw new IllegalArgumentException("keep probability must be in (0, 1], got " + keep);
        }
    }

    /** The concrete shape for a batch field of shape {@code likeShape}. */
    public long[] shape(long[] likeShape) {
        long[] out = new long[dims.size()];
        for (int i = 0; i < out.length; i++) {
            int d = dims.get(i);
            out[i] = d == -1 ? likeShape[0] : d == -2 ? likeShape[1] : d == -3 ? likeShape[0] * likeShape[1] : d;
        }
        return out;
    }
}
