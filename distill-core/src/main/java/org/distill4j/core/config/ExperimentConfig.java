package org.distill4j.core.config;

import com.fasterxml.jackson.annotation.JsonProperty;

/**
 * One experiment file: the training and the distillation configuration together.
 *
 * @param training     how to train
 * @param distillation what to distil
 */
public record ExperimentConfig(
        @JsonProperty("training") TrainingConfig training,
        @JsonProperty("distillation") DistillationConfig distillation) {

    public ExperimentConfig {
        training = training == null ? TrainingConfig.defaults() : training;
        distillation = distillation == null ? DistillationConfig.defaults() : distillation;
    }
}
