package org.distill4j.bert.model;

import com.fasterxml.jackson.annotation.JsonProperty;
import org.distill4j.core.config.ConfigException;

/**
 * The architecture of a BERT encoder, with Hugging Face's config.json field names.
 *
 * @param vocabSize                 word-piece vocabulary size V
 * @param hiddenSize                hidden width D
 * @param numHiddenLayers           encoder layers
 * @param numAttentionHeads         attention heads (must divide hiddenSize)
 * @param intermediateSize          feed-forward inner width
 * @param maxPositionEmbeddings     longest sequence the position table covers
 * @param typeVocabSize             token types (segments), usually 2
 * @param layerNormEps              layer-norm epsilon (BERT: 1e-12)
 * @param hiddenDropoutProb         dropout on embeddings and sub-layer outputs, in [0, 1)
 * @param attentionProbsDropoutProb dropout on attention probabilities, in [0, 1)
 * @param initializerRange          std of the N(0, std) weight initialisation
 */
public record BertConfig(
        @JsonProperty("vocab_size") int vocabSize,
        @JsonProperty("hidden_size") int hiddenSize,
        @JsonProperty("num_hidden_layers") int numHiddenLayers,
        @JsonProperty("num_attention_heads") int numAttentionHeads,
        @JsonProperty("intermediate_size") int intermediateSize,
        @JsonProperty("max_position_embeddings") int maxPositionEmbeddings,
        @JsonProperty("type_vocab_size") int typeVocabSize,
        @JsonProperty("layer_norm_eps") double layerNormEps,
        @JsonProperty("hidden_dropout_prob") double hiddenDropoutProb,
        @JsonProperty("attention_probs_dropout_prob") double attentionProbsDropoutProb,
        @JsonProperty("initializer_range") double initializerRange) {

    public BertConfig {
        positive("vocab_size", vocabSize);
        positive("hidden_size", hiddenSize);
        positive("num_hidden_layers", numHiddenLayers);
        positive("num_attention_heads", numAttentionHeads);
        positive("intermediate_size", intermediateSize);
        positive("max_position_embeddings", maxPositionEmbeddings);
        positive("type_vocab_size", typeVocabSize);
        if (hiddenSize % numAttentionHeads != 0) {
            throw new ConfigException("num_attention_heads", numAttentionHeads,
                    "must divide hidden_size " + hiddenSize);
        }
        if (!(layerNormEps > 0)) {
            throw new ConfigException("layer_norm_eps", layerNormEps, "must be > 0");
        }
        probability("hidden_dropout_prob", hiddenDropoutProb);
        probability("attention_probs_dropout_prob", attentionProbsDropoutProb);
        if (!(initializerRange > 0)) {
            throw new ConfigException("initializer_range", initializerRange, "must be > 0");
        }
    }

    /** A configuration with BERT's defaults for epsilon (1e-12), dropout (0.1) and initialisation (0.02). */
    public static BertConfig of(int vocab, int hidden, int layers, int heads, int intermediate, int maxPositions, int types) {
        return new BertConfig(vocab, hidden, layers, heads, intermediate, maxPositions, types, 1e-12, 0.1, 0.1, 0.02);
    }

    /** The same configuration without dropout (for parity tests and deterministic runs). */
    public BertConfig withoutDropout() {
        return new BertConfig(vocabSize, hiddenSize, numHiddenLayers, numAttentionHeads, intermediateSize,
                maxPositionEmbeddings, typeVocabSize, layerNormEps, 0, 0, initializerRange);
    }

    /** Width of one attention head, D / heads. */
    public int headSize() {
        return hiddenSize / numAttentionHeads;
    }

    private static void positive(String field, int v) {
        if (v < 1) {
            throw new ConfigException(field, v, "must be an integer >= 1");
        }
    }

    private static void probability(String field, double p) {
        if (!(p >= 0 && p < 1)) {
            throw new ConfigException(field, p, "must be in [0, 1)");
        }
    }
}
