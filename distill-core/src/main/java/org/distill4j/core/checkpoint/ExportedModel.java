package org.distill4j.core.checkpoint;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Map;
import org.distill4j.core.graph.ExactGelu;
import org.distill4j.core.graph.ModelAdaptor;
import org.distill4j.core.graph.ModelGraph;
import org.nd4j.autodiff.samediff.SameDiff;

/**
 * A trained model saved for inference: a folder with the model's own graph and weights (model.sdz, SameDiff's
 * format, no training graph attached), its adaptor (adaptor.json) and provenance (provenance.json). Loading it
 * needs only ND4J and this class, not the training code. SameDiff's format caps a model at 2 GB, far above the
 * students Distill4j produces.
 */
public final class ExportedModel {

    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private ExportedModel() {
    }

    /**
     * Saves a model. The folder is written under a temporary name and renamed when complete.
     *
     * @param provenance free-form facts about how it was made (configuration, seed, versions, data)
     */
    public static void save(Path folder, ModelGraph model, Map<String, Object> provenance) {
        if (!ExactGelu.fastFormOutputs(model.sd()).isEmpty()) {
            throw new IllegalArgumentException("cannot export to " + folder + ": the graph's GELUs "
                    + ExactGelu.fastFormOutputs(model.sd()) + " are in the fast form only Distill4j's host kernels compute "
                    + "exactly (ND4J alone computes its gelu op as the sigmoid approximation); export a graph built "
                    + "with ModelGraph.createPortable, as Distiller.exportStudent does");
        }
        Path tmp = folder.resolveSibling(folder.getFileName() + ".partial");
        try {
            deleteTree(tmp);
            Files.createDirectories(tmp);
            model.sd().save(tmp.resolve("model.sdz").toFile(), false);
            JSON.writeValue(tmp.resolve("adaptor.json").toFile(), model.adaptor());
            JSON.writeValue(tmp.resolve("provenance.json").toFile(), provenance);
            deleteTree(folder);
            Files.move(tmp, folder, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot export the model to " + folder, e);
        }
    }

    /** Loads a model saved by {@link #save}. */
    public static ModelGraph load(Path folder) {
        Path graph = folder.resolve("model.sdz");
        Path adaptor = folder.resolve("adaptor.json");
        if (!Files.isRegularFile(graph) || !Files.isRegularFile(adaptor)) {
            throw new CheckpointFormatException(folder + " is not an exported Distill4j model: it needs model.sdz and adaptor.json");
        }
        try {
            SameDiff sd = SameDiff.load(graph.toFile(), false);
            return new ModelGraph(sd, JSON.readValue(adaptor.toFile(), ModelAdaptor.class));
        } catch (IOException | RuntimeException e) {
            String why = e.getMessage() != null ? e.getMessage() : e.getClass().getSimpleName();
            throw new CheckpointFormatException("cannot load the exported model in " + folder + " (" + why + "): model.sdz "
                    + "is damaged or truncated; export the model again (fine-tune or distill writes OUTPUT/model)", e);
        }
    }

    private static void deleteTree(Path p) throws IOException {
        if (!Files.exists(p)) {
            return;
        }
        try (var walk = Files.walk(p)) {
            for (Path x : walk.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.delete(x);
            }
        }
    }
}
