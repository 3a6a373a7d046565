package org.distill4j.examples.spam;

import java.io.BufferedReader;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads and writes the spam TSV files.
 *
 * <p>Format: UTF-8 without byte order mark, {@code \n} line ends, a header row {@code id, label, folder, text}, then
 * one mail per line, cells separated by tabs. As GLUE and {@link org.distill4j.bert.data.TsvClassificationReader}
 * use no quoting, a cell cannot hold a tab or a line break: every run of whitespace and control characters in a text
 * is written as one space (see {@link MailTextNormalizer#collapse}), which also turns the newline between subject
 * and body into a space. Quotes and backslashes are ordinary characters. Read the files with:
 *
 * <pre>{@code
 * TsvClassificationReader spam = TsvClassificationReader.builder(tokenizer).textA("text").label("label").build();
 * TsvClassificationReader folder = TsvClassificationReader.builder(tokenizer).textA("text").label("folder").build();
 * }</pre>
 */
public final class SpamTsv {

    /** The header row. */
    public static final List<String> COLUMNS = List.of("id", "label", "folder", "text");

    private SpamTsv() {
    }

    /**
     * @param text any text
     * @return the text as it is written in a cell: on one line, whitespace collapsed
     */
    public static String cell(String text) {
        return MailTextNormalizer.collapse(text);
    }

    /**
     * Writes a file, replacing any existing one.
     *
     * @throws IOException if writing fails
     */
    public static void write(Path file, List<SpamExample> rows) throws IOException {
        Path parent = file.toAbsolutePath().getParent();
        if (parent != null) {
            Files.createDirectories(parent);
        }
        try (Writer w = new BufferedWriter(Files.newBufferedWriter(file, StandardCharsets.UTF_8), 1 << 16)) {
            write(w, rows);
        }
    }

    /** Writes the header and the rows to {@code w} (not closed). */
    public static void write(Writer w, List<SpamExample> rows) throws IOException {
        w.write(String.join("\t", COLUMNS));
        w.write('\n');
        for (SpamExample e : rows) {
            w.write(e.id());
            w.write('\t');
            w.write(e.label());
            w.write('\t');
            w.write(e.folder());
            w.write('\t');
            w.write(e.text());
            w.write('\n');
        }
    }

    /**
     * Reads a file written by {@link #write(Path, List)}.
     *
     * @throws IOException if it cannot be read or is not in this format
     */
    public static List<SpamExample> read(Path file) throws IOException {
        try (InputStream in = Files.newInputStream(file)) {
            return read(in, file.toString());
        }
    }

    /**
     * Reads TSV content written by {@link #write(Path, List)} (the stream is not closed).
     *
     * @param source a name for error messages
     * @throws IOException if it cannot be read or is not in this format
     */
    public static List<SpamExample> read(InputStream in, String source) throws IOException {
        BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
        String header = r.readLine();
        if (header == null || !List.of(header.replace("\uFEFF", "").split("\t", -1)).equals(COLUMNS)) {
            throw new IOException(source + ": expected the header row " + String.join("<TAB>", COLUMNS)
                    + " but found " + (header == null ? "an empty file" : "'" + header + "'"));
        }
        List<SpamExample> rows = new ArrayList<>();
        String line;
        int lineNo = 1;
        while ((line = r.readLine()) != null) {
            lineNo++;
            if (line.isEmpty()) {
                continue;
            }
            String[] cells = line.split("\t", -1);
            if (cells.length != COLUMNS.size()) {
                throw new IOException(source + " line " + lineNo + ": expected " + COLUMNS.size() + " cells but found "
                        + cells.length);
            }
            try {
                rows.add(new SpamExample(cells[0], cells[1], cells[2], cells[3]));
            } catch (IllegalArgumentException e) {
                throw new IOException(source + " line " + lineNo + ": " + e.getMessage(), e);
            }
        }
        return rows;
    }
}
