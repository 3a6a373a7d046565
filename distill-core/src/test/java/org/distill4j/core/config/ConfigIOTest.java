package org.distill4j.core.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Reading and writing experiment files: exact round trips in JSON and YAML, TextBrewer-style files, and errors that
 * name the file, the line, the field path and what is allowed.
 */
class ConfigIOTest {

    @TempDir
    Path dir;

    /** An experiment that sets every field away from its default, with every kind of match value. */
    static ExperimentConfig fullExperiment() {
        TrainingConfig training = TrainingConfig.builder()
                .gradientAccumulationSteps(2).ckptFrequency(3).ckptEpochFrequency(2).ckptSteps(25)
                .logDir("runs/logs").outputDir("runs/out").device("cpu").seed(7).batchSize(16).numSteps(100)
                .shuffle(false).maxGradNorm(1.5).overlapTeacher(false)
                .optimizer(new OptimizerConfig("adam", 2e-4, 0.8, 0.99, 1e-6, 0.01, 0.5))
                .lrSchedule(ScheduleConfig.of("slanted_triangular", Map.of("ratio", 16.0, "cut_frac", 0.2)))
                .build();
        DistillationConfig distillation = DistillationConfig.builder()
                .temperature(8).temperatureScheduler(NamedSpec.of("flsw", 1.0, 2.0))
                .hardLabelWeight(0.5).hardLabelWeightScheduler(NamedSpec.of("linear_growth"))
                .kdLossType("mse").kdLossWeight(0.7).kdLossWeightScheduler(NamedSpec.of("linear_decay"))
                .probabilityShift(true).isCachingLogits(true)
                .intermediateMatches(List.of(
                        IntermediateMatch.hidden(4, 1, "hidden_mse").withProj(new ProjectionSpec("linear", 312, 768, 1e-3)),
                        new IntermediateMatch(LayerRef.pair(0, 2), LayerRef.pair(0, 1), "hidden", "mmd", 0.5, null, null),
                        new IntermediateMatch(LayerRef.of(3), LayerRef.of(1), "attention", "attention_ce", 0.25, null, null),
                        IntermediateMatch.hidden(2, 1, "cos").withProj(new ProjectionSpec("tanh", 312, 768, null)),
                        new IntermediateMatch(LayerRef.of(12), LayerRef.of(4), "value", "minilm_value", 2.0, null, 12)))
                .build();
        return new ExperimentConfig(training, distillation);
    }

    // ---------------------------------------------------------------- round trips

    @Test
    void jsonRoundTripGivesAnEqualValueAndIdenticalText() {
        ExperimentConfig config = fullExperiment();
        String text = ConfigIO.toJson(config);
        ExperimentConfig read = ConfigIO.fromJson(text, "test", ExperimentConfig.class);
        assertEquals(config, read);
        assertEquals(text, ConfigIO.toJson(read));
        // TextBrewer's list forms are what is written
        assertTrue(text.contains("\"flsw\", 1.0, 2.0"), text);
        assertTrue(text.contains("\"learning_rate\" : 0.001"), text);
    }

    @Test
    void yamlRoundTripGivesAnEqualValueAndIdenticalText() {
        ExperimentConfig config = fullExperiment();
        String text = ConfigIO.toYaml(config);
        ExperimentConfig read = ConfigIO.fromYaml(text, "test", ExperimentConfig.class);
        assertEquals(config, read);
        assertEquals(text, ConfigIO.toYaml(read));
        assertFalse(text.startsWith("---"), "no document marker");
    }

    @Test
    void jsonAndYamlDescribeTheSameValue() {
        ExperimentConfig config = fullExperiment();
        ExperimentConfig viaYaml = ConfigIO.fromYaml(ConfigIO.toYaml(config), "yaml", ExperimentConfig.class);
        String json = ConfigIO.toJson(viaYaml);
        assertEquals(ConfigIO.toJson(config), json);
    }

    @Test
    void defaultsRoundTripToo() {
        ExperimentConfig defaults = new ExperimentConfig(null, null);
        assertEquals(defaults, ConfigIO.fromJson(ConfigIO.toJson(defaults), "t", ExperimentConfig.class));
        assertEquals(defaults, ConfigIO.fromYaml(ConfigIO.toYaml(defaults), "t", ExperimentConfig.class));
        assertEquals(defaults, ConfigIO.fromJson("{}", "t", ExperimentConfig.class));
        assertEquals(TrainingConfig.defaults(), defaults.training());
        assertEquals(DistillationConfig.defaults(), defaults.distillation());
        assertTrue(defaults.training().overlapTeacher(), "the teacher thread is on unless a file turns it off");
        assertFalse(ConfigIO.fromYaml("training: {overlap_teacher: false}\n", "t", ExperimentConfig.class).training().overlapTeacher());
    }

