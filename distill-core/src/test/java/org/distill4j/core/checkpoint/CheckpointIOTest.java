package org.distill4j.core.checkpoint;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import java.util.zip.ZipOutputStream;
import org.distill4j.core.train.RunState;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** Checkpoint files: exact round trip, latest(), and the failures a reader and writer must survive. */
class CheckpointIOTest {

    @TempDir
    Path dir;

    private static Checkpoint sample() {
        Map<String, INDArray> params = new LinkedHashMap<>();
        params.put("dense/W", Nd4j.create(new float[]{0.1f, -2.5f, 3.25f, 1e-7f, -0f, 7f}, new long[]{2, 3}, 'c'));
        params.put("dense/b", Nd4j.create(new float[]{Float.MIN_VALUE, -1e30f, 42f}, new long[]{3}, 'c'));
        params.put("distill/proj0/W", Nd4j.create(new double[]{Math.PI, -Math.E, 1.0 / 3, 1e-300}, new long[]{2, 2}, 'c'));
        Map<String, INDArray> opt = new LinkedHashMap<>();
        opt.put(Checkpoint.stateKey("dense/W", "m"), Nd4j.create(new float[]{1, 2, 3, 4, 5, 6}, new long[]{2, 3}, 'c'));
        opt.put(Checkpoint.stateKey("dense/W", "v"), Nd4j.create(new float[]{6, 5, 4, 3, 2, 1}, new long[]{2, 3}, 'c'));
        opt.put(Checkpoint.stateKey("dense/b", "m"), Nd4j.create(new float[]{-1, 0, 1}, new long[]{3}, 'c'));
        Map<String, Map<String, Double>> listeners = new LinkedHashMap<>();
        Map<String, Double> early = new LinkedHashMap<>();
        early.put("best", Double.NaN);
        early.put("evaluations_without_improvement", 2.0);
        listeners.put("org.distill4j.core.listener.EarlyStoppingListener", early);
        listeners.put("com.example.Other", new LinkedHashMap<>(Map.of("x", -0.125)));
        return new Checkpoint(new RunState(7, 30, 1, 2, 5), 1234567890123L, params, opt, new int[]{4, 0, 3, 1, 2},
                listeners, "{\"training\":{\"seed\":17},\"distillation\":{\"temperature\":4.0,\"name\":\"ü ∑ \\\"q\\\"\"}}");
    }

    private static void assertSameArray(INDArray expected, INDArray actual, String name) {
        assertEquals(expected.dataType(), actual.dataType(), name + " data type");
        assertArrayEquals(expected.shape(), actual.shape(), name + " shape");
        double[] e = expected.dup('c').reshape(-1).toDoubleVector();
        double[] a = actual.dup('c').reshape(-1).toDoubleVector();
        for (int i = 0; i < e.length; i++) {
            // bit-exact, so -0.0 and NaN compare as themselves
            assertEquals(Double.doubleToRawLongBits(e[i]), Double.doubleToRawLongBits(a[i]), name + "[" + i + "]");
        }
    }

    private static void assertSameArrays(Map<String, INDArray> expected, Map<String, INDArray> actual) {
        assertEquals(new ArrayList<>(expected.keySet()), new ArrayList<>(actual.keySet()), "names and their order");
        for (String name : expected.keySet()) {
            assertSameArray(expected.get(name), actual.get(name), name);
        }
    }

    @Test
    void roundTripIsExact() {
        Checkpoint written = sample();
        Path file = dir.resolve(CheckpointIO.fileName(7));
        CheckpointIO.write(file, written);
        Checkpoint read = CheckpointIO.read(file);

        assertEquals(written.state(), read.state());
        assertEquals(written.seed(), read.seed());
        assertSameArrays(written.parameters(), read.parameters());
        assertSameArrays(written.optimizerState(), read.optimizerState());
        assertArrayEquals(written.epochOrder(), read.epochOrder());
        assertEquals(written.experiment(), read.experiment());
        assertEquals(written.listenerStates().keySet(), read.listenerStates().keySet());
        for (String listener : written.listenerStates().keySet()) {
            Map<String, Double> e = written.listenerStates().get(listener);
            Map<String, Double> a = read.listenerStates().get(listener);
            assertEquals(e.keySet(), a.keySet(), listener);
            for (String key : e.keySet()) {
                assertEquals(e.get(key), a.get(key), listener + "." + key); // Double.equals: NaN equals NaN
            }
        }
        assertTrue(Double.isNaN(read.listenerStates().get("org.distill4j.core.listener.EarlyStoppingListener").get("best")));
        assertNoPartialFiles();
    }

