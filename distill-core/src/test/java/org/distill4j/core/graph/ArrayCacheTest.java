package org.distill4j.core.graph;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.nd4j.autodiff.samediff.internal.memory.ArrayCacheMemoryMgr;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** {@link ArrayCache}: buffers found by length, lent as any shape; why it replaces SameDiff's exact-shape cache. */
class ArrayCacheTest {

    @Test
    void m21sCacheLendsABufferOnlyForTheShapeItWasReleasedAs() {
        ArrayCacheMemoryMgr samediff = new ArrayCacheMemoryMgr();
        INDArray released = samediff.allocate(false, DataType.FLOAT, 8, 6);
        samediff.release(released);
        INDArray other = samediff.allocate(false, DataType.FLOAT, 2, 4, 6); // 48 elements too
        assertNotEquals(released.data().address(), other.data().address(), "new memory beside the cached buffer");
        assertEquals(48 * 4, samediff.getCurrentCacheSize(), "the [8, 6] buffer still waits for an [8, 6] request");
        samediff.close();

        ArrayCache ours = new ArrayCache(1 << 20);
        INDArray a = Nd4j.createUninitializedDetached(DataType.FLOAT, 8, 6);
        ours.put(a);
        INDArray b = ours.take(DataType.FLOAT, new long[]{2, 4, 6}, 'c');
        assertEquals(a.data().address(), b.data().address(), "the same memory, lent as [2, 4, 6]");
        assertEquals(0, ours.bytes());
    }

    @Test
    void anArrayLentAsAnotherShapeIsAWholeCloseableArrayWithItsOwnIdAndStrides() {
        ArrayCache cache = new ArrayCache(1 << 20);
        INDArray a = Nd4j.createUninitializedDetached(DataType.FLOAT, 8, 6);
        cache.put(a);
        INDArray b = cache.take(DataType.FLOAT, new long[]{2, 4, 6}, 'c');
        assertNotSame(a, b);
        assertNotEquals(a.getId(), b.getId());
        assertArrayEquals(new long[]{2, 4, 6}, b.shape());
        assertArrayEquals(new long[]{24, 6, 1}, b.stride());
        assertFalse(b.isView(), "owns its whole buffer, as a new array would");
        assertTrue(b.closeable());
        b.assign(Nd4j.linspace(DataType.FLOAT, 1, 48, 1).reshape(2, 4, 6));
        assertEquals(48f, b.getFloat(1, 3, 5));

        cache.put(b);
        INDArray f = cache.take(DataType.FLOAT, new long[]{6, 8}, 'f');
        assertEquals('f', f.ordering());
        assertArrayEquals(new long[]{1, 6}, f.stride(), "f-order strides, not just the flag");
        f.assign(Nd4j.linspace(DataType.FLOAT, 1, 48, 1).reshape('f', 6, 8));
        assertEquals(7f, f.getFloat(0, 1));
    }

    @Test
    void theSameShapeGetsTheSameObjectWithANewIdAndTheNewestBufferComesFirst() {
        ArrayCache cache = new ArrayCache(1 << 20);
        INDArray older = Nd4j.createUninitializedDetached(DataType.FLOAT, 3, 5);
        INDArray newer = Nd4j.createUninitializedDetached(DataType.FLOAT, 3, 5);
        cache.put(older);
        cache.put(newer);
        long id = newer.getId();
        INDArray first = cache.take(DataType.FLOAT, new long[]{3, 5}, 'c');
        assertSame(newer, first, "last released, first lent");
        assertNotEquals(id, first.getId(), "an id of its own (ArrayIds)");
        assertSame(older.data(), cache.take(DataType.FLOAT, new long[]{15}, 'c').data(), "then the older buffer");
        assertNull(cache.take(DataType.FLOAT, new long[]{3, 5}, 'c'), "empty now");
    }

    @Test
    void otherLengthsAndDataTypesAreMisses() {
        ArrayCache cache = new ArrayCache(1 << 20);
        cache.put(Nd4j.createUninitializedDetached(DataType.FLOAT, 4, 4));
        assertNull(cache.take(DataType.FLOAT, new long[]{4, 5}, 'c'));
        assertNull(cache.take(DataType.FLOAT, new long[]{2, 4}, 'c'), "a larger buffer is not lent as a view");
        assertNull(cache.take(DataType.DOUBLE, new long[]{4, 4}, 'c'));
        assertNull(cache.take(DataType.INT32, new long[]{16}, 'c'));
        assertEquals(1, cache.size());
        assertEquals(64, cache.bytes());
    }

    @Test
    void pastItsLimitTheLeastRecentlyReleasedArraysAreClosed() {
        ArrayCache cache = new ArrayCache(3 * 400); // three [10, 10] float arrays
        INDArray[] arrays = new INDArray[4];
        for (int i = 0; i < arrays.length; i++) {
            arrays[i] = Nd4j.createUninitializedDetached(DataType.FLOAT, 10, 10);
            cache.put(arrays[i]);
        }
        assertTrue(arrays[0].wasClosed(), "the oldest made room");
        assertFalse(arrays[1].wasClosed() || arrays[2].wasClosed() || arrays[3].wasClosed());
        assertEquals(3, cache.size());
        assertEquals(1200, cache.bytes());
        assertFalse(cache.holds(arrays[0]));
        assertTrue(cache.holds(arrays[3]));

        INDArray tooLarge = Nd4j.createUninitializedDetached(DataType.FLOAT, 40, 10);
        cache.put(tooLarge);
        assertTrue(tooLarge.wasClosed(), "larger than the whole cache: closed, nothing evicted for it");
        assertEquals(3, cache.size());

        cache.close();
        assertTrue(arrays[1].wasClosed() && arrays[2].wasClosed() && arrays[3].wasClosed());
        assertEquals(0, cache.size());
        assertEquals(0, cache.bytes());
    }
}
