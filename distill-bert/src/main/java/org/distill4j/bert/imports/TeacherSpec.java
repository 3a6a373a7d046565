package org.distill4j.bert.imports;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Which variables of an imported graph a teacher exposes, by graph variable name, and which batch field feeds
 * each input placeholder.
 *
 * @param inputs     placeholder name -> batch field
 * @param logits     logits variables ([B, C], or [B, L, C] for token tasks)
 * @param hidden     hidden states per layer ([B, L, D]; index 0 = embedding output), may be empty
 * @param attention  attention probabilities per layer ([B, H, L, L]), may be empty
 * @param inputsMask the [B, L] mask of valid tokens (usually the attention-mask placeholder), or null
 */
public record TeacherSpec(Map<String, String> inputs, List<String> logits, List<String> hidden,
                          List<String> attention, String inputsMask) {

    public TeacherSpec {
        inputs = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(inputs));
        logits = List.copyOf(logits);
        hidden = List.copyOf(hidden);
        attention = List.copyOf(attention);
    }

    /**
     * The names of a BERT exported as tools/onnx/export_bert.py does (and as a Hugging Face export with
     * {@code output_names=["logits", "hidden_0", ...]} would): inputs input_ids, attention_mask, token_type_ids fed
     * from the batch fields of the same names; outputs logits, hidden_0..hidden_{layers}, attention_0..
     * attention_{layers-1}; the attention mask as inputs mask.
     */
    public static TeacherSpec bert(int layers) {
        Builder b = builder().input("input_ids").input("attention_mask").input("token_type_ids").logits("logits")
                .inputsMask("attention_mask");
        List<String> hidden = new ArrayList<>();
        for (int i = 0; i <= layers; i++) {
            hidden.add("hidden_" + i);
        }
        List<String> attention = new ArrayList<>();
        for (int i = 0; i < layers; i++) {
            attention.add("attention_" + i);
        }
        return b.hidden(hidden).attention(attention).build();
    }

    /** A builder. */
    public static Builder builder() {
        return new Builder();
    }

    /** Builder for {@link TeacherSpec}. */
    public static final class Builder {
        private final Map<String, String> inputs = new LinkedHashMap<>();
        private final List<String> logits = new ArrayList<>();
        private final List<String> hidden = new ArrayList<>();
        private final List<String> attention = new ArrayList<>();
        private String inputsMask;

        /** Feeds placeholder {@code placeholder} from batch field {@code field}. */
        public Builder input(String placeholder, String field) {
            inputs.put(placeholder, field);
            return this;
        }

        /** Feeds a placeholder from the batch field of the same name. */
        public Builder input(String placeholder) {
            return input(placeholder, placeholder);
        }

        public Builder logits(String... names) {
            logits.addAll(List.of(names));
            return this;
        }

        public Builder hidden(List<String> names) {
            hidden.clear();
            hidden.addAll(names);
            return this;
        }

        public Builder attention(List<String> names) {
            attention.clear();
            attention.addAll(names);
            return this;
        }

        public Builder inputsMask(String name) {
            inputsMask = name;
            return this;
        }

        public TeacherSpec build() {
            return new TeacherSpec(inputs, logits, hidden, attention, inputsMask);
        }
    }
}
