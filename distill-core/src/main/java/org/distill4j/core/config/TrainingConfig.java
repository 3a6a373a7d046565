package org.distill4j.core.config;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;

/**
 * How to train: TextBrewer's TrainingConfig fields plus what its train() call takes (epochs or steps, batch size,
 * optimizer, learning-rate schedule, gradient clipping) and a seed, so that one file describes a run. Immutable;
 * the run's position (step, epoch) lives in the training loop's state and in checkpoints, never here.
 *
 * @param gradientAccumulationSteps micro-batches per optimizer update (>= 1)
 * @param ckptFrequency             checkpoints per epoch in epoch mode (>= 1)
 * @param ckptEpochFrequency        checkpoint every N-th epoch in epoch mode (>= 1)
 * @param ckptSteps                 in step mode, checkpoint every N updates (null: only at the end)
 * @param keepCheckpoints           keep only the newest N checkpoints of the run, deleting older ones after each new
 *                                  one is written (>= 1); null keeps all, as TextBrewer does. Each checkpoint holds the
 *                                  student, projections and optimizer state, about 3x the student's weights
 * @param logDir                    folder for the metrics file (null: no metrics file)
 * @param outputDir                 folder for checkpoints
 * @param device                    auto, cpu or cuda; must match the ND4J backend on the class path
 * @param fp16                      half precision; not supported on SameDiff M2.1 (must be false)
 * @param dataParallel              multi-device data parallelism; not supported (must be false)
 * @param localRank                 distributed rank; not supported (must be -1)
 * @param seed                      seed for data order, initialisation and dropout
 * @param batchSize                 examples per micro-batch (>= 1)
 * @param numEpochs                 epoch mode: number of passes over the data (exclusive with numSteps)
 * @param numSteps                  step mode: number of optimizer updates (exclusive with numEpochs)
 * @param shuffle                   shuffle the data each epoch
 * @param maxGradNorm               clip the global gradient norm of student and projections to this; -1 disables
 * @param optimizer                 the optimizer
 * @param lrSchedule                the learning-rate schedule
 * @param overlapTeacher            run the teacher's forward pass of the next micro-batch on a second thread while the
 *                                  student trains on the current one (default true). Same batches, same outputs, same
 *                                  updates either way; on two cores a full step took 10-27% less time on the standard
 *                                  benchmark and 3-10% with a BERT-base teacher, whose peak memory rose by 2.6-2.8 GiB
 *                                  (README, Speed). Off: one thread, one micro-batch's teacher activations at a time
 */