    @Test
    void fortranOrderedArraysViewsAndScalarsRoundTripByValue() {
        INDArray base = Nd4j.create(new float[]{1, 2, 3, 4, 5, 6, 7, 8}, new long[]{2, 4}, 'c');
        Map<String, INDArray> params = new LinkedHashMap<>();
        params.put("fortran", Nd4j.create(new float[]{1, 2, 3, 4, 5, 6}, new long[]{2, 3}, 'f'));
        params.put("transposed", base.transpose()); // e.g. a PyTorch [out, in] weight used as [in, out]
        params.put("columns", base.get(org.nd4j.linalg.indexing.NDArrayIndex.all(),
                org.nd4j.linalg.indexing.NDArrayIndex.interval(1, 3)));
        params.put("row", base.getRow(1)); // a view with an offset into its buffer
        params.put("scalar", Nd4j.scalar(DataType.FLOAT, 2.5f));
        params.put("long", Nd4j.createFromArray(3L, -4L));
        Checkpoint written = new Checkpoint(new RunState(1, 2, 0, 1, 1), 5, params, Map.of(), new int[]{0}, Map.of(), "{}");
        Path file = dir.resolve(CheckpointIO.fileName(1));
        CheckpointIO.write(file, written);
        Checkpoint read = CheckpointIO.read(file);
        assertSameArrays(params, read.parameters());
        assertArrayEquals(new float[]{2, 3, 6, 7}, read.parameters().get("columns").dup().reshape(-1).toFloatVector());
        assertArrayEquals(new float[]{1, 5, 2, 6, 3, 7, 4, 8}, read.parameters().get("transposed").dup().reshape(-1).toFloatVector());
    }

    @Test
    void overwritingAnExistingCheckpointReplacesIt() {
        Path file = dir.resolve(CheckpointIO.fileName(3));
        CheckpointIO.write(file, sample());
        Checkpoint other = new Checkpoint(new RunState(3, 30, 0, 3, 5), 9, Map.of("w", Nd4j.ones(DataType.FLOAT, 2)),
                Map.of(), new int[]{1, 0}, Map.of(), "{}");
        CheckpointIO.write(file, other);
        Checkpoint read = CheckpointIO.read(file);
        assertEquals(other.state(), read.state());
        assertEquals(List.of("w"), new ArrayList<>(read.parameters().keySet()));
        assertNoPartialFiles();
    }

    @Test
    void fileNameSortsAndLatestPicksTheHighestStep() throws IOException {
        assertEquals("step-000000042" + CheckpointIO.EXTENSION, CheckpointIO.fileName(42));
        assertTrue(CheckpointIO.latest(dir).isEmpty(), "an empty folder has no checkpoint");
        assertTrue(CheckpointIO.latest(dir.resolve("missing")).isEmpty(), "a missing folder has no checkpoint");
        for (long step : new long[]{3, 120, 9, 99}) {
            Files.write(dir.resolve(CheckpointIO.fileName(step)), new byte[]{1});
        }
        Files.write(dir.resolve("step-7.d4jckpt"), new byte[]{1}); // unpadded still counts by number
        Files.write(dir.resolve(CheckpointIO.fileName(500) + ".partial"), new byte[]{1});
        Files.write(dir.resolve("step-000000900.txt"), new byte[]{1});
        Files.write(dir.resolve("final.d4jckpt"), new byte[]{1});
        Files.createDirectories(dir.resolve("sub"));
        Files.write(dir.resolve("sub").resolve(CheckpointIO.fileName(1000)), new byte[]{1});
        assertEquals(dir.resolve(CheckpointIO.fileName(120)), CheckpointIO.latest(dir).orElseThrow());
        Files.write(dir.resolve("step-1000.d4jckpt"), new byte[]{1});
        assertEquals(dir.resolve("step-1000.d4jckpt"), CheckpointIO.latest(dir).orElseThrow());
    }

