package org.distill4j.core.train;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;
import java.util.zip.ZipOutputStream;
import org.distill4j.core.data.ExampleSet;
import org.distill4j.core.graph.ModelGraph;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Teacher outputs kept per example so later epochs skip the teacher forward: in memory, or on disk in a folder
 * named by a SHA-256 of the teacher's weights and adaptor, the cached output names and the training data, so a
 * changed teacher or data set gets a fresh folder instead of stale outputs. The disk cache survives restarts
 * (resumed runs reuse it) and refuses to grow past its budget.
 */
abstract class TeacherCache {

    /** The outputs of one example ([...] rows without the batch axis), or null if not cached. */
    abstract Map<String, INDArray> get(int example);

    /** Stores the outputs of one example. */
    abstract void put(int example, Map<String, INDArray> rows);

    /** An in-memory cache. */
    static TeacherCache inMemory() {
        return new TeacherCache() {
            private final Map<Integer, Map<String, INDArray>> rows = new HashMap<>();

            @Override
            Map<String, INDArray> get(int example) {
                return rows.get(example);
            }

            @Override
            void put(int example, Map<String, INDArray> r) {
                rows.put(example, r);
            }
        };
    }

    /**
     * A disk cache under {@code root/<key>} for this teacher, these outputs and this data.
     *
     * @param maxBytes the most the folder may hold
     */
    static TeacherCache onDisk(Path root, ModelGraph teacher, List<String> names, ExampleSet data, long maxBytes) {
        return new Disk(root.resolve(key(teacher, names, data)), maxBytes);
    }

    /**
     * SHA-256 of the teacher's parameters and adaptor, the output names and every example's fields but the gold
     * labels: the teacher's outputs do not depend on them (probability_shift applies after the cache), so the same
     * mails with labels added or removed (e.g. a transfer set with fewer labels) share one cache.
     */
    static String key(ModelGraph teacher, List<String> names, ExampleSet data) {
        String labelsField = teacher.adaptor().labels() == null ? null
                : teacher.adaptor().inputs().get(teacher.adaptor().labels());
        MessageDigest digest = sha256();
        for (String p : teacher.parameterNames().stream().sorted().toList()) {
            digest.update(p.getBytes(StandardCharsets.UTF_8));
            digest.update(Nd4j.toNpyByteArray(teacher.sd().getArrForVarName(p)));
        }
        digest.update(teacher.adaptor().toString().getBytes(StandardCharsets.UTF_8));
        digest.update(String.join("\n", names).getBytes(StandardCharsets.UTF_8));
        for (int from = 0; from < data.size(); from += 256) {
            int[] idx = java.util.stream.IntStream.range(from, Math.min(data.size(), from + 256)).toArray();
            new TreeMap<>(data.batch(idx).fields()).forEach((field, value) -> {
                if (field.equals(labelsField)) {
                    return;
                }
                digest.update(field.getBytes(StandardCharsets.UTF_8));
                digest.update(Nd4j.toNpyByteArray(value));
            });
        }
        return HexFormat.of().formatHex(digest.digest()).substring(0, 32);
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** One zip per example ({@code <index>.zip}, an .npy entry per output), written atomically. */
    private static final class Disk extends TeacherCache {
        private final Path folder;
        private final long maxBytes;
        private long usedBytes;

        Disk(Path folder, long maxBytes) {
            this.folder = folder;
            this.maxBytes = maxBytes;
            try {
                Files.createDirectories(folder);
                try (Stream<Path> files = Files.list(folder)) {
                    for (Path f : files.toList()) {
                        usedBytes += Files.size(f);
                    }
                }
            } catch (IOException e) {
                throw new UncheckedIOException("cannot open the teacher cache " + folder, e);
            }
        }

        @Override
        Map<String, INDArray> get(int example) {
            Path file = folder.resolve(example + ".zip");
            if (!Files.isRegularFile(file)) {
                return null;
            }
            Map<String, INDArray> rows = new LinkedHashMap<>();
            try (ZipInputStream zip = new ZipInputStream(Files.newInputStream(file))) {
                for (ZipEntry e = zip.getNextEntry(); e != null; e = zip.getNextEntry()) {
                    rows.put(e.getName(), Nd4j.createNpyFromByteArray(readAll(zip)));
                }
            } catch (IOException | RuntimeException e) {
                return null; // unreadable (e.g. cut short by a crash): recompute and rewrite it
            }
            return rows;
        }

        @Override
        void put(int example, Map<String, INDArray> rows) {
            ByteArrayOutputStream bytes = new ByteArrayOutputStream();
            try (ZipOutputStream zip = new ZipOutputStream(bytes)) {
                for (Map.Entry<String, INDArray> e : rows.entrySet()) {
                    zip.putNextEntry(new ZipEntry(e.getKey()));
                    zip.write(Nd4j.toNpyByteArray(e.getValue()));
                    zip.closeEntry();
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            if (usedBytes + bytes.size() > maxBytes) {
                throw new IllegalStateException("the teacher cache " + folder + " would exceed its budget of "
                        + (maxBytes >> 20) + " MiB at example " + example + " (" + (usedBytes >> 20)
                        + " MiB used); raise distillation.teacher_cache_max_mb, or cache in memory (no teacher_cache_dir)");
            }
            try {
                Path tmp = Files.createTempFile(folder, example + "-", ".partial");
                Files.write(tmp, bytes.toByteArray());
                Files.move(tmp, folder.resolve(example + ".zip"), StandardCopyOption.REPLACE_EXISTING,
                        StandardCopyOption.ATOMIC_MOVE);
            } catch (IOException e) {
                throw new UncheckedIOException("cannot write the teacher cache " + folder, e);
            }
            usedBytes += bytes.size();
        }

        private static byte[] readAll(InputStream in) throws IOException {
            return in.readAllBytes();
        }
    }
}
