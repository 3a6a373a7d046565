package org.distill4j.core.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.random.impl.BernoulliDistribution;
import org.nd4j.linalg.factory.Nd4j;

/** Why {@link Distiller#microBatchSeed} never gives 0, and that it still gives one seed per micro-batch. */
class MicroBatchSeedTest {

    private static INDArray mask(long seed) {
        Nd4j.getRandom().setSeed(seed);
        INDArray m = Nd4j.createUninitialized(DataType.FLOAT, 4096);
        Nd4j.getExecutioner().exec(new BernoulliDistribution(m, 0.9));
        return m;
    }

    @Test
    void nd4jSeedsFromTheClockWhenGivenZero() throws InterruptedException {
        Nd4j.getRandom().setSeed(0);
        long first = Nd4j.getRandom().rootState();
        Thread.sleep(2);
        Nd4j.getRandom().setSeed(0);
        assertNotEquals(first, Nd4j.getRandom().rootState(), "M2.1: setSeed(0) is not a seed");
        Nd4j.getRandom().setSeed(12345);
        long seeded = Nd4j.getRandom().rootState();
        Nd4j.getRandom().setSeed(12345);
        assertEquals(seeded, Nd4j.getRandom().rootState());
        assertEquals(mask(12345), mask(12345), "any other seed draws the same dropout masks again");
    }

    @Test
    void everyMicroBatchGetsAReproducibleSeedOtherThanZero() {
        assertEquals(Distiller.ZERO_SEED_STAND_IN, Distiller.microBatchSeed(0, 0, 0), "training.seed 0, first micro-batch");
        assertEquals(mask(Distiller.microBatchSeed(0, 0, 0)), mask(Distiller.microBatchSeed(0, 0, 0)));
        assertEquals(42 * 7919L + 3 * 131L + 1, Distiller.microBatchSeed(42, 3, 1), "other seeds as before");
        assertEquals(Distiller.ZERO_SEED_STAND_IN, Distiller.microBatchSeed(-131, 7919, 0), "a negative seed can reach 0");
    }
}
