package org.distill4j.core.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;
import org.distill4j.core.config.ConfigException;
import org.distill4j.core.config.DistillationConfig;
import org.distill4j.core.config.IntermediateMatch;
import org.distill4j.core.config.LayerRef;
import org.distill4j.core.config.NamedSpec;
import org.distill4j.core.config.OptimizerConfig;
import org.distill4j.core.config.ProjectionSpec;
import org.distill4j.core.config.ScheduleConfig;
import org.distill4j.core.config.TrainingConfig;
import org.distill4j.core.graph.ModelAdaptor;
import org.distill4j.core.graph.ModelDefinition;
import org.distill4j.core.graph.ModelGraph;
import org.distill4j.core.support.Runs;
import org.distill4j.core.support.SyntheticTask;
import org.distill4j.core.support.TokenMlp;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * One test per configuration rule: each bad configuration is refused with a {@link ConfigException} that names the
 * field, the bad value and what is allowed, at {@code build()} or, for rules that need tensor shapes, at the start
 * of {@code train()} before any update (the student is unchanged and no checkpoint is written).
 *
 * <p>The teacher ({@link Runs#teacher}) is a token MLP of width 16 whose "hidden" list has 3 entries (embedding
 * output and 2 layers) and 4 classes; the student ({@link Runs#student}) has width 8, 2 "hidden" entries, 4 classes.
 */
class ConfigValidationTest {

    @TempDir
    static Path dir;

    static ModelGraph teacher;

    @BeforeAll
    static void trainTeacher() {
        teacher = Runs.teacher(dir);
    }

    // ================================================================ fixtures

    private static TrainingConfig training(String out) {
        return TrainingConfig.builder().numEpochs(1).batchSize(8).seed(5).optimizer(OptimizerConfig.adamW(1e-3))
                .outputDir(dir.resolve(out).toString()).build();
    }

    private static TrainingConfig training() {
        return training("unused");
    }

    private static DistillationConfig.Builder kd() {
        return DistillationConfig.builder().temperature(2);
    }

    private static DistillationConfig withMatches(IntermediateMatch... matches) {
        return kd().intermediateMatches(List.of(matches)).build();
    }

    private static GeneralDistiller general(DistillationConfig d) {
        return general(training(), d, teacher, Runs.student());
    }

    private static GeneralDistiller general(TrainingConfig t, DistillationConfig d, ModelGraph teacherGraph,
                                            ModelDefinition student) {
        return GeneralDistiller.builder().trainingConfig(t).distillationConfig(d).teacher(teacherGraph).student(student).build();
    }

    private static BasicDistiller basic(DistillationConfig d, ModelDefinition student) {
        return BasicDistiller.builder().trainingConfig(training()).distillationConfig(d).teacher(teacher).student(student).build();
    }

    /** The student with its adaptor changed. */
    private static ModelDefinition student(UnaryOperator<ModelAdaptor> change) {
        TokenMlp base = Runs.student();
        return (sd, seed) -> change.apply(base.build(sd, seed));
    }

    /** The trained teacher's graph with another adaptor. */
    private static ModelGraph teacher(UnaryOperator<ModelAdaptor> change) {
        return new ModelGraph(teacher.sd(), change.apply(teacher.adaptor()));
    }

    /** The adaptor with one more feature list (or a replaced one). */
    private static UnaryOperator<ModelAdaptor> feature(String kind, UnaryOperator<List<String>> names) {
        return a -> {
            Map<String, List<String>> features = new LinkedHashMap<>(a.features());
            features.put(kind, names.apply(a.feature(ModelAdaptor.HIDDEN)));
            return new ModelAdaptor(a.inputs(), a.logits(), a.logitsMask(), a.labels(), a.losses(), features, a.inputsMask(), a.lookups(), a.trainingFlag(), a.randomMasks());
        };
    }

    /** A "value" feature list that reuses the hidden states (what MiniLM's value relation reads). */
    private static final UnaryOperator<ModelAdaptor> VALUE = feature("value", h -> h);

    private static ModelAdaptor withLogits(ModelAdaptor a, List<String> logits) {
        return new ModelAdaptor(a.inputs(), logits, a.logitsMask(), a.labels(), a.losses(), a.features(), a.inputsMask(), a.lookups(), a.trainingFlag(), a.randomMasks());
    }

    private static ModelAdaptor withLosses(ModelAdaptor a, List<String> losses) {
        return new ModelAdaptor(a.inputs(), a.logits(), a.logitsMask(), a.labels(), losses, a.features(), a.inputsMask(), a.lookups(), a.trainingFlag(), a.randomMasks());
    }

    private static ModelAdaptor withLabels(ModelAdaptor a, String labels) {
        return new ModelAdaptor(a.inputs(), a.logits(), a.logitsMask(), labels, a.losses(), a.features(), a.inputsMask(), a.lookups(), a.trainingFlag(), a.randomMasks());
    }

    private static ModelAdaptor withInputs(ModelAdaptor a, Map<String, String> inputs) {
        return new ModelAdaptor(inputs, a.logits(), a.logitsMask(), a.labels(), a.losses(), a.features(), a.inputsMask(), a.lookups(), a.trainingFlag(), a.randomMasks());
    }

    private static IntermediateMatch match(LayerRef t, LayerRef s, String feature, String loss, ProjectionSpec proj,
                                           Integer relationHeads) {
        return new IntermediateMatch(t, s, feature, loss, 1.0, proj, relationHeads);
    }

    // ================================================================ assertions

    /**
     * Asserts the exception names exactly this field, shows the bad value as {@code value} and says what is allowed.
     */
    private static ConfigException assertRefused(Executable action, String field, String value, String... allowed) {
        ConfigException e = assertThrows(ConfigException.class, action);
        String m = e.getMessage();
        assertEquals(field, e.field(), m);
        assertTrue(m.startsWith(field + ": "), m);
        assertTrue(m.contains(value + " is not allowed"), "value " + value + " missing from: " + m);
        for (String a : allowed) {
            assertTrue(m.contains(a), "'" + a + "' missing from: " + m);
        }
        return e;
    }

    /**
     * Builds (which must succeed), then asserts train() is refused before any update: every student parameter is
     * unchanged and nothing was written to the output folder.
     */
    private static ConfigException assertRefusedAtTrainStart(String out, DistillationConfig d, ModelGraph teacherGraph,
                                                             ModelDefinition student, String field, String value,
                                                             String... allowed) {
        Path outDir = dir.resolve(out);
        GeneralDistiller distiller = general(training(out), d, teacherGraph, student);
        Map<String, INDArray> before = Runs.parameters(distiller.student());
        ConfigException e = assertRefused(() -> distiller.train(Runs.data()), field, value, allowed);
        Map<String, INDArray> after = Runs.parameters(distiller.student());
        assertEquals(before.keySet(), after.keySet(), "no parameter was added to the student");
        for (String name : before.keySet()) {
            assertEquals(before.get(name), after.get(name), "parameter " + name + " changed");
        }
        assertNoFiles(outDir);
        return e;
    }

    private static void assertNoFiles(Path folder) {
        if (!Files.exists(folder)) {
            return;
        }
        try (Stream<Path> files = Files.walk(folder)) {
            List<Path> written = files.filter(Files::isRegularFile).toList();
            assertEquals(List.of(), written, "files written to " + folder);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    // ================================================================ a valid configuration (control)

    @Test
    void theFixturesTrainWhenTheConfigurationIsValid() {
        DistillationConfig d = kd().hardLabelWeight(0.5).intermediateMatches(List.of(
                        IntermediateMatch.hidden(2, 1, "hidden_mse").withProj(new ProjectionSpec("linear", 8, 16, null)),
                        new IntermediateMatch(LayerRef.pair(1, 2), LayerRef.pair(0, 1), "hidden", "mmd", 0.5, null, null),
                        match(LayerRef.of(2), LayerRef.of(1), "hidden", "minilm_value", null, 4)))
                .build();
        GeneralDistiller distiller = general(training("control"), d, teacher(VALUE), student(VALUE));
        Map<String, INDArray> before = Runs.parameters(distiller.student());
        TrainingResult result = distiller.train(Runs.data());
        assertEquals(5, result.state().step(), "40 examples, batch 8");
        assertNotNull(result.lastCheckpoint());
        assertTrue(Files.exists(result.lastCheckpoint()));
        assertFalse(before.get("layer0/W").equals(distiller.student().sd().getArrForVarName("layer0/W")), "the student trained");
    }

    // ================================================================ names that are not registered (at build)

    @Test
    void unknownKdLossType() {
        assertRefused(() -> basic(kd().kdLossType("kl_div").build(), Runs.student()),
                "distillation.kd_loss_type", "'kl_div'", "unknown KD loss", "allowed: bce, ce, mse");
    }

    @Test
    void unknownMatchLoss() {
        assertRefused(() -> general(withMatches(IntermediateMatch.hidden(2, 1, "hidden_l2"))),
                "distillation.intermediate_matches[0].loss", "'hidden_l2'", "unknown match loss", "hidden_mse", "minilm_value", "mmd");
    }

    @Test
    void unknownMatchLossIsReportedWithItsIndex() {
        assertRefused(() -> general(withMatches(
                        IntermediateMatch.hidden(2, 1, "hidden_mse").withProj(new ProjectionSpec("linear", 8, 16, null)),
                        IntermediateMatch.hidden(1, 0, "cosine"))),
                "distillation.intermediate_matches[1].loss", "'cosine'", "cos");
    }

    @Test
    void unknownTemperatureScheduler() {
        assertRefused(() -> basic(kd().temperatureScheduler(NamedSpec.of("cosine", 1.0)).build(), Runs.student()),
                "distillation.temperature_scheduler", "'cosine'", "unknown temperature scheduler", "allowed: constant, cwsm, flsw, none");
    }

    @Test
    void temperatureSchedulerWithTheWrongArgumentCount() {
        assertRefused(() -> basic(kd().temperatureScheduler(NamedSpec.of("flsw", 1.0)).build(), Runs.student()),
                "distillation.temperature_scheduler", "[flsw, 1.0]", "'flsw' takes 2 argument(s) [beta, gamma]");
        assertRefused(() -> basic(kd().temperatureScheduler(NamedSpec.of("cwsm")).build(), Runs.student()),
                "distillation.temperature_scheduler", "'cwsm'", "'cwsm' takes 1 argument(s) [beta]");
        assertRefused(() -> basic(kd().temperatureScheduler(NamedSpec.of("constant", 2.0)).build(), Runs.student()),
                "distillation.temperature_scheduler", "[constant, 2.0]", "takes 0 argument(s)");
    }

    @Test
    void unknownWeightScheduler() {
        assertRefused(() -> basic(kd().kdLossWeightScheduler(NamedSpec.of("cosine_decay")).build(), Runs.student()),
                "distillation.kd_loss_weight_scheduler", "'cosine_decay'", "unknown weight scheduler",
                "allowed: linear_decay, linear_growth, none");
        assertRefused(() -> basic(kd().hardLabelWeight(1).hardLabelWeightScheduler(NamedSpec.of("step")).build(), Runs.student()),
                "distillation.hard_label_weight_scheduler", "'step'", "allowed: linear_decay, linear_growth, none");
    }

    @Test
    void weightSchedulerWithArguments() {
        assertRefused(() -> basic(kd().kdLossWeightScheduler(NamedSpec.of("linear_decay", 0.5)).build(), Runs.student()),
                "distillation.kd_loss_weight_scheduler", "[linear_decay, 0.5]", "take no arguments");
        assertRefused(() -> basic(kd().hardLabelWeight(1).hardLabelWeightScheduler(NamedSpec.of("linear_growth", 1, 2)).build(),
                        Runs.student()),
                "distillation.hard_label_weight_scheduler", "[linear_growth, 1.0, 2.0]", "take no arguments");
    }

    @Test
    void unknownProjectionKind() {
        assertRefused(() -> general(withMatches(
                        IntermediateMatch.hidden(2, 1, "hidden_mse").withProj(new ProjectionSpec("gelu", 8, 16, null)))),
                "distillation.intermediate_matches[0].proj[0]", "'gelu'", "unknown projection", "allowed: linear, relu, tanh");
    }

    @Test
    void unknownLearningRateScheduleName() {
        TrainingConfig t = training().toBuilder().lrSchedule(ScheduleConfig.of("cosine", Map.of())).build();
        assertRefused(() -> general(t, kd().build(), teacher, Runs.student()),
                "training.lr_schedule.name", "'cosine'", "unknown learning-rate schedule",
                "allowed: constant, linear_warmup_decay, slanted_triangular");
    }

    @Test
    void unknownLearningRateScheduleParameter() {
        TrainingConfig t = training().toBuilder()
                .lrSchedule(ScheduleConfig.of("linear_warmup_decay", Map.of("warmup_steps", 10.0))).build();
        assertRefused(() -> general(t, kd().build(), teacher, Runs.student()),
                "training.lr_schedule.params.warmup_steps", "10.0", "'linear_warmup_decay' takes allowed: warmup_fraction");
        TrainingConfig c = training().toBuilder().lrSchedule(ScheduleConfig.of("constant", Map.of("warmup_fraction", 0.1))).build();
        assertRefused(() -> general(c, kd().build(), teacher, Runs.student()),
                "training.lr_schedule.params.warmup_fraction", "0.1", "'constant' takes no parameters");
        TrainingConfig n = training().toBuilder()
                .lrSchedule(ScheduleConfig.of("slanted_triangular", Map.of("ratio", -2.0))).build();
        assertRefused(() -> general(n, kd().build(), teacher, Runs.student()),
                "training.lr_schedule.params.ratio", "-2.0", ">= 0");
    }

    @Test
    void unknownOptimizer() {
        TrainingConfig t = training().toBuilder().optimizer(OptimizerConfig.adamW(1e-3).withName("lamb")).build();
        assertRefused(() -> general(t, kd().build(), teacher, Runs.student()),
                "training.optimizer.name", "'lamb'", "unknown optimizer", "allowed: adam, adamw, sgd");
    }

    // ================================================================ matches against the adaptors (at build)

    @Test
    void teacherLayerIndexOutsideTheAdaptorsList() {
        assertRefused(() -> general(withMatches(IntermediateMatch.hidden(3, 1, "cos"))),
                "distillation.intermediate_matches[0].layer_T", "3", "the teacher adaptor exposes 3 'hidden' entries: allowed 0..2");
    }

    @Test
    void studentLayerIndexOutsideTheAdaptorsList() {
        assertRefused(() -> general(withMatches(IntermediateMatch.hidden(2, 2, "cos"))),
                "distillation.intermediate_matches[0].layer_S", "2", "the student adaptor exposes 2 'hidden' entries: allowed 0..1");
    }

    @Test
    void pairIndexOutsideTheAdaptorsList() {
        assertRefused(() -> general(withMatches(
                        new IntermediateMatch(LayerRef.pair(1, 7), LayerRef.pair(0, 1), "hidden", "mmd", 1.0, null, null))),
                "distillation.intermediate_matches[0].layer_T", "7", "allowed 0..2");
    }

    @Test
    void featureKindTheAdaptorLacks() {
        assertRefused(() -> general(withMatches(match(LayerRef.of(1), LayerRef.of(1), "attention", "attention_mse", null, null))),
                "distillation.intermediate_matches[0].feature", "'attention'", "the teacher adaptor exposes no 'attention' features",
                "it exposes: [hidden]");
    }

    @Test
    void featureKindOnlyTheTeacherHas() {
        assertRefused(() -> general(training(), kd().intermediateMatches(List.of(
                                match(LayerRef.of(1), LayerRef.of(1), "hidden", "minilm_value", null, 4))).build(),
                        teacher(VALUE), Runs.student()),
                "distillation.intermediate_matches[0].feature", "'value'", "the student adaptor exposes no 'value' features");
    }

    @Test
    void pairLossGivenSingleLayers() {
        assertRefused(() -> general(withMatches(IntermediateMatch.hidden(1, 1, "mmd"))),
                "distillation.intermediate_matches[0].layer_T", "1", "'mmd' compares two layers: give pairs");
    }

    @Test
    void singleLossGivenPairs() {
        assertRefused(() -> general(withMatches(
                        new IntermediateMatch(LayerRef.pair(1, 2), LayerRef.pair(0, 1), "hidden", "hidden_mse", 1.0, null, null))),
                "distillation.intermediate_matches[0].layer_T", "[1, 2]", "'hidden_mse' compares single layers: give one index each");
    }

    @Test
    void projectionOnAnAttentionLoss() {
        // attention lists that name the hidden states: enough for the build-time checks, which never see shapes
        UnaryOperator<ModelAdaptor> attention = feature(ModelAdaptor.ATTENTION, h -> h);
        DistillationConfig d = withMatches(match(LayerRef.of(2), LayerRef.of(1), ModelAdaptor.ATTENTION, "attention_mse",
                new ProjectionSpec("linear", 8, 16, null), null));
        assertRefused(() -> general(training(), d, teacher(attention), student(attention)),
                "distillation.intermediate_matches[0].proj", "[linear, 8, 16]", "compares attention maps: remove proj");
    }

    @Test
    void relationHeadsMissingForMiniLmValue() {
        DistillationConfig d = withMatches(match(LayerRef.of(2), LayerRef.of(1), "hidden", "minilm_value", null, null));
        assertRefused(() -> general(training(), d, teacher(VALUE), student(VALUE)),
                "distillation.intermediate_matches[0].relation_heads", "a missing value",
                "'minilm_value' needs relation_heads", "divides both models' widths");
    }

    @Test
    void relationHeadsOnANonMiniLmLoss() {
        DistillationConfig d = withMatches(match(LayerRef.of(2), LayerRef.of(1), "hidden", "cos", null, 2));
        assertRefused(() -> general(d), "distillation.intermediate_matches[0].relation_heads", "2",
                "only the MiniLM losses take relation_heads");
    }

    // ================================================================ losses against the adaptors (at build)

    @Test
    void hardLabelWeightWithoutAdaptorLosses() {
        ModelDefinition noLosses = student(a -> withLosses(a, List.of()));
        assertRefused(() -> basic(kd().hardLabelWeight(0.5).build(), noLosses),
                "distillation.hard_label_weight", "0.5", "the student adaptor names none (adaptor.losses)", "set it to 0");
    }

    @Test
    void kdWithAStudentThatHasNoLogits() {
        ModelDefinition noLogits = student(a -> withLogits(a, List.of()));
        assertRefused(() -> basic(kd().build(), noLogits),
                "student adaptor.logits", "'[]'", "KD (kd_loss_weight > 0) needs the student's logits");
    }

    @Test
    void kdWithATeacherThatHasNoLogits() {
        ModelGraph noLogits = teacher(a -> withLogits(a, List.of()));
        assertRefused(() -> general(training(), kd().build(), noLogits, Runs.student()),
                "teacher adaptor.logits", "[]", "KD pairs logits one to one: the student names 1 logits output(s), the teacher 0");
    }

    @Test
    void basicDistillerGivenIntermediateMatches() {
        assertRefused(() -> basic(withMatches(IntermediateMatch.hidden(2, 1, "cos")), Runs.student()),
                "distillation.intermediate_matches", "'1 match(es)'", "BasicDistiller takes no intermediate matches; use GeneralDistiller");
    }

    @Test
    void allWeightsZero() {
        DistillationConfig valid = kd().kdLossWeight(0).hardLabelWeight(0).intermediateMatches(List.of(
                        IntermediateMatch.hidden(2, 1, "cos").withWeight(0).withProj(new ProjectionSpec("linear", 8, 16, null))))
                .build();
        assertRefused(() -> general(valid), "distillation", "'all weights 0'",
                "at least one of kd_loss_weight, hard_label_weight or an intermediate match weight must be > 0");
        assertRefused(() -> basic(kd().kdLossWeight(0).build(), Runs.student()), "distillation", "'all weights 0'",
                "nothing is trained");
    }

    @Test
    void probabilityShiftWithoutLabels() {
        ModelDefinition noLabels = student(a -> withLabels(a, null));
        assertRefused(() -> basic(kd().probabilityShift(true).build(), noLabels),
                "distillation.probability_shift", "true", "needs the gold labels", "labels");
    }

    @Test
    void probabilityShiftWithLabelsThatAreNotABatchInput() {
        ModelDefinition computedLabels = student(a -> withLabels(a, "ce"));
        assertRefused(() -> basic(kd().probabilityShift(true).build(), computedLabels),
                "student adaptor.labels", "'ce'", "labels must be a placeholder listed in adaptor.inputs");
    }

    // ================================================================ adaptors against the graphs (at build)

    @Test
    void adaptorNamingAVariableTheGraphLacks() {
        ModelDefinition typo = student(feature(ModelAdaptor.HIDDEN, h -> List.of(h.get(0), "encoder/hidden1")));
        assertRefused(() -> general(training(), kd().build(), teacher, typo),
                "student adaptor.features.hidden[1]", "'encoder/hidden1'", "the graph has no variable of that name",
                "similar names: hidden1");
    }

    @Test
    void adaptorLogitsNamingAVariableTheGraphLacks() {
        ModelDefinition typo = student(a -> withLogits(a, List.of("logit")));
        assertRefused(() -> basic(kd().build(), typo),
                "student adaptor.logits[0]", "'logit'", "the graph has no variable of that name", "similar names: logits");
    }

    @Test
    void teacherAdaptorNamingAVariableTheGraphLacks() {
        ModelGraph typo = teacher(a -> withLogits(a, List.of("teacher/logits")));
        assertRefused(() -> general(training(), kd().build(), typo, Runs.student()),
                "teacher adaptor.logits[0]", "'teacher/logits'", "the graph has no variable of that name", "similar names: logits");
    }

    @Test
    void adaptorInputThatIsNotAPlaceholder() {
        Map<String, String> inputs = new LinkedHashMap<>();
        inputs.put("features", "features");
        inputs.put("hidden1", "mask");
        ModelDefinition wrong = student(a -> withInputs(a, inputs));
        assertRefused(() -> basic(kd().build(), wrong),
                "student adaptor.inputs", "'hidden1'", "must name a placeholder of the student graph",
                "placeholders: [features, label, mask]");
    }

    @Test
    void adaptorInputThatDoesNotExist() {
        ModelGraph wrong = teacher(a -> withInputs(a, Map.of("input_ids", "input_ids")));
        assertRefused(() -> general(training(), kd().build(), wrong, Runs.student()),
                "teacher adaptor.inputs", "'input_ids'", "must name a placeholder of the teacher graph",
                "placeholders: [", "features, label, mask");
    }

    // ================================================================ setup (at build)

    @Test
    void cudaDeviceOnTheCpuBackend() {
        String backend = Nd4j.getBackend().getClass().getSimpleName().toLowerCase(java.util.Locale.ROOT);
        boolean gpu = backend.contains("cuda") || backend.contains("jcublas");
        String wrong = gpu ? "cpu" : "cuda";
        TrainingConfig t = training().toBuilder().device(wrong).build();
        assertRefused(() -> general(t, kd().build(), teacher, Runs.student()),
                "training.device", "'" + wrong + "'", gpu ? "set device to auto or cuda" : "-Pcuda",
                gpu ? "CUDA backend" : "set device to auto or cpu");
        // the right device and auto are accepted
        general(training().toBuilder().device(gpu ? "cuda" : "cpu").build(), kd().build(), teacher, Runs.student());
        general(training().toBuilder().device("auto").build(), kd().build(), teacher, Runs.student());
    }

    @Test
    void distillerWithoutATeacher() {
        assertRefused(() -> GeneralDistiller.builder().trainingConfig(training()).student(Runs.student()).build(),
                "teacher", "a missing value", "a distiller needs a teacher model");
        assertRefused(() -> BasicDistiller.builder().trainingConfig(training()).student(Runs.student()).build(),
                "teacher", "a missing value", "a distiller needs a teacher model");
    }

    @Test
    void basicTrainerWithAModelThatHasNoLosses() {
        ModelDefinition noLosses = student(a -> withLosses(a, List.of()));
        assertRefused(() -> BasicTrainer.builder().trainingConfig(training()).student(noLosses).build(),
                "model adaptor.losses", "'[]'", "supervised training needs at least one loss variable named by the adaptor");
    }

    @Test
    void missingStudentOrTrainingConfiguration() {
        assertRefused(() -> GeneralDistiller.builder().trainingConfig(training()).teacher(teacher).build(),
                "student", "a missing value", "a student model definition is required");
        assertRefused(() -> GeneralDistiller.builder().trainingConfig(null).teacher(teacher).student(Runs.student()).build(),
                "training", "a missing value", "a training configuration is required");
    }

    // ================================================================ shapes (at the start of train, before any update)

    @Test
    void widthsDifferWithoutAProjection() {
        assertRefusedAtTrainStart("widths", withMatches(IntermediateMatch.hidden(2, 1, "hidden_mse")), teacher, Runs.student(),
                "distillation.intermediate_matches[0].proj", "a missing value",
                "the student feature is 8 wide and the teacher's 16", "add \"proj\": [\"linear\", 8, 16]");
    }

    @Test
    void projectionDimsThatDoNotMatchTheRealWidths() {
        assertRefusedAtTrainStart("proj-dims", withMatches(
                        IntermediateMatch.hidden(2, 1, "hidden_mse").withProj(new ProjectionSpec("linear", 8, 32, null))),
                teacher, Runs.student(),
                "distillation.intermediate_matches[0].proj", "[linear, 8, 32]",
                "the student feature is 8 wide and the teacher's 16", "write [\"linear\", 8, 16]");
        assertRefusedAtTrainStart("proj-swapped", withMatches(
                        IntermediateMatch.hidden(2, 1, "cos").withProj(new ProjectionSpec("tanh", 16, 8, 1e-2))),
                teacher, Runs.student(),
                "distillation.intermediate_matches[0].proj", "[tanh, 16, 8, {learning_rate=0.01}]", "write [\"tanh\", 8, 16]");
    }

    @Test
    void relationHeadsThatDoNotDivideTheWidths() {
        DistillationConfig d = withMatches(match(LayerRef.of(2), LayerRef.of(1), "hidden", "minilm_value", null, 3));
        assertRefusedAtTrainStart("heads", d, teacher(VALUE), student(VALUE),
                "distillation.intermediate_matches[0].relation_heads", "3", "must divide both widths (student 8, teacher 16)");
        DistillationConfig sixteen = withMatches(match(LayerRef.of(2), LayerRef.of(1), "hidden", "minilm_value", null, 16));
        assertRefusedAtTrainStart("heads16", sixteen, teacher(VALUE), student(VALUE),
                "distillation.intermediate_matches[0].relation_heads", "16", "must divide both widths (student 8, teacher 16)");
    }

    @Test
    void teacherAndStudentLogitsOfDifferentClassCounts() {
        // the shapes come from the 2-example batch the loop checks shapes on (not a full batch: see Distiller.run)
        TokenMlp threeClasses = new TokenMlp(SyntheticTask.FEATURES, 8, 1, 3);
        ConfigException e = assertRefusedAtTrainStart("classes", kd().build(), teacher, threeClasses,
                "teacher adaptor.logits[0]", "'logits [2, 4]'", "must have the shape of the student's logits [2, 3]",
                "same label space");
        assertFalse(e.getMessage().isBlank());
    }

    @Test
    void attentionMatchOnHiddenStatesIsRefusedAtTrainStart() {
        // the adaptor calls [B, L, D] hidden states "attention": only the first batch can show the rank is wrong
        UnaryOperator<ModelAdaptor> attention = feature(ModelAdaptor.ATTENTION, h -> h);
        DistillationConfig d = withMatches(match(LayerRef.of(2), LayerRef.of(1), ModelAdaptor.ATTENTION, "attention_ce", null, null));
        assertRefusedAtTrainStart("rank", d, teacher(attention), student(attention),
                "distillation.intermediate_matches[0].layer_S", "1", "'attention_ce' needs [B, H, L, L]");
    }

}
