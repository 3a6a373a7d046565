package org.distill4j.core.train;

/**
 * The run ran out of memory in a step despite the up-front estimate ({@link MemoryEstimate}), e.g. because another
 * process took memory meanwhile. The message says which settings to lower; the last checkpoint is intact.
 */
public class TrainingOutOfMemoryException extends RuntimeException {

    public TrainingOutOfMemoryException(long step, int batchSize, int accumulation, OutOfMemoryError cause) {
        super("out of memory in update " + step + " (" + cause.getMessage() + "): lower training.batch_size (now "
                + batchSize + ") and raise training.gradient_accumulation_steps (now " + accumulation + ") to keep the "
                + "effective batch, or lower data.max_length; or give the process more memory (-Xmx for the Java heap, "
                + "-Dorg.bytedeco.javacpp.maxbytes for ND4J's arrays). Resume from the last checkpoint afterwards", cause);
    }
}
