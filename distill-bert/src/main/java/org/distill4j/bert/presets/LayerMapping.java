package org.distill4j.bert.presets;

import java.util.ArrayList;
import java.util.List;
import org.distill4j.core.config.ConfigException;

/**
 * Which teacher hidden state each student hidden state imitates, as pairs of adaptor indices (0 = embedding output,
 * i = output of layer i). The embedding outputs always pair up.
 *
 * @param teacherIndices teacher hidden-state indices, one per pair
 * @param studentIndices student hidden-state indices, same length
 */
public record LayerMapping(List<Integer> teacherIndices, List<Integer> studentIndices) {

    public LayerMapping {
        teacherIndices = List.copyOf(teacherIndices);
        studentIndices = List.copyOf(studentIndices);
        if (teacherIndices.size() != studentIndices.size() || teacherIndices.isEmpty()) {
            throw new ConfigException("layer mapping", teacherIndices + " -> " + studentIndices,
                    "needs as many teacher as student indices, at least one");
        }
    }

    /**
     * Uniform: student layer i imitates teacher layer round(i * T / S), for i = 0..S (TextBrewer's and TinyBERT's
     * map; with T = 12, S = 4: 0-0, 3-1, 6-2, 9-3, 12-4).
     */
    public static LayerMapping uniform(int teacherLayers, int studentLayers) {
        check(teacherLayers, studentLayers);
        List<Integer> t = new ArrayList<>();
        List<Integer> s = new ArrayList<>();
        for (int i = 0; i <= studentLayers; i++) {
            s.add(i);
            t.add((int) Math.round((double) i * teacherLayers / studentLayers));
        }
        return new LayerMapping(t, s);
    }

    /**
     * An explicit list of teacher layers, one per student layer (1-based layer outputs, as DistilBERT's
     * [2, 4, 6, 8, 10, 12] or [1, 3, 5, ...]); the embeddings pair up first.
     */
    public static LayerMapping skip(int teacherLayers, List<Integer> teacherLayerPerStudentLayer) {
        List<Integer> t = new ArrayList<>(List.of(0));
        List<Integer> s = new ArrayList<>(List.of(0));
        int previous = 0;
        for (int i = 0; i < teacherLayerPerStudentLayer.size(); i++) {
            int layer = teacherLayerPerStudentLayer.get(i);
            if (layer < 1 || layer > teacherLayers || layer <= previous) {
                throw new ConfigException("layer mapping[" + i + "]", layer, "teacher layers must be increasing, in 1.."
                        + teacherLayers);
            }
            previous = layer;
            t.add(layer);
            s.add(i + 1);
        }
        return new LayerMapping(t, s);
    }

    /** Only the last layers: teacher layer T with student layer S. */
    public static LayerMapping lastOnly(int teacherLayers, int studentLayers) {
        check(teacherLayers, studentLayers);
        return new LayerMapping(List.of(teacherLayers), List.of(studentLayers));
    }

    /** Number of pairs. */
    public int size() {
        return teacherIndices.size();
    }

    private static void check(int teacherLayers, int studentLayers) {
        if (studentLayers < 1 || teacherLayers < studentLayers) {
            throw new ConfigException("layer mapping", studentLayers + " student layers",
                    "needs 1 <= student layers <= teacher layers (" + teacherLayers + ")");
        }
    }
}
