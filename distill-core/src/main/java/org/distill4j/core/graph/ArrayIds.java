package org.distill4j.core.graph;

import java.lang.reflect.Field;
import java.util.concurrent.atomic.AtomicLong;
import org.nd4j.linalg.api.ndarray.BaseNDArray;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Works around an ND4J M2.1 defect: an array SameDiff's cache lends again gets a new id with
 * {@code BaseNDArray.assignNewId()}, which takes {@code arrayCounter.incrementAndGet()}, while a new array takes
 * {@code arrayCounter.getAndIncrement()}: the reused array gets the id of the next array created anywhere. SameDiff
 * keys its bookkeeping by id (the cache's "released twice" check and its eviction order, the session's list of freed
 * arrays), so two live arrays with one id made the cache refuse a release ("Array was released multiple times") or
 * a session skip one. {@link #makeUnique} gives a reused array an id no other array has.
 */
final class ArrayIds {

    private static final Field ID;
    private static final AtomicLong COUNTER;

    static {
        try {
            ID = BaseNDArray.class.getDeclaredField("arrayId");
            ID.setAccessible(true);
            Field counter = BaseNDArray.class.getDeclaredField("arrayCounter");
            counter.setAccessible(true);
            COUNTER = (AtomicLong) counter.get(null);
        } catch (ReflectiveOperationException | RuntimeException e) {
            throw new ExceptionInInitializerError("ND4J's BaseNDArray no longer has the fields arrayId and arrayCounter"
                    + " that ArrayRecycling corrects (written for 1.0.0-M2.1): " + e);
        }
    }

    private ArrayIds() {
    }

    /** Gives the array an id taken from ND4J's counter the way a new array takes one (so no later array has it). */
    static void makeUnique(INDArray array) {
        if (array instanceof BaseNDArray) {
            try {
                ID.setLong(array, COUNTER.getAndIncrement());
            } catch (IllegalAccessException e) {
                throw new IllegalStateException(e); // accessible since the class was initialised
            }
        }
    }
}
