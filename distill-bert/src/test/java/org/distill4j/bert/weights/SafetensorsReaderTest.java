package org.distill4j.bert.weights;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

class SafetensorsReaderTest {
    private static final String FIXTURE = "python-written.safetensors";

    @TempDir
    Path tmp;

    @Test
    void readsTheFileWrittenByPythonExactly() throws IOException {
        JsonNode expected = Fixtures.json("python-written.expected.json");
        try (SafetensorsReader r = SafetensorsReader.open(Fixtures.resource(FIXTURE))) {
            Set<String> names = new TreeSet<>();
            expected.get("tensors").fieldNames().forEachRemaining(names::add);
            assertEquals(names, r.names());
            assertEquals(Map.of("format", "pt", "writer", "tools/weights/make_fixtures.py"), r.metadata());
            for (String name : names) {
                JsonNode e = expected.get("tensors").get(name);
                TensorInfo info = r.info(name);
                assertEquals(e.get("dtype").asText(), info.storedType(), name);
                assertArrayEquals(Fixtures.longs(e.get("shape")), r.shape(name), name);
                Fixtures.assertExact(name, e, r.read(name));
            }
            assertEquals(TensorDType.FLOAT16, r.dtype("half.values"));
            assertEquals(0, r.read("scalar").rank());
            assertEquals(2.75f, r.read("scalar").getFloat(0));
        }
    }

    @Test
    void writerRoundTripsEveryDtype() throws IOException {
        INDArray f32 = Nd4j.create(new float[] {1.5f, -0.0f, Float.MIN_VALUE, Float.MAX_VALUE, 3e-8f, -7f},
                new long[] {2, 3}, DataType.FLOAT);
        INDArray f64 = Nd4j.create(new double[] {Math.PI, -1e-300}, new long[] {2}, DataType.DOUBLE);
        INDArray i32 = Nd4j.create(new int[] {Integer.MIN_VALUE, 0, Integer.MAX_VALUE}, new long[] {3, 1},
                DataType.INT32);
        INDArray i64 = Nd4j.create(new long[] {Long.MIN_VALUE, 9007199254740993L}, new long[] {1, 2},
                DataType.INT64);
        INDArray view = Nd4j.arange(12).castTo(DataType.FLOAT).reshape(3, 4).transpose();   // f-ordered view
        Path file = tmp.resolve("out/roundtrip.safetensors");
        new SafetensorsWriter()
                .add("f32", f32).add("f64", f64).add("i32", i32).add("i64", i64).add("view", view)
                .add("as_f16", f32.mul(0).addi(Nd4j.create(new float[] {0.1f, 1f, 65504f, 1e5f, 6e-8f, -2f},
                        new long[] {2, 3}, DataType.FLOAT)), TensorDType.FLOAT16)
                .add("as_bf16", f32, TensorDType.BFLOAT16)
                .add("as_i32", i64.mul(0).addi(5), TensorDType.INT32)
                .add("scalar", Nd4j.scalar(4.25f))
                .add("empty", Nd4j.create(DataType.FLOAT, 0, 4))
                .metadata("format", "pt")
                .write(file);
        assertEquals(0, (Files.size(file) - 8 - dataBytes(file)) % 8, "header padded to 8 bytes");
        try (SafetensorsReader r = SafetensorsReader.open(file)) {
            assertEquals(Map.of("format", "pt"), r.metadata());
            assertEquals(f32, r.read("f32"));
            assertEquals(f64, r.read("f64"));
            assertEquals(i32, r.read("i32"));
            assertEquals(i64, r.read("i64"));
            assertEquals(view.dup('c'), r.read("view"));
            assertEquals("F16", r.info("as_f16").storedType());
            float[] half = r.read("as_f16").data().asFloat();
            assertArrayEquals(new float[] {0.0999755859375f, 1f, 65504f, Float.POSITIVE_INFINITY, 5.9604645e-8f, -2f},
                    half);
            assertEquals("BF16", r.info("as_bf16").storedType());
            float[] bf = r.read("as_bf16").data().asFloat();
            assertEquals(1.5f, bf[0]);
            assertEquals(Float.POSITIVE_INFINITY, bf[3], "FLOAT max rounds up to infinity in bfloat16");
            assertEquals(Nd4j.create(new int[] {5, 5}, new long[] {1, 2}, DataType.INT32), r.read("as_i32"));
            assertEquals(4.25f, r.read("scalar").getFloat(0));
            assertArrayEquals(new long[] {0, 4}, r.read("empty").shape());
        }
    }

