package org.distill4j.core.config;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import java.util.ArrayList;
import java.util.List;

/**
 * Which entries of an adaptor's feature list a match uses: one index ({@code 3}) or a pair ({@code [2, 3]}) for
 * the pair losses (fsp, gram, mmd, nst). Indices address the adaptor's list (index 0 is usually the embedding
 * output), not model layers.
 *
 * @param indices one or two non-negative list indices
 */
public record LayerRef(List<Integer> indices) {

    public LayerRef {
        indices = List.copyOf(indices);
        if (indices.isEmpty() || indices.size() > 2) {
            throw new ConfigException("layer", indices, "give one index or a pair [i, j]");
        }
        for (int i : indices) {
            if (i < 0) {
                throw new ConfigException("layer", i, "indices must be >= 0");
            }
        }
    }

    /** A single index. */
    public static LayerRef of(int index) {
        return new LayerRef(List.of(index));
    }

    /** A pair of indices. */
    public static LayerRef pair(int first, int second) {
        return new LayerRef(List.of(first, second));
    }

    /** Reads {@code 3} or {@code [2, 3]}. */
    @JsonCreator
    public static LayerRef fromJson(Object json) {
        if (json instanceof Integer i) {
            return of(i);
        }
        if (json instanceof List<?> list) {
            List<Integer> out = new ArrayList<>();
            for (Object o : list) {
                if (!(o instanceof Integer i)) {
                    throw new ConfigException("layer", o, "layer indices must be integers");
                }
                out.add(i);
            }
            return new LayerRef(out);
        }
        throw new ConfigException("layer", json, "give an integer index or a pair [i, j]");
    }

    @JsonValue
    public Object toJson() {
        return isPair() ? indices : indices.get(0);
    }

    /** True for a pair [i, j]. */
    public boolean isPair() {
        return indices.size() == 2;
    }

    /** The index, or the first of the pair. */
    public int first() {
        return indices.get(0);
    }

    @Override
    public String toString() {
        return String.valueOf(toJson());
    }
}