    @Test
    void aFlippedByteInAnArrayIsReportedAsCorruption() throws IOException {
        Path file = dir.resolve(CheckpointIO.fileName(7));
        CheckpointIO.write(file, sample());
        String entryName = entryOf(file, "dense/b");
        byte[] entryBytes;
        try (ZipFile zip = new ZipFile(file.toFile())) {
            entryBytes = zip.getInputStream(zip.getEntry(entryName)).readAllBytes();
        }
        byte[] bytes = Files.readAllBytes(file);
        int start = indexOf(bytes, entryBytes);
        assertTrue(start >= 0, "entries are stored, so the array's bytes appear verbatim in the file");
        int target = start + entryBytes.length - 2; // inside the data, after the .npy header
        bytes[target] ^= 0x01;
        Files.write(file, bytes);

        CheckpointFormatException e = assertThrows(CheckpointFormatException.class, () -> CheckpointIO.read(file));
        assertTrue(e.getMessage().contains("dense/b"), e.getMessage());
        assertTrue(e.getMessage().contains("SHA-256"), e.getMessage());
        assertTrue(e.getMessage().contains("corrupted"), e.getMessage());
    }

    @Test
    void aTruncatedFileIsReportedAsTruncated() throws IOException {
        Path file = dir.resolve(CheckpointIO.fileName(7));
        CheckpointIO.write(file, sample());
        byte[] bytes = Files.readAllBytes(file);
        Files.write(file, java.util.Arrays.copyOf(bytes, bytes.length / 2));
        CheckpointFormatException e = assertThrows(CheckpointFormatException.class, () -> CheckpointIO.read(file));
        assertTrue(e.getMessage().contains("truncated"), e.getMessage());
        assertTrue(e.getMessage().contains(file.toString()), e.getMessage());
    }

    @Test
    void aMissingFileOrANonCheckpointZipIsRefused() throws IOException {
        CheckpointFormatException missing = assertThrows(CheckpointFormatException.class,
                () -> CheckpointIO.read(dir.resolve("nothing.d4jckpt")));
        assertTrue(missing.getMessage().contains("does not exist"), missing.getMessage());

        Path other = dir.resolve("other.d4jckpt");
        try (ZipOutputStream zip = new ZipOutputStream(Files.newOutputStream(other))) {
            zip.putNextEntry(new ZipEntry("readme.txt"));
            zip.write("hello".getBytes());
            zip.closeEntry();
        }
        CheckpointFormatException e = assertThrows(CheckpointFormatException.class, () -> CheckpointIO.read(other));
        assertTrue(e.getMessage().contains("manifest.json"), e.getMessage());
    }

    @Test
    void anotherFormatVersionIsRefusedNamingTheVersion() throws IOException {
        Path file = dir.resolve(CheckpointIO.fileName(7));
        CheckpointIO.write(file, sample());
        Path rewritten = dir.resolve(CheckpointIO.fileName(8));
        ObjectMapper json = new ObjectMapper();
        try (ZipFile in = new ZipFile(file.toFile());
             OutputStream raw = Files.newOutputStream(rewritten);
             ZipOutputStream out = new ZipOutputStream(raw)) {
            for (ZipEntry e : Collections.list(in.entries())) {
                byte[] bytes = in.getInputStream(e).readAllBytes();
                if (e.getName().equals("manifest.json")) {
                    ObjectNode manifest = (ObjectNode) json.readTree(bytes);
                    assertEquals(CheckpointIO.FORMAT_VERSION, manifest.get("format_version").asInt());
                    manifest.put("format_version", 99);
                    bytes = json.writeValueAsBytes(manifest);
                }
                out.putNextEntry(new ZipEntry(e.getName()));
                out.write(bytes);
                out.closeEntry();
            }
        }
        CheckpointFormatException e = assertThrows(CheckpointFormatException.class, () -> CheckpointIO.read(rewritten));
        assertTrue(e.getMessage().contains("format version 99"), e.getMessage());
        assertTrue(e.getMessage().contains("version " + CheckpointIO.FORMAT_VERSION), e.getMessage());
    }

    @Test
    void aFailedWriteLeavesThePreviousCheckpointAndNoPartialFile() throws IOException {
        Path file = dir.resolve(CheckpointIO.fileName(7));
        CheckpointIO.write(file, sample());
        byte[] before = Files.readAllBytes(file);

        Checkpoint good = sample();
        Map<String, INDArray> params = new LinkedHashMap<>(good.parameters());
        params.put("broken", null); // serialising this array fails half-way through the zip
        Checkpoint broken = new Checkpoint(good.state(), good.seed(), params, good.optimizerState(), good.epochOrder(),
                good.listenerStates(), good.experiment());
        assertThrows(RuntimeException.class, () -> CheckpointIO.write(file, broken));

        assertArrayEquals(before, Files.readAllBytes(file), "the previous checkpoint must be byte-identical");
        assertNoPartialFiles();
        assertEquals(7, CheckpointIO.read(file).state().step());
    }

