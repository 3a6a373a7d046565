package org.distill4j.bert.data;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Objects;

/**
 * A reader of one data format (TSV classification, CoNLL, SQuAD) into {@code T}. Implementations read a stream;
 * reading a file is the same with the file's path as the source name.
 *
 * @param <T> what the format becomes (a TaskDataset, a SquadDataset)
 */
public interface DatasetReader<T> {

    /**
     * Reads a stream (not closed).
     *
     * @param in         UTF-8 content
     * @param sourceName the name used in error messages and example ids
     * @throws IOException if reading fails
     * @throws DataFormatException if the content is invalid (the message names {@code sourceName} and the line)
     */
    T read(InputStream in, String sourceName) throws IOException;

    /**
     * Reads a UTF-8 file.
     *
     * @throws IOException if the file cannot be read
     * @throws DataFormatException if the content is invalid (the message names the file and line)
     */
    default T read(Path file) throws IOException {
        Objects.requireNonNull(file, "file");
        try (InputStream in = Files.newInputStream(file)) {
            return read(in, file.toString());
        }
    }
}
