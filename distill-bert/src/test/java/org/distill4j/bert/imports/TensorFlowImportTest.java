package org.distill4j.bert.imports;

import static org.distill4j.bert.imports.ImportFixtures.assertClose;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.distill4j.core.config.ConfigException;
import org.distill4j.core.data.Batch;
import org.distill4j.core.graph.ModelGraph;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * A TensorFlow frozen graph (written with TensorFlow's GraphDef protobuf by {@link FrozenGraphs}: TensorFlow is not
 * installed here) imported with DL4J's TensorFlow importer through {@link ModelImports}, named as a teacher, and
 * compared with the same computation in ND4J.
 */
class TensorFlowImportTest {

    @TempDir
    Path dir;

    private FrozenGraphs.Classifier classifier;
    private Path pb;

    @BeforeEach
    void write() throws Exception {
        classifier = FrozenGraphs.Classifier.random(40, 12, 16, 3, 11);
        pb = dir.resolve("classifier.pb");
        classifier.write(pb);
    }

    private static Batch batch() {
        int[][] ids = {{2, 7, 11, 7, 3, 0}, {2, 33, 5, 5, 5, 3}, {2, 1, 3, 0, 0, 0}};
        int[][] mask = {{1, 1, 1, 1, 1, 0}, {1, 1, 1, 1, 1, 1}, {1, 1, 1, 0, 0, 0}};
        return new Batch(Map.of("input_ids", Nd4j.createFromArray(ids), "attention_mask", Nd4j.createFromArray(mask)));
    }

    @Test
    void frozenGraphImportsAndMatchesNd4j() {
        ImportedModel model = ModelImports.tensorFlow(pb);
        assertEquals(List.of("attention_mask", "input_ids"), model.inputs());
        assertTrue(model.outputs().contains("logits"), model.outputs().toString());
        ModelGraph teacher = model.teacher(TeacherSpec.builder().input("input_ids").input("attention_mask")
                .logits("logits").hidden(List.of("pooled", "hidden")).inputsMask("attention_mask").build());
        Batch b = batch();
        Map<String, INDArray> out = teacher.output(b, List.of("pooled", "hidden", "logits"));
        List<INDArray> expected = classifier.forward(b.get("input_ids"), b.get("attention_mask"));
        assertClose(expected.get(0), out.get("pooled"), 1e-5, "pooled");
        assertClose(expected.get(1), out.get("hidden"), 1e-5, "hidden");
        assertClose(expected.get(2), out.get("logits"), 1e-5, "logits");
    }

    @Test
    void unknownOutputIsReportedWithTheUnconsumedOutputs() {
        ImportedModel model = ModelImports.tensorFlow(pb);
        ConfigException e = assertThrows(ConfigException.class, () -> model.teacher(TeacherSpec.builder()
                .input("input_ids").input("attention_mask").logits("probabilities").build()));
        assertTrue(e.getMessage().contains("its outputs: [logits]"), e.getMessage());
    }

    @Test
    void missingFileIsReported() {
        ModelImportException e = assertThrows(ModelImportException.class, () -> ModelImports.tensorFlow(dir.resolve("none.pb")));
        assertTrue(e.getMessage().contains("none.pb"), e.getMessage());
    }
}