    @Test
    void aFailedWriteOfAClosedArrayLeavesThePreviousCheckpoint() throws IOException {
        Path file = dir.resolve(CheckpointIO.fileName(7));
        CheckpointIO.write(file, sample());
        byte[] before = Files.readAllBytes(file);

        Checkpoint good = sample();
        Map<String, INDArray> params = new LinkedHashMap<>(good.parameters());
        INDArray closed = Nd4j.create(new float[]{1, 2, 3}, new long[]{3}, 'c');
        closed.close();
        params.put("closed", closed);
        Checkpoint broken = new Checkpoint(good.state(), good.seed(), params, good.optimizerState(), good.epochOrder(),
                good.listenerStates(), good.experiment());
        assertThrows(RuntimeException.class, () -> CheckpointIO.write(file, broken));

        assertArrayEquals(before, Files.readAllBytes(file), "the previous checkpoint must be byte-identical");
        assertNoPartialFiles();
    }

    /** A real "No space left" IOException, from an in-memory file system with a size limit, in the middle of a write. */
    @Test
    void aFullDiskDuringAWriteLeavesThePreviousCheckpointIntactAndSaysWhatToFree() throws IOException {
        try (java.nio.file.FileSystem fs = com.google.common.jimfs.Jimfs.newFileSystem(
                com.google.common.jimfs.Configuration.unix().toBuilder().setBlockSize(4096).setMaxSize(64 * 4096).build())) {
            Path folder = Files.createDirectories(fs.getPath("/run/checkpoints"));
            Path first = folder.resolve(CheckpointIO.fileName(7));
            CheckpointIO.write(first, sample());
            byte[] before = Files.readAllBytes(first);
            // fill the disk so that a second checkpoint cannot be finished
            long free = Files.getFileStore(folder).getUsableSpace();
            Files.write(folder.resolve("ballast"), new byte[(int) (free - 2 * 4096)]);

            Checkpoint bigger = sample(); // 40 kB of arrays against 8 kB free: the write fails part-way
            Map<String, INDArray> params = new LinkedHashMap<>(bigger.parameters());
            params.put("big", Nd4j.rand(DataType.FLOAT, 100, 100));
            Checkpoint second = new Checkpoint(new RunState(8, 30, 1, 3, 5), bigger.seed(), params, bigger.optimizerState(),
                    bigger.epochOrder(), bigger.listenerStates(), bigger.experiment());
            java.io.UncheckedIOException e = assertThrows(java.io.UncheckedIOException.class,
                    () -> CheckpointIO.write(folder.resolve(CheckpointIO.fileName(8)), second));
            assertTrue(e.getMessage().contains("step-000000008") && e.getMessage().contains("untouched")
                    && e.getMessage().contains("free disk space"), e.getMessage());

            assertArrayEquals(before, Files.readAllBytes(first), "the previous checkpoint must be byte-identical");
            try (Stream<Path> files = Files.list(folder)) {
                assertEquals(List.of("ballast", first.getFileName().toString()),
                        files.map(p -> p.getFileName().toString()).sorted().toList(), "no partial file, no new checkpoint");
            }
            Path copy = dir.resolve("copy" + CheckpointIO.EXTENSION); // the reader needs a java.io.File
            Files.write(copy, before);
            assertEquals(7, CheckpointIO.read(copy).state().step());
        }
    }

    @Test
    void aFolderWithoutRoomForTwoCheckpointsIsRefusedUpFrontWithTheFigures() throws IOException {
        try (java.nio.file.FileSystem fs = com.google.common.jimfs.Jimfs.newFileSystem(
                com.google.common.jimfs.Configuration.unix().toBuilder().setBlockSize(4096).setMaxSize(16 * 4096).build())) {
            Path folder = fs.getPath("/run/checkpoints"); // not created yet: its nearest existing parent is checked
            CheckpointIO.checkFreeSpace(folder, 4096); // fits
            java.io.UncheckedIOException e = assertThrows(java.io.UncheckedIOException.class,
                    () -> CheckpointIO.checkFreeSpace(folder, 10 * 4096));
            assertTrue(e.getMessage().contains("0.1 MB free") && e.getMessage().contains("0.1 MB needed")
                    && e.getMessage().contains("training.output_dir"), e.getMessage());
        }
    }

