package org.distill4j.core.checkpoint;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.distill4j.core.config.DistillationConfig;
import org.distill4j.core.config.IntermediateMatch;
import org.distill4j.core.config.OptimizerConfig;
import org.distill4j.core.config.ProjectionSpec;
import org.distill4j.core.config.TrainingConfig;
import org.distill4j.core.data.InMemoryExamples;
import org.distill4j.core.graph.ModelGraph;
import org.distill4j.core.support.Runs;
import org.distill4j.core.support.SyntheticTask;
import org.distill4j.core.train.BasicTrainer;
import org.distill4j.core.train.GeneralDistiller;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.ndarray.INDArray;

/** An exported student loads without the training code and predicts exactly what the trained student predicts. */
class ExportedModelTest {

    @TempDir
    Path dir;

    private TrainingConfig training(String out, long seed) {
        return TrainingConfig.builder().numEpochs(2).batchSize(8).seed(seed).optimizer(OptimizerConfig.adamW(5e-3))
                .outputDir(dir.resolve(out).toString()).build();
    }

    private static void assertSamePredictions(ModelGraph trained, ModelGraph loaded, InMemoryExamples data) {
        INDArray expected = trained.predictLogits(data, 16);
        INDArray actual = loaded.predictLogits(data, 16);
        assertArrayEquals(expected.shape(), actual.shape());
        assertArrayEquals(expected.dup().reshape(-1).toFloatVector(), actual.dup().reshape(-1).toFloatVector(), 0f,
                "the exported model must predict exactly what the trained student predicts");
    }

    @Test
    void exportedTrainerStudentPredictsLikeTheTrainedOne() throws IOException {
        BasicTrainer trainer = BasicTrainer.builder().trainingConfig(training("trainer", 31)).student(Runs.student()).build();
        trainer.train(Runs.data());
        Path folder = dir.resolve("export");
        trainer.exportStudent(folder);

        assertTrue(Files.isRegularFile(folder.resolve("model.sdz")));
        assertTrue(Files.isRegularFile(folder.resolve("adaptor.json")));
        assertTrue(Files.isRegularFile(folder.resolve("provenance.json")));
        assertFalse(Files.exists(dir.resolve("export.partial")), "the temporary folder is renamed away");

        ModelGraph loaded = ExportedModel.load(folder);
        assertEquals(trainer.student().adaptor(), loaded.adaptor());
        assertSamePredictions(trainer.student(), loaded, SyntheticTask.generate(37, 11, 99));

        JsonNode provenance = new ObjectMapper().readTree(folder.resolve("provenance.json").toFile());
        assertEquals(31, provenance.get("seed").asLong(), provenance.toString());
        assertEquals("BasicTrainer", provenance.get("distiller").asText());
        assertEquals(trainer.student().parameterCount(), provenance.get("parameters").asLong());
        assertTrue(provenance.get("experiment").asText().contains("\"seed\""), provenance.toString());
    }

    @Test
    void exportedDistilledStudentHasNoTrainingGraphAndPredictsLikeTheTrainedOne() throws IOException {
        GeneralDistiller distiller = GeneralDistiller.builder().trainingConfig(training("distill", 77))
                .distillationConfig(DistillationConfig.builder().hardLabelWeight(0.5)
                        .intermediateMatches(List.of(IntermediateMatch.hidden(2, 1, "hidden_mse")
                                .withProj(new ProjectionSpec("linear", 8, 16, null))))
                        .build())
                .teacher(Runs.teacher(dir)).student(Runs.student()).build();
        distiller.train(Runs.data());
        Path folder = dir.resolve("distilled");
        distiller.exportStudent(folder);
        distiller.exportStudent(folder); // exporting again over the same folder replaces it

        ModelGraph loaded = ExportedModel.load(folder);
        assertSamePredictions(distiller.student(), loaded, Runs.data());
        assertEquals(ModelGraph.create(Runs.student(), 77).parameterNames(), loaded.parameterNames());
        assertTrue(loaded.sd().variables().stream().noneMatch(v -> v.name().startsWith("distill/")),
                "no projection, loss or teacher placeholder may be exported");

        JsonNode provenance = new ObjectMapper().readTree(folder.resolve("provenance.json").toFile());
        assertEquals(77, provenance.get("seed").asLong());
        assertEquals("GeneralDistiller", provenance.get("distiller").asText());
    }

    @Test
    void aFolderWithoutModelSdzIsRefused() throws IOException {
        BasicTrainer trainer = BasicTrainer.builder()
                .trainingConfig(TrainingConfig.builder().numSteps(1).batchSize(8).seed(1)
                        .outputDir(dir.resolve("tiny").toString()).build())
                .student(Runs.student()).build();
        trainer.train(Runs.data());
        Path folder = dir.resolve("incomplete");
        trainer.exportStudent(folder);
        Files.delete(folder.resolve("model.sdz"));
        CheckpointFormatException e = assertThrows(CheckpointFormatException.class, () -> ExportedModel.load(folder));
        assertTrue(e.getMessage().contains("model.sdz"), e.getMessage());

        Path empty = Files.createDirectories(dir.resolve("empty"));
        assertThrows(CheckpointFormatException.class, () -> ExportedModel.load(empty));
        assertThrows(CheckpointFormatException.class, () -> ExportedModel.load(dir.resolve("does-not-exist")));
    }

    @Test
    void aDamagedModelFileIsACheckpointFormatException() throws IOException {
        BasicTrainer trainer = BasicTrainer.builder()
                .trainingConfig(TrainingConfig.builder().numSteps(1).batchSize(8).seed(1)
                        .outputDir(dir.resolve("tiny2").toString()).build())
                .student(Runs.student()).build();
        trainer.train(Runs.data());
        Path folder = dir.resolve("damaged");
        trainer.exportStudent(folder);
        byte[] bytes = Files.readAllBytes(folder.resolve("model.sdz"));
        Files.write(folder.resolve("model.sdz"), java.util.Arrays.copyOf(bytes, bytes.length / 3));
        assertThrows(CheckpointFormatException.class, () -> ExportedModel.load(folder));
    }
}
