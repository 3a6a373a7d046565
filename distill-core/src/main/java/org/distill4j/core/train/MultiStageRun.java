package org.distill4j.core.train;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.distill4j.core.checkpoint.Checkpoint;
import org.distill4j.core.checkpoint.CheckpointIO;
import org.distill4j.core.config.MultiStageConfig;
import org.distill4j.core.config.StageConfig;
import org.distill4j.core.data.ExampleSet;
import org.distill4j.core.graph.ModelDefinition;
import org.distill4j.core.graph.ModelGraph;
import org.distill4j.core.registry.Registries;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Runs the stages of a {@link MultiStageConfig} in order, each in its own folder {@code <output>/<index>-<name>},
 * each stage's student starting from the previous stage's final student weights (projections of a stage stay
 * with it). Running it again continues where it stopped: finished stages (marked by a {@code stage.done} file) are
 * skipped and their final checkpoint supplies the weights, and an interrupted stage resumes from its latest
 * checkpoint.
 */
public final class MultiStageRun {

    private final MultiStageConfig config;
    private final ModelGraph teacher;
    private final ModelDefinition student;
    private final Path output;
    private final Registries registries;
    private final Function<StageConfig, List<org.distill4j.core.listener.TrainingListener>> listeners;

    /**
     * @param teacher   the frozen teacher (unused by "trainer" stages)
     * @param output    the run's folder; stage folders are created inside it
     * @param listeners listeners for each stage (may return an empty list)
     */
    public MultiStageRun(MultiStageConfig config, ModelGraph teacher, ModelDefinition student, Path output,
                         Registries registries, Function<StageConfig, List<org.distill4j.core.listener.TrainingListener>> listeners) {
        this.config = config;
        this.teacher = teacher;
        this.student = student;
        this.output = output;
        this.registries = registries;
        this.listeners = listeners;
    }

    /** The folder of stage {@code index}. */
    public Path stageFolder(int index) {
        return output.resolve((index + 1) + "-" + config.stages().get(index).name());
    }

    /**
     * Runs (or continues) every stage.
     *
     * @return the result of each stage that ran in this call, by stage name; the student weights after the last
     *         stage are in {@link #finalWeights}
     */
    public Map<String, TrainingResult> run(ExampleSet data) {
        Map<String, TrainingResult> results = new LinkedHashMap<>();
        Map<String, INDArray> weights = Map.of();
        for (int i = 0; i < config.stages().size(); i++) {
            StageConfig stage = config.stages().get(i);
            Path folder = stageFolder(i);
            Path done = folder.resolve("stage.done");
            if (Files.isRegularFile(done)) {
                weights = studentWeights(CheckpointIO.read(CheckpointIO.latest(folder).orElseThrow(() ->
                        new IllegalStateException(folder + " is marked done but holds no checkpoint"))));
                continue;
            }
            Distiller.Builder<? extends Distiller> b = switch (stage.distiller()) {
                case "trainer" -> BasicTrainer.builder();
                case "basic" -> BasicDistiller.builder().teacher(teacher);
                default -> GeneralDistiller.builder().teacher(teacher);
            };
            b.trainingConfig(stage.training().toBuilder().outputDir(folder.toString()).build())
                    .distillationConfig(stage.distillation()).student(student).registries(registries)
                    .initialWeights(weights);
            listeners.apply(stage).forEach(b::listener);
            if (CheckpointIO.latest(folder).isPresent()) {
                b.resumeFrom(folder);
            }
            Distiller distiller = b.build();
            TrainingResult result = distiller.train(data);
            results.put(stage.name(), result);
            if (result.stopReason() != null) {
                return results; // stopped early: the next call resumes this stage
            }
            ModelGraph trained = distiller.trainedModel(); // the student alone: the stage's projections stay behind
            weights = new LinkedHashMap<>();
            for (String p : trained.parameterNames()) {
                weights.put(p, trained.sd().getArrForVarName(p));
            }
            try {
                Files.writeString(done, "completed after " + result.state().step() + " updates\n");
            } catch (IOException e) {
                throw new UncheckedIOException("cannot mark stage " + stage.name() + " done in " + folder, e);
            }
        }
        finalWeights = weights;
        return results;
    }

    private Map<String, INDArray> finalWeights = Map.of();

    /** The student weights after the last stage (empty until {@link #run} completes every stage). */
    public Map<String, INDArray> finalWeights() {
        return finalWeights;
    }

    /** A checkpoint's student parameters (projections, named distill/..., stay behind). */
    private Map<String, INDArray> studentWeights(Checkpoint ckpt) {
        ModelGraph fresh = ModelGraph.create(student, 0);
        Map<String, INDArray> out = new LinkedHashMap<>();
        for (String p : fresh.parameterNames()) {
            INDArray v = ckpt.parameters().get(p);
            if (v == null) {
                throw new IllegalStateException("checkpoint lacks student parameter " + p);
            }
            out.put(p, v);
        }
        return out;
    }

}
