package org.distill4j.core.config;

import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * A run made of stages, in order (see {@link StageConfig}); one experiment file describes all of them.
 *
 * @param stages at least one stage, with distinct names
 */
public record MultiStageConfig(@JsonProperty("stages") List<StageConfig> stages) {

    public MultiStageConfig {
        if (stages == null || stages.isEmpty()) {
            throw new ConfigException("stages", stages, "give at least one stage");
        }
        stages = List.copyOf(stages);
        Set<String> names = new HashSet<>();
        for (int i = 0; i < stages.size(); i++) {
            if (!names.add(stages.get(i).name())) {
                throw new ConfigException("stages[" + i + "].name", stages.get(i).name(), "stage names must be distinct");
            }
        }
    }
}
