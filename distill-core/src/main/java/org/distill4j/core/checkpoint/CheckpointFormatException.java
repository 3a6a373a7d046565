package org.distill4j.core.checkpoint;

/** A checkpoint or exported model that cannot be used: truncated, corrupted, of another version, or mismatched. */
public class CheckpointFormatException extends RuntimeException {

    public CheckpointFormatException(String message) {
        super(message);
    }

    public CheckpointFormatException(String message, Throwable cause) {
        super(message, cause);
    }
}