    @Test
    void epochModeRoundTrips() {
        ExperimentConfig config = new ExperimentConfig(TrainingConfig.builder().numEpochs(3).build(), DistillationConfig.defaults());
        ExperimentConfig read = ConfigIO.fromYaml(ConfigIO.toYaml(config), "t", ExperimentConfig.class);
        assertEquals(config, read);
        assertFalse(read.training().stepMode());
        assertEquals(3, read.training().numEpochs());
        assertNull(read.training().numSteps());
    }

    @ParameterizedTest
    @ValueSource(strings = {"experiment.json", "experiment.yaml", "experiment.yml", "EXPERIMENT.YML"})
    void fileRoundTripByExtension(String name) throws Exception {
        ExperimentConfig config = fullExperiment();
        Path file = dir.resolve("sub").resolve(name);
        ConfigIO.write(file, config);
        String text = Files.readString(file, StandardCharsets.UTF_8);
        boolean json = name.toLowerCase(java.util.Locale.ROOT).endsWith(".json");
        assertEquals(json ? ConfigIO.toJson(config) : ConfigIO.toYaml(config), text);
        assertEquals(json, text.startsWith("{"), text);
        ExperimentConfig read = ConfigIO.read(file, ExperimentConfig.class);
        assertEquals(config, read);
        ConfigIO.write(file, read);
        assertEquals(text, Files.readString(file, StandardCharsets.UTF_8));
        try (var files = Files.list(file.getParent())) {
            assertEquals(List.of(file.getFileName().toString()),
                    files.map(p -> p.getFileName().toString()).toList(), "no temporary file is left behind");
        }
    }

    @Test
    void partsOfAnExperimentRoundTripOnTheirOwn() {
        DistillationConfig d = fullExperiment().distillation();
        assertEquals(d, ConfigIO.fromYaml(ConfigIO.toYaml(d), "t", DistillationConfig.class));
        TrainingConfig t = fullExperiment().training();
        assertEquals(t, ConfigIO.fromJson(ConfigIO.toJson(t), "t", TrainingConfig.class));
    }

    // ---------------------------------------------------------------- TextBrewer-style files

    @Test
    void textBrewerStyleJsonLoads() {
        String text = """
                {"distillation": {"temperature": 8, "temperature_scheduler": ["flsw", 1, 2],
                  "hard_label_weight": 0, "kd_loss_type": "ce", "kd_loss_weight": 1,
                  "kd_loss_weight_scheduler": "linear_decay",
                  "intermediate_matches": [
                    {"layer_T": [0,0], "layer_S": [0,0], "feature": "hidden", "loss": "mmd", "weight": 1},
                    {"layer_T": 4, "layer_S": 1, "feature": "hidden", "loss": "hidden_mse", "weight": 1,
                     "proj": ["linear", 312, 768]},
                    {"layer_T": 8, "layer_S": 2, "feature": "hidden", "loss": "hidden_mse", "weight": 1,
                     "proj": ["linear", 312, 768, {"learning_rate": 0.001}]}]}}
                """;
        ExperimentConfig config = ConfigIO.fromJson(text, "textbrewer.json", ExperimentConfig.class);
        DistillationConfig d = config.distillation();
        assertEquals(8.0, d.temperature());
        assertEquals(NamedSpec.of("flsw", 1, 2), d.temperatureScheduler());
        assertEquals(0.0, d.hardLabelWeight());
        assertEquals("ce", d.kdLossType());
        assertEquals(1.0, d.kdLossWeight());
        assertEquals(NamedSpec.of("linear_decay"), d.kdLossWeightScheduler());
        assertEquals(NamedSpec.NONE, d.hardLabelWeightScheduler());
        assertEquals(3, d.intermediateMatches().size());

        IntermediateMatch mmd = d.intermediateMatches().get(0);
        assertEquals(LayerRef.pair(0, 0), mmd.layerT());
        assertEquals(LayerRef.pair(0, 0), mmd.layerS());
        assertTrue(mmd.layerT().isPair());
        assertEquals("hidden", mmd.feature());
        assertEquals("mmd", mmd.loss());
        assertEquals(1.0, mmd.weight());
        assertNull(mmd.proj());
        assertNull(mmd.relationHeads());

        IntermediateMatch mse = d.intermediateMatches().get(1);
        assertEquals(LayerRef.of(4), mse.layerT());
        assertEquals(LayerRef.of(1), mse.layerS());
        assertEquals("hidden_mse", mse.loss());
        assertEquals(new ProjectionSpec("linear", 312, 768, null), mse.proj());

        assertEquals(new ProjectionSpec("linear", 312, 768, 0.001), d.intermediateMatches().get(2).proj());
        assertEquals(TrainingConfig.defaults(), config.training());
    }

