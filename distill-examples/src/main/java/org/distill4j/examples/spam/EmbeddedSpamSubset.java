package org.distill4j.examples.spam;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;

/**
 * A small subset of the SpamAssassin spam/ham data shipped in this jar under {@value #RESOURCE_DIR}: {@value
 * #TRAIN_SIZE} train, {@value #DEV_SIZE} dev and {@value #TEST_SIZE} test mails, texts cut to {@value #MAX_CHARS}
 * chars, in the {@link SpamTsv} format. It was made by {@link SpamSubsetBuilder} from the full data of
 * {@link SpamAssassinData#prepare} and keeps its split (a subset test mail is a test mail of the full data);
 * see {@code README.md} in the same folder for the source, license and command.
 *
 * <pre>{@code
 * Path dir = EmbeddedSpamSubset.extractToTemp();                 // train.tsv, dev.tsv, test.tsv
 * TaskDataset train = TsvClassificationReader.builder(tokenizer).textA("text").build()
 *         .read(dir.resolve("train.tsv"));
 * }</pre>
 */
public final class EmbeddedSpamSubset {

    /** The class-path folder of the files. */
    public static final String RESOURCE_DIR = "/spam/subset/";
    /** Mails in {@code train.tsv}. */
    public static final int TRAIN_SIZE = 400;
    /** Mails in {@code dev.tsv}. */
    public static final int DEV_SIZE = 100;
    /** Mails in {@code test.tsv}. */
    public static final int TEST_SIZE = 100;
    /** The longest text, in chars. */
    public static final int MAX_CHARS = 1000;

    private EmbeddedSpamSubset() {
    }

    /**
     * @param split a split
     * @return the documented number of mails in it
     */
    public static int size(Split split) {
        return switch (split) {
            case TRAIN -> TRAIN_SIZE;
            case DEV -> DEV_SIZE;
            case TEST -> TEST_SIZE;
        };
    }

    /**
     * Opens a split's TSV file; the caller closes it.
     *
     * @param split a split
     * @return the UTF-8 content of {@code /spam/subset/<split>.tsv}
     * @throws IOException if the resource is missing from the class path
     */
    public static InputStream open(Split split) throws IOException {
        String name = RESOURCE_DIR + split.fileName();
        InputStream in = EmbeddedSpamSubset.class.getResourceAsStream(name);
        if (in == null) {
            throw new IOException("class-path resource " + name + " is missing (is distill-examples' jar or "
                    + "target/classes on the class path?)");
        }
        return in;
    }

    /**
     * Reads a split.
     *
     * @param split a split
     * @return its rows, in file order
     * @throws IOException if the resource is missing or malformed
     */
    public static List<SpamExample> read(Split split) throws IOException {
        try (InputStream in = open(split)) {
            return SpamTsv.read(in, RESOURCE_DIR + split.fileName());
        }
    }

    /**
     * Copies the three files into {@code dir} (created if needed) as {@code train.tsv}, {@code dev.tsv} and
     * {@code test.tsv}, for readers that take a path.
     *
     * @param dir the target folder
     * @return {@code dir}
     * @throws IOException if a resource is missing or writing fails
     */
    public static Path extractTo(Path dir) throws IOException {
        Files.createDirectories(dir);
        for (Split s : Split.values()) {
            try (InputStream in = open(s)) {
                Files.copy(in, dir.resolve(s.fileName()), StandardCopyOption.REPLACE_EXISTING);
            }
        }
        return dir;
    }

    /**
     * {@link #extractTo(Path)} into a new temporary folder whose files are deleted when the JVM exits.
     *
     * @return the folder
     * @throws IOException if a resource is missing or writing fails
     */
    public static Path extractToTemp() throws IOException {
        Path dir = Files.createTempDirectory("distill4j-spam-subset-");
        dir.toFile().deleteOnExit();
        extractTo(dir);
        for (Split s : Split.values()) {
            dir.resolve(s.fileName()).toFile().deleteOnExit();
        }
        return dir;
    }
}
