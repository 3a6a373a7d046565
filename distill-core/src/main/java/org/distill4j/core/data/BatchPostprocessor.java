package org.distill4j.core.data;

import java.util.Random;

/**
 * Transforms each micro-batch before teacher and student see it (TextBrewer's batch_postprocessor), e.g. for data
 * augmentation with {@link TokenAugmentation}. The training loop passes a generator seeded from the run's seed, the
 * update and the micro-batch, so a resumed run transforms its batches exactly as the interrupted one did.
 */
@FunctionalInterface
public interface BatchPostprocessor {

    /**
     * @param batch the micro-batch as the data set gave it
     * @param rng   a generator for this micro-batch only
     * @return the batch to train on (same number of examples)
     */
    Batch process(Batch batch, Random rng);
}
