package org.distill4j.bert.imports;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.distill4j.core.data.Batch;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** The files written by tools/onnx/export_bert.py (resources imports/). */
final class ImportFixtures {

    static final List<String> INPUTS = List.of("input_ids", "attention_mask", "token_type_ids");
    static final int LAYERS = 2;

    private ImportFixtures() {
    }

    static Path root() {
        try {
            return Path.of(ImportFixtures.class.getResource("/imports/export.json").toURI()).getParent();
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    static Path file(String name) {
        return root().resolve(name);
    }

    /** Arrays of a case folder (cases/full, cases/short), by file name. */
    static Map<String, INDArray> testCase(String name) {
        Map<String, INDArray> out = new LinkedHashMap<>();
        try (Stream<Path> files = Files.list(root().resolve("cases").resolve(name))) {
            for (Path f : files.sorted().toList()) {
                out.put(f.getFileName().toString().replace(".npy", ""), Nd4j.createFromNpyFile(f.toFile()));
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out;
    }

    /** The case's inputs as a batch (int32 fields, as Distill4j's data pipeline makes them). */
    static Batch batch(Map<String, INDArray> testCase) {
        Map<String, INDArray> fields = new LinkedHashMap<>();
        for (String n : INPUTS) {
            fields.put(n, testCase.get(n));
        }
        return new Batch(fields);
    }

    /** Max abs difference, after checking shapes. */
    static double maxAbsDiff(INDArray expected, INDArray actual, String name) {
        assertArrayEquals(expected.shape(), actual.shape(), name + " shape");
        return expected.castTo(DataType.DOUBLE).sub(actual.castTo(DataType.DOUBLE)).amaxNumber().doubleValue();
    }

    static void assertClose(INDArray expected, INDArray actual, double tolerance, String name) {
        double d = maxAbsDiff(expected, actual, name);
        assertTrue(d <= tolerance, name + ": max abs difference " + d + " > " + tolerance);
    }
}
