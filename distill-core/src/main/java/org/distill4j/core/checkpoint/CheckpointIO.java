package org.distill4j.core.checkpoint;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import java.util.zip.CRC32;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import java.util.zip.ZipOutputStream;
import org.distill4j.core.train.RunState;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Writes and reads checkpoints as one zip file: manifest.json (run state, names, shapes, SHA-256 of every array)
 * and one .npy entry per array. Each array is its own entry and Zip64 lifts the 4 GB total, so unlike SameDiff's
 * FlatBuffers files there is no 2 GB limit. Writing goes to a temporary file in the same folder, is flushed to
 * disk, then renamed over the target: a crash or a full disk leaves the previous checkpoint intact.
 */
public final class CheckpointIO {

    /** Format version written into every manifest; readers refuse other versions. */
    public static final int FORMAT_VERSION = 1;
    /** File-name extension of checkpoints. */
    public static final String EXTENSION = ".d4jckpt";

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Pattern STEP_FILE = Pattern.compile("step-(\\d+)" + Pattern.quote(EXTENSION));

    private CheckpointIO() {
    }

    /** The file name of the checkpoint after {@code step} updates. */
    public static String fileName(long step) {
        return String.format("step-%09d%s", step, EXTENSION);
    }

    /** The checkpoint with the most updates in a folder, if any. */
    public static Optional<Path> latest(Path folder) {
        if (!Files.isDirectory(folder)) {
            return Optional.empty();
        }
        try (Stream<Path> files = Files.list(folder)) {
            return files.filter(p -> STEP_FILE.matcher(p.getFileName().toString()).matches())
                    .max(java.util.Comparator.comparingLong(CheckpointIO::stepOf));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list " + folder, e);
        }
    }

    private static long stepOf(Path p) {
        Matcher m = STEP_FILE.matcher(p.getFileName().toString());
        return m.matches() ? Long.parseLong(m.group(1)) : -1;
    }