    @Test
    void textBrewerStyleYamlLoads() {
        String text = """
                distillation:
                  temperature: 8
                  temperature_scheduler: [cwsm, 0.5]
                  intermediate_matches:
                    - {layer_T: [1, 2], layer_S: [0, 1], loss: nst, weight: 1}
                    - layer_T: 4
                      layer_S: 1
                      loss: cos
                      proj: [relu, 312, 768, {learning_rate: 1.0e-3}]
                training:
                  num_steps: 10
                  lr_schedule: {name: linear_warmup_decay, params: {warmup_fraction: 0.1}}
                """;
        ExperimentConfig config = ConfigIO.fromYaml(text, "tb.yaml", ExperimentConfig.class);
        assertEquals(NamedSpec.of("cwsm", 0.5), config.distillation().temperatureScheduler());
        assertEquals(new IntermediateMatch(LayerRef.pair(1, 2), LayerRef.pair(0, 1), "hidden", "nst", 1.0, null, null),
                config.distillation().intermediateMatches().get(0));
        assertEquals(IntermediateMatch.hidden(4, 1, "cos").withProj(new ProjectionSpec("relu", 312, 768, 1e-3)),
                config.distillation().intermediateMatches().get(1));
        assertTrue(config.training().stepMode());
        assertEquals(10, config.training().numSteps());
        assertNull(config.training().numEpochs());
        assertEquals(ScheduleConfig.of("linear_warmup_decay", Map.of("warmup_fraction", 0.1)), config.training().lrSchedule());
    }

    // ---------------------------------------------------------------- --set overrides

    @Test
    void overridesSetScalarsListElementsAndNewMaps() throws Exception {
        Path file = dir.resolve("run.yaml");
        Files.writeString(file, """
                distillation:
                  temperature: 8
                  intermediate_matches:
                    - {layer_T: 4, layer_S: 1, loss: hidden_mse, weight: 1}
                training:
                  num_steps: 10
                """);
        ExperimentConfig c = ConfigIO.read(file, ExperimentConfig.class, List.of(
                "training.batch_size=64", "distillation.intermediate_matches[0].weight=0.25",
                "distillation.temperature=4", "training.optimizer={name: adamw, learning_rate: 3.0e-5}"));
        assertEquals(64, c.training().batchSize());
        assertEquals(4.0, c.distillation().temperature());
        assertEquals(0.25, c.distillation().intermediateMatches().get(0).weight());
        assertEquals(3e-5, c.training().optimizer().learningRate());
        assertEquals(10, c.training().numSteps(), "untouched settings stay");

        ExperimentConfig fresh = ConfigIO.read(file, ExperimentConfig.class, List.of("training.seed=7"));
        assertEquals(7, fresh.training().seed());
    }

    @Test
    void badOverridesNameTheOverrideAndWhatIsAllowed() throws Exception {
        Path file = dir.resolve("run.yaml");
        Files.writeString(file, "training: {num_steps: 10}\n");
        ConfigException noEquals = assertThrows(ConfigException.class,
                () -> ConfigIO.read(file, ExperimentConfig.class, List.of("training.batch_size")));
        assertTrue(noEquals.getMessage().contains("key.path=value"), noEquals.getMessage());
        ConfigException unknown = assertThrows(ConfigException.class,
                () -> ConfigIO.read(file, ExperimentConfig.class, List.of("training.batchsize=3")));
        assertTrue(unknown.getMessage().contains("'batchsize'") && unknown.getMessage().contains("--set training.batchsize=3")
                && unknown.getMessage().contains("batch_size"), unknown.getMessage());
        ConfigException index = assertThrows(ConfigException.class,
                () -> ConfigIO.read(file, ExperimentConfig.class, List.of("distillation.intermediate_matches[2].weight=1")));
        assertTrue(index.getMessage().contains("no element 2"), index.getMessage());
        ConfigException invalid = assertThrows(ConfigException.class,
                () -> ConfigIO.read(file, ExperimentConfig.class, List.of("training.batch_size=-1")));
        assertTrue(invalid.getMessage().contains("batch_size"), invalid.getMessage());
    }

    // ---------------------------------------------------------------- unknown keys

    @Test
    void unknownKeyNamesTheKeyFileLineAndAllowedKeys() throws Exception {
        Path file = dir.resolve("exp.json");
        Files.writeString(file, """
                {
                  "distillation": {
                    "temperature": 8,
                    "temprature_scheduler": "none"
                  }
                }
                """);
        ConfigException e = assertThrows(ConfigException.class, () -> ConfigIO.read(file, ExperimentConfig.class));
        String m = e.getMessage();
        assertTrue(m.contains("'temprature_scheduler'"), m);
        assertTrue(m.contains(file.toString()), m);
        assertTrue(m.contains("line 4"), m);
        assertTrue(m.contains("distillation"), m);
        assertTrue(m.contains("allowed keys"), m);
        for (String allowed : List.of("temperature", "temperature_scheduler", "kd_loss_type", "intermediate_matches")) {
            assertTrue(m.contains(allowed), allowed + " missing from: " + m);
        }
        assertTrue(e.field().contains("distillation"), e.field());
    }

