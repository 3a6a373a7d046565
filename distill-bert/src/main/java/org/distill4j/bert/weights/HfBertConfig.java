package org.distill4j.bert.weights;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The BERT architecture fields of a Hugging Face {@code config.json} (transformers' {@code BertConfig}). Other
 * fields in the file are ignored. All eleven fields are required: transformers writes every one of them, so a
 * missing field means the file is not a BERT config (DistilBERT, for instance, names them {@code dim},
 * {@code n_layers}, ...), and guessing a default would hide that.
 *
 * @param vocabSize                 {@code vocab_size}: rows of the word embedding, &gt; 0
 * @param hiddenSize                {@code hidden_size}: width of every layer, &gt; 0 and a multiple of the heads
 * @param numHiddenLayers           {@code num_hidden_layers}: encoder layers, &gt; 0
 * @param numAttentionHeads         {@code num_attention_heads}: heads per layer, &gt; 0
 * @param intermediateSize          {@code intermediate_size}: width of the feed-forward layer, &gt; 0
 * @param maxPositionEmbeddings     {@code max_position_embeddings}: rows of the position embedding, &gt; 0
 * @param typeVocabSize             {@code type_vocab_size}: rows of the token-type embedding, &gt; 0
 * @param layerNormEps              {@code layer_norm_eps}: finite, &gt; 0 (1e-12 for Google's BERT)
 * @param hiddenAct                 {@code hidden_act}: activation name such as {@code "gelu"}, not blank
 * @param hiddenDropoutProb         {@code hidden_dropout_prob}: in [0, 1)
 * @param attentionProbsDropoutProb {@code attention_probs_dropout_prob}: in [0, 1)
 */
public record HfBertConfig(int vocabSize, int hiddenSize, int numHiddenLayers, int numAttentionHeads,
                           int intermediateSize, int maxPositionEmbeddings, int typeVocabSize, double layerNormEps,
                           String hiddenAct, double hiddenDropoutProb, double attentionProbsDropoutProb) {

    private static final ObjectMapper JSON = new ObjectMapper();
    /** Stands for a missing or mistyped integer field while parsing. */
    private static final int UNKNOWN = Integer.MIN_VALUE;
    private static final String[] INT_FIELDS = {"vocab_size", "hidden_size", "num_hidden_layers",
        "num_attention_heads", "intermediate_size", "max_position_embeddings", "type_vocab_size"};

    /**
     * Validates all fields together and reports every problem at once.
     *
     * @param vocabSize see the record description
     * @param hiddenSize see the record description
     * @param numHiddenLayers see the record description
     * @param numAttentionHeads see the record description
     * @param intermediateSize see the record description
     * @param maxPositionEmbeddings see the record description
     * @param typeVocabSize see the record description
     * @param layerNormEps see the record description
     * @param hiddenAct see the record description
     * @param hiddenDropoutProb see the record description
     * @param attentionProbsDropoutProb see the record description
     * @throws IllegalArgumentException listing every out-of-range field
     */
    public HfBertConfig {
        List<String> problems = rangeProblems(new int[] {vocabSize, hiddenSize, numHiddenLayers, numAttentionHeads,
            intermediateSize, maxPositionEmbeddings, typeVocabSize}, layerNormEps, hiddenAct, hiddenDropoutProb,
            attentionProbsDropoutProb, true);
        if (!problems.isEmpty()) {
            throw new IllegalArgumentException("invalid BERT config: " + String.join("; ", problems));
        }
    }

    /**
     * Range checks. With {@code strict} false, values marked unknown ({@link #UNKNOWN}, NaN, null) are
     * skipped, so that {@link #parse} can report them as missing instead of out of range.
     */
    private static List<String> rangeProblems(int[] ints, double eps, String act, double hiddenDrop,
                                              double attnDrop, boolean strict) {
        List<String> problems = new ArrayList<>();
        for (int i = 0; i < ints.length; i++) {
            if (ints[i] <= 0 && (strict || ints[i] != UNKNOWN)) {
                problems.add(INT_FIELDS[i] + " = " + ints[i] + " (expected a positive integer)");
            }
        }
        int hidden = ints[1];
        int heads = ints[3];
        if (hidden > 0 && heads > 0 && hidden % heads != 0) {
            problems.add("hidden_size = " + hidden + " is not a multiple of num_attention_heads = " + heads);
        }
        if ((strict || !Double.isNaN(eps)) && (!(eps > 0) || Double.isInfinite(eps))) {
            problems.add("layer_norm_eps = " + eps + " (expected a finite number > 0)");
        }
        if ((strict || act != null) && (act == null || act.isBlank())) {
            problems.add("hidden_act = " + (act == null ? "null" : "\"" + act + "\"")
                    + " (expected an activation name such as \"gelu\")");
        }
        checkProbability("hidden_dropout_prob", hiddenDrop, strict, problems);
        checkProbability("attention_probs_dropout_prob", attnDrop, strict, problems);
        return problems;
    }

    private static void checkProbability(String field, double p, boolean strict, List<String> problems) {
        if ((strict || !Double.isNaN(p)) && !(p >= 0 && p < 1)) {
            problems.add(field + " = " + p + " (expected a probability in [0, 1))");
        }
    }

    /** @return {@code hidden_size / num_attention_heads}, the width of one attention head */
    public int headSize() {
        return hiddenSize / numAttentionHeads;
    }

    /**
     * Reads {@code config.json}.
     *
     * @param path the file, or a Hugging Face model folder containing {@code config.json}
     * @return the config
     * @throws WeightFormatException listing every missing or invalid field, naming the file
     * @throws IOException           if the file cannot be read
     */
    public static HfBertConfig read(Path path) throws IOException {
        Path file = Files.isDirectory(path) ? path.resolve("config.json") : path;
        if (!Files.isRegularFile(file)) {
            throw new WeightFormatException("no BERT config at " + file + ": expected a config.json file or a folder "
                    + "containing one");
        }
        return parse(Files.readString(file, StandardCharsets.UTF_8), file.toString());
    }

    /**
     * Parses the text of a {@code config.json}.
     *
     * @param json   the JSON text
     * @param source names the text in messages, e.g. its path
     * @return the config
     * @throws WeightFormatException listing every missing or invalid field
     */
    public static HfBertConfig parse(String json, String source) throws WeightFormatException {
        JsonNode root;
        try {
            root = JSON.readTree(json);
        } catch (JsonProcessingException e) {
            throw new WeightFormatException(source + ": not valid JSON: " + e.getOriginalMessage(), e);
        }
        if (root == null || !root.isObject()) {
            throw new WeightFormatException(source + ": expected a JSON object");
        }
        List<String> missing = new ArrayList<>();
        List<String> invalid = new ArrayList<>();
        int[] ints = new int[INT_FIELDS.length];
        for (int i = 0; i < ints.length; i++) {
            ints[i] = intField(root, INT_FIELDS[i], missing, invalid);
        }
        double eps = numberField(root, "layer_norm_eps", missing, invalid);
        String act = null;
        JsonNode actNode = root.get("hidden_act");
        if (actNode == null || actNode.isNull()) {
            missing.add("hidden_act");
        } else if (!actNode.isTextual()) {
            invalid.add("hidden_act = " + actNode + " (expected a string such as \"gelu\")");
        } else {
            act = actNode.asText();
        }
        double hiddenDrop = numberField(root, "hidden_dropout_prob", missing, invalid);
        double attnDrop = numberField(root, "attention_probs_dropout_prob", missing, invalid);
        invalid.addAll(rangeProblems(ints, eps, act, hiddenDrop, attnDrop, false));
        if (!missing.isEmpty() || !invalid.isEmpty()) {
            StringBuilder msg = new StringBuilder(source).append(": not a usable BERT config.json");
            JsonNode type = root.get("model_type");
            if (type != null && type.isTextual()) {
                msg.append(" (model_type \"").append(type.asText()).append("\")");
            }
            if (!missing.isEmpty()) {
                msg.append("; missing: ").append(String.join(", ", missing));
            }
            if (!invalid.isEmpty()) {
                msg.append("; invalid: ").append(String.join("; ", invalid));
            }
            throw new WeightFormatException(msg.toString());
        }
        try {
            return new HfBertConfig(ints[0], ints[1], ints[2], ints[3], ints[4], ints[5], ints[6], eps, act,
                    hiddenDrop, attnDrop);
        } catch (IllegalArgumentException e) {
            throw new WeightFormatException(source + ": " + e.getMessage(), e);
        }
    }

    private static int intField(JsonNode root, String field, List<String> missing, List<String> invalid) {
        JsonNode n = root.get(field);
        if (n == null || n.isNull()) {
            missing.add(field);
        } else if (!n.isIntegralNumber() || !n.canConvertToInt()) {
            invalid.add(field + " = " + n + " (expected an integer)");
        } else {
            return n.intValue();
        }
        return UNKNOWN;
    }

    private static double numberField(JsonNode root, String field, List<String> missing, List<String> invalid) {
        JsonNode n = root.get(field);
        if (n == null || n.isNull()) {
            missing.add(field);
        } else if (!n.isNumber()) {
            invalid.add(field + " = " + n + " (expected a number)");
        } else {
            return n.doubleValue();
        }
        return Double.NaN;
    }
}
