package org.distill4j.core.graph;

import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;
import org.bytedeco.javacpp.Pointer;
import org.nd4j.linalg.api.buffer.DataBuffer;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Released arrays kept for reuse, found by data type and number of elements rather than by shape: a buffer released
 * as one shape is lent again as any shape of the same length (a new array object over the same memory). SameDiff
 * M2.1's {@code ArrayCacheMemoryMgr} matches the exact shape, so a step's {@code [2048, 256]}, {@code [16, 128, 256]}
 * and {@code [16, 4, 128, 64]} arrays each needed buffers of their own: on the standard benchmark the training
 * thread's cache held 482 MiB for a step whose arrays alive at once peaked at 397 MiB (README, Speed).
 *
 * <p>The most recently released buffer of a length is lent first (its memory is the likeliest still in the CPU's
 * caches). The cache holds at most {@code maxBytes}; past it, the least recently released arrays are closed. Not
 * thread-safe: one per thread ({@link ArrayRecycling}).
 */
final class ArrayCache {

    /** An array waiting in the cache; identity equality, so the LRU order can hold two arrays with equal ids. */
    private static final class Entry {
        final INDArray array;
        final Key key;

        Entry(INDArray array, Key key) {
            this.array = array;
            this.key = key;
        }
    }

    private record Key(DataType dataType, long length) {
    }

    private final Map<Key, ArrayDeque<Entry>> byLength = new HashMap<>();
    /** Every cached entry, least recently released first. */
    private final Set<Entry> lru = new LinkedHashSet<>();
    private final long maxBytes;
    private long bytes;

    /** A cache of at most a quarter of JavaCPP's {@code maxBytes}, SameDiff's own cache's rule. */
    ArrayCache() {
        this(Pointer.maxBytes() / 4);
    }

    ArrayCache(long maxBytes) {
        this.maxBytes = maxBytes;
    }

    /**
     * A cached array of {@code shape} in {@code order} ('c' or 'f', dense strides), or null if no buffer of that data
     * type and length is cached. The array is the cached object itself when its shape and order match, otherwise a new
     * array over the cached buffer; either way it has an id no other live array has ({@link ArrayIds}).
     */
    INDArray take(DataType dataType, long[] shape, char order) {
        ArrayDeque<Entry> entries = byLength.get(new Key(dataType, lengthOf(shape)));
        Entry entry = entries == null ? null : entries.pollLast();
        if (entry == null) {
            return null;
        }
        lru.remove(entry);
        INDArray array = entry.array;
        bytes -= bytesOf(array.data());
        if (array.ordering() == order && Arrays.equals(array.shape(), shape)) {
            ArrayIds.makeUnique(array);
            return array;
        }
        // a new object (with a new id) over the same memory, which stays whole: not a view, closeable as before
        return Nd4j.create(array.data(), shape, Nd4j.getStrides(shape, order), 0, order);
    }

    /**
     * Keeps an array for reuse, or closes it if it could not be lent again: a scalar or empty array (never asked for
     * here: they would pile up, a few hundred per step), a view or an array without a buffer, strings, an array larger
     * than the whole cache, or one whose buffer a native op context still references (use count > 1, closed as
     * SameDiff's cache does). The caller lends it to no one while it is cached.
     */
    void put(INDArray array) {
        DataBuffer data = array.data();
        if (array.rank() == 0 || array.isEmpty() || data == null || array.isView() || array.dataType() == DataType.UTF8
                || bytesOf(data) > maxBytes || Nd4j.getExecutioner().useCount(data) > 1) {
            close(array);
            return;
        }
        long size = bytesOf(data);
        Iterator<Entry> oldest = lru.iterator();
        while (bytes + size > maxBytes && oldest.hasNext()) {
            Entry e = oldest.next();
            oldest.remove();
            byLength.get(e.key).remove(e);
            bytes -= bytesOf(e.array.data());
            close(e.array);
        }
        Entry entry = new Entry(array, new Key(array.dataType(), data.length()));
        byLength.computeIfAbsent(entry.key, k -> new ArrayDeque<>()).addLast(entry);
        lru.add(entry);
        bytes += size;
    }

    /** True if the cache holds this very array object. */
    boolean holds(INDArray array) {
        for (Entry e : lru) {
            if (e.array == array) {
                return true;
            }
        }
        return false;
    }

    /** Bytes of the cached buffers. */
    long bytes() {
        return bytes;
    }

    /** Number of cached arrays. */
    int size() {
        return lru.size();
    }

    /** Closes every cached array (frees its native memory) and empties the cache. */
    void close() {
        for (Entry e : lru) {
            close(e.array);
        }
        lru.clear();
        byLength.clear();
        bytes = 0;
    }

    private static void close(INDArray array) {
        if (array.closeable()) {
            array.close();
        }
    }

    private static long bytesOf(DataBuffer data) {
        return data.length() * data.getElementSize();
    }

    private static long lengthOf(long[] shape) {
        long n = 1;
        for (long d : shape) {
            n *= d;
        }
        return n;
    }
}
