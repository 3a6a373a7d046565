package org.distill4j.bert.presets;

import java.util.Arrays;
import java.util.Locale;
import org.distill4j.bert.model.BertConfig;
import org.distill4j.core.config.ConfigException;

/**
 * TextBrewer's student architectures (layers / hidden / heads / FFN). A student takes the teacher's vocabulary,
 * positions, token types, epsilon and dropout; only the depth and widths change.
 */
public enum StudentPreset {
    /** 6 layers, 768 wide, 12 heads, FFN 3072 (about 65M parameters with a 30k vocabulary). */
    T6(6, 768, 12, 3072),
    /** 3 layers, 768 wide, 12 heads, FFN 3072 (about 44M). */
    T3(3, 768, 12, 3072),
    /** 3 layers, 384 wide, 12 heads, FFN 1536 (about 17M). */
    T3_SMALL(3, 384, 12, 1536),
    /** 4 layers, 312 wide, 12 heads, FFN 1200 (about 14M; TinyBERT's size). */
    T4_TINY(4, 312, 12, 1200),
    /** 12 layers, 256 wide, 4 heads, FFN 1024 (about 17M). */
    T12_NANO(12, 256, 4, 1024);

    private final int layers;
    private final int hidden;
    private final int heads;
    private final int intermediate;

    StudentPreset(int layers, int hidden, int heads, int intermediate) {
        this.layers = layers;
        this.hidden = hidden;
        this.heads = heads;
        this.intermediate = intermediate;
    }

    public int layers() {
        return layers;
    }

    public int hidden() {
        return hidden;
    }

    public int heads() {
        return heads;
    }

    public int intermediate() {
        return intermediate;
    }

    /** The preset by its TextBrewer name (T6, T3, T3-small, T4-tiny, T12-nano; case-insensitive). */
    public static StudentPreset named(String name) {
        String key = name.toUpperCase(Locale.ROOT).replace('-', '_');
        for (StudentPreset p : values()) {
            if (p.name().equals(key)) {
                return p;
            }
        }
        throw new ConfigException("student preset", name, "allowed: " + Arrays.stream(values()).map(StudentPreset::displayName).toList());
    }

    /** The TextBrewer name, e.g. T4-tiny. */
    public String displayName() {
        return name().charAt(0) + name().substring(1).toLowerCase(Locale.ROOT).replace('_', '-');
    }

    /**
     * The student configuration for a teacher.
     *
     * @throws ConfigException if the student would be deeper than the teacher (layer maps need teacher layers)
     */
    public BertConfig studentOf(BertConfig teacher) {
        if (layers > teacher.numHiddenLayers()) {
            throw new ConfigException("student preset", displayName(), "has " + layers + " layers but the teacher only "
                    + teacher.numHiddenLayers() + "; choose a preset with at most that many layers");
        }
        return new BertConfig(teacher.vocabSize(), hidden, layers, heads, intermediate, teacher.maxPositionEmbeddings(),
                teacher.typeVocabSize(), teacher.layerNormEps(), teacher.hiddenDropoutProb(),
                teacher.attentionProbsDropoutProb(), teacher.initializerRange());
    }
}
