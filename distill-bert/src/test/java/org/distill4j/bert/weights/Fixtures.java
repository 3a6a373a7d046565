package org.distill4j.bert.weights;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.nd4j.linalg.api.ndarray.INDArray;

/** Test fixtures under src/test/resources/weights, written by tools/weights/make_fixtures.py. */
final class Fixtures {
    static final ObjectMapper JSON = new ObjectMapper();

    private Fixtures() {
    }

    static Path resource(String relative) {
        URL url = Fixtures.class.getResource("/weights/" + relative);
        if (url == null) {
            throw new IllegalStateException("missing test resource weights/" + relative
                    + "; regenerate with /usr/bin/python3 tools/weights/make_fixtures.py");
        }
        try {
            return Path.of(url.toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    static JsonNode json(String relative) throws IOException {
        return JSON.readTree(Files.readString(resource(relative), StandardCharsets.UTF_8));
    }

    static long[] longs(JsonNode array) {
        long[] out = new long[array.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = array.get(i).asLong();
        }
        return out;
    }

    /** A JSON number, or the strings "inf" / "-inf" the fixture script writes for infinities. */
    static double number(JsonNode v) {
        if (v.isTextual()) {
            return switch (v.asText()) {
                case "inf" -> Double.POSITIVE_INFINITY;
                case "-inf" -> Double.NEGATIVE_INFINITY;
                default -> throw new IllegalArgumentException(v.asText());
            };
        }
        return v.asDouble();
    }

    /**
     * Asserts an array read from a file equals the fixture's expectation exactly: shape, ND4J type, and every value
     * bit for bit (so -0.0 differs from 0.0).
     */
    static void assertExact(String name, JsonNode expected, INDArray actual) {
        TensorDType dtype = TensorDType.fromSafetensorsName(expected.get("dtype").asText());
        assertArrayEquals(longs(expected.get("shape")), actual.shape(), name + " shape");
        assertEquals(dtype.readType(), actual.dataType(), name + " type");
        JsonNode values = expected.get("values");
        assertEquals(values.size(), actual.length(), name + " length");
        if (actual.length() == 0) {
            return;
        }
        switch (dtype) {
            case FLOAT32, FLOAT16, BFLOAT16 -> {
                float[] a = actual.data().asFloat();
                for (int i = 0; i < a.length; i++) {
                    float e = (float) number(values.get(i));
                    assertEquals(Float.floatToIntBits(e), Float.floatToIntBits(a[i]),
                            name + "[" + i + "]: expected " + e + ", got " + a[i]);
                }
            }
            case FLOAT64 -> {
                double[] a = actual.data().asDouble();
                for (int i = 0; i < a.length; i++) {
                    assertEquals(Double.doubleToLongBits(number(values.get(i))), Double.doubleToLongBits(a[i]),
                            name + "[" + i + "]");
                }
            }
            case INT32, INT64 -> {
                long[] a = actual.data().asLong();
                for (int i = 0; i < a.length; i++) {
                    assertEquals(values.get(i).asLong(), a[i], name + "[" + i + "]");
                }
            }
            default -> throw new AssertionError(dtype);
        }
    }

    /** Writes a safetensors file by hand: the header text verbatim, then {@code data}. */
    static Path rawSafetensors(Path file, String header, byte[] data) throws IOException {
        byte[] h = header.getBytes(StandardCharsets.UTF_8);
        ByteBuffer buf = ByteBuffer.allocate(8 + h.length + data.length).order(ByteOrder.LITTLE_ENDIAN);
        buf.putLong(h.length).put(h).put(data);
        Files.write(file, buf.array());
        return file;
    }

    /** Copies a file or a folder tree. */
    static void copyTree(Path from, Path to) throws IOException {
        try (var walk = Files.walk(from)) {
            for (Path p : (Iterable<Path>) walk::iterator) {
                Path target = to.resolve(from.relativize(p).toString());
                if (Files.isDirectory(p)) {
                    Files.createDirectories(target);
                } else {
                    Files.createDirectories(target.getParent());
                    Files.copy(p, target);
                }
            }
        }
    }
}