    @Test
    void keepingKCheckpointsNeedsRoomForKPlusOne() throws IOException {
        try (java.nio.file.FileSystem fs = com.google.common.jimfs.Jimfs.newFileSystem(
                com.google.common.jimfs.Configuration.unix().toBuilder().setBlockSize(4096).setMaxSize(16 * 4096).build())) {
            Path folder = fs.getPath("/run");
            CheckpointIO.checkFreeSpace(folder, 4 * 4096, 4); // 16 blocks free, 16 needed
            java.io.UncheckedIOException e = assertThrows(java.io.UncheckedIOException.class,
                    () -> CheckpointIO.checkFreeSpace(folder, 4 * 4096, 5));
            assertTrue(e.getMessage().contains("(5 checkpoints of 0.0 MB)") || e.getMessage().contains("5 checkpoints of"),
                    e.getMessage());
        }
    }

    @Test
    void deleteAllButNewestKeepsTheHighestStepsAndEverythingThatIsNotACheckpoint() throws IOException {
        for (long step : new long[]{3, 120, 9, 99}) {
            Files.write(dir.resolve(CheckpointIO.fileName(step)), new byte[]{1});
        }
        Path partial = Files.write(dir.resolve(CheckpointIO.fileName(500) + ".partial"), new byte[]{1});
        Path notes = Files.writeString(dir.resolve("metrics.jsonl"), "{}");
        assertEquals(List.of(dir.resolve(CheckpointIO.fileName(3)), dir.resolve(CheckpointIO.fileName(9))),
                CheckpointIO.deleteAllButNewest(dir, 2), "by step number, oldest first");
        try (Stream<Path> files = Files.list(dir)) {
            assertEquals(java.util.Set.of(dir.resolve(CheckpointIO.fileName(99)), dir.resolve(CheckpointIO.fileName(120)),
                    partial, notes), files.collect(java.util.stream.Collectors.toSet()));
        }
        assertEquals(List.of(), CheckpointIO.deleteAllButNewest(dir, 5));
        assertThrows(IllegalArgumentException.class, () -> CheckpointIO.deleteAllButNewest(dir, 0));
    }

    @Test
    void estimatedSizeIsWithinAFewPercentOfTheRealFile() throws IOException {
        Map<String, INDArray> params = new LinkedHashMap<>();
        params.put("big", Nd4j.rand(DataType.FLOAT, 300, 500));
        Checkpoint c = new Checkpoint(new RunState(1, 2, 0, 1, 2), 1, params, Map.of(), new int[0], Map.of(), "{}");
        Path file = dir.resolve(CheckpointIO.fileName(1));
        CheckpointIO.write(file, c);
        long real = Files.size(file);
        long estimate = CheckpointIO.estimatedSize(c);
        assertTrue(estimate >= real && estimate < real * 1.05 + (64 << 10), real + " bytes on disk, estimated " + estimate);
    }

    @Test
    void unfinishedWritesAreCleanedButNothingElse() throws IOException {
        Path kept = dir.resolve(CheckpointIO.fileName(3));
        CheckpointIO.write(kept, sample());
        Path partial = Files.writeString(dir.resolve(CheckpointIO.fileName(4) + "123.partial"), "half");
        Path foreign = Files.writeString(dir.resolve("notes.partial"), "not ours");
        CheckpointIO.deleteUnfinished(dir);
        assertTrue(Files.exists(kept) && Files.exists(foreign));
        assertTrue(Files.notExists(partial));
    }

    private void assertNoPartialFiles() {
        try (Stream<Path> files = Files.list(dir)) {
            List<Path> partial = files.filter(p -> p.getFileName().toString().endsWith(".partial")).toList();
            assertTrue(partial.isEmpty(), "left-over temporary files: " + partial);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /** The zip entry holding the named array, from the manifest. */
    private static String entryOf(Path file, String arrayName) throws IOException {
        try (ZipFile zip = new ZipFile(file.toFile())) {
            var manifest = new ObjectMapper().readTree(zip.getInputStream(zip.getEntry("manifest.json")).readAllBytes());
            for (var a : manifest.get("arrays")) {
                if (a.get("name").asText().equals(arrayName)) {
                    return a.get("entry").asText();
                }
            }
        }
        throw new AssertionError("no array " + arrayName + " in " + file);
    }

    private static int indexOf(byte[] haystack, byte[] needle) {
        outer:
        for (int i = 0; i + needle.length <= haystack.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (haystack[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }
}
