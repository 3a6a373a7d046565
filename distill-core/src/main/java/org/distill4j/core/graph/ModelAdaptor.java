package org.distill4j.core.graph;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.distill4j.core.config.ConfigException;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.autodiff.samediff.VariableType;

/**
 * Names, for one model graph, where its inputs come from and which graph variables are its outputs (TextBrewer's
 * adaptor, typed). All names refer to SameDiff variables; {@link #validate} rejects names the graph lacks.
 *
 * @param inputs     placeholder name -> batch field that feeds it (teacher and student may read different fields)
 * @param logits     logits variables, each [B, C] or token-level [B, L, C]
 * @param logitsMask [B, L] mask of valid positions for token-level logits, or null
 * @param labels     variable holding the gold labels (needed by probability_shift), or null
 * @param losses     scalar hard-label loss variables computed by the model
 * @param features   feature lists by kind: "hidden" ([B, L, D] per layer, index 0 = embedding output),
 *                   "attention" ([B, H, L, L] per layer), and others a loss may read (query, key, value)
 * @param inputsMask [B, L] mask of valid tokens passed to the match losses, or null
 * @param lookups    table lookups done outside the graph (token embeddings), see {@link EmbeddingLookup}
 * @param trainingFlag a scalar constant holding the mode: 1 while training (dropout masks drawn), 0 otherwise;
 *                   null if the model has no dropout
 * @param randomMasks dropout masks fed as placeholders, see {@link RandomMask}
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record ModelAdaptor(
        @JsonProperty("inputs") Map<String, String> inputs,
        @JsonProperty("logits") List<String> logits,
        @JsonProperty("logits_mask") String logitsMask,
        @JsonProperty("labels") String labels,
        @JsonProperty("losses") List<String> losses,
        @JsonProperty("features") Map<String, List<String>> features,
        @JsonProperty("inputs_mask") String inputsMask,
        @JsonProperty("lookups") List<EmbeddingLookup> lookups,
        @JsonProperty("training_flag") String trainingFlag,
        @JsonProperty("random_masks") List<RandomMask> randomMasks) {

    /** The feature kind of per-layer hidden states. */
    public static final String HIDDEN = "hidden";
    /** The feature kind of per-layer attention maps. */
    public static final String ATTENTION = "attention";

    public ModelAdaptor {
        inputs = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(inputs == null ? Map.of() : inputs));
        logits = List.copyOf(logits == null ? List.of() : logits);
        losses = List.copyOf(losses == null ? List.of() : losses);
        Map<String, List<String>> copy = new LinkedHashMap<>();
        if (features != null) {
            features.forEach((k, v) -> copy.put(k, List.copyOf(v)));
        }
        features = java.util.Collections.unmodifiableMap(copy);
        lookups = List.copyOf(lookups == null ? List.of() : lookups);
        randomMasks = List.copyOf(randomMasks == null ? List.of() : randomMasks);
        if (!randomMasks.isEmpty() && trainingFlag == null) {
            throw new ConfigException("adaptor.random_masks", randomMasks.size() + " mask(s)",
                    "dropout masks need a training_flag constant that says when to draw them");
        }
    }

    /** The same adaptor with other inputs (e.g. to feed a placeholder from another batch field). */
    public ModelAdaptor withInputs(Map<String, String> newInputs) {
        return new ModelAdaptor(newInputs, logits, logitsMask, labels, losses, features, inputsMask, lookups, trainingFlag, randomMasks);
    }

    /**
     * The same adaptor reading every batch field under a prefix ("input_ids" becomes "teacher.input_ids"): inputs,
     * lookup ids and the fields dropout masks take their shape from. Lets a teacher read its own tokenization of the
     * examples from the same batch as the student (see {@link org.distill4j.core.data.ExampleSets#join}).
     */
    public ModelAdaptor withFieldPrefix(String prefix) {
        Map<String, String> prefixed = new LinkedHashMap<>();
        inputs.forEach((placeholder, field) -> prefixed.put(placeholder, prefix + field));
        return new ModelAdaptor(prefixed, logits, logitsMask, labels, losses, features, inputsMask,
                lookups.stream().map(l -> new EmbeddingLookup(l.table(), prefix + l.ids(), l.rows())).toList(), trainingFlag,
                randomMasks.stream().map(m -> new RandomMask(m.placeholder(), prefix + m.like(), m.dims(), m.keep())).toList());
    }

    /** A builder. */
    public static Builder builder() {
        return new Builder();
    }

    /** The feature list of a kind (empty if the adaptor has none). */
    public List<String> feature(String kind) {
        return features.getOrDefault(kind, List.of());
    }

    /**
     * Checks every name against the graph: inputs must be placeholders, outputs must exist.
     *
     * @param role "teacher" or "student", for messages
     * @throws ConfigException naming the adaptor field, the unknown name and similar names in the graph
     */
    public void validate(SameDiff sd, String role) {
        for (String placeholder : inputs.keySet()) {
            SDVariable v = sd.hasVariable(placeholder) ? sd.getVariable(placeholder) : null;
            if (v == null || v.getVariableType() != VariableType.PLACEHOLDER) {
                throw new ConfigException(role + " adaptor.inputs", placeholder,
                        "must name a placeholder of the " + role + " graph; placeholders: " + placeholders(sd));
            }
        }
        for (int i = 0; i < logits.size(); i++) {
            requireVariable(sd, role + " adaptor.logits[" + i + "]", logits.get(i));
        }
        requireVariable(sd, role + " adaptor.logits_mask", logitsMask);
        requireVariable(sd, role + " adaptor.labels", labels);
        for (int i = 0; i < losses.size(); i++) {
            requireVariable(sd, role + " adaptor.losses[" + i + "]", losses.get(i));
        }
        for (Map.Entry<String, List<String>> e : features.entrySet()) {
            for (int i = 0; i < e.getValue().size(); i++) {
                requireVariable(sd, role + " adaptor.features." + e.getKey() + "[" + i + "]", e.getValue().get(i));
            }
        }
        requireVariable(sd, role + " adaptor.inputs_mask", inputsMask);
        requireVariable(sd, role + " adaptor.training_flag", trainingFlag);
        if (trainingFlag != null && sd.getVariable(trainingFlag).getVariableType() != VariableType.CONSTANT) {
            throw new ConfigException(role + " adaptor.training_flag", trainingFlag, "must name a scalar CONSTANT of the graph");
        }
        for (int i = 0; i < lookups.size(); i++) {
            EmbeddingLookup l = lookups.get(i);
            for (String name : List.of(l.table(), l.rows())) {
                requireVariable(sd, role + " adaptor.lookups[" + i + "]", name);
                if (sd.getVariable(name).getVariableType() != VariableType.VARIABLE) {
                    throw new ConfigException(role + " adaptor.lookups[" + i + "]", name,
                            "lookup tables and row holders must be VARIABLE-type (trainable) graph variables");
                }
            }
        }
    }

    private static void requireVariable(SameDiff sd, String field, String name) {
        if (name != null && !sd.hasVariable(name)) {
            Set<String> similar = new TreeSet<>();
            String needle = name.toLowerCase(java.util.Locale.ROOT);
            for (SDVariable v : sd.variables()) {
                String n = v.name().toLowerCase(java.util.Locale.ROOT);
                if (n.contains(needle) || needle.contains(n) || n.endsWith(needle.substring(needle.lastIndexOf('/') + 1))) {
                    similar.add(v.name());
                }
            }
            throw new ConfigException(field, name, "the graph has no variable of that name"
                    + (similar.isEmpty() ? "" : "; similar names: " + String.join(", ", limit(similar))));
        }
    }

    private static List<String> limit(Set<String> names) {
        List<String> out = new ArrayList<>(names);
        return out.size() > 8 ? out.subList(0, 8) : out;
    }

    private static List<String> placeholders(SameDiff sd) {
        return sd.variables().stream().filter(v -> v.getVariableType() == VariableType.PLACEHOLDER)
                .map(SDVariable::name).sorted().toList();
    }

    /** Builder for {@link ModelAdaptor}. */
    public static final class Builder {
        private final Map<String, String> inputs = new LinkedHashMap<>();
        private final List<String> logits = new ArrayList<>();
        private String logitsMask;
        private String labels;
        private final List<String> losses = new ArrayList<>();
        private final Map<String, List<String>> features = new LinkedHashMap<>();
        private String inputsMask;
        private final List<EmbeddingLookup> lookups = new ArrayList<>();
        private String trainingFlag;
        private final List<RandomMask> randomMasks = new ArrayList<>();

        /** Feeds placeholder {@code placeholder} from batch field {@code field}. */
        public Builder input(String placeholder, String field) { inputs.put(placeholder, field); return this; }
        /** Feeds a placeholder from the batch field of the same name. */
        public Builder input(String placeholder) { return input(placeholder, placeholder); }
        public Builder logits(String... names) { logits.addAll(List.of(names)); return this; }
        public Builder logitsMask(String name) { logitsMask = name; return this; }
        public Builder labels(String name) { labels = name; return this; }
        public Builder losses(String... names) { losses.addAll(List.of(names)); return this; }
        public Builder hidden(List<String> names) { return feature(HIDDEN, names); }
        public Builder attention(List<String> names) { return feature(ATTENTION, names); }
        public Builder feature(String kind, List<String> names) { features.put(kind, List.copyOf(names)); return this; }
        public Builder inputsMask(String name) { inputsMask = name; return this; }
        /** Names the scalar constant that switches dropout on (1) and off (0). */
        public Builder trainingFlag(String name) { trainingFlag = name; return this; }
        /** Adds a dropout mask placeholder (see {@link RandomMask}). */
        public Builder randomMask(String placeholder, String like, List<Integer> dims, double keep) {
            randomMasks.add(new RandomMask(placeholder, like, dims, keep));
            return this;
        }
        /** Looks up rows of variable {@code table} for the ids in batch field {@code ids} into variable {@code rows}. */
        public Builder lookup(String table, String ids, String rows) { lookups.add(new EmbeddingLookup(table, ids, rows)); return this; }

        public ModelAdaptor build() {
            return new ModelAdaptor(inputs, logits, logitsMask, labels, losses, features, inputsMask, lookups, trainingFlag, randomMasks);
        }
    }
}
