package org.distill4j.bert.presets;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.distill4j.bert.model.BertConfig;
import org.distill4j.bert.model.BertHead;
import org.distill4j.bert.model.BertInitializer;
import org.distill4j.bert.model.BertModel;
import org.distill4j.core.config.ConfigException;
import org.distill4j.core.config.IntermediateMatch;
import org.distill4j.core.config.LayerRef;
import org.distill4j.core.graph.ModelGraph;
import org.distill4j.core.graph.ParameterSummary;
import org.junit.jupiter.api.Test;

/** Student presets, layer maps, match presets, layer-copy initialisation and the parameter summary. */
class PresetsTest {

    private static final BertConfig BERT_BASE = BertConfig.of(30522, 768, 12, 12, 3072, 512, 2);

    @Test
    void presetsHaveTextBrewersShapesAndParameterCounts() {
        // Parameter counts of the encoders with BERT-base's vocabulary (TextBrewer's table: 65M, 44M, 17M, 14M, 17M).
        long[] expectedMillions = {67, 46, 17, 14, 17};
        StudentPreset[] presets = StudentPreset.values();
        for (int i = 0; i < presets.length; i++) {
            BertConfig c = presets[i].studentOf(BERT_BASE);
            assertEquals(30522, c.vocabSize());
            long params = encoderParameters(c);
            assertEquals(expectedMillions[i], Math.round(params / 1e6), presets[i].displayName() + ": " + params);
        }
        assertEquals(StudentPreset.T4_TINY, StudentPreset.named("T4-tiny"));
        assertEquals("T12-nano", StudentPreset.T12_NANO.displayName());
        ConfigException e = assertThrows(ConfigException.class, () -> StudentPreset.named("T5"));
        assertTrue(e.getMessage().contains("T4-tiny"), e.getMessage());
        BertConfig shallowTeacher = BertConfig.of(100, 768, 4, 12, 3072, 64, 2);
        assertThrows(ConfigException.class, () -> StudentPreset.T6.studentOf(shallowTeacher));
    }

    /** Embeddings + layers + pooler, counted from the architecture (no graph needed). */
    private static long encoderParameters(BertConfig c) {
        long d = c.hiddenSize();
        long embeddings = (c.vocabSize() + c.maxPositionEmbeddings() + c.typeVocabSize()) * d + 2 * d;
        long layer = 4 * (d * d + d) + 2 * d + (d * c.intermediateSize() + c.intermediateSize())
                + (c.intermediateSize() * d + d) + 2 * d;
        return embeddings + c.numHiddenLayers() * layer + d * d + d;
    }

    @Test
    void parameterCountOfTheBuiltGraphAgreesWithTheArchitecture() {
        BertConfig small = BertConfig.of(50, 16, 2, 2, 32, 12, 2);
        ModelGraph g = ModelGraph.create(new BertModel(small, BertHead.NONE, 0), 1);
        assertEquals(encoderParameters(small), g.parameterCount());
        ParameterSummary summary = ParameterSummary.of(g);
        assertEquals(g.parameterCount(), summary.parameters());
        String table = summary.format(3);
        assertTrue(table.contains("layer_0") && table.contains("layer_1") && table.contains("embeddings"), table);
        assertTrue(table.indexOf("layer_0") < table.indexOf("layer_1"), table);
    }

    @Test
    void layerMappings() {
        LayerMapping uniform = LayerMapping.uniform(12, 4);
        assertEquals(List.of(0, 3, 6, 9, 12), uniform.teacherIndices());
        assertEquals(List.of(0, 1, 2, 3, 4), uniform.studentIndices());
        assertEquals(List.of(0, 4, 8, 12), LayerMapping.uniform(12, 3).teacherIndices());
        LayerMapping skip = LayerMapping.skip(12, List.of(2, 4, 6, 8, 10, 12));
        assertEquals(List.of(0, 2, 4, 6, 8, 10, 12), skip.teacherIndices());
        assertEquals(List.of(12), LayerMapping.lastOnly(12, 4).teacherIndices());
        assertThrows(ConfigException.class, () -> LayerMapping.skip(12, List.of(4, 2)));
        assertThrows(ConfigException.class, () -> LayerMapping.skip(12, List.of(13)));
        assertThrows(ConfigException.class, () -> LayerMapping.uniform(3, 4));
    }

    @Test
    void textBrewerMatchPresetUsesProjectionsOnlyWhenWidthsDiffer() {
        BertConfig tiny = StudentPreset.T4_TINY.studentOf(BERT_BASE);
        List<IntermediateMatch> matches = MatchPresets.textBrewer(BERT_BASE, tiny);
        assertEquals(10, matches.size());
        IntermediateMatch first = matches.get(1);
        assertEquals(LayerRef.of(3), first.layerT());
        assertEquals(312, first.proj().studentWidth());
        assertEquals(768, first.proj().teacherWidth());
        IntermediateMatch mmd = matches.get(9);
        assertEquals("mmd", mmd.loss());
        assertEquals(LayerRef.pair(12, 12), mmd.layerT());
        BertConfig t6 = StudentPreset.T6.studentOf(BERT_BASE);
        assertNull(MatchPresets.textBrewer(BERT_BASE, t6).get(0).proj());
        assertThrows(ConfigException.class, () -> MatchPresets.hiddenMse(LayerMapping.uniform(24, 4), BERT_BASE, tiny));
    }

    @Test
    void studentInitialisedFromChosenTeacherLayers() {
        BertConfig teacherConfig = BertConfig.of(30, 16, 4, 2, 32, 12, 2);
        BertConfig studentConfig = BertConfig.of(30, 16, 2, 2, 32, 12, 2);
        ModelGraph teacher = ModelGraph.create(new BertModel(teacherConfig, BertHead.SEQUENCE_CLASSIFICATION, 3), 1);
        ModelGraph student = ModelGraph.create(new BertModel(studentConfig, BertHead.SEQUENCE_CLASSIFICATION, 3), 2);
        List<String> copied = BertInitializer.fromTeacherLayers(teacher, student, List.of(1, 3));
        assertEquals(student.parameterNames().size(), copied.size());
        assertEquals(teacher.sd().getArrForVarName("bert/encoder/layer_3/output/dense/kernel"),
                student.sd().getArrForVarName("bert/encoder/layer_1/output/dense/kernel"));
        assertEquals(teacher.sd().getArrForVarName(BertModel.WORD_EMBEDDINGS),
                student.sd().getArrForVarName(BertModel.WORD_EMBEDDINGS));
        assertThrows(ConfigException.class, () -> BertInitializer.fromTeacherLayers(teacher, student, List.of(1)));
        assertThrows(ConfigException.class, () -> BertInitializer.fromTeacherLayers(teacher, student, List.of(1, 4)));
        ModelGraph narrow = ModelGraph.create(new BertModel(BertConfig.of(30, 8, 2, 2, 32, 12, 2), BertHead.NONE, 0), 2);
        ConfigException e = assertThrows(ConfigException.class, () -> BertInitializer.fromTeacherLayers(teacher, narrow, List.of(0, 1)));
        assertTrue(e.getMessage().contains("equal widths"), e.getMessage());
    }
}
