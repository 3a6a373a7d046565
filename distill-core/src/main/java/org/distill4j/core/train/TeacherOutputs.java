package org.distill4j.core.train;

import java.util.ArrayList;
import java.util.BitSet;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.distill4j.core.data.Batch;
import org.distill4j.core.graph.ModelGraph;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Runs the frozen teacher (inference only: it has no gradients and no optimizer state) and, when
 * is_caching_logits is set, keeps its outputs per example so later epochs skip the teacher forward.
 * Probability shift is applied on the way out, so the cache holds the teacher's raw outputs.
 */
final class TeacherOutputs {

    private final ModelGraph teacher;
    private final List<String> names;
    private final TeacherCache cache;
    private long forwards;
    /** Examples whose outputs the cache holds (written on the teacher thread, read by the loop: synchronized). */
    private final BitSet cachedExamples = new BitSet();
    private final List<String> shiftedLogits;
    private final String labelsField;

    /**
     * @param names         teacher variables to produce
     * @param shiftedLogits logits to which probability shift applies (empty: none)
     * @param labelsField   batch field with the gold labels, for probability shift
     */
    TeacherOutputs(ModelGraph teacher, List<String> names, boolean caching, List<String> shiftedLogits, String labelsField) {
        this(teacher, names, caching ? TeacherCache.inMemory() : null, shiftedLogits, labelsField);
    }

    /** @param cache where outputs are kept between epochs, or null to run the teacher every time */
    TeacherOutputs(ModelGraph teacher, List<String> names, TeacherCache cache, List<String> shiftedLogits, String labelsField) {
        this.teacher = teacher;
        this.names = List.copyOf(names);
        this.cache = cache;
        this.shiftedLogits = List.copyOf(shiftedLogits);
        this.labelsField = labelsField;
    }

    /** The teacher outputs for a batch whose examples have the given indices, cast to {@code dtype}. */
    Map<String, INDArray> forBatch(Batch batch, int[] indices, DataType dtype) {
        if (names.isEmpty()) {
            return Map.of();
        }
        Map<String, INDArray> raw = cache != null ? cached(indices) : null;
        if (raw != null) {
            markCached(indices); // a disk cache may hold examples from an earlier run
        } else {
            raw = teacher.output(batch, names);
            forwards++;
            if (cache != null) {
                store(indices, raw);
                markCached(indices);
            }
        }
        Map<String, INDArray> out = new LinkedHashMap<>();
        for (String name : names) {
            INDArray value = raw.get(name).castTo(dtype);
            if (shiftedLogits.contains(name)) {
                value = ProbabilityShift.apply(value.dup(), batch.get(labelsField));
            }
            out.put(name, value);
        }
        return out;
    }

    /**
     * The teacher's outputs computed afresh, bypassing the cache and the forward count: for the memory estimate's dry
     * steps, which must see the teacher's activations as the first epoch does.
     */
    Map<String, INDArray> dryRun(Batch batch, DataType dtype) {
        Map<String, INDArray> out = new LinkedHashMap<>();
        if (!names.isEmpty()) {
            teacher.output(batch, names).forEach((name, value) -> out.put(name, value.castTo(dtype)));
        }
        return out;
    }

    /**
     * True if the cache holds the outputs of every one of {@code examples} examples (indices 0 to examples - 1): the
     * teacher will not run again unless an entry cannot be read back. False without a cache.
     */
    boolean allCached(int examples) {
        if (names.isEmpty()) {
            return true; // nothing to compute
        }
        synchronized (cachedExamples) {
            return cache != null && cachedExamples.nextClearBit(0) >= examples;
        }
    }

    private void markCached(int[] indices) {
        synchronized (cachedExamples) {
            for (int i : indices) {
                cachedExamples.set(i);
            }
        }
    }

    /** Teacher forward passes run so far (cache misses). */
    long forwards() {
        return forwards;
    }

    private Map<String, INDArray> cached(int[] indices) {
        List<Map<String, INDArray>> examples = new ArrayList<>();
        for (int i : indices) {
            Map<String, INDArray> rows = cache.get(i);
            if (rows == null || !rows.keySet().containsAll(names)) {
                return null;
            }
            examples.add(rows);
        }
        Map<String, INDArray> out = new LinkedHashMap<>();
        for (String name : names) {
            List<INDArray> rows = new ArrayList<>();
            long[] shape = null;
            for (Map<String, INDArray> example : examples) {
                INDArray row = example.get(name);
                if (shape != null && !java.util.Arrays.equals(shape, row.shape())) {
                    throw new IllegalStateException("is_caching_logits needs every example padded to one length, but cached "
                            + name + " rows have shapes " + java.util.Arrays.toString(shape) + " and "
                            + java.util.Arrays.toString(row.shape()) + "; pad to a fixed length or turn caching off");
                }
                shape = row.shape();
                rows.add(row);
            }
            out.put(name, Nd4j.stack(0, rows.toArray(INDArray[]::new)));
        }
        return out;
    }

    private void store(int[] indices, Map<String, INDArray> raw) {
        for (int k = 0; k < indices.length; k++) {
            Map<String, INDArray> rows = new HashMap<>();
            for (String name : names) {
                rows.put(name, raw.get(name).slice(k).dup());
            }
            cache.put(indices[k], rows);
        }
    }
}
