package org.distill4j.core.graph;

import com.fasterxml.jackson.annotation.JsonProperty;

/**
 * A table lookup done outside the graph, because SameDiff M2.1's gather has no working gradient and a one-hot
 * product costs tokens * V * D flops (too much for a 30k vocabulary). The table is an ordinary trainable variable
 * of the graph; before each run the rows for the batch's ids are copied into the {@code rows} variable, and after
 * the backward pass the gradient of {@code rows} is scatter-added into the table's gradient (repeated ids add up).
 *
 * @param table name of the table variable, [V, D]
 * @param ids   batch field with the ids, [B, L] (any integer type)
 * @param rows  name of the variable the graph reads the looked-up rows from, [B, L, D]; not a parameter
 */
public record EmbeddingLookup(@JsonProperty("table") String table, @JsonProperty("ids") String ids,
                              @JsonProperty("rows") String rows) {
}
