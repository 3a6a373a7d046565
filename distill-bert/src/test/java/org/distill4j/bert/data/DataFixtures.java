package org.distill4j.bert.data;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.distill4j.bert.text.BertTokenizer;
import org.distill4j.bert.text.Vocabulary;
import org.junit.jupiter.api.function.Executable;

/** Shared fixtures: the real uncased vocabulary (loaded once) and the data files under /data. */
final class DataFixtures {

    private static Vocabulary vocabulary;

    private DataFixtures() {
    }

    static synchronized Vocabulary vocabulary() {
        if (vocabulary == null) {
            try (InputStream in = DataFixtures.class.getResourceAsStream("/text/bert-base-uncased-vocab.txt")) {
                vocabulary = Vocabulary.load(in, "bert-base-uncased-vocab.txt");
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return vocabulary;
    }

    static BertTokenizer tokenizer() {
        return BertTokenizer.builder(vocabulary()).build();
    }

    /** A file under src/test/resources/data. */
    static Path file(String name) {
        URL url = DataFixtures.class.getResource("/data/" + name);
        if (url == null) {
            throw new IllegalStateException("missing test resource /data/" + name);
        }
        try {
            return Path.of(url.toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    static InputStream utf8(String text) {
        return new ByteArrayInputStream(text.getBytes(StandardCharsets.UTF_8));
    }

    /** Asserts a DataFormatException whose message names the file and line and contains every fragment. */
    static DataFormatException assertDataError(String file, int line, Executable read, String... fragments) {
        DataFormatException e = assertThrows(DataFormatException.class, read);
        String m = e.getMessage();
        String where = line > 0 ? file + " line " + line + ":" : file + ":";
        assertTrue(m.contains(where), () -> "expected '" + where + "' in: " + m);
        assertTrue(e.source().endsWith(file), () -> "source " + e.source());
        assertTrue(e.line() == line, () -> "line " + e.line() + " in: " + m);
        for (String f : fragments) {
            assertTrue(m.contains(f), () -> "expected '" + f + "' in: " + m);
        }
        return e;
    }
}