@JsonInclude(JsonInclude.Include.ALWAYS)
public record TrainingConfig(
        @JsonProperty("gradient_accumulation_steps") Integer gradientAccumulationSteps,
        @JsonProperty("ckpt_frequency") Integer ckptFrequency,
        @JsonProperty("ckpt_epoch_frequency") Integer ckptEpochFrequency,
        @JsonProperty("ckpt_steps") Integer ckptSteps,
        @JsonProperty("keep_checkpoints") Integer keepCheckpoints,
        @JsonProperty("log_dir") String logDir,
        @JsonProperty("output_dir") String outputDir,
        @JsonProperty("device") String device,
        @JsonProperty("fp16") Boolean fp16,
        @JsonProperty("data_parallel") Boolean dataParallel,
        @JsonProperty("local_rank") Integer localRank,
        @JsonProperty("seed") Long seed,
        @JsonProperty("batch_size") Integer batchSize,
        @JsonProperty("num_epochs") Integer numEpochs,
        @JsonProperty("num_steps") Integer numSteps,
        @JsonProperty("shuffle") Boolean shuffle,
        @JsonProperty("max_grad_norm") Double maxGradNorm,
        @JsonProperty("optimizer") OptimizerConfig optimizer,
        @JsonProperty("lr_schedule") ScheduleConfig lrSchedule,
        @JsonProperty("overlap_teacher") Boolean overlapTeacher) {

    public TrainingConfig {
        gradientAccumulationSteps = Check.atLeast("gradient_accumulation_steps",
                gradientAccumulationSteps == null ? 1 : gradientAccumulationSteps, 1);
        ckptFrequency = Check.atLeast("ckpt_frequency", ckptFrequency == null ? 1 : ckptFrequency, 1);
        ckptEpochFrequency = Check.atLeast("ckpt_epoch_frequency", ckptEpochFrequency == null ? 1 : ckptEpochFrequency, 1);
        if (ckptSteps != null) {
            Check.atLeast("ckpt_steps", ckptSteps, 1);
        }
        if (keepCheckpoints != null) {
            Check.atLeast("keep_checkpoints", keepCheckpoints, 1);
        }
        outputDir = outputDir == null ? "./saved_models" : outputDir;
        device = device == null ? "auto" : device;
        if (!device.equals("auto") && !device.equals("cpu") && !device.equals("cuda")) {
            throw new ConfigException("device", device, "allowed: auto, cpu, cuda (the backend itself is chosen by the Maven profile)");
        }
        fp16 = fp16 != null && fp16;
        if (fp16) {
            throw new ConfigException("fp16", true, "must be false: SameDiff 1.0.0-M2.1 trains in fp32 only");
        }
        dataParallel = dataParallel != null && dataParallel;
        if (dataParallel) {
            throw new ConfigException("data_parallel", true, "must be false: Distill4j trains on one device");
        }
        localRank = localRank == null ? -1 : localRank;
        if (localRank != -1) {
            throw new ConfigException("local_rank", localRank, "must be -1: distributed training is not supported");
        }
        seed = seed == null ? 42L : seed;
        batchSize = Check.atLeast("batch_size", batchSize == null ? 32 : batchSize, 1);
        if (numEpochs != null && numSteps != null) {
            throw new ConfigException("num_steps", numSteps, "set either num_epochs (epoch mode) or num_steps (step mode), not both; num_epochs is " + numEpochs);
        }
        if (numEpochs == null && numSteps == null) {
            numEpochs = 1;
        }
        if (numEpochs != null) {
            Check.atLeast("num_epochs", numEpochs, 1);
        }
        if (numSteps != null) {
            Check.atLeast("num_steps", numSteps, 1);
        }
        shuffle = shuffle == null || shuffle;
        maxGradNorm = maxGradNorm == null ? -1.0 : maxGradNorm;
        if (maxGradNorm != -1.0 && !(maxGradNorm > 0)) {
            throw new ConfigException("max_grad_norm", maxGradNorm, "must be > 0, or -1 to disable clipping");
        }
        optimizer = optimizer == null ? new OptimizerConfig(null, null, null, null, null, null, null) : optimizer;
        lrSchedule = lrSchedule == null ? ScheduleConfig.constant() : lrSchedule;
        overlapTeacher = overlapTeacher == null || overlapTeacher;
    }

    /** All defaults: one epoch, batch 32, AdamW at 1e-4, constant learning rate, no clipping. */
    public static TrainingConfig defaults() {
        return builder().build();
    }

    /** True in step mode ({@code num_steps} set). */
    public boolean stepMode() {
        return numSteps != null;
    }

    /** A builder starting from the defaults. */
    public static Builder builder() {
        return new Builder();
    }

    /** A builder starting from this configuration. */
    public Builder toBuilder() {
        Builder b = new Builder();
        b.gradientAccumulationSteps = gradientAccumulationSteps;
        b.ckptFrequency = ckptFrequency;
        b.ckptEpochFrequency = ckptEpochFrequency;
        b.ckptSteps = ckptSteps;
        b.keepCheckpoints = keepCheckpoints;
        b.logDir = logDir;
        b.outputDir = outputDir;
        b.device = device;
        b.seed = seed;
        b.batchSize = batchSize;
        b.numEpochs = numEpochs;
        b.numSteps = numSteps;
        b.shuffle = shuffle;
        b.maxGradNorm = maxGradNorm;
        b.optimizer = optimizer;
        b.lrSchedule = lrSchedule;
        b.overlapTeacher = overlapTeacher;
        return b;
    }

    /** Builder for {@link TrainingConfig}; unset values take the defaults. */
    public static final class Builder {
        private Integer gradientAccumulationSteps;
        private Integer ckptFrequency;
        private Integer ckptEpochFrequency;
        private Integer ckptSteps;
        private Integer keepCheckpoints;
        private String logDir;
        private String outputDir;
        private String device;
        private Long seed;
        private Integer batchSize;
        private Integer numEpochs;
        private Integer numSteps;
        private Boolean shuffle;
        private Double maxGradNorm;
        private OptimizerConfig optimizer;
        private ScheduleConfig lrSchedule;
        private Boolean overlapTeacher;

        public Builder gradientAccumulationSteps(int v) { gradientAccumulationSteps = v; return this; }
        public Builder ckptFrequency(int v) { ckptFrequency = v; return this; }
        public Builder ckptEpochFrequency(int v) { ckptEpochFrequency = v; return this; }
        public Builder ckptSteps(Integer v) { ckptSteps = v; return this; }
        /** Keep only the newest {@code v} checkpoints; null keeps all. */
        public Builder keepCheckpoints(Integer v) { keepCheckpoints = v; return this; }
        public Builder logDir(String v) { logDir = v; return this; }
        public Builder outputDir(String v) { outputDir = v; return this; }
        public Builder device(String v) { device = v; return this; }
        public Builder seed(long v) { seed = v; return this; }
        public Builder batchSize(int v) { batchSize = v; return this; }
        /** Epoch mode; clears num_steps. */
        public Builder numEpochs(int v) { numEpochs = v; numSteps = null; return this; }
        /** Step mode; clears num_epochs. */
        public Builder numSteps(int v) { numSteps = v; numEpochs = null; return this; }
        public Builder shuffle(boolean v) { shuffle = v; return this; }
        public Builder maxGradNorm(double v) { maxGradNorm = v; return this; }
        public Builder optimizer(OptimizerConfig v) { optimizer = v; return this; }
        public Builder lrSchedule(ScheduleConfig v) { lrSchedule = v; return this; }
        /** Teacher forward of the next micro-batch on a second thread (default true). */
        public Builder overlapTeacher(boolean v) { overlapTeacher = v; return this; }

        public TrainingConfig build() {
            return new TrainingConfig(gradientAccumulationSteps, ckptFrequency, ckptEpochFrequency, ckptSteps,
                    keepCheckpoints, logDir, outputDir, device, false, false, -1, seed, batchSize, numEpochs, numSteps,
                    shuffle, maxGradNorm, optimizer, lrSchedule, overlapTeacher);
        }
    }
}