    private static long dataBytes(Path file) throws IOException {
        try (SafetensorsReader r = SafetensorsReader.open(file)) {
            return r.names().stream().mapToLong(n -> r.info(n).byteSize()).sum();
        }
    }

    @Test
    void writerNarrowingMatchesTorchRoundingBitForBit() throws IOException {
        JsonNode cases = Fixtures.json("python-written.expected.json").get("rounding");
        float[] values = new float[cases.size()];
        for (int i = 0; i < values.length; i++) {
            values[i] = Float.intBitsToFloat(cases.get(i).get("f32_bits").asInt());
        }
        Path file = tmp.resolve("rounding.safetensors");
        INDArray arr = Nd4j.create(values, new long[] {values.length}, DataType.FLOAT);
        new SafetensorsWriter().add("h", arr, TensorDType.FLOAT16).add("b", arr, TensorDType.BFLOAT16).write(file);
        byte[] bytes = Files.readAllBytes(file);
        ByteBuffer le = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        long dataStart = 8 + le.getLong(0);
        try (SafetensorsReader r = SafetensorsReader.open(file)) {
            // Tensors are stored in name order: "b" then "h".
            for (int i = 0; i < values.length; i++) {
                int bf = le.getShort((int) dataStart + 2 * i) & 0xffff;
                int h = le.getShort((int) dataStart + 2 * values.length + 2 * i) & 0xffff;
                assertEquals(cases.get(i).get("bf16_bits").asInt(), bf, "bf16 of " + values[i]);
                assertEquals(cases.get(i).get("f16_bits").asInt(), h, "f16 of " + values[i]);
            }
            assertEquals(values.length, r.info("h").elementCount());
        }
    }

    @Test
    void halfAndBfloat16ConversionsRoundTripEveryBitPattern() {
        for (int bits = 0; bits < 0x10000; bits++) {
            short s = (short) bits;
            float h = HalfFloats.halfToFloat(s);
            if (Float.isNaN(h)) {
                assertTrue((bits & 0x7c00) == 0x7c00 && (bits & 0x3ff) != 0);
                assertTrue((HalfFloats.floatToHalf(h) & 0x7c00) == 0x7c00);
            } else {
                assertEquals(bits, HalfFloats.floatToHalf(h) & 0xffff, "half " + Integer.toHexString(bits));
            }
            float b = HalfFloats.bfloat16ToFloat(s);
            if (!Float.isNaN(b)) {
                assertEquals(bits, HalfFloats.floatToBfloat16(b) & 0xffff, "bf16 " + Integer.toHexString(bits));
            }
        }
        assertTrue(Float.isNaN(HalfFloats.bfloat16ToFloat(HalfFloats.floatToBfloat16(Float.intBitsToFloat(0x7f800001)))));
    }

    @Test
    void opensAModelFolder() throws IOException {
        Files.copy(Fixtures.resource(FIXTURE), tmp.resolve("model.safetensors"));
        try (SafetensorsReader r = SafetensorsReader.open(tmp); TensorSource s = TensorSources.open(tmp)) {
            assertEquals(r.names(), s.names());
        }
        WeightFormatException e = assertThrows(WeightFormatException.class,
                () -> SafetensorsReader.open(Files.createDirectory(tmp.resolve("empty"))));
        assertTrue(e.getMessage().contains("no model.safetensors"), e.getMessage());
    }

