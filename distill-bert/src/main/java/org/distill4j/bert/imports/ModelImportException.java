package org.distill4j.bert.imports;

/**
 * A model file could not be imported into SameDiff: it is unreadable, or DL4J's importer failed on it. The message
 * names the file, the format and the importer's own error (the first line of the deepest cause), which usually
 * names the op that failed.
 */
public class ModelImportException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /**
     * @param message what failed, naming the file
     * @param cause   the importer's exception, or null
     */
    public ModelImportException(String message, Throwable cause) {
        super(message, cause);
    }
}
