package org.distill4j.bert.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.distill4j.bert.weights.SafetensorsWriter;
import org.distill4j.bert.weights.TensorSource;
import org.distill4j.bert.weights.TensorSources;
import org.distill4j.bert.weights.WeightMismatchException;
import org.distill4j.core.data.Batch;
import org.distill4j.core.graph.ModelGraph;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Loading BERT weights by name from TensorFlow-named and Hugging Face-named checkpoints and our own format: the
 * reference model's weights, renamed the way each format names them, must reproduce the reference outputs.
 */
class BertCheckpointsTest {

    @TempDir
    Path dir;

    private final ParityFixtures fixtures = new ParityFixtures();

    private Map<String, INDArray> ourWeights() {
        Map<String, INDArray> w = new LinkedHashMap<>(fixtures.folder("weights"));
        w.putAll(fixtures.folder("heads/sequence"));
        return w;
    }

    /** Our name -> Hugging Face name, with PyTorch's [out, in] layout for linear weights. */
    private static Map<String, INDArray> asHuggingFace(Map<String, INDArray> ours) {
        Map<String, INDArray> hf = new LinkedHashMap<>();
        ours.forEach((name, value) -> {
            String n = name.replaceAll("^bert/encoder/layer_(\\d+)/", "bert.encoder.layer.$1.").replace('/', '.');
            boolean kernel = n.endsWith(".kernel");
            n = n.replace("LayerNorm.gamma", "LayerNorm.weight").replace("LayerNorm.beta", "LayerNorm.bias")
                    .replaceAll("\\.kernel$", ".weight").replaceAll("embeddings\\.(word|position|token_type)_embeddings$",
                            "embeddings.$1_embeddings.weight");
            hf.put(n, kernel ? value.transpose().dup('c') : value);
        });
        hf.put("bert.embeddings.position_ids", org.nd4j.linalg.factory.Nd4j.arange(24).castTo(DataType.INT64).reshape(1, 24));
        hf.put("cls.predictions.bias", org.nd4j.linalg.factory.Nd4j.zeros(DataType.FLOAT, 40)); // pre-training head: ignored
        return hf;
    }

    private INDArray logitsAfterLoading(java.util.function.Function<ModelGraph, List<String>> loader) {
        ModelGraph g = ModelGraph.create(new BertModel(fixtures.config(), BertHead.SEQUENCE_CLASSIFICATION, 3), 99);
        List<String> loaded = loader.apply(g);
        assertEquals(g.parameterNames().size(), loaded.size(), "every parameter loaded: " + loaded);
        Map<String, INDArray> in = fixtures.folder("inputs");
        Batch b = new Batch(Map.of("input_ids", in.get("input_ids"), "token_type_ids", in.get("token_type_ids"),
                "attention_mask", in.get("attention_mask"), "labels", in.get("labels_sequence")));
        return g.output(b, List.of("logits")).get("logits");
    }

    private void assertReferenceLogits(INDArray logits) {
        INDArray expected = fixtures.folder("expected").get("sequence_logits");
        double diff = expected.sub(logits.castTo(DataType.DOUBLE)).amaxNumber().doubleValue();
        assertTrue(diff < 1e-4, "max abs difference " + diff);
    }

    @Test
    void huggingFaceNamesAndLayoutLoad() throws IOException {
        Path file = dir.resolve("model.safetensors");
        SafetensorsWriter.write(file, asHuggingFace(ourWeights()));
        try (TensorSource source = TensorSources.open(file)) {
            assertReferenceLogits(logitsAfterLoading(g -> BertCheckpoints.loadHuggingFace(g, source)));
        }
    }

    @Test
    void tensorFlowNamesLoadWithTfHubPrefixAndGoogleClassifier() throws IOException {
        Map<String, INDArray> tf = new LinkedHashMap<>();
        ourWeights().forEach((name, value) -> {
            if (name.equals("classifier/kernel")) {
                tf.put("output_weights", value.transpose().dup('c')); // run_classifier.py stores [C, D]
            } else if (name.equals("classifier/bias")) {
                tf.put("output_bias", value);
            } else {
                tf.put("module/" + name, value);
            }
        });
        tf.put("module/bert/encoder/layer_0/output/dense/kernel/adam_m", tf.get("module/bert/encoder/layer_0/output/dense/kernel"));
        Path file = dir.resolve("tf-named.safetensors");
        SafetensorsWriter.write(file, tf);
        try (TensorSource source = TensorSources.open(file)) {
            assertReferenceLogits(logitsAfterLoading(g -> BertCheckpoints.loadTensorFlow(g, source)));
        }
    }

    @Test
    void ownFormatRoundTrips() {
        ModelGraph original = ModelGraph.create(new BertModel(fixtures.config(), BertHead.SEQUENCE_CLASSIFICATION, 3), 1);
        ourWeights().forEach((n, v) -> original.sd().getArrForVarName(n).assign(v));
        Path file = dir.resolve("ours.safetensors");
        BertCheckpoints.save(original, file);
        assertReferenceLogits(logitsAfterLoading(g -> BertCheckpoints.loadOwn(g, file)));
    }

    @Test
    void missingExtraAndMisShapedTensorsAreAllNamed() throws IOException {
        Map<String, INDArray> hf = asHuggingFace(ourWeights());
        hf.remove("bert.encoder.layer.1.output.dense.bias");
        hf.put("bert.encoder.layer.7.output.dense.bias", org.nd4j.linalg.factory.Nd4j.zeros(DataType.FLOAT, 32));
        hf.put("bert.pooler.dense.weight", org.nd4j.linalg.factory.Nd4j.zeros(DataType.FLOAT, 32, 31));
        Path file = dir.resolve("broken.safetensors");
        SafetensorsWriter.write(file, hf);
        try (TensorSource source = TensorSources.open(file)) {
            ModelGraph g = ModelGraph.create(new BertModel(fixtures.config(), BertHead.SEQUENCE_CLASSIFICATION, 3), 1);
            WeightMismatchException e = assertThrows(WeightMismatchException.class, () -> BertCheckpoints.loadHuggingFace(g, source));
            String m = e.getMessage();
            assertTrue(m.contains("bert/encoder/layer_1/output/dense/bias"), m);
            assertTrue(m.contains("layer_7"), m);
            assertTrue(m.contains("bert/pooler/dense/kernel"), m);
        }
    }
}
