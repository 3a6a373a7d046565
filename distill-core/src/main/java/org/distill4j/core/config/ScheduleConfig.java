package org.distill4j.core.config;

import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.Map;
import java.util.TreeMap;

/**
 * A learning-rate schedule: a registry name and named parameters, e.g.
 * {@code {name: linear_warmup_decay, params: {warmup_fraction: 0.1}}}. Which parameters a schedule takes is checked
 * against the registry when a distiller is built.
 *
 * @param name   schedule registry name: constant, linear_warmup_decay, slanted_triangular
 * @param params named numeric parameters (sorted by name so files round-trip identically)
 */
public record ScheduleConfig(@JsonProperty("name") String name, @JsonProperty("params") Map<String, Double> params) {

    public ScheduleConfig {
        name = name == null ? "constant" : name;
        params = java.util.Collections.unmodifiableMap(new TreeMap<>(params == null ? Map.of() : params));
    }

    /** A constant learning rate. */
    public static ScheduleConfig constant() {
        return new ScheduleConfig("constant", Map.of());
    }

    /** A named schedule with parameters. */
    public static ScheduleConfig of(String name, Map<String, Double> params) {
        return new ScheduleConfig(name, params);
    }
}
