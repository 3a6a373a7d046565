package org.distill4j.core.data;

/**
 * Indexed examples that can be gathered into batches. Implementations must return the same data for the same
 * indices every time, so that a resumed run sees the batches the interrupted one would have seen.
 */
public interface ExampleSet {

    /** Number of examples. */
    int size();

    /** The examples at these indices, in this order, as one batch. */
    Batch batch(int[] indices);
}
