package org.distill4j.core.config;

import com.fasterxml.jackson.annotation.JsonProperty;

/**
 * One stage of a multi-stage run (TinyBERT-style: intermediate layers first, then the prediction layer; or general
 * then task distillation): its own distiller, training schedule and losses. The next stage starts from this
 * stage's final student weights.
 *
 * @param name         folder-safe stage name, e.g. "intermediate"
 * @param distiller    general (GeneralDistiller), basic (BasicDistiller) or trainer (BasicTrainer: hard labels only)
 * @param training     the stage's training configuration (its output_dir is replaced by the run's stage folder)
 * @param distillation the stage's losses
 */
public record StageConfig(@JsonProperty("name") String name, @JsonProperty("distiller") String distiller,
                          @JsonProperty("training") TrainingConfig training,
                          @JsonProperty("distillation") DistillationConfig distillation) {

    public StageConfig {
        if (name == null || !name.matches("[A-Za-z0-9_.-]+")) {
            throw new ConfigException("name", name, "a stage needs a name of letters, digits, '.', '_' or '-'");
        }
        distiller = distiller == null ? "general" : distiller;
        if (!java.util.List.of("general", "basic", "trainer").contains(distiller)) {
            throw new ConfigException("distiller", distiller, "allowed: general, basic, trainer");
        }
        training = training == null ? TrainingConfig.defaults() : training;
        distillation = distillation == null ? DistillationConfig.defaults() : distillation;
    }
}
