package org.distill4j.core.config;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A trainable projection that maps a student feature to the teacher's width, written as TextBrewer writes it:
 * {@code ["linear", 312, 768]} or with its own learning rate {@code ["linear", 312, 768, {"learning_rate": 1e-3}]}.
 *
 * @param kind         registry name (linear, relu, tanh, or a registered one)
 * @param studentWidth input width D_S
 * @param teacherWidth output width D_T
 * @param learningRate learning rate for the projection's parameters, or null to use the optimizer's
 */
public record ProjectionSpec(String kind, int studentWidth, int teacherWidth, Double learningRate) {

    public ProjectionSpec {
        if (kind == null || kind.isBlank()) {
            throw new ConfigException("proj[0]", kind, "name the projection kind, e.g. \"linear\"");
        }
        Check.atLeast("proj[1] (student width)", studentWidth, 1);
        Check.atLeast("proj[2] (teacher width)", teacherWidth, 1);
        if (learningRate != null) {
            Check.positive("proj[3].learning_rate", learningRate);
        }
    }

    @JsonCreator
    public static ProjectionSpec fromJson(List<Object> json) {
        if (json == null || json.size() < 3 || json.size() > 4 || !(json.get(0) instanceof String kind)
                || !(json.get(1) instanceof Integer ds) || !(json.get(2) instanceof Integer dt)) {
            throw new ConfigException("proj", json,
                    "write [kind, student_width, teacher_width] or [kind, student_width, teacher_width, {\"learning_rate\": x}]");
        }
        Double lr = null;
        if (json.size() == 4) {
            if (!(json.get(3) instanceof Map<?, ?> options)) {
                throw new ConfigException("proj[3]", json.get(3), "the fourth entry must be {\"learning_rate\": x}");
            }
            for (Map.Entry<?, ?> e : options.entrySet()) {
                if (!"learning_rate".equals(e.getKey()) || !(e.getValue() instanceof Number n)) {
                    throw new ConfigException("proj[3]." + e.getKey(), e.getValue(), "the only option is learning_rate (a number)");
                }
                lr = n.doubleValue();
            }
        }
        return new ProjectionSpec(kind, ds, dt, lr);
    }

    @JsonValue
    public List<Object> toJson() {
        List<Object> out = new ArrayList<>(List.of(kind, studentWidth, teacherWidth));
        if (learningRate != null) {
            Map<String, Object> options = new LinkedHashMap<>();
            options.put("learning_rate", learningRate);
            out.add(options);
        }
        return out;
    }
}
