package org.distill4j.examples;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import org.distill4j.examples.run.RunSpec;
import org.distill4j.examples.spam.EmbeddedSpamSubset;

/** The data the example mains share: BERT-base's vocabulary and the embedded SpamAssassin subset, both from the jar. */
public final class ExampleData {

    /** Class-path location of BERT-base's uncased WordPiece vocabulary (see the README beside it). */
    public static final String BERT_VOCABULARY = "/vocab/bert-base-uncased-vocab.txt";

    private ExampleData() {
    }

    /**
     * Copies BERT-base's uncased vocabulary to {@code file}.
     *
     * @return {@code file}
     * @throws IOException if the resource is missing from the class path or writing fails
     */
    public static Path bertVocabulary(Path file) throws IOException {
        try (InputStream in = ExampleData.class.getResourceAsStream(BERT_VOCABULARY)) {
            if (in == null) {
                throw new IOException("class-path resource " + BERT_VOCABULARY + " is missing");
            }
            Files.createDirectories(file.toAbsolutePath().getParent());
            Files.copy(in, file, StandardCopyOption.REPLACE_EXISTING);
        }
        return file;
    }

    /**
     * Extracts the embedded SpamAssassin subset and the vocabulary into {@code dir} and describes them as a run's
     * data (texts in column "text", up to 128 word pieces, lower-cased).
     *
     * @param labelColumn "label" (spam / ham) or "folder" (the corpus folder)
     */
    public static RunSpec.DataSpec spamSubset(Path dir, String labelColumn) throws IOException {
        Path data = EmbeddedSpamSubset.extractTo(dir);
        Path vocab = bertVocabulary(data.resolve("vocab.txt"));
        return new RunSpec.DataSpec(data.resolve("train.tsv").toString(), data.resolve("dev.tsv").toString(),
                data.resolve("test.tsv").toString(), "text", null, labelColumn, 128, vocab.toString(), true, false);
    }
}
