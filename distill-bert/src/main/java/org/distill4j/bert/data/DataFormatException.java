package org.distill4j.bert.data;

/**
 * A data file that cannot be used: wrong column count, unknown label, invalid UTF-8, malformed JSON, an answer that
 * is not where the file says, ... The message starts with the file and line, e.g. {@code "train.tsv line 17:
 * expected 3 columns (sentence, label, idx) but found 2"}, so the user can fix the file without reading our code.
 * Readers raise it while reading, before any training step.
 */
public class DataFormatException extends IllegalArgumentException {

    private final String source;
    private final int line;

    /**
     * @param source  the file (or resource) name as the user gave it
     * @param line    1-based line number, or 0 when the problem is not on one line (e.g. an empty file)
     * @param message what is wrong and, where it helps, what would be accepted
     */
    public DataFormatException(String source, int line, String message) {
        this(source, line, message, null);
    }

    /**
     * @param source  the file (or resource) name as the user gave it
     * @param line    1-based line number, or 0 when the problem is not on one line
     * @param message what is wrong
     * @param cause   the underlying error (may be null)
     */
    public DataFormatException(String source, int line, String message, Throwable cause) {
        super(where(source, line) + ": " + message, cause);
        this.source = source;
        this.line = line;
    }

    /** @return the file (or resource) name */
    public String source() {
        return source;
    }

    /** @return the 1-based line number, or 0 if the problem is not on one line */
    public int line() {
        return line;
    }

    static String where(String source, int line) {
        return line > 0 ? source + " line " + line : source;
    }
}
