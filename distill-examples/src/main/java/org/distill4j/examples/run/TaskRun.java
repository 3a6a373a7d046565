package org.distill4j.examples.run;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.distill4j.bert.data.TaskDataset;
import org.distill4j.bert.data.TsvClassificationReader;
import org.distill4j.bert.model.BertCheckpoints;
import org.distill4j.bert.model.BertConfig;
import org.distill4j.bert.model.BertHead;
import org.distill4j.bert.model.BertInitializer;
import org.distill4j.bert.model.BertModel;
import org.distill4j.bert.presets.StudentPreset;
import org.distill4j.bert.text.BertTokenizer;
import org.distill4j.bert.text.Vocabulary;
import org.distill4j.bert.weights.EasyBertArchive;
import org.distill4j.bert.weights.TfCheckpointReader;
import org.distill4j.core.checkpoint.CheckpointFormatException;
import org.distill4j.core.checkpoint.CheckpointIO;
import org.distill4j.core.checkpoint.ExportedModel;
import org.distill4j.core.checkpoint.FolderLock;
import org.distill4j.core.config.ConfigException;
import org.distill4j.core.config.ConfigIO;
import org.distill4j.core.config.TrainingConfig;
import org.distill4j.core.graph.ModelGraph;
import org.distill4j.core.listener.ConsoleProgressListener;
import org.distill4j.core.metrics.ClassificationMetrics;
import org.distill4j.core.train.BasicDistiller;
import org.distill4j.core.train.BasicTrainer;
import org.distill4j.core.train.Distiller;
import org.distill4j.core.train.GeneralDistiller;
import org.distill4j.core.train.TrainingResult;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Runs what a {@link RunSpec} describes on a TSV text-classification task: {@link #fineTune()} trains a teacher,
 * {@link #distill()} distils an exported teacher into the student. Data, vocabulary and teacher are read and checked
 * when the run is opened, before any training. Each run writes one folder: {@code config.yaml} (the resolved
 * specification), {@code provenance.json} (versions, seed, SHA-256 of the data files and of the teacher),
 * {@code metrics.jsonl}, {@code checkpoints/}, {@code model/} (the exported model), {@code results.json},
 * {@code predictions.tsv} (and {@code teacher_predictions.tsv}: per-example test predictions) and {@code plots/*.png}.
 */
public final class TaskRun {

    /** The run folder's per-example test predictions of the trained model (see {@link SplitEvaluation#writePredictions}). */
    public static final String PREDICTIONS = "predictions.tsv";
    /** The same for the teacher of a distill run. */
    public static final String TEACHER_PREDICTIONS = "teacher_predictions.tsv";

    private final RunSpec spec;
    private final Path out;
    private final BertTokenizer tokenizer;
    private final TaskDataset train;
    private final TaskDataset dev;
    private final TaskDataset test;

    private TaskRun(RunSpec spec) throws IOException {
        this.spec = spec;
        this.out = Path.of(spec.output());
        RunSpec.DataSpec d = spec.data();
        Path vocab = existing("data.vocab", d.vocab());
        BertTokenizer.Builder tb = BertTokenizer.builder(Vocabulary.load(vocab)).maxLength(d.maxLength());
        if (!d.lowerCase()) {
            tb.lowerCase(false);
        }
        this.tokenizer = tb.build();
        TsvClassificationReader.Builder rb = TsvClassificationReader.builder(tokenizer).textA(d.text()).label(d.label());
        if (d.textPair() != null) {
            rb.textB(d.textPair());
        }
        TsvClassificationReader reader = rb.build();
        this.train = reader.withUnlabelledAllowed(d.allowUnlabelled()).read(existing("data.train", d.train()));
        TsvClassificationReader same = reader.withLabels(train.labelVocabulary()); // dev/test use train's label ids,
                                                                                  // and are fully labelled
        this.dev = d.dev() == null ? null : same.read(existing("data.dev", d.dev()));
        this.test = d.test() == null ? null : same.read(existing("data.test", d.test()));
    }

    /** Reads a run file with overrides ({@code key.path=value}) and opens it: checks files, reads and tokenizes data. */
    public static TaskRun open(Path runFile, List<String> overrides) throws IOException {
        return open(ConfigIO.read(runFile, RunSpec.class, overrides));
    }

    /** Opens a run: checks files, reads and tokenizes the data. */
    public static TaskRun open(RunSpec spec) throws IOException {
        return new TaskRun(spec);
    }

    private static Path existing(String field, String file) {
        Path p = Path.of(file);
        if (!Files.isRegularFile(p)) {
            throw new ConfigException(field, file, "no such file (paths are relative to the working directory "
                    + Path.of("").toAbsolutePath() + ")");
        }
        return p;
    }

    private Path checkpoints() {
        return out.resolve("checkpoints");
    }

    /**
     * Deletes the checkpoints of an earlier run in this run's folder, so that the next fine-tune or distill starts
     * over instead of resuming. Without it, a run whose folder holds checkpoints resumes from the latest one.
     */
    public TaskRun startFresh() throws IOException {
        try (FolderLock lock = FolderLock.acquire(out, "output");
             java.util.stream.Stream<Path> files = Files.exists(checkpoints()) ? Files.list(checkpoints()) : java.util.stream.Stream.empty()) {
            for (Path f : files.toList()) {
                if (f.getFileName().toString().startsWith("step-")) {
                    Files.delete(f);
                }
            }
        }
        return this;
    }

    /** Runs {@code work} holding the run folder's lock, with advice on a checkpoint that does not match the run. */
    private <T> T locked(java.util.concurrent.Callable<T> work) throws IOException {
        try (FolderLock lock = FolderLock.acquire(out, "output")) {
            return work.call();
        } catch (ConfigException e) {
            if (e.field().equals("resume")) {
                throw ConfigException.because("output", e.getMessage() + " (the run folder " + out + " holds checkpoints "
                        + "of an earlier run: use --fresh, or TaskRun.startFresh(), to discard them)", e);
            }
            throw e;
        } catch (CheckpointFormatException e) {
            if (e.getMessage().contains(checkpoints().toString())) { // not the teacher's folder: one of this run's checkpoints
                throw new CheckpointFormatException(e.getMessage() + " (delete that file to resume from the previous "
                        + "checkpoint, or use --fresh to start over)", e);
            }
            throw e;
        } catch (IOException | RuntimeException e) {
            throw e;
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    /** The training set as read (for sizes and labels). */
    public TaskDataset trainingData() {
        return train;
    }

    /** The dev set as read, or null when the run has none. */
    public TaskDataset devData() {
        return dev;
    }

    /** The test set as read, or null when the run has none. */
    public TaskDataset testData() {
        return test;
    }

    /**
     * Fine-tunes a teacher with hard labels (BasicTrainer): from a TensorFlow checkpoint (e.g. Google's BERT-base
     * jar) or from random weights of {@code teacher.config}. Exports it to {@code output/model}.
     */
    public Map<String, Object> fineTune() throws IOException {
        return locked(this::fineTuneLocked);
    }

    private Map<String, Object> fineTuneLocked() throws IOException {
        RunSpec.TeacherSource t = spec.teacher();
        if (t == null || t.config() == null) {
            throw new ConfigException("teacher.config", null, "fine-tune needs the teacher's size: "
                    + "{layers: 12, hidden: 768, heads: 12, intermediate: 3072} for BERT-base");
        }
        requireLabels("fine-tune"); // before the checkpoint is read
        BertModel definition = classifier(t.config());
        Map<String, INDArray> start = Map.of();
        if (t.tfCheckpoint() != null) {
            Path ckpt = existing("teacher.tf_checkpoint", t.tfCheckpoint());
            ModelGraph probe = ModelGraph.create(definition, spec.training().seed());
            try (TfCheckpointReader reader = ckpt.toString().endsWith(".jar") ? EasyBertArchive.openCheckpoint(ckpt)
                    : TfCheckpointReader.open(ckpt)) {
                BertCheckpoints.loadTensorFlow(probe, reader);
            }
            start = parameters(probe);
        }
        Distiller trainer = configure(BasicTrainer.builder(), "fine-tune").student(definition).initialWeights(start).build();
        return finish(trainer, trainer.train(train), "fine-tune", null);
    }

    private RunSpec.ModelSize studentSize() {
        RunSpec.StudentSpec s = spec.student();
        return s.size() != null ? s.size() : presetSize(s.preset());
    }

    private Distiller.Builder<? extends Distiller> distillerBuilder(ModelGraph teacher) {
        return switch (spec.distiller()) {
            case "trainer" -> BasicTrainer.builder();
            case "basic" -> BasicDistiller.builder().teacher(teacher);
            default -> GeneralDistiller.builder().teacher(teacher);
        };
    }

    /** Distils the exported teacher ({@code teacher.model}) into the student; exports the student. */
    public Map<String, Object> distill() throws IOException {
        return locked(this::distillLocked);
    }

    private Map<String, Object> distillLocked() throws IOException {
        RunSpec.TeacherSource t = spec.teacher();
        if (t == null || t.model() == null) {
            throw new ConfigException("teacher.model", null, "distill needs an exported teacher folder (fine-tune writes "
                    + "one to its output/model)");
        }
        requireLabelsForTrainer(); // before the teacher is loaded
        ModelGraph teacher = loadTeacher();
        RunSpec.StudentSpec s = spec.student();
        if (s == null) {
            throw new ConfigException("student", null, "give the student: {preset: T4-tiny} or {size: {...}}");
        }
        BertModel definition = classifier(studentSize());
        Map<String, INDArray> start = Map.of();
        if (!s.initFromTeacherLayers().isEmpty()) {
            ModelGraph probe = ModelGraph.create(definition, spec.training().seed());
            BertInitializer.fromTeacherLayers(teacher, probe, s.initFromTeacherLayers());
            start = parameters(probe);
        }
        Distiller.Builder<? extends Distiller> b = distillerBuilder(teacher);
        Distiller distiller = configure(b, "distill").student(definition).initialWeights(start).build();
        return finish(distiller, distiller.train(train), "distill", teacher);
    }

    /**
     * Checks what can be checked without training: the files and data (when the run was opened); for a run with an
     * exported teacher, that the teacher fits the data (vocabulary size and label count); and every name and value of
     * the configuration, by building the distiller or trainer the run would train.
     *
     * @throws ConfigException naming the field, the two values that disagree and the fix
     */
    public TaskRun check() {
        RunSpec.TeacherSource t = spec.teacher();
        ModelGraph teacher = t != null && t.model() != null ? loadTeacher() : null;
        if (teacher != null && spec.student() != null) {
            requireLabelsForTrainer();
            distillerBuilder(teacher).trainingConfig(spec.training()).distillationConfig(spec.distillation())
                    .student(classifier(studentSize())).build();
        } else if (t != null && t.config() != null) {
            requireLabels("fine-tune");
            BasicTrainer.builder().trainingConfig(spec.training()).student(classifier(t.config())).build();
        } else { // nothing to build: resolve the optimizer and schedule names as a distiller would
            org.distill4j.core.registry.Registries r = org.distill4j.core.registry.Registries.defaults();
            r.optimizers().get("training.optimizer.name", spec.training().optimizer().name());
            r.lrSchedules().get("training.lr_schedule.name", spec.training().lrSchedule().name())
                    .bind("training.lr_schedule", spec.training().lrSchedule(), 1);
        }
        return this;
    }

    /** The exported teacher, checked against the data: same vocabulary size, same number of labels. */
    private ModelGraph loadTeacher() {
        Path folder = Path.of(spec.teacher().model());
        if (!Files.isDirectory(folder)) {
            throw new ConfigException("teacher.model", spec.teacher().model(), "no such folder (an exported model "
                    + "folder, e.g. the model/ folder a fine-tune run writes)");
        }
        ModelGraph teacher = ExportedModel.load(folder);
        if (teacher.sd().hasVariable(BertModel.WORD_EMBEDDINGS)) {
            long rows = teacher.sd().getVariable(BertModel.WORD_EMBEDDINGS).getArr().size(0);
            if (rows != tokenizer.vocabulary().size()) {
                throw new ConfigException("data.vocab", spec.data().vocab(), "it has " + tokenizer.vocabulary().size()
                        + " word pieces but the teacher " + folder + " was trained with " + rows + ": give the "
                        + "teacher's own vocabulary file, or fine-tune a teacher with this one");
            }
        }
        long labels = teacher.output(train.batch(new int[]{0}), List.of("logits")).get("logits").size(-1);
        if (labels != train.numLabels()) {
            throw new ConfigException("teacher.model", spec.teacher().model(), "the teacher predicts " + labels
                    + " labels but " + spec.data().train() + " has " + train.numLabels() + " " + train.labelVocabulary()
                    + ": distil a teacher fine-tuned on these labels");
        }
        return teacher;
    }

    /** A distill run with {@code distiller: trainer} (the no-KD twin) trains on labels only. */
    private void requireLabelsForTrainer() {
        if (spec.distiller().equals("trainer")) {
            requireLabels("distiller: trainer");
        }
    }

    /** Labels-only training learns nothing from unlabelled rows: reject them instead of wasting updates on them. */
    private void requireLabels(String what) {
        int unlabelled = train.numUnlabelled();
        if (unlabelled > 0) {
            throw new ConfigException("data.allow_unlabelled", true, what + " learns from labels only, and "
                    + unlabelled + " of " + train.size() + " rows of " + spec.data().train() + " have none: train on "
                    + "the labelled rows, or distil (distiller: general or basic) to use the unlabelled ones");
        }
    }

    private static RunSpec.ModelSize presetSize(String name) {
        StudentPreset p = StudentPreset.named(name);
        return new RunSpec.ModelSize(p.layers(), p.hidden(), p.heads(), p.intermediate());
    }

    /** A BERT of this size with a sequence-classification head over the training data's labels. */
    private BertModel classifier(RunSpec.ModelSize size) {
        BertConfig config = new BertConfig(tokenizer.vocabulary().size(), size.hidden(), size.layers(), size.heads(),
                size.intermediate(), 512, 2, 1e-12, 0.1, 0.1, 0.02);
        return new BertModel(config, BertHead.SEQUENCE_CLASSIFICATION, train.numLabels());
    }

    private <D extends Distiller> Distiller.Builder<D> configure(Distiller.Builder<D> b, String task) {
        TrainingConfig training = spec.training().toBuilder()
                .outputDir(checkpoints().toString()).logDir(out.toString()).build();
        b.trainingConfig(training).distillationConfig(spec.distillation()).listener(new ConsoleProgressListener(task));
        CheckpointIO.latest(checkpoints()).ifPresent(latest -> {
            System.out.println(task + ": resuming from " + latest + " (--fresh starts over)");
            b.resumeFrom(latest);
        });
        if (dev != null) {
            b.evaluator(ClassificationMetrics.accuracyOn(dev, TaskDataset.LABELS, 64));
        }
        return b;
    }

    private static Map<String, INDArray> parameters(ModelGraph g) {
        Map<String, INDArray> p = new LinkedHashMap<>();
        for (String n : g.parameterNames()) {
            p.put(n, g.sd().getArrForVarName(n).dup());
        }
        return p;
    }

    /** Exports the model, evaluates on test (and the teacher, when given), writes results, provenance and plots. */
    private Map<String, Object> finish(Distiller distiller, TrainingResult result, String kind, ModelGraph teacher)
            throws IOException {
        Files.createDirectories(out);
        ConfigIO.write(out.resolve("config.yaml"), spec);
        distiller.exportStudent(out.resolve("model"));
        Map<String, Object> results = new LinkedHashMap<>();
        results.put("kind", kind);
        results.put("steps", result.state().step());
        results.put("stop_reason", result.stopReason());
        ModelGraph model = distiller.trainedModel();
        results.put("parameters", model.parameterCount());
        if (test != null) {
            results.put("test", SplitEvaluation.evaluate(model, test, out.resolve(PREDICTIONS)));
            if (teacher != null) {
                results.put("teacher_test",
                        SplitEvaluation.evaluate(teacher, test, out.resolve(TEACHER_PREDICTIONS)));
                results.put("teacher_parameters", teacher.parameterCount());
            }
        }
        ConfigIO.write(out.resolve("results.json"), results);
        ConfigIO.write(out.resolve("provenance.json"), RunProvenance.of(spec));
        RunPlots.write(out.resolve("metrics.jsonl"), out.resolve("plots"));
        if (results.get("teacher_test") instanceof Map<?, ?> t && results.get("test") instanceof Map<?, ?> st) {
            Map<String, Map<String, Double>> quality = new LinkedHashMap<>();
            Map<String, Map<String, Double>> speed = new LinkedHashMap<>();
            for (Map.Entry<String, Map<?, ?>> e : Map.<String, Map<?, ?>>of("teacher", t, "student", st).entrySet()) {
                Map<String, Double> q = new LinkedHashMap<>();
                e.getValue().forEach((k, v) -> {
                    if (v instanceof Double d && (k.equals("accuracy") || k.toString().startsWith("f1_") || k.equals("macro_f1"))) {
                        q.put(k.toString(), d);
                    }
                });
                quality.put(e.getKey(), q);
                speed.put(e.getKey(), Map.of("samples/s", (Double) e.getValue().get("samples_per_s")));
            }
            RunPlots.comparison("Teacher and student on the test split", new java.util.TreeMap<>(quality),
                    out.resolve("plots/comparison.png"));
            RunPlots.comparison("Inference speed on the test split", new java.util.TreeMap<>(speed),
                    out.resolve("plots/speed.png"));
        }
        return results;
    }

    /**
     * Evaluates an exported model on the test split (or dev, when there is no test split).
     *
     * @param predictions where to write its per-example predictions (see {@link #PREDICTIONS}), or null
     */
    public Map<String, Object> evaluateExported(Path model, Path predictions) throws IOException {
        TaskDataset data = test != null ? test : dev;
        if (data == null) {
            throw new ConfigException("data.test", null, "evaluate needs a test or dev file in the run's data");
        }
        Map<String, Object> r = new LinkedHashMap<>();
        r.put("model", model.toString());
        r.put("split", test != null ? "test" : "dev");
        r.putAll(SplitEvaluation.evaluate(ExportedModel.load(model), data, predictions));
        if (predictions != null) {
            r.put("predictions", predictions.toString());
        }
        return r;
    }
}