    @Test
    void truncatedFileNamesTheFileAndTheTensorBeyondTheData() throws IOException {
        byte[] full = Files.readAllBytes(Fixtures.resource(FIXTURE));
        Path file = tmp.resolve("truncated.safetensors");
        Files.write(file, Arrays.copyOf(full, full.length - 3));
        WeightFormatException e = assertThrows(WeightFormatException.class, () -> SafetensorsReader.open(file));
        // The last tensor in the file is "ids.i32" (the script writes it last).
        assertMessage(e, file.toString(), "'ids.i32'", "data_offsets", "truncated");

        Files.write(file, Arrays.copyOf(full, 5));
        e = assertThrows(WeightFormatException.class, () -> SafetensorsReader.open(file));
        assertMessage(e, file.toString(), "too short for the 8-byte header length");
    }

    @Test
    void headerLengthBeyondTheFileIsReported() throws IOException {
        byte[] full = Files.readAllBytes(Fixtures.resource(FIXTURE));
        Path file = tmp.resolve("long-header.safetensors");
        ByteBuffer.wrap(full).order(ByteOrder.LITTLE_ENDIAN).putLong(0, full.length);   // 8 bytes too many
        Files.write(file, full);
        WeightFormatException e = assertThrows(WeightFormatException.class, () -> SafetensorsReader.open(file));
        assertMessage(e, file.toString(), "header length " + full.length, "impossible");

        ByteBuffer.wrap(full).order(ByteOrder.LITTLE_ENDIAN).putLong(0, -1L);   // 2^64 - 1 unsigned
        Files.write(file, full);
        e = assertThrows(WeightFormatException.class, () -> SafetensorsReader.open(file));
        assertMessage(e, file.toString(), "header length 18446744073709551615");
    }

    @Test
    void offsetsOutOfRangeOrOfTheWrongSizeAreReported() throws IOException {
        Path file = Fixtures.rawSafetensors(tmp.resolve("offsets.safetensors"),
                "{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},"
                        + "\"w.bad\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[8,16]}}", new byte[12]);
        WeightFormatException e = assertThrows(WeightFormatException.class, () -> SafetensorsReader.open(file));
        assertMessage(e, file.toString(), "'w.bad'", "[8, 16]", "12 data bytes");

        Fixtures.rawSafetensors(file, "{\"w.size\":{\"dtype\":\"F32\",\"shape\":[3],\"data_offsets\":[0,8]}}",
                new byte[8]);
        e = assertThrows(WeightFormatException.class, () -> SafetensorsReader.open(file));
        assertMessage(e, file.toString(), "'w.size'", "span 8 bytes", "F32[3] needs 12");

        Fixtures.rawSafetensors(file, "{\"w.rev\":{\"dtype\":\"F32\",\"shape\":[0],\"data_offsets\":[8,4]}}",
                new byte[8]);
        e = assertThrows(WeightFormatException.class, () -> SafetensorsReader.open(file));
        assertMessage(e, "'w.rev'", "[8, 4]");

        Fixtures.rawSafetensors(file, "{\"w.neg\":{\"dtype\":\"F32\",\"shape\":[-1],\"data_offsets\":[0,4]}}",
                new byte[4]);
        e = assertThrows(WeightFormatException.class, () -> SafetensorsReader.open(file));
        assertMessage(e, "'w.neg'", "\"shape\"", "non-negative");
    }