    @Test
    void unknownKeyInYamlNamesLineAndPath() throws Exception {
        Path file = dir.resolve("exp.yaml");
        Files.writeString(file, """
                training:
                  batch_size: 8
                  optimizer:
                    name: adamw
                    lr: 0.001
                """);
        ConfigException e = assertThrows(ConfigException.class, () -> ConfigIO.read(file, ExperimentConfig.class));
        String m = e.getMessage();
        assertTrue(m.contains("'lr'"), m);
        assertTrue(m.contains(file.toString()), m);
        assertTrue(m.contains("line 5"), m);
        assertTrue(m.contains("training.optimizer"), m);
        assertTrue(m.contains("learning_rate") && m.contains("weight_decay"), m);
    }

    @Test
    void unknownKeyInAMatchNamesTheMatch() {
        String text = """
                {"distillation": {"intermediate_matches": [
                  {"layer_T": 1, "layer_S": 1, "loss": "hidden_mse"},
                  {"layer_T": 2, "layer_S": 1, "loss": "hidden_mse", "projection": ["linear", 8, 16]}]}}
                """;
        ConfigException e = assertThrows(ConfigException.class, () -> ConfigIO.fromJson(text, "inline", ExperimentConfig.class));
        String m = e.getMessage();
        assertTrue(m.contains("'projection'"), m);
        assertTrue(m.contains("inline"), m);
        assertTrue(m.contains("line 3"), m);
        assertTrue(m.contains("distillation.intermediate_matches[1]"), m);
        assertTrue(m.contains("proj") && m.contains("relation_heads") && m.contains("layer_T"), m);
    }

    @Test
    void unknownTopLevelKey() {
        ConfigException e = assertThrows(ConfigException.class,
                () -> ConfigIO.fromYaml("training: {}\ndistilation: {}\n", "top.yaml", ExperimentConfig.class));
        String m = e.getMessage();
        assertTrue(m.contains("'distilation'") && m.contains("line 2") && m.contains("top.yaml"), m);
        assertTrue(m.contains("distillation") && m.contains("training"), m);
    }

    // ---------------------------------------------------------------- wrong types

    @Test
    void wrongTypeNamesTheFieldPath() {
        ConfigException e = assertThrows(ConfigException.class, () -> ConfigIO.fromJson(
                "{\"distillation\": {\"temperature\": \"hot\"}}", "types.json", ExperimentConfig.class));
        assertTrue(e.field().endsWith("distillation.temperature"), e.field());
        assertTrue(e.getMessage().contains("hot"), e.getMessage());
        assertTrue(e.getMessage().contains("types.json"), e.getMessage());
        assertTrue(e.getMessage().contains("line 1"), e.getMessage());
    }

    @Test
    void wrongTypeDeepInsideNamesTheFullPath() {
        String yaml = """
                training:
                  batch_size: many
                """;
        ConfigException e = assertThrows(ConfigException.class, () -> ConfigIO.fromYaml(yaml, "t.yaml", ExperimentConfig.class));
        assertTrue(e.field().endsWith("training.batch_size"), e.field());
        assertTrue(e.getMessage().contains("many"), e.getMessage());

        String matchYaml = """
                distillation:
                  intermediate_matches:
                    - {layer_T: 1, layer_S: 1, loss: hidden_mse, weight: heavy}
                """;
        ConfigException m = assertThrows(ConfigException.class, () -> ConfigIO.fromYaml(matchYaml, "t.yaml", ExperimentConfig.class));
        assertTrue(m.field().endsWith("distillation.intermediate_matches[0].weight"), m.field());
        assertTrue(m.getMessage().contains("line 3"), m.getMessage());
    }

    @Test
    void aListWhereAnObjectBelongsIsRejected() {
        ConfigException e = assertThrows(ConfigException.class,
                () -> ConfigIO.fromJson("{\"training\": [1, 2]}", "t", ExperimentConfig.class));
        assertTrue(e.field().endsWith("training"), e.field());
    }

    // ---------------------------------------------------------------- out-of-range values

    private static ConfigException yamlError(String yaml) {
        return assertThrows(ConfigException.class, () -> ConfigIO.fromYaml(yaml, "bad.yaml", ExperimentConfig.class));
    }

