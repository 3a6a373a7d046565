package org.distill4j.bert.weights;

import java.io.IOException;

/**
 * A weight file is malformed, truncated, corrupted, or uses a feature this package does not read. The message
 * names the file, the tensor where there is one, and what was expected instead.
 */
public class WeightFormatException extends IOException {
    private static final long serialVersionUID = 1L;

    /**
     * @param message what is wrong, naming the file and tensor
     */
    public WeightFormatException(String message) {
        super(message);
    }

    /**
     * @param message what is wrong, naming the file and tensor
     * @param cause   the underlying failure
     */
    public WeightFormatException(String message, Throwable cause) {
        super(message, cause);
    }
}
