package org.distill4j.core.train;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Predicate;
import org.distill4j.core.checkpoint.Checkpoint;
import org.distill4j.core.checkpoint.CheckpointFormatException;
import org.distill4j.core.checkpoint.CheckpointIO;
import org.distill4j.core.checkpoint.ExportedModel;
import org.distill4j.core.checkpoint.FolderLock;
import org.distill4j.core.config.ConfigException;
import org.distill4j.core.config.ConfigIO;
import org.distill4j.core.config.DistillationConfig;
import org.distill4j.core.config.ExperimentConfig;
import org.distill4j.core.config.TrainingConfig;
import org.distill4j.core.data.Batch;
import org.distill4j.core.data.DataOrder;
import org.distill4j.core.data.ExampleSet;
import org.distill4j.core.graph.ArrayRecycling;
import org.distill4j.core.graph.ModelDefinition;
import org.distill4j.core.graph.ModelGraph;
import org.distill4j.core.listener.MetricsFileListener;
import org.distill4j.core.listener.TrainingListener;
import org.distill4j.core.optim.GradientClipping;
import org.distill4j.core.optim.Optimizer;
import org.distill4j.core.registry.Registries;
import org.distill4j.core.schedule.LearningRateSchedule;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.autodiff.samediff.api.OutAndGrad;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The training loop shared by {@link BasicTrainer}, {@link BasicDistiller}, {@link GeneralDistiller},
 * {@link MultiTeacherDistiller} and {@link MultiTaskDistiller}; they differ only in the losses they wire and in how
 * many tasks (student graphs with their teacher and data) the loop samples from. Building one validates the configuration against the registries and both models'
 * adaptors; {@link #train} checks shapes on the first batch, then runs updates with gradient accumulation,
 * global-norm clipping, scheduled learning rates and loss weights, checkpoints, evaluation and listeners.
 *
 * <p>The loop computes gradients with SameDiff and applies its own optimizer (rather than SameDiff's fit()) because
 * fit() cannot clip the global norm, applies each update as soon as that gradient exists, and keeps optimizer state
 * where checkpoints cannot reach it.
 */
public abstract class Distiller {

    /** Separates a task's name from a parameter's in checkpoint keys of per-task parameters ("spam::classifier/W"). */
    static final String TASK_SEPARATOR = "::";
    /** Key of the loop's own entry among the checkpoint's saved states (tasks, tau, data sizes). */
    private static final String RUN_STATE_KEY = "org.distill4j.core.train.Distiller$Tasks";
    /** What {@link #microBatchSeed} gives instead of 0 (any fixed value other than 0). */
    static final long ZERO_SEED_STAND_IN = 0x5DEECE66DL;

    /**
     * ND4J's seed for micro-batch {@code j} of update {@code step} (dropout masks are drawn from it), never 0: ND4J
     * M2.1's {@code setSeed(0)} seeds from the clock (its root state differs from call to call), so with
     * {@code training.seed: 0} the first micro-batch's dropout masks differed from run to run and from a resume.
     */
    static long microBatchSeed(long seed, long step, int j) {
        long s = seed * 7919L + step * 131L + j;
        return s != 0 ? s : ZERO_SEED_STAND_IN;
    }

    private final Setup setup;
    private final List<Task> tasks = new ArrayList<>();
    private DataType dtype;
    /** Optimizer state by checkpoint key (a shared parameter has one state, whichever task trains it). */
    private final Map<String, List<INDArray>> optimizerState = new LinkedHashMap<>();
    /** Updates applied to each parameter, by checkpoint key: Adam's bias correction counts a head's own updates. */
    private final Map<String, Long> updateCounts = new LinkedHashMap<>();

    /**
     * Everything a distiller is built from.
     *
     * @param training     how to train
     * @param distillation what to distil (ignored by {@link BasicTrainer})
     * @param teacher      the frozen teacher, or null for {@link BasicTrainer} and {@link MultiTaskDistiller}
     * @param student      the student's definition (built with the training seed); null for {@link MultiTaskDistiller}
     * @param registries   where configuration names resolve
     * @param listeners    listeners, in call order
     * @param evaluator    called at each checkpoint, or null
     * @param resumeFrom   a checkpoint file, or a folder whose latest checkpoint to resume, or null
     * @param otherTeachers further teachers whose logits are averaged into the KD target (may be empty)
     * @param teacherWeights weights of {@code teacher} then {@code otherTeachers} in that average (empty: equal)
     * @param postprocessor transforms each micro-batch before the models see it, or null
     * @param teacherTemperatures one temperature per teacher (empty: the distillation temperature for all)
     * @param initialWeights student parameters to start from (e.g. the previous stage's), by name; may be empty
     * @param tasks        the tasks of a {@link MultiTaskDistiller} (empty for the others)
     * @param sharedParameters which student parameters are one array across tasks (multi-task only), or null
     * @param taskTau      the exponent of the task sampling distribution, p(task) ~ |D_task|^tau (multi-task only)
     * @param memoryLimitBytes resident memory the run may reach, in bytes; 0 for JavaCPP's limit ({@link MemoryLimits})
     */
    public record Setup(TrainingConfig training, DistillationConfig distillation, ModelGraph teacher,
                        ModelDefinition student, Registries registries, List<TrainingListener> listeners,
                        Evaluator evaluator, Path resumeFrom, List<ModelGraph> otherTeachers, List<Double> teacherWeights,
                        org.distill4j.core.data.BatchPostprocessor postprocessor, List<Double> teacherTemperatures,
                        Map<String, INDArray> initialWeights, List<TaskSpec> tasks, Predicate<String> sharedParameters,
                        double taskTau, long memoryLimitBytes) {
        public Setup {
            listeners = List.copyOf(listeners);
            otherTeachers = List.copyOf(otherTeachers == null ? List.of() : otherTeachers);
            teacherWeights = List.copyOf(teacherWeights == null ? List.of() : teacherWeights);
            teacherTemperatures = List.copyOf(teacherTemperatures == null ? List.of() : teacherTemperatures);
            initialWeights = Map.copyOf(initialWeights == null ? Map.of() : initialWeights);
            tasks = List.copyOf(tasks == null ? List.of() : tasks);
        }
    }

    /**
     * A task: one student graph (sharing the selected parameter arrays with the other tasks' graphs), its teacher(s),
     * losses, data and position in that data. Every distiller but {@link MultiTaskDistiller} has one, named "".
     */
    private final class Task {
        final String name;
        final int index;
        final ModelDefinition definition;
        final ModelGraph teacher;
        final List<ModelGraph> otherTeachers;
        final Evaluator evaluator;
        final DistillationPlan plan;
        ModelGraph student;
        /** The model's own parameters (before the loss wiring adds projections): only these can be shared. */
        java.util.Set<String> modelParameters;
        LossWiring.Result wiring;
        TeacherEnsemble teacherOutputs;
        /** The run's data for this task and the position in it (set by the loop). */
        ExampleSet data;
        int microPerEpoch;
        int epoch;
        int microInEpoch;
        int[] order;

        Task(String name, int index, ModelDefinition definition, ModelGraph teacher, List<ModelGraph> otherTeachers,
             Evaluator evaluator, Mode mode) {
            this.name = name;
            this.index = index;
            this.definition = definition;
            this.teacher = teacher;
            this.otherTeachers = otherTeachers;
            this.evaluator = evaluator;
            this.student = ModelGraph.create(definition, setup.training().seed());
            this.modelParameters = java.util.Set.copyOf(student.parameterNames());
            student.adaptor().validate(student.sd(), where("student"));
            if (teacher != null) {
                teacher.adaptor().validate(teacher.sd(), where("teacher"));
                teacher.setTraining(false); // the teacher never runs dropout
            }
            this.plan = DistillationPlan.resolve(mode, setup.training(), setup.distillation(), setup.registries(),
                    teacher == null ? null : teacher.adaptor(), student.adaptor());
        }

        /** Prefixes a field name with the task, so errors say which task's model is wrong. */
        String where(String field) {
            return name.isEmpty() ? field : "task " + name + " " + field;
        }

        /**
         * Checkpoint key of one of this task's parameters: its own name if it is a shared model parameter (or this is
         * the only task), else task::name. Projections added by the loss wiring are always the task's own.
         */
        String key(String parameter) {
            return name.isEmpty() || isShared(this, parameter) ? parameter : name + TASK_SEPARATOR + parameter;
        }

        /** Loss term and metric names: prefixed with the task when there are several. */
        String label(String term) {
            return name.isEmpty() ? term : name + "/" + term;
        }

        List<String> trainableNames() {
            return wiring.groups().stream().flatMap(g -> g.parameters().stream()).toList();
        }

        /** What a micro-step differentiates: the trainable parameters and the student's embedding-lookup rows. */
        List<String> gradientNames() {
            List<String> names = new ArrayList<>(trainableNames());
            names.addAll(student.lookupRowNames());
            return names;
        }

        /** What a micro-step outputs: each loss term's value, then the weighted total. */
        List<String> lossOutputs() {
            List<String> names = new ArrayList<>();
            wiring.terms().forEach(t -> names.add(t.value().name()));
            names.add(wiring.total().name());
            return names;
        }

        /** Seed of this task's data order: the run's seed for the first task, a distinct one for each other. */
        long orderSeed() {
            return setup.training().seed() + 0x9E3779B97F4A7C15L * index;
        }

        int[] permutation(int epochIndex) {
            return DataOrder.permutation(orderSeed(), epochIndex, data.size(), setup.training().shuffle());
        }
    }

    protected Distiller(Setup setup, Mode mode) {
        this.setup = setup;
        if (setup.training() == null) {
            throw new ConfigException("training", null, "a training configuration is required");
        }
        checkDevice(setup.training().device());
        if (!setup.tasks().isEmpty() && !(this instanceof MultiTaskDistiller)) {
            throw new ConfigException("tasks", setup.tasks().stream().map(TaskSpec::name).toList(),
                    "tasks are for MultiTaskDistiller; " + getClass().getSimpleName() + " takes one teacher and student");
        }
        if (setup.tasks().isEmpty()) {
            if (setup.student() == null) {
                throw new ConfigException("student", null, "a student model definition is required");
            }
            validateTeachers(setup);
            tasks.add(new Task("", 0, setup.student(), setup.teacher(), setup.otherTeachers(), setup.evaluator(), mode));
        } else {
            validateTasks(setup);
            for (int k = 0; k < setup.tasks().size(); k++) {
                TaskSpec spec = setup.tasks().get(k);
                tasks.add(new Task(spec.name(), k, spec.student(), spec.teacher(), List.of(), spec.evaluator(), mode));
            }
        }
        linkSharedParameters();
        startFrom(setup.initialWeights());
        if (setup.postprocessor() != null && setup.distillation().isCachingLogits()) {
            throw new ConfigException("distillation.is_caching_logits", true, "teacher outputs are cached per example, "
                    + "but a batch post-processor changes the examples each time; turn one of them off");
        }
    }

    private static void validateTeachers(Setup setup) {
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
    }

    /** Multi-task: tasks replace the single teacher and student; step mode; a rule for what the tasks share. */
    private static void validateTasks(Setup setup) {
        if (setup.teacher() != null || setup.student() != null || !setup.otherTeachers().isEmpty() || setup.evaluator() != null) {
            throw new ConfigException("tasks", setup.tasks().stream().map(TaskSpec::name).toList(), "a multi-task "
                    + "distiller takes its teachers, student definitions and evaluators per task; do not also set teacher, "
                    + "teachers, student or evaluator");
        }
        if (!setup.training().stepMode()) {
            throw new ConfigException("training.num_steps", null, "multi-task distillation samples a task each step, "
                    + "so it runs a number of steps, not epochs: set num_steps");
        }
        if (setup.sharedParameters() == null) {
            throw new ConfigException("shared parameters", null, "say which student parameters the tasks share (the "
                    + "encoder), e.g. sharedParameters(name -> name.startsWith(\"bert/\")); the rest is each task's head");
        }
        if (!(setup.taskTau() >= 0) || Double.isInfinite(setup.taskTau())) {
            throw new ConfigException("tau", setup.taskTau(), "the sampling exponent must be finite and >= 0 "
                    + "(1: proportional to data size, 0: uniform)");
        }
        java.util.Set<String> names = new java.util.HashSet<>();
        for (TaskSpec t : setup.tasks()) {
            if (!names.add(t.name())) {
                throw new ConfigException("task name", t.name(), "task names must be unique");
            }
        }
    }

    /** Whether a parameter of a task's graph is one array across tasks: a model parameter the rule selects. */
    private boolean isShared(Task task, String parameter) {
        return setup.sharedParameters() != null && task.modelParameters.contains(parameter)
                && setup.sharedParameters().test(parameter);
    }

    /**
     * Makes every shared parameter one array across the tasks' graphs: later tasks take the first task's array by
     * reference, so an update through any task's graph is seen by all of them and the optimizer keeps one state.
     */
    private void linkSharedParameters() {
        Map<String, Task> owners = new LinkedHashMap<>();
        for (Task t : tasks) {
            for (String p : t.student.parameterNames()) {
                if (tasks.size() == 1 || !isShared(t, p)) {
                    continue;
                }
                Task owner = owners.putIfAbsent(p, t);
                if (owner == null) {
                    continue;
                }
                INDArray shared = owner.student.sd().getArrForVarName(p);
                INDArray mine = t.student.sd().getArrForVarName(p);
                if (!Arrays.equals(shared.shape(), mine.shape()) || shared.dataType() != mine.dataType()) {
                    throw new ConfigException("task " + t.name + " parameter " + p, Arrays.toString(mine.shape()),
                            "is shared (the shared-parameter rule selects it) but task " + owner.name + " has it as "
                            + Arrays.toString(shared.shape()) + " " + shared.dataType() + "; give each task's head "
                            + "parameters their own names, or narrow the shared-parameter rule");
                }
                holdArraysByReference(t.student);
                t.student.sd().getVariable(p).setArray(shared);
            }
        }
    }

    /**
     * The default (thread-safe) array holder copies an array given to setArray, which would break the sharing; a
     * single-thread holder keeps the array itself (SameDiffWorkaroundsTest pins this). The loop is single-threaded.
     */
    private static void holdArraysByReference(ModelGraph graph) {
        if (!(graph.sd().getVariablesArrays() instanceof org.nd4j.autodiff.samediff.array.SingleThreadArrayHolder)) {
            graph.sd().setArrayHolders(new org.nd4j.autodiff.samediff.array.SingleThreadArrayHolder(),
                    new org.nd4j.autodiff.samediff.array.SingleThreadArrayHolder(), true);
        }
    }

    /** Copies the given parameters into the fresh student; every one must exist there with the same shape. */
    private void startFrom(Map<String, INDArray> weights) {
        for (Map.Entry<String, INDArray> e : weights.entrySet()) {
            boolean found = false;
            for (Task t : tasks) {
                if (!t.student.sd().hasVariable(e.getKey())) {
                    continue;
                }
                found = true;
                INDArray target = t.student.sd().getArrForVarName(e.getKey());
                if (!Arrays.equals(target.shape(), e.getValue().shape())) {
                    throw new ConfigException("initial weights " + e.getKey(), Arrays.toString(e.getValue().shape()),
                            "must have the student's shape " + Arrays.toString(target.shape()));
                }
                target.assign(e.getValue());
            }
            if (!found) {
                throw new ConfigException("initial weights", e.getKey(), "the student has no parameter of that name");
            }
        }
    }

    /** Builds every task's student afresh (after a failed shape check left loss ops in a graph). */
    private void rebuildStudents() {
        for (Task t : tasks) {
            t.student = ModelGraph.create(t.definition, setup.training().seed());
            t.modelParameters = java.util.Set.copyOf(t.student.parameterNames());
            t.wiring = null;
            t.teacherOutputs = null;
        }
        linkSharedParameters();
        startFrom(setup.initialWeights());
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

    /** The student as it is now (trained in place by {@link #train}); for a multi-task run, the first task's graph. */
    public ModelGraph student() {
        return tasks.get(0).student;
    }

    /** A multi-task run's student graph for one task (the shared encoder and that task's head). */
    public ModelGraph student(String task) {
        return task(task).student;
    }

    /** The tasks' names, in the order they were given ("" for a single-task distiller). */
    public List<String> taskNames() {
        return tasks.stream().map(t -> t.name).toList();
    }

    private Task task(String name) {
        return tasks.stream().filter(t -> t.name.equals(name)).findFirst().orElseThrow(() ->
                new ConfigException("task", name, "not one of this distiller's tasks " + taskNames()));
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
        if (tasks.size() != 1 || !tasks.get(0).name.isEmpty()) {
            throw new ConfigException("training data", "one data set", "a multi-task distiller trains on one data set "
                    + "per task: call train(Map<task, data>) with " + taskNames());
        }
        return run(List.of(data));
    }

    /** Runs with the tasks' data in {@link #taskNames()} order. */
    TrainingResult run(List<ExampleSet> data) {
        TrainingConfig tc = setup.training();
        for (int k = 0; k < tasks.size(); k++) {
            Task t = tasks.get(k);
            if (data.get(k) == null || data.get(k).size() == 0) {
                throw new ConfigException(t.where("training data"), "0 examples", "the training set must hold at least one example");
            }
            t.data = data.get(k);
            t.microPerEpoch = DataOrder.microBatches(t.data.size(), tc.batchSize());
        }
        for (Task t : tasks) {
            if (t.wiring == null) {
                // two examples are enough to check shapes, and a full batch here could exceed memory before the
                // estimate (in Loop.run) gets to refuse it
                wire(t, t.data.batch(DataOrder.microBatch(t.permutation(0), Math.min(2, tc.batchSize()), 0)));
            }
        }
        Task only = tasks.get(0);
        int updatesPerEpoch = (only.microPerEpoch + tc.gradientAccumulationSteps() - 1) / tc.gradientAccumulationSteps();
        long totalSteps = tc.stepMode() ? tc.numSteps() : (long) tc.numEpochs() * updatesPerEpoch;
        Loop loop = new Loop(updatesPerEpoch, totalSteps);
        return loop.run();
    }

    /** First-batch shape check and loss wiring of one task. */
    private void wire(Task task, Batch first) {
        List<String> teacherNames = task.teacher == null ? List.of()
                : LossWiring.teacherOutputsNeeded(task.plan, task.teacher.adaptor());
        Map<String, long[]> teacherShapes = new LinkedHashMap<>();
        if (!teacherNames.isEmpty()) {
            task.teacher.output(first, teacherNames).forEach((k, v) -> teacherShapes.put(k, v.shape()));
        }
        List<String> studentNames = LossWiring.studentOutputsNeeded(task.plan, task.student.adaptor());
        Map<String, long[]> studentShapes = new LinkedHashMap<>();
        if (!studentNames.isEmpty()) {
            task.student.output(first, studentNames).forEach((k, v) -> studentShapes.put(k, v.shape()));
        }
        List<String> params = task.student.parameterNames();
        if (params.isEmpty()) {
            throw new ConfigException(task.where("student"), "no parameters", "the student graph has no trainable (VARIABLE) parameters");
        }
        dtype = task.student.sd().getArrForVarName(params.get(0)).dataType();
        try {
            task.wiring = LossWiring.wire(task.plan, task.student, task.teacher == null ? null : task.teacher.adaptor(),
                    studentShapes, teacherShapes, dtype, setup.training().seed(), setup.training().optimizer().learningRate());
        } catch (RuntimeException e) {
            // A shape check can fail after some loss ops were added: start the next attempt from clean graphs.
            rebuildStudents();
            throw task.name.isEmpty() || !(e instanceof ConfigException c) ? e
                    : ConfigException.because(task.where(c.field()), c.getMessage().substring(c.field().length() + 2), c);
        }
        task.student.prepareGradients(); // the backward graph, built now (quietly)
        if (task.teacher != null) {
            task.teacherOutputs = teacherEnsemble(task, first, teacherNames);
        }
        Optimizer optimizer = task.plan.optimizer();
        for (String p : task.trainableNames()) {
            if (optimizerState.containsKey(task.key(p))) {
                continue; // a shared parameter another task already holds state for
            }
            List<INDArray> state = new ArrayList<>();
            for (String ignored : optimizer.stateNames()) {
                state.add(Nd4j.zerosLike(task.student.sd().getArrForVarName(p)));
            }
            optimizerState.put(task.key(p), state);
            updateCounts.put(task.key(p), 0L);
        }
    }

    /** Outputs of every teacher, checked on the first batch: other teachers' logits must match the first's shapes. */
    private TeacherEnsemble teacherEnsemble(Task task, Batch first, List<String> teacherNames) {
        DistillationConfig dc = task.plan.config();
        ModelGraph student = task.student;
        String labelsField = dc.probabilityShift() ? student.adaptor().inputs().get(student.adaptor().labels()) : null;
        List<String> mainLogits = task.teacher.adaptor().logits();
        TeacherOutputs main = new TeacherOutputs(task.teacher, teacherNames, cacheFor(task, task.teacher, teacherNames),
                dc.probabilityShift() ? mainLogits : List.of(), labelsField);
        List<TeacherOutputs> others = new ArrayList<>();
        List<List<String>> otherLogits = new ArrayList<>();
        boolean kd = teacherNames.stream().anyMatch(mainLogits::contains);
        for (int k = 0; k < task.otherTeachers.size(); k++) {
            ModelGraph t = task.otherTeachers.get(k);
            List<String> logits = kd ? t.adaptor().logits() : List.of();
            if (kd) {
                Map<String, INDArray> probe = t.output(first, logits);
                Map<String, INDArray> reference = task.teacher.output(first, mainLogits);
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
            others.add(new TeacherOutputs(t, logits, cacheFor(task, t, logits), dc.probabilityShift() ? logits : List.of(), labelsField));
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
    private TeacherCache cacheFor(Task task, ModelGraph teacher, List<String> names) {
        DistillationConfig dc = task.plan.config();
        if (!dc.isCachingLogits()) {
            return null;
        }
        if (dc.teacherCacheDir() == null) {
            return TeacherCache.inMemory();
        }
        return TeacherCache.onDisk(Path.of(dc.teacherCacheDir()), teacher, names, task.data,
                (long) (dc.teacherCacheMaxMb() * (1 << 20)));
    }

    /** Teacher forward passes run so far by all teachers (cache misses); for tests and diagnostics. */
    long teacherForwards() {
        return tasks.stream().mapToLong(t -> t.teacherOutputs == null ? 0 : t.teacherOutputs.forwards()).sum();
    }

    /**
     * The trained model in a graph of its own, built afresh from its definition ({@link ModelGraph#create}) with
     * copies of the trained weights: no losses, projections or teacher placeholders. Use this as the teacher of a
     * later distillation; {@link #exportStudent} saves it in the portable form.
     * A multi-task distiller has one per task: use {@link #trainedModel(String)}.
     */
    public ModelGraph trainedModel() {
        if (tasks.size() != 1 || !tasks.get(0).name.isEmpty()) {
            throw new ConfigException("task", null, "a multi-task distiller has one trained model per task: call "
                    + "trainedModel(task) with one of " + taskNames());
        }
        return trainedModel(tasks.get(0));
    }

    /** One task's trained model (the shared encoder and that task's head), as {@link #trainedModel()}. */
    public ModelGraph trainedModel(String task) {
        return trainedModel(task(task));
    }

    private ModelGraph trainedModel(Task task) {
        return trainedModel(task, ModelGraph.create(task.definition, setup.training().seed()));
    }

    private ModelGraph trainedModel(Task task, ModelGraph clean) {
        for (String name : clean.parameterNames()) {
            clean.sd().getVariable(name).setArray(task.student.sd().getArrForVarName(name).dup());
        }
        return clean;
    }

    /**
     * Saves {@link #trainedModel()} for inference, with provenance (configuration, seed, versions). A multi-task
     * distiller saves each task's model into a sub-folder named after the task.
     */
    public void exportStudent(Path folder) {
        for (Task t : tasks) {
            // ND4J's own ops only, so the saved graph computes the same values in any SameDiff (ExactGelu)
            ModelGraph clean = trainedModel(t, ModelGraph.createPortable(t.definition, setup.training().seed()));
            Map<String, Object> provenance = new LinkedHashMap<>();
            provenance.put("experiment", ConfigIO.toJson(experiment()));
            provenance.put("distiller", getClass().getSimpleName());
            if (!t.name.isEmpty()) {
                provenance.put("task", t.name);
                provenance.put("tasks", taskNames());
            }
            provenance.put("seed", setup.training().seed());
            provenance.put("parameters", clean.parameterCount());
            provenance.put("java", System.getProperty("java.version"));
            provenance.put("nd4j_backend", Nd4j.getBackend().getClass().getName());
            provenance.put("created", java.time.Instant.now().toString());
            ExportedModel.save(t.name.isEmpty() ? folder : folder.resolve(t.name), clean, provenance);
        }
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
        private final List<TaskSpec> tasks = new ArrayList<>();
        private Predicate<String> sharedParameters;
        private double taskTau = 1.0;
        private long memoryLimitBytes;

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

        /**
         * Adds a task ({@link MultiTaskDistiller} only): its teacher, the student's definition with this task's head,
         * and its evaluator (or null). Tasks are sampled in proportion to |data|^tau each step.
         */
        public Builder<D> task(String name, ModelGraph teacher, ModelDefinition student, Evaluator evaluator) {
            tasks.add(new TaskSpec(name, teacher, student, evaluator));
            return this;
        }
        /**
         * Which student parameters are one array across all tasks ({@link MultiTaskDistiller} only), by name; every
         * other parameter is a task's own (its head). For a BERT student: {@code name -> name.startsWith("bert/")}.
         */
        public Builder<D> sharedParameters(Predicate<String> v) { sharedParameters = v; return this; }
        /**
         * The task sampling exponent ({@link MultiTaskDistiller} only): each step trains task k with probability
         * |D_k|^tau / sum_j |D_j|^tau. 1 (the default, TextBrewer's) is proportional to data size, 0 is uniform.
         */
        public Builder<D> tau(double v) { taskTau = v; return this; }

        /**
         * Resident memory (bytes) the run may reach; a run whose estimate exceeds it is refused before training.
         * Default: JavaCPP's limit ({@link MemoryLimits#processLimitBytes()}).
         */
        public Builder<D> memoryLimitBytes(long v) { memoryLimitBytes = v; return this; }

        /** Validates everything that can be checked without data and builds the distiller. */
        public D build() {
            return factory.apply(new Setup(training, distillation, teacher, student, registries, listeners, evaluator,
                    resumeFrom, otherTeachers, teacherWeights, postprocessor, teacherTemperatures, initialWeights, tasks,
                    sharedParameters, taskTau, memoryLimitBytes));
        }
    }

    /** A micro-batch as the models saw it (after post-processing) and the student's outputs and gradients on it. */
    private record MicroStep(Batch batch, OutAndGrad result) {
    }

    /** Which micro-batch: the task, the update (0-based) and the micro-batch within that update. */
    private record MicroKey(Task task, long step, int micro) {
    }

    /** Optimizer-state name of a parameter's update count in checkpoints. */
    static final String UPDATES_STATE = "updates";

    /** One run of the loop; holds the run's mutable position. */
    private final class Loop implements TrainingContext {
        private final int updatesPerEpoch;
        private final long totalSteps;
        private final List<TrainingListener> listeners = new ArrayList<>();
        private final LearningRateSchedule.Bound lrFactor;
        private final Path outputDir;
        private final TaskSampler sampler;
        private final NativeMemoryGuard memory = new NativeMemoryGuard();
        private long step;
        private Task current;
        private String stopReason;
        private StepLosses lastLosses;
        private Map<String, Double> lastMetrics = Map.of();
        private Path lastCheckpoint;
        private long checkpointedStep = -1;
        private long examplesSeen;
        /** The teacher thread while {@code training.overlap_teacher} is on and a task has a teacher; else null. */
        private TeacherAhead<MicroKey> ahead;
        /** Whether the teachers' reusable arrays were released this run (their outputs all cached). */
        private boolean teacherArraysReleased;

        Loop(int updatesPerEpoch, long totalSteps) {
            this.updatesPerEpoch = updatesPerEpoch;
            this.totalSteps = totalSteps;
            this.listeners.addAll(setup.listeners());
            TrainingConfig tc = setup.training();
            if (tc.logDir() != null) {
                listeners.add(new MetricsFileListener(Path.of(tc.logDir()).resolve("metrics.jsonl")));
            }
            this.lrFactor = tasks.get(0).plan.lrSchedule().bind("training.lr_schedule", tc.lrSchedule(), totalSteps);
            this.outputDir = Path.of(tc.outputDir());
            this.sampler = new TaskSampler(tasks.stream().map(t -> t.data.size()).toList(), setup.taskTau(), tc.seed());
            this.current = tasks.get(0);
        }

        private boolean multiTask() {
            return !tasks.get(0).name.isEmpty();
        }

        /** Single task: its epoch and micro-batch. Multi-task: the task trained last (or next) and its position. */
        @Override
        public RunState state() {
            return new RunState(step, totalSteps, current.epoch, current.microInEpoch, current.microPerEpoch);
        }

        @Override
        public String task() {
            return current.name;
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
            return tasks.stream().mapToInt(t -> t.data.size()).sum();
        }

        @Override
        public long examplesSeen() {
            return examplesSeen;
        }

        TrainingResult run() {
            try (FolderLock lock = FolderLock.acquire(outputDir, "training.output_dir")) {
                CheckpointIO.deleteUnfinished(outputDir); // left by a run killed while writing; ours, since we hold the lock
                Integer keep = setup.training().keepCheckpoints();
                CheckpointIO.checkFreeSpace(outputDir, CheckpointIO.estimatedSize(snapshot()),
                        keep == null ? 2 : keep + 1);
                checkMemory(setup.memoryLimitBytes() > 0 ? setup.memoryLimitBytes() : MemoryLimits.processLimitBytes());
                if (setup.resumeFrom() != null) {
                    resume(setup.resumeFrom());
                }
                return runLocked();
            }
        }

        private TrainingResult runLocked() {
            TrainingConfig tc = setup.training();
            if (tc.overlapTeacher() && tasks.stream().anyMatch(t -> t.teacherOutputs != null)) {
                ahead = new TeacherAhead<>();
            }
            try {
                listeners.forEach(l -> l.onRunStart(this));
                while (step < totalSteps && stopReason == null) {
                    current = tasks.get(sampler.taskAt(step));
                    Task task = current;
                    if (task.order == null) {
                        task.order = task.permutation(task.epoch);
                    }
                    if (task.microInEpoch == 0 && !multiTask()) {
                        listeners.forEach(l -> l.onEpochStart(this));
                    }
                    listeners.forEach(l -> l.onStepStart(this));
                    int micro = Math.min(tc.gradientAccumulationSteps(), task.microPerEpoch - task.microInEpoch);
                    try (ArrayRecycling.Step arrays = ArrayRecycling.openStep()) {
                        lastLosses = update(task, micro); // its own arrays reuse the last update's (masks, Adam's)
                    }
                    releaseSessionMemory(task);
                    releaseTeacherArraysOnceCached();
                    memory.afterUpdate();
                    step++;
                    task.microInEpoch += micro;
                    StepLosses losses = lastLosses;
                    listeners.forEach(l -> l.onStepEnd(this, losses));
                    boolean epochEnd = task.microInEpoch == task.microPerEpoch;
                    boolean due = checkpointDue(task);
                    if (epochEnd) {
                        if (!multiTask()) {
                            listeners.forEach(l -> l.onEpochEnd(this));
                        }
                        task.epoch++;
                        task.microInEpoch = 0;
                        task.order = task.permutation(task.epoch);
                    }
                    if (due || (stopReason != null && checkpointedStep != step)) {
                        checkpointAndEvaluate();
                    }
                }
                if (checkpointedStep != step && step > 0) {
                    checkpointAndEvaluate(); // the end of a run is always saved, whatever the frequency
                }
                tasks.forEach(t -> t.student.setTraining(false));
                listeners.forEach(l -> l.onRunEnd(this));
                return new TrainingResult(state(), lastLosses, lastMetrics, lastCheckpoint, stopReason);
            } catch (OutOfMemoryError oom) {
                throw report(new TrainingOutOfMemoryException(step + 1, setup.training().batchSize(),
                        setup.training().gradientAccumulationSteps(), oom));
            } catch (RuntimeException e) {
                throw report(e);
            } catch (Error e) {
                throw report(e);
            } finally {
                if (ahead != null) {
                    ahead.close(); // after a stop or a failure, the teacher's graph is the caller's again
                    ahead = null;
                }
                ArrayRecycling.releaseThisThread(); // the run's reusable arrays: hundreds of MiB between runs
                NativeHeap.trim(); // and the memory they were, which the C allocator would otherwise keep
            }
        }

        /**
         * Once every teacher output is cached (with is_caching_logits, after the first epoch), frees the arrays the
         * teachers' runs left for reuse (a teacher forward's working set: about 200 MiB at the standard benchmark
         * sizes) and hands the memory back: the teacher thread's array cache, or without it this thread's (the
         * student's arrays then come back from new memory in the next update). Once per run: if a teacher runs again
         * (an entry of a disk cache that cannot be read back) its arrays are allocated afresh and kept.
         */
        private void releaseTeacherArraysOnceCached() {
            if (teacherArraysReleased || tasks.stream().allMatch(t -> t.teacherOutputs == null) || !tasks.stream()
                    .allMatch(t -> t.teacherOutputs == null || t.teacherOutputs.allCached(t.data.size()))) {
                return;
            }
            teacherArraysReleased = true;
            if (ahead != null) {
                ahead.releaseArrays();
            } else {
                ArrayRecycling.emptyThisThreadsCache();
            }
            NativeHeap.trim();
        }

        /**
         * SameDiff's per-session array caches would otherwise hold about a GiB per graph between updates. With the
         * teacher thread, the teachers' sessions are released by whoever ran them, right after ({@link #teacherForward}):
         * clearing them here could race with a forward pass in flight.
         */
        private void releaseSessionMemory(Task task) {
            task.student.releaseSessionMemory();
            if (ahead == null) {
                releaseTeacherSessions(task);
            }
        }

        private static void releaseTeacherSessions(Task task) {
            if (task.teacher != null) {
                task.teacher.releaseSessionMemory();
            }
            task.otherTeachers.forEach(ModelGraph::releaseSessionMemory);
        }

        /** Tells the listeners (e.g. the metrics file) about the error; returns it for throwing. */
        private <E extends Throwable> E report(E e) {
            for (TrainingListener l : listeners) {
                try {
                    l.onException(this, e);
                } catch (RuntimeException suppressed) {
                    e.addSuppressed(suppressed);
                }
            }
            return e;
        }

        /** Epoch mode: K evenly spaced checkpoints in every N-th epoch. Step mode: every ckpt_steps, and the end. */
        private boolean checkpointDue(Task task) {
            TrainingConfig tc = setup.training();
            if (tc.stepMode()) {
                return (tc.ckptSteps() != null && step % tc.ckptSteps() == 0) || step == totalSteps;
            }
            if ((task.epoch + 1) % tc.ckptEpochFrequency() != 0) {
                return false;
            }
            long updateInEpoch = step - (long) task.epoch * updatesPerEpoch;
            for (int k = 1; k <= tc.ckptFrequency(); k++) {
                if (updateInEpoch == (long) Math.ceil((double) k * updatesPerEpoch / tc.ckptFrequency())) {
                    return true;
                }
            }
            return false;
        }

        /** One optimizer update from {@code micro} micro-batches of one task; gradients weighted by micro-batch size. */
        private StepLosses update(Task task, int micro) {
            TrainingConfig tc = setup.training();
            ModelGraph student = task.student;
            LossWiring.Result wiring = task.wiring;
            List<int[]> groups = new ArrayList<>();
            int examples = 0;
            for (int j = 0; j < micro; j++) {
                int[] idx = DataOrder.microBatch(task.order, tc.batchSize(), task.microInEpoch + j);
                groups.add(idx);
                examples += idx.length;
            }
            examplesSeen += examples;
            List<String> params = task.trainableNames();
            List<String> gradientNames = task.gradientNames();
            Map<String, INDArray> grads = new LinkedHashMap<>();
            double progress = (double) step / totalSteps;
            Map<String, INDArray> weightFeeds = LossWiring.weightFeeds(wiring.terms(), progress, dtype);
            List<String> outputs = task.lossOutputs();
            Map<String, Double> unweighted = new LinkedHashMap<>();
            double total = 0;
            for (int j = 0; j < groups.size(); j++) {
                int[] idx = groups.get(j);
                MicroStep ms = microStep(task, groups, j, weightFeeds, outputs, gradientNames, false);
                OutAndGrad r = ms.result();
                Map<String, INDArray> microGrads = new LinkedHashMap<>(r.getGradients());
                student.scatterLookupGradients(microGrads, ms.batch());
                double share = (double) idx.length / examples;
                for (LossWiring.Term t : wiring.terms()) {
                    double v = r.getOutputs().get(t.value().name()).getDouble(0);
                    if (!Double.isFinite(v)) {
                        throw new NonFiniteLossException(task.label(t.name()), step + 1, v);
                    }
                    unweighted.merge(task.label(t.name()), v * share, Double::sum);
                }
                total += r.getOutputs().get(wiring.total().name()).getDouble(0) * share;
                for (String p : params) {
                    INDArray g = microGrads.get(p);
                    if (g == null) {
                        continue; // a parameter the loss does not reach (e.g. an unused head)
                    }
                    // a single micro-batch keeps the session's gradient array (ours to change) instead of a copy
                    INDArray scaled = share == 1.0 ? g.castTo(dtype) : scaledCopy(g, share);
                    grads.merge(p, scaled, ArrayRecycling::addInPlace);
                }
                giveBackUnlessIn(r, grads.values()); // before the next micro-batch's run: its arrays reuse them
            }
            double gradNorm = tc.maxGradNorm() > 0
                    ? GradientClipping.clipGlobalNorm(grads.values(), tc.maxGradNorm())
                    : GradientClipping.globalNorm(grads.values());
            if (!Double.isFinite(gradNorm)) {
                throw new NonFiniteLossException(task.label("gradient norm"), step + 1, gradNorm);
            }
            double factor = lrFactor.factor(step);
            Map<String, Double> rates = new LinkedHashMap<>();
            wiring.groups().forEach(g -> rates.put(g.name(), g.learningRate() * factor));
            listeners.forEach(l -> l.beforeUpdate(this, gradNorm, rates));
            Optimizer optimizer = task.plan.optimizer();
            double decay = tc.optimizer().weightDecay();
            for (ParamGroup g : wiring.groups()) {
                double lr = rates.get(g.name());
                for (String p : g.parameters()) {
                    INDArray grad = grads.get(p);
                    if (grad == null) {
                        continue;
                    }
                    INDArray param = student.sd().getArrForVarName(p);
                    long updates = updateCounts.merge(task.key(p), 1L, Long::sum);
                    optimizer.update(param, grad, optimizerState.get(task.key(p)), updates, lr, param.rank() >= 2 ? decay : 0.0);
                }
            }
            listeners.forEach(l -> l.afterUpdate(this));
            ArrayRecycling.giveBack(grads.values()); // the run's own gradient arrays if there was one micro-batch
            Map<String, Double> weights = new LinkedHashMap<>();
            Map<String, Double> weighted = new LinkedHashMap<>();
            for (LossWiring.Term t : wiring.terms()) {
                double w = t.weightAt(progress);
                String name = task.label(t.name());
                weights.put(name, w);
                weighted.put(name, w * unweighted.get(name));
            }
            return new StepLosses(total, unweighted, weighted, weights);
        }

        /** {@code share * g} in the training dtype, in memory borrowed for the update ({@link ArrayRecycling#borrow}). */
        private INDArray scaledCopy(INDArray g, double share) {
            return ArrayRecycling.borrow(dtype, g.shape()).assign(g).muli(share);
        }

        /**
         * Hands a micro-step's returned arrays back to the thread's array cache, except those still in use as the
         * update's gradients (a single micro-batch's gradients are used as they are).
         */
        private static void giveBackUnlessIn(OutAndGrad r, Collection<INDArray> inUse) {
            Set<INDArray> used = Collections.newSetFromMap(new IdentityHashMap<>());
            used.addAll(inUse);
            List<INDArray> done = new ArrayList<>(r.getOutputs().values());
            r.getGradients().values().stream().filter(g -> !used.contains(g)).forEach(done::add);
            ArrayRecycling.giveBack(done);
        }

        /**
         * Teacher outputs and the student's forward and backward pass on one micro-batch, without any update. The
         * random seed depends only on (seed, step, micro-batch), so a resumed run repeats the same dropout masks.
         *
         * <p>With the teacher thread ({@link TeacherAhead}), this micro-batch's batch and teacher outputs were prepared
         * during the previous micro-step, and this one prepares the next before the student runs. The next batch is
         * prepared after this one's dropout masks are drawn (and after a teacher forward pass this thread runs itself),
         * where it would be prepared without overlap as far as the post-processor and the random state can tell.
         *
         * @param groups the update's micro-batches (example indices); this is number {@code j}
         * @param dry a memory-estimate step: the teacher runs outside its cache, uncounted, and the post-processor
         *            does not see the batch
         */
        private MicroStep microStep(Task task, List<int[]> groups, int j, Map<String, INDArray> weightFeeds,
                                    List<String> outputs, List<String> gradientNames, boolean dry) {
            TrainingConfig tc = setup.training();
            ModelGraph student = task.student;
            int[] idx = groups.get(j);
            TeacherAhead.Prepared prepared = dry || ahead == null ? null : ahead.take(new MicroKey(task, step, j));
            Batch batch = prepared != null ? prepared.batch() : prepareBatch(task, idx, step, j, dry);
            // Seed, then switch to training, then draw the feeds: dropout masks are drawn in feeds().
            Nd4j.getRandom().setSeed(microBatchSeed(tc.seed(), step, j));
            student.setTraining(true);
            Map<String, INDArray> feeds = new LinkedHashMap<>(student.feeds(batch));
            Map<String, INDArray> teacher = Map.of();
            if (dry && task.teacherOutputs != null) {
                teacher = task.teacherOutputs.dryRun(batch, dtype);
            } else if (prepared == null && task.teacherOutputs != null) {
                // the first micro-batch (nothing ran ahead yet): on the teacher thread too, with this one waiting, so
                // that only the teacher thread's array cache ever holds the teacher's arrays
                teacher = ahead == null ? teacherForward(task, batch, idx)
                        : ahead.runNow(b -> teacherForward(task, b, idx), batch);
            }
            if (!dry && ahead != null) {
                prepareNext(task, groups, j);
            }
            if (prepared != null) {
                teacher = prepared.await();
            }
            teacher.forEach((name, value) -> feeds.put(task.wiring.teacherFeeds().get(name), value));
            feeds.putAll(weightFeeds);
            OutAndGrad result = student.gradientsAndOutputs(feeds, outputs, gradientNames);
            if (!dry) {
                free(teacher.values());
            }
            return new MicroStep(batch, result);
        }

        /**
         * Frees a micro-batch's teacher outputs once the student's run has read them. They are the micro-batch's own:
         * {@link TeacherOutputs} hands out the teacher's fresh outputs or new arrays (its cache keeps copies), and the
         * ensemble combines into new arrays. Closed now, their memory is reused at once instead of waiting for a
         * collection (about 12 MiB per step at the standard benchmark sizes, made on the teacher thread).
         */
        private static void free(Collection<INDArray> arrays) {
            for (INDArray a : arrays) {
                if (a.closeable()) {
                    a.close();
                }
            }
        }

        /** The micro-batch of {@code idx} as the models see it: after the user's post-processor, unless dry. */
        private Batch prepareBatch(Task task, int[] idx, long atStep, int j, boolean dry) {
            Batch batch = task.data.batch(idx);
            if (setup.postprocessor() != null && !dry) { // a user's post-processor sees training batches only
                batch = setup.postprocessor().process(batch,
                        new java.util.Random(setup.training().seed() * 6151L + atStep * 97L + j));
                if (batch.size() != idx.length) {
                    throw new IllegalStateException("the batch post-processor returned " + batch.size()
                            + " examples for a micro-batch of " + idx.length);
                }
            }
            return batch;
        }

        /** The task's teacher outputs for a batch (from its cache or a forward pass); sessions released after. */
        private Map<String, INDArray> teacherForward(Task task, Batch batch, int[] idx) {
            Map<String, INDArray> out = task.teacherOutputs.forBatch(batch, idx, dtype);
            if (ahead != null) {
                releaseTeacherSessions(task);
            }
            return out;
        }

        /**
         * Hands the micro-batch after ({@code task}, {@link #step}, {@code j}) to the teacher thread: the next one of
         * this update, else the first of the next update (its task from the sampler, its position as this update
         * will leave it, the next epoch's order after this epoch's last micro-batch). Nothing after the last update or
         * for a task without a teacher.
         */
        private void prepareNext(Task task, List<int[]> groups, int j) {
            Task next = task;
            long nextStep = step;
            int nextJ = j + 1;
            int[] idx;
            if (nextJ < groups.size()) {
                idx = groups.get(nextJ);
            } else {
                nextStep = step + 1;
                nextJ = 0;
                if (nextStep >= totalSteps) {
                    return;
                }
                next = tasks.get(sampler.taskAt(nextStep));
                int microIn = next.microInEpoch + (next == task ? groups.size() : 0);
                int epoch = next.epoch;
                if (microIn == next.microPerEpoch) {
                    microIn = 0;
                    epoch++;
                }
                int[] order = epoch == next.epoch && next.order != null ? next.order : next.permutation(epoch);
                idx = DataOrder.microBatch(order, setup.training().batchSize(), microIn);
            }
            if (next.teacherOutputs == null) {
                return;
            }
            Task t = next;
            long s = nextStep;
            int m = nextJ;
            ahead.submit(new MicroKey(t, s, m), () -> prepareBatch(t, idx, s, m, false), b -> teacherForward(t, b, idx));
        }

        /**
         * Refuses, before the first update, a task whose micro-batch would not fit in {@code limitBytes}: measured with
         * two dry micro-steps of 1 and 2 examples ({@link MemoryEstimate}).
         */
        private void checkMemory(long limitBytes) {
            TrainingConfig tc = setup.training();
            for (Task task : tasks) {
                List<String> outputs = task.lossOutputs();
                List<String> gradientNames = task.gradientNames();
                Map<String, INDArray> weightFeeds = LossWiring.weightFeeds(task.wiring.terms(), 0, dtype);
                int[] order = task.permutation(0);
                List<SameDiff> teachers = new ArrayList<>();
                if (task.teacher != null) {
                    teachers.add(task.teacher.sd());
                }
                task.otherTeachers.forEach(t -> teachers.add(t.sd()));
                List<SameDiff> graphs = new ArrayList<>(List.of(task.student.sd()));
                graphs.addAll(teachers);
                // with the teacher thread, the next micro-batch's teacher outputs exist beside this one's
                List<SameDiff> twice = tc.overlapTeacher() ? teachers : List.of();
                MemoryEstimate e = MemoryEstimate.measure(tc.batchSize(), graphs, twice, examples ->
                        microStep(task, List.of(java.util.Arrays.copyOf(order, Math.min(examples, order.length))), 0, weightFeeds,
                                outputs, gradientNames, true)).plusPerStep(memory.allowanceBytes());
                task.student.setTraining(false);
                e.checkFits(Math.min(tc.batchSize(), task.data.size()), tc.gradientAccumulationSteps(), limitBytes,
                        twice.isEmpty() ? "" : "; or set training.overlap_teacher: false (the teacher's outputs are "
                                + "counted twice with it: the next micro-batch's exist beside this one's)");
            }
        }

        /** Evaluates first, so the checkpoint holds the listeners' state after they saw this evaluation. */
        private void checkpointAndEvaluate() {
            tasks.forEach(t -> t.student.setTraining(false));
            Map<String, Double> metrics = new LinkedHashMap<>();
            boolean evaluated = false;
            for (Task t : tasks) {
                if (t.evaluator != null) {
                    evaluated = true;
                    t.evaluator.evaluate(t.student, state()).forEach((k, v) -> metrics.put(t.label(k), v));
                }
            }
            if (evaluated) {
                lastMetrics = Map.copyOf(metrics);
                listeners.forEach(l -> l.onEvaluation(this, metrics));
            }
            Path file = outputDir.resolve(CheckpointIO.fileName(step));
            CheckpointIO.write(file, snapshot());
            if (setup.training().keepCheckpoints() != null) {
                CheckpointIO.deleteAllButNewest(outputDir, setup.training().keepCheckpoints());
            }
            lastCheckpoint = file;
            checkpointedStep = step;
            listeners.forEach(l -> l.onCheckpoint(this, file));
        }

        private Checkpoint snapshot() {
            Map<String, INDArray> params = new LinkedHashMap<>();
            Map<String, INDArray> opt = new LinkedHashMap<>();
            List<String> stateNames = tasks.get(0).plan.optimizer().stateNames();
            for (Task t : tasks) {
                for (String p : t.trainableNames()) {
                    String key = t.key(p);
                    if (params.containsKey(key)) {
                        continue; // shared: the same array as an earlier task's
                    }
                    params.put(key, t.student.sd().getArrForVarName(p));
                    List<INDArray> s = optimizerState.get(key);
                    for (int i = 0; i < stateNames.size(); i++) {
                        opt.put(Checkpoint.stateKey(key, stateNames.get(i)), s.get(i));
                    }
                    opt.put(Checkpoint.stateKey(key, UPDATES_STATE), Nd4j.scalar((double) updateCounts.get(key)));
                }
            }
            Map<String, Map<String, Double>> listenerStates = new LinkedHashMap<>();
            for (TrainingListener l : listeners) {
                Map<String, Double> s = l.saveState();
                if (!s.isEmpty()) {
                    listenerStates.put(l.getClass().getName(), s);
                }
            }
            if (multiTask()) {
                listenerStates.put(RUN_STATE_KEY, taskSignature());
            }
            Task first = tasks.get(0);
            int[] order = multiTask() ? new int[0] : first.order;
            RunState state = multiTask() ? new RunState(step, totalSteps, 0, 0, 0) : state();
            return new Checkpoint(state, setup.training().seed(), params, opt, order, listenerStates,
                    ConfigIO.toJson(experiment()));
        }

        /** What a multi-task resume must find unchanged: tau, and each task's data size, in order. */
        private Map<String, Double> taskSignature() {
            Map<String, Double> s = new LinkedHashMap<>();
            s.put("tau", setup.taskTau());
            for (Task t : tasks) {
                s.put("examples." + t.name, (double) t.data.size());
            }
            return s;
        }

        /**
         * The parts of an experiment's JSON that a resumed run must share with its checkpoint: all but
         * training.keep_checkpoints, which only says how many files to keep (a run stopped by a full disk may be
         * resumed with fewer), and training.overlap_teacher, which does not change the run's numbers; checkpoints
         * from before either existed lack them.
         */
        private static JsonNode resumeRelevant(String experimentJson) {
            try {
                JsonNode tree = new ObjectMapper().readTree(experimentJson);
                if (tree.get("training") instanceof ObjectNode training) {
                    training.remove("keep_checkpoints");
                    training.remove("overlap_teacher");
                }
                return tree;
            } catch (JsonProcessingException e) {
                throw new CheckpointFormatException("the checkpoint's experiment is not JSON: " + e.getMessage());
            }
        }

        private void resume(Path from) {
            Path file = from;
            if (Files.isDirectory(from)) {
                file = CheckpointIO.latest(from).orElseThrow(() -> new CheckpointFormatException(
                        "no checkpoint (step-*" + CheckpointIO.EXTENSION + ") to resume from in " + from));
            }
            Checkpoint ckpt = CheckpointIO.read(file);
            if (!resumeRelevant(ConfigIO.toJson(experiment())).equals(resumeRelevant(ckpt.experiment()))) {
                throw new ConfigException("resume", file.toString(), "the checkpoint was written by a run with another "
                        + "configuration; resume with the same training and distillation configuration (saved in the "
                        + "checkpoint's manifest.json) or start a new run");
            }
            if (multiTask()) {
                Map<String, Double> saved = ckpt.listenerStates().getOrDefault(RUN_STATE_KEY, Map.of());
                if (!saved.equals(taskSignature())) {
                    throw new ConfigException("resume", file.toString(), "the checkpoint's run had tasks and data sizes "
                            + saved + ", this run has " + taskSignature() + ": resume with the same tasks, tau and data");
                }
            } else if (ckpt.state().microBatchesPerEpoch() != tasks.get(0).microPerEpoch) {
                throw new ConfigException("resume", file.toString(), "the checkpoint's run had "
                        + ckpt.state().microBatchesPerEpoch() + " micro-batches per epoch, this data gives "
                        + tasks.get(0).microPerEpoch + ": resume with the same training data");
            }
            Map<String, INDArray> targets = new LinkedHashMap<>();
            for (Task t : tasks) {
                for (String p : t.trainableNames()) {
                    targets.putIfAbsent(t.key(p), t.student.sd().getArrForVarName(p));
                }
            }
            if (!new TreeSet<>(targets.keySet()).equals(new TreeSet<>(ckpt.parameters().keySet()))) {
                TreeSet<String> missing = new TreeSet<>(targets.keySet());
                missing.removeAll(ckpt.parameters().keySet());
                TreeSet<String> extra = new TreeSet<>(ckpt.parameters().keySet());
                extra.removeAll(targets.keySet());
                throw new CheckpointFormatException("checkpoint " + file + " does not fit this model: missing " + missing
                        + ", unexpected " + extra);
            }
            List<String> stateNames = tasks.get(0).plan.optimizer().stateNames();
            for (Map.Entry<String, INDArray> e : targets.entrySet()) {
                String key = e.getKey();
                INDArray target = e.getValue();
                INDArray saved = ckpt.parameters().get(key);
                if (!Arrays.equals(target.shape(), saved.shape())) {
                    throw new CheckpointFormatException("checkpoint " + file + ": parameter " + key + " has shape "
                            + Arrays.toString(saved.shape()) + ", the model expects " + Arrays.toString(target.shape()));
                }
                target.assign(saved);
                List<INDArray> s = optimizerState.get(key);
                for (int i = 0; i < stateNames.size(); i++) {
                    s.get(i).assign(ckpt.optimizerState().get(Checkpoint.stateKey(key, stateNames.get(i))));
                }
                INDArray updates = ckpt.optimizerState().get(Checkpoint.stateKey(key, UPDATES_STATE));
                updateCounts.put(key, updates == null ? ckpt.state().step() : updates.getLong(0));
            }
            step = ckpt.state().step();
            if (multiTask()) {
                replayTaskPositions();
            } else {
                Task t = tasks.get(0);
                t.epoch = ckpt.state().epoch();
                t.microInEpoch = ckpt.state().microBatchInEpoch();
                t.order = ckpt.epochOrder().length == t.data.size() ? ckpt.epochOrder() : null;
            }
            checkpointedStep = step;
            lastCheckpoint = file;
            for (TrainingListener l : listeners) {
                Map<String, Double> s = ckpt.listenerStates().get(l.getClass().getName());
                if (s != null) {
                    l.restoreState(s);
                }
            }
        }

        /**
         * Multi-task positions follow from the seed: the task of every step is drawn from (seed, step), so replaying
         * the draws up to the checkpoint's step gives each task's epoch and micro-batch without storing them.
         */
        private void replayTaskPositions() {
            int acc = setup.training().gradientAccumulationSteps();
            for (long s = 0; s < step; s++) {
                Task t = tasks.get(sampler.taskAt(s));
                t.microInEpoch += Math.min(acc, t.microPerEpoch - t.microInEpoch);
                if (t.microInEpoch == t.microPerEpoch) {
                    t.epoch++;
                    t.microInEpoch = 0;
                }
            }
            tasks.forEach(t -> t.order = null);
        }
    }
}