    private static void assertField(ConfigException e, String field, String... inMessage) {
        // the field is the path, possibly followed by a part of a list value: proj[3].lr, temperature_scheduler[1]
        assertTrue(e.field().matches("(?s).*: " + java.util.regex.Pattern.quote(field) + "(\\[.*)?"),
                "field " + e.field() + " should end with " + field + "; message: " + e.getMessage());
        assertTrue(e.getMessage().contains("bad.yaml"), e.getMessage());
        for (String s : inMessage) {
            assertTrue(e.getMessage().contains(s), "'" + s + "' missing from: " + e.getMessage());
        }
    }

    @Test
    void negativeMatchWeight() {
        assertField(yamlError("""
                distillation:
                  intermediate_matches:
                    - {layer_T: 1, layer_S: 1, loss: hidden_mse, weight: 1}
                    - {layer_T: 2, layer_S: 1, loss: hidden_mse, weight: -0.5}
                """), "distillation.intermediate_matches[1].weight", "-0.5", ">= 0");
    }

    @Test
    void zeroTemperature() {
        assertField(yamlError("distillation: {temperature: 0}\n"), "distillation.temperature", "0.0", "> 0");
    }

    @Test
    void negativeWeights() {
        assertField(yamlError("distillation: {kd_loss_weight: -1}\n"), "distillation.kd_loss_weight", "-1", ">= 0");
        assertField(yamlError("distillation: {hard_label_weight: -1}\n"), "distillation.hard_label_weight", "-1", ">= 0");
    }

    @Test
    void zeroGradientAccumulationSteps() {
        assertField(yamlError("training: {gradient_accumulation_steps: 0}\n"), "training.gradient_accumulation_steps", "0", ">= 1");
    }

    @Test
    void fp16IsRefused() {
        assertField(yamlError("training: {fp16: true}\n"), "training.fp16", "true", "fp32");
    }

    @Test
    void dataParallelAndLocalRankAreRefused() {
        assertField(yamlError("training: {data_parallel: true}\n"), "training.data_parallel", "true");
        assertField(yamlError("training: {local_rank: 0}\n"), "training.local_rank", "0", "-1");
    }

    @Test
    void bothEpochsAndStepsAreRefused() {
        assertField(yamlError("training: {num_epochs: 2, num_steps: 100}\n"), "training.num_steps", "100", "num_epochs", "not both");
    }

    @Test
    void otherTrainingRanges() {
        assertField(yamlError("training: {batch_size: 0}\n"), "training.batch_size", ">= 1");
        assertField(yamlError("training: {num_epochs: 0}\n"), "training.num_epochs", ">= 1");
        assertField(yamlError("training: {num_steps: 0}\n"), "training.num_steps", ">= 1");
        assertField(yamlError("training: {ckpt_steps: 0}\n"), "training.ckpt_steps", ">= 1");
        assertField(yamlError("training: {keep_checkpoints: 0}\n"), "training.keep_checkpoints", ">= 1");
        assertField(yamlError("training: {max_grad_norm: 0}\n"), "training.max_grad_norm", "-1");
        assertField(yamlError("training: {device: tpu}\n"), "training.device", "'tpu'", "auto, cpu, cuda");
        assertField(yamlError("training: {overlap_teacher: sometimes}\n"), "training.overlap_teacher", "sometimes");
    }

    @Test
    void optimizerRanges() {
        assertField(yamlError("training: {optimizer: {learning_rate: 0}}\n"), "training.optimizer.learning_rate", "> 0");
        assertField(yamlError("training: {optimizer: {beta1: 1.0}}\n"), "training.optimizer.beta1", "1.0");
        assertField(yamlError("training: {optimizer: {momentum: -0.1}}\n"), "training.optimizer.momentum", "-0.1");
    }

    @Test
    void relationHeadsBelowOne() {
        assertField(yamlError("""
                distillation:
                  intermediate_matches:
                    - {layer_T: 1, layer_S: 1, feature: value, loss: minilm_value, relation_heads: 0}
                """), "distillation.intermediate_matches[0].relation_heads", "0", ">= 1");
    }

    @Test
    void matchWithoutLossOrLayers() {
        assertField(yamlError("""
                distillation:
                  intermediate_matches:
                    - {layer_T: 1, layer_S: 1}
                """), "distillation.intermediate_matches[0].loss", "hidden_mse");
        assertField(yamlError("""
                distillation:
                  intermediate_matches:
                    - {layer_S: 1, loss: cos}
                """), "distillation.intermediate_matches[0].layer_T");
    }

