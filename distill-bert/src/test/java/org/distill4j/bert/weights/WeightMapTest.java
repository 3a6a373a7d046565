package org.distill4j.bert.weights;

import static org.distill4j.bert.weights.SafetensorsReaderTest.assertMessage;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

class WeightMapTest {

    private static Map<String, long[]> expectedShapes() {
        Map<String, long[]> m = new LinkedHashMap<>();
        m.put("embeddings/word", new long[] {10, 4});
        m.put("embeddings/position", new long[] {8, 4});
        m.put("layer_0/query/kernel", new long[] {4, 4});
        m.put("layer_0/query/bias", new long[] {4});
        m.put("layer_0/key/kernel", new long[] {4, 4});
        m.put("pooler/bias", new long[] {4});
        return m;
    }

    private static TensorSource source(Map<String, long[]> shapes) {
        Map<String, INDArray> arrays = new LinkedHashMap<>();
        shapes.forEach((n, s) -> arrays.put(n, Nd4j.rand(DataType.FLOAT, s)));
        return TensorSource.of("test source", arrays);
    }

    @Test
    void reportsMissingUnexpectedAndMisShapedTensorsAllAtOnce() throws IOException {
        Map<String, long[]> actual = new LinkedHashMap<>(expectedShapes());
        actual.remove("embeddings/position");
        actual.remove("pooler/bias");
        actual.put("layer_0/query/kernel", new long[] {4, 8});
        actual.put("layer_0/query/bias", new long[] {1, 4});
        actual.put("cls/predictions/bias", new long[] {10});
        actual.put("global_step", new long[] {});
        try (TensorSource src = source(actual)) {
            WeightMap map = WeightMap.expecting(expectedShapes());
            WeightMap.Report report = map.check(src);
            assertFalse(report.ok());
            assertEquals(List.of("embeddings/position", "pooler/bias"), report.missing());
            assertEquals(List.of("cls/predictions/bias", "global_step"), report.unexpected());
            assertEquals(List.of(
                    new WeightMap.ShapeMismatch("layer_0/query/kernel", new long[] {4, 4}, new long[] {4, 8}),
                    new WeightMap.ShapeMismatch("layer_0/query/bias", new long[] {4}, new long[] {1, 4})),
                    report.misShaped());

            WeightMismatchException e = assertThrows(WeightMismatchException.class, () -> map.load(src));
            assertEquals(report, e.report());
            assertMessage(e, "test source", "2 missing, 2 unexpected, 2 mis-shaped, 0 unreadable",
                    "embeddings/position", "pooler/bias", "cls/predictions/bias", "global_step",
                    "layer_0/query/kernel: expected [4, 4], found [4, 8]",
                    "layer_0/query/bias: expected [4], found [1, 4]");
        }
    }

    @Test
    void loadsInExpectedOrderAndToleratesIgnoredExtras() throws IOException {
        Map<String, long[]> actual = new LinkedHashMap<>(expectedShapes());
        actual.put("cls/predictions/bias", new long[] {10});
        actual.put("global_step", new long[] {});
        try (TensorSource src = source(actual)) {
            WeightMap strict = WeightMap.expecting(expectedShapes());
            assertEquals(List.of("cls/predictions/bias", "global_step"), strict.check(src).unexpected());
            WeightMap lenient = strict.ignoringUnexpected(n -> n.startsWith("cls/"))
                    .ignoringUnexpected(n -> n.equals("global_step"));
            assertTrue(lenient.check(src).ok(), lenient.check(src).describe());
            Map<String, INDArray> loaded = lenient.load(src);
            assertEquals(List.copyOf(expectedShapes().keySet()), List.copyOf(loaded.keySet()));
            INDArray word = loaded.get("embeddings/word");
            assertEquals(src.read("embeddings/word"), word);
            assertNotSame(src.read("embeddings/word"), word);
            assertTrue(strict.ignoringAllUnexpected().check(src).ok());
        }
    }

    @Test
    void renamedViewsTranslateDropAndDetectClashes() throws IOException {
        Map<String, long[]> prefixed = new LinkedHashMap<>();
        expectedShapes().forEach((n, s) -> prefixed.put("module/bert/" + n, s));
        prefixed.put("module/cls/predictions/bias", new long[] {10});
        try (TensorSource src = source(prefixed)) {
            TensorSource view = src.renamed(n -> n.startsWith("module/bert/") ? n.substring(12) : null);
            assertTrue(WeightMap.expecting(expectedShapes()).check(view).ok());
            assertEquals("pooler/bias", view.info("pooler/bias").name());
            assertEquals(src.read("module/bert/pooler/bias"), view.read("pooler/bias"));
            assertThrows(NoSuchElementException.class, () -> view.read("module/bert/pooler/bias"));
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> src.renamed(n -> n.startsWith("module/bert/") && n.endsWith("/bias") ? "bias" : n));
            assertMessage(e, "'module/bert/layer_0/query/bias'", "'module/bert/pooler/bias'", "'bias'");
        }
    }

    @Test
    void unreadableDtypesAreReported() throws IOException {
        try (TfCheckpointReader r = TfCheckpointReader.open(Fixtures.resource("tf-bundle"))) {
            WeightMap map = WeightMap.expecting(Map.of("vocab_strings", new long[] {1}, "global_step", new long[] {}))
                    .ignoringAllUnexpected();
            WeightMismatchException e = assertThrows(WeightMismatchException.class, () -> map.load(r));
            assertEquals(List.of("vocab_strings (DT_STRING)"), e.report().unreadable());
            assertMessage(e, "1 unreadable", "vocab_strings (DT_STRING)");
        }
    }

    @Test
    void inMemorySourceReportsDtypes() throws IOException {
        try (TensorSource s = TensorSource.of("mem", Map.of(
                "h", Nd4j.create(DataType.FLOAT16, 2), "i", Nd4j.create(DataType.INT64, 3)))) {
            assertEquals(TensorDType.FLOAT16, s.dtype("h"));
            assertEquals(DataType.FLOAT, s.read("h").dataType(), "read widens half to float");
            assertEquals(TensorDType.INT64, s.dtype("i"));
            assertEquals(24, s.info("i").byteSize());
        }
        assertThrows(IllegalArgumentException.class,
                () -> TensorSource.of("mem", Map.of("b", Nd4j.create(DataType.BOOL, 2))));
    }
}
