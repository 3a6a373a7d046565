package org.distill4j.bert.presets;

import java.util.ArrayList;
import java.util.List;
import org.distill4j.bert.model.BertConfig;
import org.distill4j.core.config.ConfigException;
import org.distill4j.core.config.IntermediateMatch;
import org.distill4j.core.config.LayerRef;
import org.distill4j.core.config.ProjectionSpec;

/**
 * TextBrewer's intermediate-match presets for BERT students: hidden_mse along a layer map (through a linear
 * projection when the widths differ) plus the hidden "smmd" pairs (mmd of a layer with itself).
 */
public final class MatchPresets {

    private MatchPresets() {
    }

    /** hidden_mse on every mapped pair, with a linear projection D_S -> D_T when the widths differ. */
    public static List<IntermediateMatch> hiddenMse(LayerMapping map, BertConfig teacher, BertConfig student) {
        validate(map, teacher, student);
        ProjectionSpec proj = teacher.hiddenSize() == student.hiddenSize() ? null
                : new ProjectionSpec("linear", student.hiddenSize(), teacher.hiddenSize(), null);
        List<IntermediateMatch> out = new ArrayList<>();
        for (int i = 0; i < map.size(); i++) {
            out.add(new IntermediateMatch(LayerRef.of(map.teacherIndices().get(i)), LayerRef.of(map.studentIndices().get(i)),
                    "hidden", "hidden_mse", 1.0, proj, null));
        }
        return out;
    }

    /** mmd of each mapped layer with itself ([t, t] vs [s, s]); widths may differ, no projection. */
    public static List<IntermediateMatch> hiddenSmmd(LayerMapping map, BertConfig teacher, BertConfig student) {
        validate(map, teacher, student);
        List<IntermediateMatch> out = new ArrayList<>();
        for (int i = 0; i < map.size(); i++) {
            int t = map.teacherIndices().get(i);
            int s = map.studentIndices().get(i);
            out.add(new IntermediateMatch(LayerRef.pair(t, t), LayerRef.pair(s, s), "hidden", "mmd", 1.0, null, null));
        }
        return out;
    }

    /** TextBrewer's recommended set for its published students: uniform hidden_mse plus smmd. */
    public static List<IntermediateMatch> textBrewer(BertConfig teacher, BertConfig student) {
        LayerMapping map = LayerMapping.uniform(teacher.numHiddenLayers(), student.numHiddenLayers());
        List<IntermediateMatch> out = new ArrayList<>(hiddenMse(map, teacher, student));
        out.addAll(hiddenSmmd(map, teacher, student));
        return out;
    }

    private static void validate(LayerMapping map, BertConfig teacher, BertConfig student) {
        for (int i = 0; i < map.size(); i++) {
            int t = map.teacherIndices().get(i);
            int s = map.studentIndices().get(i);
            if (t < 0 || t > teacher.numHiddenLayers()) {
                throw new ConfigException("layer mapping teacher[" + i + "]", t, "the teacher has hidden states 0.."
                        + teacher.numHiddenLayers());
            }
            if (s < 0 || s > student.numHiddenLayers()) {
                throw new ConfigException("layer mapping student[" + i + "]", s, "the student has hidden states 0.."
                        + student.numHiddenLayers());
            }
        }
    }
}