    @Test
    void programmaticConstructionChecksTheSameRules() {
        ConfigException t = assertThrows(ConfigException.class, () -> DistillationConfig.builder().temperature(0).build());
        assertEquals("temperature", t.field());
        ConfigException w = assertThrows(ConfigException.class, () -> IntermediateMatch.hidden(1, 1, "cos").withWeight(-1));
        assertEquals("weight", w.field());
        ConfigException g = assertThrows(ConfigException.class,
                () -> TrainingConfig.builder().gradientAccumulationSteps(0).build());
        assertEquals("gradient_accumulation_steps", g.field());
        ConfigException p = assertThrows(ConfigException.class, () -> new ProjectionSpec("linear", 0, 768, null));
        assertTrue(p.field().startsWith("proj[1]"), p.field());
        ConfigException lr = assertThrows(ConfigException.class, () -> new ProjectionSpec("linear", 312, 768, -1e-3));
        assertTrue(lr.field().startsWith("proj[3]"), lr.field());
    }

    // ---------------------------------------------------------------- invalid list forms

    @ParameterizedTest
    @ValueSource(strings = {
            "[linear, 312]",                                   // too short
            "[linear, 312, 768, {learning_rate: 0.1}, 5]",     // too long
            "[312, 768, linear]",                              // kind not first
            "[linear, 312.5, 768]",                            // width not an integer
            "[linear, 312, 768, 0.001]",                       // options not a map
            "[linear, 312, 768, {lr: 0.001}]",                 // unknown option
            "[linear, 312, 768, {learning_rate: fast}]",       // option not a number
            "[linear, 0, 768]",                                // width < 1
            "[linear, 312, 768, {learning_rate: -1}]",         // learning rate <= 0
            "['', 312, 768]",                                  // blank kind
            "linear",                                          // not a list
    })
    void invalidProjectionForms(String proj) {
        ConfigException e = yamlError("""
                distillation:
                  intermediate_matches:
                    - {layer_T: 1, layer_S: 1, loss: hidden_mse}
                    - {layer_T: 4, layer_S: 1, loss: hidden_mse, proj: %s}
                """.formatted(proj));
        assertField(e, "distillation.intermediate_matches[1].proj", "line 4");
    }

    @Test
    void partsOfListValuesAreNamed() {
        ConfigException opt = yamlError("""
                distillation:
                  intermediate_matches:
                    - {layer_T: 4, layer_S: 1, loss: hidden_mse, proj: [linear, 312, 768, {lr: 0.001}]}
                """);
        assertTrue(opt.field().endsWith("distillation.intermediate_matches[0].proj[3].lr"), opt.field());
        assertTrue(opt.getMessage().contains("learning_rate"), opt.getMessage());
        ConfigException width = yamlError("""
                distillation:
                  intermediate_matches:
                    - {layer_T: 4, layer_S: 1, loss: hidden_mse, proj: [linear, 312, 0]}
                """);
        assertTrue(width.field().endsWith("distillation.intermediate_matches[0].proj[2] (teacher width)"), width.field());
        ConfigException arg = yamlError("distillation: {temperature_scheduler: [flsw, 1, b]}\n");
        assertTrue(arg.field().endsWith("distillation.temperature_scheduler[2]"), arg.field());
        assertTrue(arg.getMessage().contains("'b'") && arg.getMessage().contains("numbers"), arg.getMessage());
    }

    @Test
    void projectionFormErrorSaysWhatToWrite() {
        ConfigException e = yamlError("""
                distillation:
                  intermediate_matches:
                    - {layer_T: 4, layer_S: 1, loss: hidden_mse, proj: [linear, 312]}
                """);
        assertTrue(e.getMessage().contains("[kind, student_width, teacher_width]"), e.getMessage());
    }

    @ParameterizedTest
    @ValueSource(strings = {"-1", "[1, 2, 3]", "[]", "[0, -2]", "[1.5]", "one", "[a, b]", "{i: 1}"})
    void invalidLayerReferences(String ref) {
        ConfigException e = yamlError("""
                distillation:
                  intermediate_matches:
                    - {layer_T: %s, layer_S: 1, loss: hidden_mse}
                """.formatted(ref));
        assertField(e, "distillation.intermediate_matches[0].layer_T", "line 3");
    }

    @Test
    void layerRefErrorsSayWhatIsAllowed() {
        ConfigException neg = yamlError("distillation: {intermediate_matches: [{layer_T: 1, layer_S: -1, loss: cos}]}\n");
        assertField(neg, "distillation.intermediate_matches[0].layer_S", "-1", ">= 0");
        ConfigException three = yamlError("distillation: {intermediate_matches: [{layer_T: [1, 2, 3], layer_S: [0, 1], loss: mmd}]}\n");
        assertField(three, "distillation.intermediate_matches[0].layer_T", "[1, 2, 3]", "pair");
    }

    @Test
    void pairOnOneSideOnly() {
        ConfigException e = yamlError("distillation: {intermediate_matches: [{layer_T: [1, 2], layer_S: 1, loss: mmd}]}\n");
        assertField(e, "distillation.intermediate_matches[0].layer_S", "both");
    }

