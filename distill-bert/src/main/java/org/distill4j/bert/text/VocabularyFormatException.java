package org.distill4j.bert.text;

/**
 * A vocabulary file that cannot be used: not UTF-8, empty, a blank or duplicate piece, or a required special token
 * ([PAD], [UNK], [CLS], [SEP], [MASK]) missing. The message names the file, the line or token, and what is required.
 */
public class VocabularyFormatException extends IllegalArgumentException {

    public VocabularyFormatException(String message) {
        super(message);
    }

    public VocabularyFormatException(String message, Throwable cause) {
        super(message, cause);
    }
}