    @Test
    void unknownDtypeIsReportedAndKnownButUnsupportedOnesAreListedOnly() throws IOException {
        Path file = Fixtures.rawSafetensors(tmp.resolve("dtype.safetensors"),
                "{\"w.q\":{\"dtype\":\"Q4\",\"shape\":[2],\"data_offsets\":[0,2]}}", new byte[2]);
        WeightFormatException e = assertThrows(WeightFormatException.class, () -> SafetensorsReader.open(file));
        assertMessage(e, file.toString(), "'w.q'", "unknown dtype 'Q4'", "F32");

        Fixtures.rawSafetensors(file, "{\"mask\":{\"dtype\":\"BOOL\",\"shape\":[3],\"data_offsets\":[0,3]},"
                + "\"x\":{\"dtype\":\"I32\",\"shape\":[1],\"data_offsets\":[3,7]}}", new byte[] {1, 0, 1, 7, 0, 0, 0});
        try (SafetensorsReader r = SafetensorsReader.open(file)) {
            assertEquals(Set.of("mask", "x"), r.names());
            assertFalse(r.info("mask").isReadable());
            assertEquals("BOOL", r.info("mask").storedType());
            e = assertThrows(WeightFormatException.class, () -> r.read("mask"));
            assertMessage(e, file.toString(), "'mask'", "BOOL cannot be read");
            assertEquals(7, r.read("x").getInt(0));
            NoSuchElementException missing = assertThrows(NoSuchElementException.class, () -> r.read("nope"));
            assertMessage(missing, "'nope'", file.toString());
        }
    }

    @Test
    void malformedHeadersAreReported() throws IOException {
        Path file = tmp.resolve("json.safetensors");
        Fixtures.rawSafetensors(file, "{\"a\": [1, 2", new byte[0]);
        assertMessage(assertThrows(WeightFormatException.class, () -> SafetensorsReader.open(file)),
                file.toString(), "not valid JSON");
        Fixtures.rawSafetensors(file, "[1, 2]", new byte[0]);
        assertMessage(assertThrows(WeightFormatException.class, () -> SafetensorsReader.open(file)),
                "must be a JSON object");
        Fixtures.rawSafetensors(file, "{\"a\":{\"dtype\":\"F32\",\"shape\":[],\"data_offsets\":[0,4]},"
                + "\"a\":{\"dtype\":\"F32\",\"shape\":[],\"data_offsets\":[0,4]}}", new byte[4]);
        assertMessage(assertThrows(WeightFormatException.class, () -> SafetensorsReader.open(file)),
                "not valid JSON", "'a'");
        Fixtures.rawSafetensors(file, "{\"a\":{\"shape\":[],\"data_offsets\":[0,4]}}", new byte[4]);
        assertMessage(assertThrows(WeightFormatException.class, () -> SafetensorsReader.open(file)),
                "'a'", "\"dtype\"");
        Fixtures.rawSafetensors(file, "{\"__metadata__\":{\"n\":1}}", new byte[0]);
        assertMessage(assertThrows(WeightFormatException.class, () -> SafetensorsReader.open(file)),
                "__metadata__", "'n'", "string");
    }

    @Test
    void writerRejectsBadInput() {
        SafetensorsWriter w = new SafetensorsWriter().add("a", Nd4j.scalar(1f));
        assertThrows(IllegalArgumentException.class, () -> w.add("a", Nd4j.scalar(2f)));
        assertThrows(IllegalArgumentException.class, () -> w.add("__metadata__", Nd4j.scalar(2f)));
        assertThrows(IllegalArgumentException.class, () -> w.add("", Nd4j.scalar(2f)));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> w.add("ints", Nd4j.scalar(2f), TensorDType.INT32));
        assertMessage(e, "'ints'", "floating and integer");
        e = assertThrows(IllegalArgumentException.class,
                () -> w.add("big", Nd4j.scalar(1L << 40), TensorDType.INT32));
        assertMessage(e, "'big'", "does not fit");
        e = assertThrows(IllegalArgumentException.class,
                () -> w.add("bool", Nd4j.scalar(true)));
        assertMessage(e, "'bool'", "BOOL");
    }

    static void assertMessage(Throwable e, String... parts) {
        for (String part : parts) {
            assertTrue(e.getMessage().contains(part), "message lacks '" + part + "': " + e.getMessage());
        }
    }
}