    @ParameterizedTest
    @ValueSource(strings = {"[flsw, a, 2]", "[flsw, 1, [2]]", "[flsw, 1, true]", "[]", "[1, 2]", "''", "{name: flsw}"})
    void invalidSchedulerForms(String scheduler) {
        ConfigException e = yamlError("distillation:\n  temperature: 4\n  temperature_scheduler: %s\n".formatted(scheduler));
        assertField(e, "distillation.temperature_scheduler", "line 3");
    }

    @Test
    void schedulerArgumentsMustBeNumbers() {
        ConfigException e = yamlError("distillation: {kd_loss_weight_scheduler: [linear_decay, fast]}\n");
        assertField(e, "distillation.kd_loss_weight_scheduler", "'fast'", "must be numbers");
    }

    @Test
    void lrScheduleParamsMustBeNumbers() {
        ConfigException e = yamlError("training: {lr_schedule: {name: linear_warmup_decay, params: {warmup_fraction: lots}}}\n");
        assertTrue(e.field().contains("training.lr_schedule.params"), e.field());
        assertTrue(e.getMessage().contains("lots"), e.getMessage());
    }

    // ---------------------------------------------------------------- syntax, empty files, extensions

    @Test
    void malformedJsonNamesTheLine() throws Exception {
        Path file = dir.resolve("broken.json");
        Files.writeString(file, """
                {
                  "distillation": {
                    "temperature": 8,,
                    "kd_loss_type": "ce"
                  }
                }
                """);
        ConfigException e = assertThrows(ConfigException.class, () -> ConfigIO.read(file, ExperimentConfig.class));
        assertTrue(e.getMessage().contains(file.toString()), e.getMessage());
        assertTrue(e.getMessage().contains("line 3"), e.getMessage());
    }

    @Test
    void truncatedJsonIsRejected() {
        ConfigException e = assertThrows(ConfigException.class,
                () -> ConfigIO.fromJson("{\"distillation\": {\"temperature\": 8", "cut.json", ExperimentConfig.class));
        assertTrue(e.getMessage().contains("cut.json") && e.getMessage().contains("line 1"), e.getMessage());
    }

    @Test
    void trailingContentIsRejected() {
        ConfigException e = assertThrows(ConfigException.class,
                () -> ConfigIO.fromJson("{\"distillation\": {}}\n{\"training\": {}}", "two.json", ExperimentConfig.class));
        assertTrue(e.getMessage().contains("line 2"), e.getMessage());
    }

    @Test
    void malformedYamlNamesTheLine() throws Exception {
        Path file = dir.resolve("broken.yaml");
        Files.writeString(file, """
                distillation:
                  temperature: 8
                  intermediate_matches: [ {layer_T: 1, layer_S: 1
                training:
                  batch_size: 4
                """);
        ConfigException e = assertThrows(ConfigException.class, () -> ConfigIO.read(file, ExperimentConfig.class));
        assertTrue(e.getMessage().contains(file.toString()), e.getMessage());
        assertTrue(e.getMessage().matches("(?s).*line [345],.*"), e.getMessage());
    }

    @Test
    void badYamlIndentationNamesTheLine() {
        String yaml = "distillation:\n  temperature: 8\n kd_loss_type: ce\n";
        ConfigException e = assertThrows(ConfigException.class, () -> ConfigIO.fromYaml(yaml, "indent.yaml", ExperimentConfig.class));
        assertTrue(e.getMessage().contains("indent.yaml") && e.getMessage().contains("line 3"), e.getMessage());
    }

    @Test
    void unclosedQuoteInYamlIsRejected() {
        String yaml = "distillation:\n  kd_loss_type: \"ce\n  temperature: 8\n";
        ConfigException e = assertThrows(ConfigException.class, () -> ConfigIO.fromYaml(yaml, "quote.yaml", ExperimentConfig.class));
        assertTrue(e.getMessage().contains("quote.yaml") && e.getMessage().matches("(?s).*line [234],.*"), e.getMessage());
    }