    /** Writes a checkpoint atomically. */
    public static void write(Path file, Checkpoint ckpt) {
        Path folder = file.toAbsolutePath().getParent();
        Path tmp = null;
        try {
            Files.createDirectories(folder);
            tmp = Files.createTempFile(folder, file.getFileName().toString(), ".partial");
            try (OutputStream raw = Files.newOutputStream(tmp);
                 ZipOutputStream zip = new ZipOutputStream(new BufferedOutputStream(raw, 1 << 20))) {
                ObjectNode manifest = JSON.createObjectNode();
                manifest.put("format", "distill4j-checkpoint");
                manifest.put("format_version", FORMAT_VERSION);
                RunState s = ckpt.state();
                manifest.putObject("state").put("step", s.step()).put("total_steps", s.totalSteps()).put("epoch", s.epoch())
                        .put("micro_batch_in_epoch", s.microBatchInEpoch())
                        .put("micro_batches_per_epoch", s.microBatchesPerEpoch());
                manifest.put("seed", ckpt.seed());
                manifest.put("experiment", ckpt.experiment());
                manifest.set("listener_states", JSON.valueToTree(ckpt.listenerStates()));
                ArrayNode arrays = manifest.putArray("arrays");
                int index = 0;
                index = writeArrays(zip, arrays, "parameter", ckpt.parameters(), index);
                index = writeArrays(zip, arrays, "optimizer", ckpt.optimizerState(), index);
                if (ckpt.epochOrder().length > 0) { // ND4J cannot write an empty array
                    writeArrays(zip, arrays, "epoch_order", Map.of("order", Nd4j.createFromArray(ckpt.epochOrder())), index);
                }
                putEntry(zip, "manifest.json", JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(manifest));
            }
            try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE)) {
                ch.force(true);
            }
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            syncFolder(folder);
        } catch (IOException e) {
            deleteQuietly(tmp);
            throw new UncheckedIOException("cannot write checkpoint " + file + ": " + e.getMessage() + ". The previous "
                    + "checkpoints in " + folder + " are untouched; free disk space (a checkpoint of this run needs about "
                    + megabytes(estimatedSize(ckpt)) + ") and run again to resume from the latest one", e);
        } catch (RuntimeException | Error e) { // e.g. an array that cannot be serialised: no .partial file stays behind
            deleteQuietly(tmp);
            throw e;
        }
    }

    /**
     * Makes the rename durable: without syncing the folder, a power loss right after the rename can bring back the old
     * directory entry. Not every file system can open a folder for syncing; there the rename's own ordering is all we get.
     */
    private static void syncFolder(Path folder) {
        try (FileChannel ch = FileChannel.open(folder, StandardOpenOption.READ)) {
            ch.force(true);
        } catch (IOException | UnsupportedOperationException ignored) {
            // e.g. in-memory file systems and Windows: nothing more to do
        }
    }

    /** Bytes a checkpoint takes on disk, near enough for a free-space check: its arrays plus 1% and 64 kB. */
    public static long estimatedSize(Checkpoint ckpt) {
        long bytes = 0;
        for (Map<String, INDArray> m : java.util.List.of(ckpt.parameters(), ckpt.optimizerState())) {
            for (INDArray a : m.values()) {
                bytes += a.length() * a.dataType().width() + 128;
            }
        }
        int order = ckpt.epochOrder() == null ? 0 : ckpt.epochOrder().length; // null before the first epoch starts
        return bytes + bytes / 100 + (64 << 10) + 4L * order;
    }

    private static String megabytes(long bytes) {
        return String.format("%.1f MB", bytes / 1e6);
    }

    /**
     * Deletes all but the {@code keep} newest checkpoints (by step) in a folder; other files are left alone. Only call
     * it while holding the folder's {@link FolderLock}.
     *
     * @return the deleted files, oldest first
     */
    public static List<Path> deleteAllButNewest(Path folder, int keep) {
        if (keep < 1) {
            throw new IllegalArgumentException(
                    "keep must be >= 1: the newest checkpoint is what a run resumes from; got " + keep);
        }
        if (!Files.isDirectory(folder)) {
            return List.of();
        }
        try (Stream<Path> files = Files.list(folder)) {
            List<Path> steps = files.filter(p -> STEP_FILE.matcher(p.getFileName().toString()).matches())
                    .sorted(java.util.Comparator.comparingLong(CheckpointIO::stepOf)).toList();
            List<Path> old = steps.subList(0, Math.max(0, steps.size() - keep));
            for (Path p : old) {
                Files.deleteIfExists(p);
            }
            return List.copyOf(old);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot delete old checkpoints in " + folder, e);
        }
    }

    /**
     * Deletes the temporary files of checkpoint writes that never finished (a run killed mid-write leaves one). Only
     * call it while holding the folder's {@link FolderLock}: another run's write in progress looks the same.
     */
    public static void deleteUnfinished(Path folder) {
        if (!Files.isDirectory(folder)) {
            return;
        }
        try (Stream<Path> files = Files.list(folder)) {
            for (Path p : files.toList()) {
                String name = p.getFileName().toString();
                if (name.startsWith("step-") && name.contains(EXTENSION) && name.endsWith(".partial")) {
                    Files.deleteIfExists(p);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot clean unfinished checkpoints in " + folder, e);
        }
    }

    /**
     * Refuses, before training, a folder whose file system cannot hold two checkpoints of this size (the new one is
     * written beside the previous one before it replaces it).
     *
     * @throws UncheckedIOException naming the folder, the space needed and the space free
     */
    public static void checkFreeSpace(Path folder, long checkpointBytes) {
        checkFreeSpace(folder, checkpointBytes, 2);
    }

    /**
     * Refuses, before training, a folder whose file system cannot hold {@code count} checkpoints of this size at once
     * (with {@code keep_checkpoints: K}, K + 1: the new one is written before the oldest is deleted).
     *
     * @throws UncheckedIOException naming the folder, the space needed and the space free
     */
    public static void checkFreeSpace(Path folder, long checkpointBytes, int count) {
        try {
            Path existing = folder;
            while (existing != null && !Files.exists(existing)) {
                existing = existing.getParent();
            }
            if (existing == null) {
                return;
            }
            long free = Files.getFileStore(existing).getUsableSpace();
            if (free < count * checkpointBytes) {
                String message = "not enough free disk space in " + folder + " for checkpoints: " + megabytes(free)
                        + " free, " + megabytes(count * checkpointBytes) + " needed (" + (count == 2 ? "two" : count)
                        + " checkpoints of " + megabytes(checkpointBytes) + "); free space or set training.output_dir "
                        + "to another disk";
                throw new UncheckedIOException(message, new IOException(message));
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot check the free space of " + folder + ": " + e.getMessage(), e);
        }
    }

    private static int writeArrays(ZipOutputStream zip, ArrayNode arrays, String kind, Map<String, INDArray> values,
                                   int index) throws IOException {
        for (Map.Entry<String, INDArray> e : values.entrySet()) {
            INDArray value = e.getValue();
            if (value.isView() || value.ordering() != 'c') {
                value = value.dup('c'); // .npy writing copies the raw buffer: views and 'f' order would come back scrambled
            }
            byte[] bytes = Nd4j.toNpyByteArray(value);
            String entry = "arrays/" + index++ + ".npy";
            putEntry(zip, entry, bytes);
            ObjectNode a = arrays.addObject();
            a.put("kind", kind).put("name", e.getKey()).put("entry", entry).put("sha256", sha256(bytes));
            ArrayNode shape = a.putArray("shape");
            for (long d : e.getValue().shape()) {
                shape.add(d);
            }
        }
        return index;
    }

    /** Stored (not deflated): weights barely compress, and storing keeps writes fast. */
    private static void putEntry(ZipOutputStream zip, String name, byte[] bytes) throws IOException {
        ZipEntry entry = new ZipEntry(name);
        entry.setMethod(ZipEntry.STORED);
        entry.setSize(bytes.length);
        entry.setCompressedSize(bytes.length);
        CRC32 crc = new CRC32();
        crc.update(bytes);
        entry.setCrc(crc.getValue());
        zip.putNextEntry(entry);
        zip.write(bytes);
        zip.closeEntry();
    }

    /**
     * Reads and verifies a checkpoint.
     *
     * @throws CheckpointFormatException if the file is truncated, corrupted (checksum), or of another format version
     */
    public static Checkpoint read(Path file) {
        if (!Files.isRegularFile(file)) {
            throw new CheckpointFormatException("checkpoint " + file + " does not exist");
        }
        try (ZipFile zip = new ZipFile(file.toFile())) {
            ZipEntry manifestEntry = zip.getEntry("manifest.json");
            if (manifestEntry == null) {
                throw new CheckpointFormatException("checkpoint " + file + " has no manifest.json: not a Distill4j checkpoint");
            }
            JsonNode manifest = JSON.readTree(readAll(zip, manifestEntry, file));
            if (!"distill4j-checkpoint".equals(manifest.path("format").asText())) {
                throw new CheckpointFormatException("checkpoint " + file + " is not a Distill4j checkpoint");
            }
            int version = manifest.path("format_version").asInt(-1);
            if (version != FORMAT_VERSION) {
                throw new CheckpointFormatException("checkpoint " + file + " has format version " + version
                        + "; this Distill4j reads version " + FORMAT_VERSION);
            }
            Map<String, INDArray> params = new LinkedHashMap<>();
            Map<String, INDArray> optimizer = new LinkedHashMap<>();
            int[] order = new int[0];
            for (JsonNode a : manifest.get("arrays")) {
                ZipEntry e = zip.getEntry(a.get("entry").asText());
                if (e == null) {
                    throw new CheckpointFormatException("checkpoint " + file + " lacks " + a.get("entry").asText()
                            + " (" + a.get("name").asText() + "): the file is incomplete");
                }
                byte[] bytes = readAll(zip, e, file);
                if (!sha256(bytes).equals(a.get("sha256").asText())) {
                    throw new CheckpointFormatException("checkpoint " + file + ": array '" + a.get("name").asText()
                            + "' fails its SHA-256 check: the file is corrupted");
                }
                INDArray value = Nd4j.createNpyFromByteArray(bytes);
                switch (a.get("kind").asText()) {
                    case "parameter" -> params.put(a.get("name").asText(), value);
                    case "optimizer" -> optimizer.put(a.get("name").asText(), value);
                    case "epoch_order" -> order = value.toIntVector();
                    default -> throw new CheckpointFormatException("checkpoint " + file + ": unknown array kind " + a.get("kind"));
                }
            }
            JsonNode s = manifest.get("state");
            RunState state = new RunState(s.get("step").asLong(), s.get("total_steps").asLong(), s.get("epoch").asInt(),
                    s.get("micro_batch_in_epoch").asInt(), s.get("micro_batches_per_epoch").asInt());
            Map<String, Map<String, Double>> listeners = JSON.convertValue(manifest.get("listener_states"),
                    JSON.getTypeFactory().constructMapType(LinkedHashMap.class, JSON.getTypeFactory().constructType(String.class),
                            JSON.getTypeFactory().constructMapType(LinkedHashMap.class, String.class, Double.class)));
            return new Checkpoint(state, manifest.get("seed").asLong(), params, optimizer, order, listeners,
                    manifest.get("experiment").asText());
        } catch (java.util.zip.ZipException e) {
            throw new CheckpointFormatException("checkpoint " + file + " is truncated or not a zip file (" + e.getMessage() + ")", e);
        } catch (IOException e) {
            throw new CheckpointFormatException("checkpoint " + file + " cannot be read: " + e.getMessage(), e);
        }
    }

    private static byte[] readAll(ZipFile zip, ZipEntry e, Path file) throws IOException {
        try (InputStream in = zip.getInputStream(e)) {
            return in.readAllBytes();
        } catch (java.util.zip.ZipException ex) {
            throw new CheckpointFormatException("checkpoint " + file + ": entry " + e.getName() + " is damaged (" + ex.getMessage() + ")", ex);
        }
    }

    static String sha256(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static void deleteQuietly(Path p) {
        if (p != null) {
            try {
                Files.deleteIfExists(p);
            } catch (IOException ignored) {
                // best effort: a leftover .partial file is harmless and never read
            }
        }
    }

    static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
