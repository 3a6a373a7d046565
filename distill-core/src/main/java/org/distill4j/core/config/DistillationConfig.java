package org.distill4j.core.config;

import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.List;

/**
 * What to distil and how: the KD loss on logits, hard-label losses and intermediate matches, each with its weight
 * and optional weight schedule. Field names and defaults follow TextBrewer's DistillationConfig. Immutable; weight
 * schedules are applied by the training loop at each step and never change this object.
 *
 * @param temperature                  base distillation temperature tau (> 0)
 * @param temperatureScheduler         "none", ["flsw", beta, gamma] or ["cwsm", beta]
 * @param hardLabelWeight              weight of the adaptor's hard-label losses (>= 0)
 * @param hardLabelWeightScheduler     "none", "linear_decay" or "linear_growth"
 * @param kdLossType                   KD loss registry name: ce, mse, bce (multi-label)
 * @param kdLossWeight                 weight of the KD loss (>= 0)
 * @param kdLossWeightScheduler        "none", "linear_decay" or "linear_growth"
 * @param probabilityShift             swap the teacher's top logit with the true label's logit before KD
 * @param intermediateMatches          intermediate-feature matches
 * @param isCachingLogits              keep the teacher's outputs after the first epoch, so later epochs skip it
 * @param teacherCacheDir              with caching: a folder to keep them on disk (across runs and resumes), or
 *                                     null to keep them in memory
 * @param teacherCacheMaxMb            with a cache folder: the most it may hold for one teacher and data set, in MiB
 */
public record DistillationConfig(
        @JsonProperty("temperature") Double temperature,
        @JsonProperty("temperature_scheduler") NamedSpec temperatureScheduler,
        @JsonProperty("hard_label_weight") Double hardLabelWeight,
        @JsonProperty("hard_label_weight_scheduler") NamedSpec hardLabelWeightScheduler,
        @JsonProperty("kd_loss_type") String kdLossType,
        @JsonProperty("kd_loss_weight") Double kdLossWeight,
        @JsonProperty("kd_loss_weight_scheduler") NamedSpec kdLossWeightScheduler,
        @JsonProperty("probability_shift") Boolean probabilityShift,
        @JsonProperty("intermediate_matches") List<IntermediateMatch> intermediateMatches,
        @JsonProperty("is_caching_logits") Boolean isCachingLogits,
        @JsonProperty("teacher_cache_dir") String teacherCacheDir,
        @JsonProperty("teacher_cache_max_mb") Double teacherCacheMaxMb) {

    public DistillationConfig {
        temperature = Check.positive("temperature", temperature == null ? 4.0 : temperature);
        temperatureScheduler = temperatureScheduler == null ? NamedSpec.NONE : temperatureScheduler;
        hardLabelWeight = Check.nonNegative("hard_label_weight", hardLabelWeight == null ? 0.0 : hardLabelWeight);
        hardLabelWeightScheduler = hardLabelWeightScheduler == null ? NamedSpec.NONE : hardLabelWeightScheduler;
        kdLossType = kdLossType == null ? "ce" : kdLossType;
        kdLossWeight = Check.nonNegative("kd_loss_weight", kdLossWeight == null ? 1.0 : kdLossWeight);
        kdLossWeightScheduler = kdLossWeightScheduler == null ? NamedSpec.NONE : kdLossWeightScheduler;
        probabilityShift = probabilityShift != null && probabilityShift;
        intermediateMatches = List.copyOf(intermediateMatches == null ? List.of() : intermediateMatches);
        isCachingLogits = isCachingLogits != null && isCachingLogits;
        teacherCacheMaxMb = Check.positive("teacher_cache_max_mb", teacherCacheMaxMb == null ? 4096.0 : teacherCacheMaxMb);
        if (teacherCacheDir != null && !isCachingLogits) {
            throw new ConfigException("teacher_cache_dir", teacherCacheDir, "only used with is_caching_logits: true");
        }
    }

    /** TextBrewer's defaults: temperature 4, KD ce with weight 1, no hard labels, no matches. */
    public static DistillationConfig defaults() {
        return builder().build();
    }

    /** A builder starting from the defaults. */
    public static Builder builder() {
        return new Builder();
    }

    /** A builder starting from this configuration. */
    public Builder toBuilder() {
        Builder b = new Builder();
        b.temperature = temperature;
        b.temperatureScheduler = temperatureScheduler;
        b.hardLabelWeight = hardLabelWeight;
        b.hardLabelWeightScheduler = hardLabelWeightScheduler;
        b.kdLossType = kdLossType;
        b.kdLossWeight = kdLossWeight;
        b.kdLossWeightScheduler = kdLossWeightScheduler;
        b.probabilityShift = probabilityShift;
        b.intermediateMatches = intermediateMatches;
        b.isCachingLogits = isCachingLogits;
        b.teacherCacheDir = teacherCacheDir;
        b.teacherCacheMaxMb = teacherCacheMaxMb;
        return b;
    }

    /** Builder for {@link DistillationConfig}; unset values take TextBrewer's defaults. */
    public static final class Builder {
        private Double temperature;
        private NamedSpec temperatureScheduler;
        private Double hardLabelWeight;
        private NamedSpec hardLabelWeightScheduler;
        private String kdLossType;
        private Double kdLossWeight;
        private NamedSpec kdLossWeightScheduler;
        private Boolean probabilityShift;
        private List<IntermediateMatch> intermediateMatches;
        private Boolean isCachingLogits;
        private String teacherCacheDir;
        private Double teacherCacheMaxMb;

        public Builder temperature(double v) { temperature = v; return this; }
        public Builder temperatureScheduler(NamedSpec v) { temperatureScheduler = v; return this; }
        public Builder hardLabelWeight(double v) { hardLabelWeight = v; return this; }
        public Builder hardLabelWeightScheduler(NamedSpec v) { hardLabelWeightScheduler = v; return this; }
        public Builder kdLossType(String v) { kdLossType = v; return this; }
        public Builder kdLossWeight(double v) { kdLossWeight = v; return this; }
        public Builder kdLossWeightScheduler(NamedSpec v) { kdLossWeightScheduler = v; return this; }
        public Builder probabilityShift(boolean v) { probabilityShift = v; return this; }
        public Builder intermediateMatches(List<IntermediateMatch> v) { intermediateMatches = v; return this; }
        public Builder isCachingLogits(boolean v) { isCachingLogits = v; return this; }
        public Builder teacherCacheDir(String v) { teacherCacheDir = v; return this; }
        public Builder teacherCacheMaxMb(double v) { teacherCacheMaxMb = v; return this; }

        public DistillationConfig build() {
            return new DistillationConfig(temperature, temperatureScheduler, hardLabelWeight, hardLabelWeightScheduler,
                    kdLossType, kdLossWeight, kdLossWeightScheduler, probabilityShift, intermediateMatches, isCachingLogits,
                    teacherCacheDir, teacherCacheMaxMb);
        }
    }
}