    @Test
    void invalidValuesInBlockYamlPointAtTheirKey() {
        String yaml = """
                training:
                  batch_size: 8
                  optimizer:
                    name: adamw
                    learning_rate: -1
                    weight_decay: 0.01
                distillation:
                  kd_loss_type: ce
                  temperature: 0
                  intermediate_matches:
                    - layer_T: 1
                      layer_S: 1
                      loss: cos
                    - layer_T: 2
                      layer_S: 1
                      loss: cos
                      weight: -2
                      feature: hidden
                """;
        // values are checked as their objects are built: the optimizer, then the matches, then the distillation
        ConfigException lr = assertThrows(ConfigException.class, () -> ConfigIO.fromYaml(yaml, "block.yaml", ExperimentConfig.class));
        assertTrue(lr.getMessage().startsWith("block.yaml line 5, column 5: training.optimizer.learning_rate: -1.0 is not allowed"),
                lr.getMessage());
        String fixedLr = yaml.replace("learning_rate: -1", "learning_rate: 0.1");
        ConfigException w = assertThrows(ConfigException.class, () -> ConfigIO.fromYaml(fixedLr, "block.yaml", ExperimentConfig.class));
        assertTrue(w.getMessage().startsWith("block.yaml line 17, column 7: distillation.intermediate_matches[1].weight: -2.0"),
                w.getMessage());
        String fixedW = fixedLr.replace("weight: -2", "weight: 2");
        ConfigException t = assertThrows(ConfigException.class, () -> ConfigIO.fromYaml(fixedW, "block.yaml", ExperimentConfig.class));
        assertTrue(t.getMessage().startsWith("block.yaml line 9, column 3: distillation.temperature: 0.0 is not allowed"), t.getMessage());
        String fixedT = fixedW.replace("temperature: 0", "temperature: 2");
        assertEquals(2.0, ConfigIO.fromYaml(fixedT, "block.yaml", ExperimentConfig.class)
                .distillation().intermediateMatches().get(1).weight());
    }

    @Test
    void invalidValuesWhenReadingAPartAtTheRoot() {
        ConfigException e = assertThrows(ConfigException.class,
                () -> ConfigIO.fromYaml("batch_size: 4\nfp16: true\n", "training.yaml", TrainingConfig.class));
        assertEquals("training.yaml line 2, column 1: fp16", e.field());
    }

    @Test
    void duplicateKeysAreRejected() {
        String json = "{\"distillation\": {\n\"temperature\": 8,\n\"temperature\": 2}}";
        ConfigException e = assertThrows(ConfigException.class, () -> ConfigIO.fromJson(json, "dup.json", ExperimentConfig.class));
        assertTrue(e.getMessage().contains("temperature") && e.getMessage().contains("line 3"), e.getMessage());
        String yaml = "distillation:\n  temperature: 8\n  temperature: 2\n";
        ConfigException y = assertThrows(ConfigException.class, () -> ConfigIO.fromYaml(yaml, "dup.yaml", ExperimentConfig.class));
        assertTrue(y.getMessage().contains("temperature") && y.getMessage().contains("line 3"), y.getMessage());
    }

    @ParameterizedTest
    @ValueSource(strings = {"empty.json", "empty.yaml", "empty.yml"})
    void emptyFileIsRejected(String name) throws Exception {
        Path file = dir.resolve(name);
        Files.writeString(file, "");
        ConfigException e = assertThrows(ConfigException.class, () -> ConfigIO.read(file, ExperimentConfig.class));
        assertTrue(e.getMessage().contains(file.toString()), e.getMessage());
    }

    @ParameterizedTest
    @ValueSource(strings = {"blank.json", "blank.yaml"})
    void whitespaceOnlyFileIsRejected(String name) throws Exception {
        Path file = dir.resolve(name);
        Files.writeString(file, "\n   \n# nothing here\n".replace("# nothing here", name.endsWith(".json") ? "" : "# nothing here"));
        ConfigException e = assertThrows(ConfigException.class, () -> ConfigIO.read(file, ExperimentConfig.class));
        assertTrue(e.getMessage().contains(file.toString()), e.getMessage());
    }

    @Test
    void badExtensionIsRejectedForReadingAndWriting() throws Exception {
        Path file = dir.resolve("experiment.txt");
        Files.writeString(file, "{}");
        ConfigException r = assertThrows(ConfigException.class, () -> ConfigIO.read(file, ExperimentConfig.class));
        assertTrue(r.getMessage().contains("experiment.txt"), r.getMessage());
        assertTrue(r.getMessage().contains(".json") && r.getMessage().contains(".yaml") && r.getMessage().contains(".yml"),
                r.getMessage());
        Path out = dir.resolve("out.txt");
        ConfigException w = assertThrows(ConfigException.class, () -> ConfigIO.write(out, fullExperiment()));
        assertEquals(r.field(), w.field());
        assertFalse(Files.exists(out));
    }

    @Test
    void missingFileIsAConfigException() {
        Path file = dir.resolve("nope.yaml");
        ConfigException e = assertThrows(ConfigException.class, () -> ConfigIO.read(file, ExperimentConfig.class));
        assertTrue(e.getMessage().contains(file.toString()), e.getMessage());
    }

    @Test
    void differentValuesGiveDifferentText() {
        ExperimentConfig a = fullExperiment();
        ExperimentConfig b = new ExperimentConfig(a.training(), a.distillation().toBuilder().temperature(7).build());
        assertNotEquals(a, b);
        assertNotEquals(ConfigIO.toJson(a), ConfigIO.toJson(b));
    }
}
