package org.distill4j.core.train;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import org.distill4j.core.checkpoint.Checkpoint;
import org.distill4j.core.checkpoint.CheckpointFormatException;
import org.distill4j.core.checkpoint.CheckpointIO;
import org.distill4j.core.checkpoint.ExportedModel;
import org.distill4j.core.config.ConfigException;
import org.distill4j.core.config.ConfigIO;
import org.distill4j.core.config.DistillationConfig;
import org.distill4j.core.config.ExperimentConfig;
import org.distill4j.core.config.TrainingConfig;
import org.distill4j.core.data.Batch;
import org.distill4j.core.data.DataOrder;
import org.distill4j.core.data.ExampleSet;
import org.distill4j.core.graph.ModelDefinition;
import org.distill4j.core.graph.ModelGraph;
import org.distill4j.core.listener.MetricsFileListener;
import org.distill4j.core.listener.TrainingListener;
import org.distill4j.core.optim.GradientClipping;
import org.distill4j.core.optim.Optimizer;
import org.distill4j.core.registry.Registries;
import org.distill4j.core.schedule.LearningRateSchedule;
import org.nd4j.autodiff.samediff.api.OutAndGrad;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The training loop shared by {@link BasicTrainer}, {@link BasicDistiller} and {@link GeneralDistiller}; they differ
 * only in the losses they wire. Building one validates the configuration against the registries and both models'
 * adaptors; {@link #train} checks shapes on the first batch, then runs updates with gradient accumulation,
 * global-norm clipping, scheduled learning rates and loss weights, checkpoints, evaluation and listeners.
 *
 * <p>The loop computes gradients with SameDiff and applies its own optimizer (rather than SameDiff's fit()) because
 * fit() cannot clip the global norm, applies each update as soon as that gradient exists, and keeps optimizer state
 * where checkpoints cannot reach it.
 */
public abstract class Distiller {

    private final Setup setup;
    private final DistillationPlan plan;
    private ModelGraph student;
    private LossWiring.Result wiring;
    private TeacherEnsemble teacherOutputs;
    private DataType dtype;
    private final Map<String, List<INDArray>> optimizerState = new LinkedHashMap<>();

    /**
     * Everything a distiller is built from.
     *
     * @param training     how to train
     * @param distillation what to distil (ignored by {@link BasicTrainer})
     * @param teacher      the frozen teacher, or null for {@link BasicTrainer}
     * @param student      the student's definition (built with the training seed)
     * @param registries   where configuration names resolve
     * @param listeners    listeners, in call order
     * @param evaluator    called at each checkpoint, or null
     * @param resumeFrom   a checkpoint file, or a folder whose latest checkpoint to resume, or null
     * @param otherTeachers further teachers whose logits are averaged into the KD target (may be empty)
     * @param teacherWeights weights of {@code teacher} then {@code otherTeachers} in that average (empty: equal)
     * @param postprocessor transforms each micro-batch before the models see it, or null
     * @param teacherTemperatures one temperature per teacher (empty: the distillation temperature for all)
     * @param initialWeights student parameters to start from (e.g. the previous stage's), by name; may be empty
     */
    public record Setup(TrainingConfig training, DistillationConfig distillation, ModelGraph teacher,
                        ModelDefinition student, Registries registries, List<TrainingListener> listeners,
                        Evaluator evaluator, Path resumeFrom, List<ModelGraph> otherTeachers, List<Double> teacherWeights,
                        org.distill4j.core.data.BatchPostprocessor postprocessor, List<Double> teacherTemperatures,
                        Map<String, INDArray> initialWeights) {
        public Setup {
            listeners = List.copyOf(listeners);
            otherTeachers = List.copyOf(otherTeachers == null ? List.of() : otherTeachers);
            teacherWeights = List.copyOf(teacherWeights == null ? List.of() : teacherWeights);
            teacherTemperatures = List.copyOf(teacherTemperatures == null ? List.of() : teacherTemperatures);
            initialWeights = Map.copyOf(initialWeights == null ? Map.of() : initialWeights);
        }
    }

    protected Distiller(Setup setup, Mode mode) {
        this.setup = setup;
        if (setup.training() == null) {
            throw new ConfigException("training", null, "a training configuration is required");
        }
        if (setup.student() == null) {
            throw new ConfigException("student", null, "a student model definition is required");
        }
        checkDevice(setup.training().device());
        this.student = ModelGraph.create(setup.student(), setup.training().seed());
        student.adaptor().validate(student.sd(), "student");
        startFrom(setup.initialWeights());
        if (setup.teacher() != null) {
            setup.teacher().adaptor().validate(setup.teacher().sd(), "teacher");
            setup.teacher().setTraining(false); // the teacher never runs dropout
        }
        for (int k = 0; k < setup.otherTeachers().size(); k++) {
            ModelGraph t = setup.otherTeachers().get(k);
            t.adaptor().validate(t.sd(), "teachers[" + (k + 1) + "]");
            t.setTraining(false);
            if (setup.teacher() != null && t.adaptor().logits().size() != setup.teacher().adaptor().logits().size()) {
                throw new ConfigException("teachers[" + (k + 1) + "] adaptor.logits", t.adaptor().logits(),
                        "every teacher must name as many logits outputs as teachers[0] (" + setup.teacher().adaptor().logits() + ")");
            }
        }
        if (!setup.teacherTemperatures().isEmpty()) {
            int count = (setup.teacher() == null ? 0 : 1) + setup.otherTeachers().size();
            if (setup.teacherTemperatures().size() != count || setup.teacherTemperatures().stream().anyMatch(t -> !(t > 0) || t.isInfinite())) {
                throw new ConfigException("teacher temperatures", setup.teacherTemperatures(),
                        "give one finite temperature > 0 per teacher (" + count + ")");
            }
            if (!List.of("ce", "mse", "bce").contains(setup.distillation().kdLossType())) {
                throw new ConfigException("distillation.kd_loss_type", setup.distillation().kdLossType(),
                        "per-teacher temperatures are defined for ce, mse and bce");
            }
        }
        if (setup.postprocessor() != null && setup.distillation().isCachingLogits()) {
            throw new ConfigException("distillation.is_caching_logits", true, "teacher outputs are cached per example, "
                    + "but a batch post-processor changes the examples each time; turn one of them off");
        }
        int teacherCount = (setup.teacher() == null ? 0 : 1) + setup.otherTeachers().size();
        if (!setup.teacherWeights().isEmpty()) {
            if (setup.teacherWeights().size() != teacherCount) {
                throw new ConfigException("teacher weights", setup.teacherWeights(), "give one weight per teacher (" + teacherCount + ")");
            }
            double sum = 0;
            for (double w : setup.teacherWeights()) {
                if (!(w >= 0) || Double.isInfinite(w)) {
                    throw new ConfigException("teacher weights", setup.teacherWeights(), "weights must be finite and >= 0");
                }
                sum += w;
            }
            if (!(sum > 0)) {
                throw new ConfigException("teacher weights", setup.teacherWeights(), "at least one weight must be > 0");
            }
        }
        this.plan = DistillationPlan.resolve(mode, setup.training(), setup.distillation(), setup.registries(),
                setup.teacher() == null ? null : setup.teacher().adaptor(), student.adaptor());
    }

    /** Copies the given parameters into the fresh student; every one must exist there with the same shape. */
    private void startFrom(Map<String, INDArray> weights) {
        for (Map.Entry<String, INDArray> e : weights.entrySet()) {
            if (!student.sd().hasVariable(e.getKey())) {
                throw new ConfigException("initial weights", e.getKey(), "the student has no parameter of that name");
            }
            INDArray target = student.sd().getArrForVarName(e.getKey());
            if (!Arrays.equals(target.shape(), e.getValue().shape())) {
                throw new ConfigException("initial weights " + e.getKey(), Arrays.toString(e.getValue().shape()),
                        "must have the student's shape " + Arrays.toString(target.shape()));
            }
            target.assign(e.getValue());
        }
    }

    private static void checkDevice(String device) {
        String backend = Nd4j.getBackend().getClass().getSimpleName().toLowerCase(java.util.Locale.ROOT);
        boolean gpu = backend.contains("cuda") || backend.contains("jcublas");
        if (device.equals("cuda") && !gpu) {
            throw new ConfigException("training.device", device, "the CPU backend is on the class path; build with the "
                    + "Maven profile -Pcuda to train on a GPU, or set device to auto or cpu");
        }
        if (device.equals("cpu") && gpu) {
            throw new ConfigException("training.device", device, "the CUDA backend is on the class path; build without "
                    + "-Pcuda to train on the CPU, or set device to auto or cuda");
        }
    }

    /** The student as it is now (trained in place by {@link #train}). */
    public ModelGraph student() {
        return student;
    }

    /** The experiment this distiller runs, as it is written to checkpoints and exports. */
    public ExperimentConfig experiment() {
        return new ExperimentConfig(setup.training(), setup.distillation());
    }

    /**
     * Trains: checks shapes on the first batch, resumes if asked, and runs until the configured epochs or steps are
     * done or a listener stops the run.
     *
     * @throws ConfigException         if a shape check fails (before any update)
     * @throws NonFiniteLossException  if a loss term becomes NaN or infinite
     */
    public TrainingResult train(ExampleSet data) {
        TrainingConfig tc = setup.training();
        if (data.size() == 0) {
            throw new ConfigException("training data", "0 examples", "the training set must hold at least one example");
        }
        int microPerEpoch = DataOrder.microBatches(data.size(), tc.batchSize());
        int updatesPerEpoch = (microPerEpoch + tc.gradientAccumulationSteps() - 1) / tc.gradientAccumulationSteps();
        long totalSteps = tc.stepMode() ? tc.numSteps() : (long) tc.numEpochs() * updatesPerEpoch;
        if (wiring == null) {
            wire(data.batch(DataOrder.microBatch(DataOrder.permutation(tc.seed(), 0, data.size(), tc.shuffle()),
                    tc.batchSize(), 0)), data);
        }
        Loop loop = new Loop(data, microPerEpoch, updatesPerEpoch, totalSteps);
        return loop.run();
    }

    /** First-batch shape check and loss wiring. */
    private void wire(Batch first, ExampleSet data) {
        List<String> teacherNames = setup.teacher() == null ? List.of()
                : LossWiring.teacherOutputsNeeded(plan, setup.teacher().adaptor());
        Map<String, long[]> teacherShapes = new LinkedHashMap<>();
        if (!teacherNames.isEmpty()) {
            setup.teacher().output(first, teacherNames).forEach((k, v) -> teacherShapes.put(k, v.shape()));
        }
        List<String> studentNames = LossWiring.studentOutputsNeeded(plan, student.adaptor());
        Map<String, long[]> studentShapes = new LinkedHashMap<>();
        if (!studentNames.isEmpty()) {
            student.output(first, studentNames).forEach((k, v) -> studentShapes.put(k, v.shape()));
        }
        List<String> params = student.parameterNames();
        if (params.isEmpty()) {
            throw new ConfigException("student", "no parameters", "the student graph has no trainable (VARIABLE) parameters");
        }
        dtype = student.sd().getArrForVarName(params.get(0)).dataType();
        try {
            wiring = LossWiring.wire(plan, student, setup.teacher() == null ? null : setup.teacher().adaptor(),
                    studentShapes, teacherShapes, dtype, setup.training().seed(), setup.training().optimizer().learningRate());
        } catch (RuntimeException e) {
            // A shape check can fail after some loss ops were added: start the next attempt from a clean graph.
            student = ModelGraph.create(setup.student(), setup.training().seed());
            startFrom(setup.initialWeights());
            throw e;
        }
        if (setup.teacher() != null) {
            teacherOutputs = teacherEnsemble(first, teacherNames, data);
        }
        Optimizer optimizer = plan.optimizer();
        for (ParamGroup g : wiring.groups()) {
            for (String p : g.parameters()) {
                List<INDArray> state = new ArrayList<>();
                for (String ignored : optimizer.stateNames()) {
                    state.add(Nd4j.zerosLike(student.sd().getArrForVarName(p)));
                }
                optimizerState.put(p, state);
            }
        }
    }

    /** Outputs of every teacher, checked on the first batch: other teachers' logits must match the first's shapes. */
    private TeacherEnsemble teacherEnsemble(Batch first, List<String> teacherNames, ExampleSet data) {
        DistillationConfig dc = plan.config();
        String labelsField = dc.probabilityShift() ? student.adaptor().inputs().get(student.adaptor().labels()) : null;
        List<String> mainLogits = setup.teacher().adaptor().logits();
        TeacherOutputs main = new TeacherOutputs(setup.teacher(), teacherNames, cacheFor(setup.teacher(), teacherNames, data),
                dc.probabilityShift() ? mainLogits : List.of(), labelsField);
        List<TeacherOutputs> others = new ArrayList<>();
        List<List<String>> otherLogits = new ArrayList<>();
        boolean kd = teacherNames.stream().anyMatch(mainLogits::contains);
        for (int k = 0; k < setup.otherTeachers().size(); k++) {
            ModelGraph t = setup.otherTeachers().get(k);
            List<String> logits = kd ? t.adaptor().logits() : List.of();
            if (kd) {
                Map<String, INDArray> probe = t.output(first, logits);
                Map<String, INDArray> reference = setup.teacher().output(first, mainLogits);
                for (int i = 0; i < logits.size(); i++) {
                    long[] shape = probe.get(logits.get(i)).shape();
                    long[] expected = reference.get(mainLogits.get(i)).shape();
                    if (!Arrays.equals(shape, expected)) {
                        throw new ConfigException("teachers[" + (k + 1) + "] adaptor.logits[" + i + "]",
                                logits.get(i) + " " + Arrays.toString(shape), "must have the shape of teachers[0]'s "
                                + mainLogits.get(i) + " " + Arrays.toString(expected) + " (the same label space)");
                    }
                }
            }
            others.add(new TeacherOutputs(t, logits, cacheFor(t, logits, data), dc.probabilityShift() ? logits : List.of(), labelsField));
            otherLogits.add(logits);
        }
        List<Double> weights = setup.teacherWeights();
        if (weights.isEmpty()) {
            weights = java.util.Collections.nCopies(1 + others.size(), 1.0);
        }
        return new TeacherEnsemble(main, mainLogits, others, otherLogits, weights, setup.teacherTemperatures(),
                dc.temperature(), dc.kdLossType());
    }

    /** The cache the configuration asks for: none, in memory, or on disk keyed by teacher, outputs and data. */
    private TeacherCache cacheFor(ModelGraph teacher, List<String> names, ExampleSet data) {
        DistillationConfig dc = plan.config();
        if (!dc.isCachingLogits()) {
            return null;
        }
        if (dc.teacherCacheDir() == null) {
            return TeacherCache.inMemory();
        }
        return TeacherCache.onDisk(Path.of(dc.teacherCacheDir()), teacher, names, data,
                (long) (dc.teacherCacheMaxMb() * (1 << 20)));
    }

    /** Teacher forward passes run so far by all teachers (cache misses); for tests and diagnostics. */
    long teacherForwards() {
        return teacherOutputs == null ? 0 : teacherOutputs.forwards();
    }

    /**
     * The trained model in a graph of its own, built afresh from its definition with copies of the trained
     * weights: no losses, projections or teacher placeholders. Use this as the teacher of a later distillation.
     */
    public ModelGraph trainedModel() {
        ModelGraph clean = ModelGraph.create(setup.student(), setup.training().seed());
        for (String name : clean.parameterNames()) {
            clean.sd().getVariable(name).setArray(student.sd().getArrForVarName(name).dup());
        }
        return clean;
    }

    /** Saves {@link #trainedModel()} for inference, with provenance (configuration, seed, versions). */
    public void exportStudent(Path folder) {
        ModelGraph clean = trainedModel();
        Map<String, Object> provenance = new LinkedHashMap<>();
        provenance.put("experiment", ConfigIO.toJson(experiment()));
        provenance.put("distiller", getClass().getSimpleName());
        provenance.put("seed", setup.training().seed());
        provenance.put("parameters", clean.parameterCount());
        provenance.put("java", System.getProperty("java.version"));
        provenance.put("nd4j_backend", Nd4j.getBackend().getClass().getName());
        provenance.put("created", java.time.Instant.now().toString());
        ExportedModel.save(folder, clean, provenance);
    }

    /** A builder for a distiller of type D. */
    public static final class Builder<D extends Distiller> {
        private final java.util.function.Function<Setup, D> factory;
        private TrainingConfig training = TrainingConfig.defaults();
        private DistillationConfig distillation = DistillationConfig.defaults();
        private ModelGraph teacher;
        private List<ModelGraph> otherTeachers = List.of();
        private List<Double> teacherWeights = List.of();
        private org.distill4j.core.data.BatchPostprocessor postprocessor;
        private List<Double> teacherTemperatures = List.of();
        private Map<String, INDArray> initialWeights = Map.of();
        private ModelDefinition student;
        private Registries registries = Registries.defaults();
        private final List<TrainingListener> listeners = new ArrayList<>();
        private Evaluator evaluator;
        private Path resumeFrom;

        Builder(java.util.function.Function<Setup, D> factory) {
            this.factory = factory;
        }

        /** How to train (default: {@link TrainingConfig#defaults()}). */
        public Builder<D> trainingConfig(TrainingConfig v) { training = v; return this; }
        /** What to distil (default: {@link DistillationConfig#defaults()}). */
        public Builder<D> distillationConfig(DistillationConfig v) { distillation = v; return this; }
        /** Both configurations from an experiment file's value. */
        public Builder<D> experiment(ExperimentConfig v) { training = v.training(); distillation = v.distillation(); return this; }
        /** The frozen teacher. */
        public Builder<D> teacher(ModelGraph v) { teacher = v; return this; }
        /**
         * Several frozen teachers: the KD target is the weighted mean of their logits; intermediate matches use the
         * first. Weights (one per teacher, >= 0) are normalised; pass an empty list for equal weights.
         */
        public Builder<D> teachers(List<ModelGraph> all, List<Double> weights) {
            if (all.isEmpty()) {
                throw new ConfigException("teachers", "[]", "give at least one teacher");
            }
            teacher = all.get(0);
            otherTeachers = List.copyOf(all.subList(1, all.size()));
            teacherWeights = List.copyOf(weights);
            return this;
        }
        /** The student's definition; it is built with the training seed. */
        public Builder<D> student(ModelDefinition v) { student = v; return this; }
        /** Registries to resolve names in (default: the built-ins). */
        public Builder<D> registries(Registries v) { registries = v; return this; }
        /** Adds a listener. */
        public Builder<D> listener(TrainingListener v) { listeners.add(v); return this; }
        /**
         * One temperature per teacher (in {@link #teachers} order): the KD target becomes the weighted mixture of each
         * teacher's prediction at its own temperature, compared with the student's at the distillation temperature.
         */
        public Builder<D> teacherTemperatures(List<Double> v) { teacherTemperatures = List.copyOf(v); return this; }
        /** Student parameters to start from, by name (e.g. the previous stage's final weights). */
        public Builder<D> initialWeights(Map<String, INDArray> v) { initialWeights = Map.copyOf(v); return this; }
        /** Transforms each micro-batch before teacher and student see it (data augmentation). */
        public Builder<D> batchPostprocessor(org.distill4j.core.data.BatchPostprocessor v) { postprocessor = v; return this; }
        /** Called at each checkpoint. */
        public Builder<D> evaluator(Evaluator v) { evaluator = v; return this; }
        /** Resume from a checkpoint file, or from the latest checkpoint in a folder. */
        public Builder<D> resumeFrom(Path v) { resumeFrom = v; return this; }

        /** Validates everything that can be checked without data and builds the distiller. */
        public D build() {
            return factory.apply(new Setup(training, distillation, teacher, student, registries, listeners, evaluator,
                    resumeFrom, otherTeachers, teacherWeights, postprocessor, teacherTemperatures, initialWeights));
        }
    }

    /** Names of every trainable parameter (student then projections). */
    List<String> trainableNames() {
        return wiring.groups().stream().flatMap(g -> g.parameters().stream()).toList();
    }

    /** One run of the loop; holds the run's mutable position. */
    private final class Loop implements TrainingContext {
        private final ExampleSet data;
        private final int microPerEpoch;
        private final int updatesPerEpoch;
        private final long totalSteps;
        private final List<TrainingListener> listeners = new ArrayList<>();
        private final LearningRateSchedule.Bound lrFactor;
        private final Path outputDir;
        private long step;
        private int epoch;
        private int microInEpoch;
        private int[] order;
        private String stopReason;
        private StepLosses lastLosses;
        private Map<String, Double> lastMetrics = Map.of();
        private Path lastCheckpoint;
        private long checkpointedStep = -1;
        private long examplesSeen;

        Loop(ExampleSet data, int microPerEpoch, int updatesPerEpoch, long totalSteps) {
            this.data = data;
            this.microPerEpoch = microPerEpoch;
            this.updatesPerEpoch = updatesPerEpoch;
            this.totalSteps = totalSteps;
            this.listeners.addAll(setup.listeners());
            TrainingConfig tc = setup.training();
            if (tc.logDir() != null) {
                listeners.add(new MetricsFileListener(Path.of(tc.logDir()).resolve("metrics.jsonl")));
            }
            this.lrFactor = plan.lrSchedule().bind("training.lr_schedule", tc.lrSchedule(), totalSteps);
            this.outputDir = Path.of(tc.outputDir());
        }

        @Override
        public RunState state() {
            return new RunState(step, totalSteps, epoch, microInEpoch, microPerEpoch);
        }

        @Override
        public void requestStop(String reason) {
            stopReason = reason == null ? "stopped by a listener" : reason;
        }

        @Override
        public String stopReason() {
            return stopReason;
        }

        @Override
        public int examples() {
            return data.size();
        }

        @Override
        public long examplesSeen() {
            return examplesSeen;
        }

        TrainingResult run() {
            TrainingConfig tc = setup.training();
            if (setup.resumeFrom() != null) {
                resume(setup.resumeFrom());
            }
            try {
                listeners.forEach(l -> l.onRunStart(this));
                while (step < totalSteps && stopReason == null) {
                    if (order == null) {
                        order = DataOrder.permutation(tc.seed(), epoch, data.size(), tc.shuffle());
                    }
                    if (microInEpoch == 0) {
                        listeners.forEach(l -> l.onEpochStart(this));
                    }
                    listeners.forEach(l -> l.onStepStart(this));
                    int micro = Math.min(tc.gradientAccumulationSteps(), microPerEpoch - microInEpoch);
                    lastLosses = update(micro);
                    step++;
                    microInEpoch += micro;
                    StepLosses losses = lastLosses;
                    listeners.forEach(l -> l.onStepEnd(this, losses));
                    boolean epochEnd = microInEpoch == microPerEpoch;
                    boolean due = checkpointDue();
                    if (epochEnd) {
                        listeners.forEach(l -> l.onEpochEnd(this));
                        epoch++;
                        microInEpoch = 0;
                        order = DataOrder.permutation(tc.seed(), epoch, data.size(), tc.shuffle());
                    }
                    if (due || (stopReason != null && checkpointedStep != step)) {
                        checkpointAndEvaluate();
                    }
                }
                if (checkpointedStep != step && step > 0) {
                    checkpointAndEvaluate(); // the end of a run is always saved, whatever the frequency
                }
                student.setTraining(false);
                listeners.forEach(l -> l.onRunEnd(this));
                return new TrainingResult(state(), lastLosses, lastMetrics, lastCheckpoint, stopReason);
            } catch (RuntimeException | Error e) {
                for (TrainingListener l : listeners) {
                    try {
                        l.onException(this, e);
                    } catch (RuntimeException suppressed) {
                        e.addSuppressed(suppressed);
                    }
                }
                throw e;
            }
        }

        /** Epoch mode: K evenly spaced checkpoints in every N-th epoch. Step mode: every ckpt_steps, and the end. */
        private boolean checkpointDue() {
            TrainingConfig tc = setup.training();
            if (tc.stepMode()) {
                return (tc.ckptSteps() != null && step % tc.ckptSteps() == 0) || step == totalSteps;
            }
            if ((epoch + 1) % tc.ckptEpochFrequency() != 0) {
                return false;
            }
            long updateInEpoch = step - (long) epoch * updatesPerEpoch;
            for (int k = 1; k <= tc.ckptFrequency(); k++) {
                if (updateInEpoch == (long) Math.ceil((double) k * updatesPerEpoch / tc.ckptFrequency())) {
                    return true;
                }
            }
            return false;
        }

        /** One optimizer update from {@code micro} micro-batches; gradients weighted by micro-batch size. */
        private StepLosses update(int micro) {
            TrainingConfig tc = setup.training();
            List<int[]> groups = new ArrayList<>();
            int examples = 0;
            for (int j = 0; j < micro; j++) {
                int[] idx = DataOrder.microBatch(order, tc.batchSize(), microInEpoch + j);
                groups.add(idx);
                examples += idx.length;
            }
            examplesSeen += examples;
            List<String> params = trainableNames();
            List<String> gradientNames = new ArrayList<>(params);
            gradientNames.addAll(student.lookupRowNames());
            Map<String, INDArray> grads = new LinkedHashMap<>();
            double progress = (double) step / totalSteps;
            Map<String, INDArray> weightFeeds = LossWiring.weightFeeds(wiring.terms(), progress, dtype);
            List<String> outputs = new ArrayList<>();
            wiring.terms().forEach(t -> outputs.add(t.value().name()));
            outputs.add(wiring.total().name());
            Map<String, Double> unweighted = new LinkedHashMap<>();
            double total = 0;
            for (int j = 0; j < groups.size(); j++) {
                int[] idx = groups.get(j);
                Batch batch = data.batch(idx);
                if (setup.postprocessor() != null) {
                    batch = setup.postprocessor().process(batch, new java.util.Random(tc.seed() * 6151L + step * 97L + j));
                    if (batch.size() != idx.length) {
                        throw new IllegalStateException("the batch post-processor returned " + batch.size()
                                + " examples for a micro-batch of " + idx.length);
                    }
                }
                // Seed, then switch to training, then draw the feeds: dropout masks are drawn in feeds() and must
                // depend only on (seed, step, micro-batch) so a resumed run repeats them.
                Nd4j.getRandom().setSeed(tc.seed() * 7919L + step * 131L + j);
                student.setTraining(true);
                Map<String, INDArray> feeds = new LinkedHashMap<>(student.feeds(batch));
                if (teacherOutputs != null) {
                    teacherOutputs.forBatch(batch, idx, dtype).forEach((name, value) ->
                            feeds.put(wiring.teacherFeeds().get(name), value));
                }
                feeds.putAll(weightFeeds);
                OutAndGrad r = student.sd().calculateGradientsAndOutputs(feeds, outputs, gradientNames);
                Map<String, INDArray> microGrads = new LinkedHashMap<>(r.getGradients());
                student.scatterLookupGradients(microGrads, batch);
                double share = (double) idx.length / examples;
                for (LossWiring.Term t : wiring.terms()) {
                    double v = r.getOutputs().get(t.value().name()).getDouble(0);
                    if (!Double.isFinite(v)) {
                        throw new NonFiniteLossException(t.name(), step + 1, v);
                    }
                    unweighted.merge(t.name(), v * share, Double::sum);
                }
                total += r.getOutputs().get(wiring.total().name()).getDouble(0) * share;
                for (String p : params) {
                    INDArray g = microGrads.get(p);
                    if (g == null) {
                        continue; // a parameter the loss does not reach (e.g. an unused head)
                    }
                    INDArray scaled = g.castTo(dtype).mul(share);
                    grads.merge(p, scaled, INDArray::addi);
                }
            }
            double gradNorm = tc.maxGradNorm() > 0
                    ? GradientClipping.clipGlobalNorm(grads.values(), tc.maxGradNorm())
                    : GradientClipping.globalNorm(grads.values());
            if (!Double.isFinite(gradNorm)) {
                throw new NonFiniteLossException("gradient norm", step + 1, gradNorm);
            }
            double factor = lrFactor.factor(step);
            Map<String, Double> rates = new LinkedHashMap<>();
            wiring.groups().forEach(g -> rates.put(g.name(), g.learningRate() * factor));
            listeners.forEach(l -> l.beforeUpdate(this, gradNorm, rates));
            Optimizer optimizer = plan.optimizer();
            double decay = tc.optimizer().weightDecay();
            for (ParamGroup g : wiring.groups()) {
                double lr = rates.get(g.name());
                for (String p : g.parameters()) {
                    INDArray grad = grads.get(p);
                    if (grad == null) {
                        continue;
                    }
                    INDArray param = student.sd().getArrForVarName(p);
                    optimizer.update(param, grad, optimizerState.get(p), step + 1, lr, param.rank() >= 2 ? decay : 0.0);
                }
            }
            listeners.forEach(l -> l.afterUpdate(this));
            Map<String, Double> weights = new LinkedHashMap<>();
            Map<String, Double> weighted = new LinkedHashMap<>();
            for (LossWiring.Term t : wiring.terms()) {
                double w = t.weightAt(progress);
                weights.put(t.name(), w);
                weighted.put(t.name(), w * unweighted.get(t.name()));
            }
            return new StepLosses(total, unweighted, weighted, weights);
        }

        /** Evaluates first, so the checkpoint holds the listeners' state after they saw this evaluation. */
        private void checkpointAndEvaluate() {
            student.setTraining(false);
            if (setup.evaluator() != null) {
                Map<String, Double> metrics = setup.evaluator().evaluate(student, state());
                lastMetrics = Map.copyOf(metrics);
                listeners.forEach(l -> l.onEvaluation(this, metrics));
            }
            Path file = outputDir.resolve(CheckpointIO.fileName(step));
            CheckpointIO.write(file, snapshot());
            lastCheckpoint = file;
            checkpointedStep = step;
            listeners.forEach(l -> l.onCheckpoint(this, file));
        }

        private Checkpoint snapshot() {
            Map<String, INDArray> params = new LinkedHashMap<>();
            Map<String, INDArray> opt = new LinkedHashMap<>();
            List<String> stateNames = plan.optimizer().stateNames();
            for (String p : trainableNames()) {
                params.put(p, student.sd().getArrForVarName(p));
                List<INDArray> s = optimizerState.get(p);
                for (int i = 0; i < stateNames.size(); i++) {
                    opt.put(Checkpoint.stateKey(p, stateNames.get(i)), s.get(i));
                }
            }
            Map<String, Map<String, Double>> listenerStates = new LinkedHashMap<>();
            for (TrainingListener l : listeners) {
                Map<String, Double> s = l.saveState();
                if (!s.isEmpty()) {
                    listenerStates.put(l.getClass().getName(), s);
                }
            }
            return new Checkpoint(state(), setup.training().seed(), params, opt, order, listenerStates,
                    ConfigIO.toJson(experiment()));
        }

        private void resume(Path from) {
            Path file = from;
            if (Files.isDirectory(from)) {
                file = CheckpointIO.latest(from).orElseThrow(() -> new CheckpointFormatException(
                        "no checkpoint (step-*" + CheckpointIO.EXTENSION + ") to resume from in " + from));
            }
            Checkpoint ckpt = CheckpointIO.read(file);
            String expected = ConfigIO.toJson(experiment());
            if (!expected.equals(ckpt.experiment())) {
                throw new ConfigException("resume", file.toString(), "the checkpoint was written by a run with another "
                        + "configuration; resume with the same training and distillation configuration (saved in the "
                        + "checkpoint's manifest.json) or start a new run");
            }
            if (ckpt.state().microBatchesPerEpoch() != microPerEpoch) {
                throw new ConfigException("resume", file.toString(), "the checkpoint's run had "
                        + ckpt.state().microBatchesPerEpoch() + " micro-batches per epoch, this data gives " + microPerEpoch
                        + ": resume with the same training data");
            }
            List<String> names = trainableNames();
            if (!new TreeSet<>(names).equals(new TreeSet<>(ckpt.parameters().keySet()))) {
                TreeSet<String> missing = new TreeSet<>(names);
                missing.removeAll(ckpt.parameters().keySet());
                TreeSet<String> extra = new TreeSet<>(ckpt.parameters().keySet());
                extra.removeAll(names);
                throw new CheckpointFormatException("checkpoint " + file + " does not fit this model: missing " + missing
                        + ", unexpected " + extra);
            }
            List<String> stateNames = plan.optimizer().stateNames();
            for (String p : names) {
                INDArray target = student.sd().getArrForVarName(p);
                INDArray saved = ckpt.parameters().get(p);
                if (!Arrays.equals(target.shape(), saved.shape())) {
                    throw new CheckpointFormatException("checkpoint " + file + ": parameter " + p + " has shape "
                            + Arrays.toString(saved.shape()) + ", the model expects " + Arrays.toString(target.shape()));
                }
                target.assign(saved);
                List<INDArray> s = optimizerState.get(p);
                for (int i = 0; i < stateNames.size(); i++) {
                    s.get(i).assign(ckpt.optimizerState().get(Checkpoint.stateKey(p, stateNames.get(i))));
                }
            }
            step = ckpt.state().step();
            epoch = ckpt.state().epoch();
            microInEpoch = ckpt.state().microBatchInEpoch();
            order = ckpt.epochOrder().length == data.size() ? ckpt.epochOrder() : null;
            checkpointedStep = step;
            lastCheckpoint = file;
            for (TrainingListener l : listeners) {
                Map<String, Double> s = ckpt.listenerStates().get(l.getClass().getName());
                if (s != null) {
                    l.restoreState(s);
                }
            }
        }
    }
}
