package org.distill4j.bert.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.distill4j.core.data.Batch;
import org.distill4j.core.graph.ModelGraph;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * For the same weights, our SameDiff BERT reproduces an independent PyTorch BERT (tools/bert/make_bert_fixtures.py):
 * every layer's hidden states, attention probabilities and scores, query/key/value, the pooled output, the logits of
 * every head and their hard-label losses, within 1e-4 in fp32.
 */
class BertParityTest {

    private static final double TOLERANCE = 1e-4;
    private final ParityFixtures fixtures = new ParityFixtures();

    private ModelGraph model(BertHead head, int labels, String headFolder) {
        return model(fixtures.config(), head, labels, headFolder);
    }

    private ModelGraph model(BertConfig config, BertHead head, int labels, String headFolder) {
        ModelGraph g = ModelGraph.create(new BertModel(config, head, labels), 1);
        Map<String, INDArray> weights = new LinkedHashMap<>(fixtures.folder("weights"));
        if (headFolder != null) {
            weights.putAll(fixtures.folder("heads/" + headFolder));
        }
        List<String> params = g.parameterNames();
        assertTrue(weights.keySet().containsAll(params), "fixture lacks " + params);
        for (String name : params) {
            INDArray target = g.sd().getArrForVarName(name);
            assertArrayEquals(target.shape(), weights.get(name).shape(), name);
            target.assign(weights.get(name));
        }
        return g;
    }

    private Batch batch(String labelsFile, String labelsField) {
        Map<String, INDArray> in = fixtures.folder("inputs");
        Map<String, INDArray> fields = new LinkedHashMap<>();
        for (String f : List.of("input_ids", "token_type_ids", "attention_mask", "start_positions", "end_positions")) {
            fields.put(f, in.get(f));
        }
        if (labelsFile != null) {
            fields.put(labelsField, in.get(labelsFile));
        }
        return new Batch(fields);
    }

    private static void assertClose(INDArray expected, INDArray actual, String name) {
        assertArrayEquals(expected.shape(), actual.shape(), name + " shape");
        double diff = expected.castTo(DataType.DOUBLE).sub(actual.castTo(DataType.DOUBLE)).amaxNumber().doubleValue();
        assertTrue(diff <= TOLERANCE, name + ": max abs difference " + diff);
    }

    private static void assertCloseRelative(INDArray expected, INDArray actual, String name) {
        assertArrayEquals(expected.shape(), actual.shape(), name + " shape");
        INDArray e = expected.castTo(DataType.DOUBLE);
        INDArray scale = org.nd4j.linalg.ops.transforms.Transforms.abs(e, true).add(1.0);
        double worst = e.sub(actual.castTo(DataType.DOUBLE)).div(scale).amaxNumber().doubleValue();
        assertTrue(worst <= TOLERANCE, name + ": max relative difference " + worst);
    }

    @Test
    void encoderOutputsMatchTheReference() {
        ModelGraph g = model(BertHead.NONE, 0, null);
        Map<String, INDArray> expected = fixtures.folder("expected");
        int layers = fixtures.config().numHiddenLayers();
        List<String> names = new ArrayList<>(List.of("bert/pooled"));
        for (int i = 0; i <= layers; i++) {
            names.add("bert/hidden/" + i);
        }
        for (int l = 0; l < layers; l++) {
            names.addAll(List.of("bert/attention/" + l, "bert/attention_scores/" + l, "bert/query/" + l,
                    "bert/key/" + l, "bert/value/" + l));
        }
        Map<String, INDArray> out = g.output(batch(null, null), names);
        assertClose(expected.get("pooled"), out.get("bert/pooled"), "pooled");
        for (int i = 0; i <= layers; i++) {
            assertClose(expected.get("hidden_" + i), out.get("bert/hidden/" + i), "hidden " + i);
        }
        for (int l = 0; l < layers; l++) {
            assertClose(expected.get("attention_" + l), out.get("bert/attention/" + l), "attention " + l);
            // Scores hold -10000 + x at masked keys, where fp32 spacing alone is ~1e-3: compare those relatively.
            assertCloseRelative(expected.get("scores_" + l), out.get("bert/attention_scores/" + l), "scores " + l);
            for (String part : List.of("query", "key", "value")) {
                assertClose(expected.get(part + "_" + l), out.get("bert/" + part + "/" + l), part + " " + l);
            }
        }
    }

    /**
     * A layer_norm_eps other than BERT's 1e-12 is honoured (1e-3 here, so that it moves the outputs well beyond the
     * tolerance). ND4J's native layer_norm, which the graph uses for 1e-12, ignores it (BertModel.flatLayerNorm).
     */
    @Test
    void encoderHonoursAnotherLayerNormEpsilon() {
        BertConfig c = fixtures.config();
        BertConfig otherEps = new BertConfig(c.vocabSize(), c.hiddenSize(), c.numHiddenLayers(), c.numAttentionHeads(),
                c.intermediateSize(), c.maxPositionEmbeddings(), c.typeVocabSize(), 1e-3, 0, 0, c.initializerRange());
        Map<String, INDArray> expected = fixtures.folder("expected_eps_1e-3");
        double shift = expected.get("hidden_0").sub(fixtures.folder("expected").get("hidden_0")).amaxNumber().doubleValue();
        assertTrue(shift > 10 * TOLERANCE, "the fixture tells the two epsilons apart: " + shift);

        ModelGraph g = model(otherEps, BertHead.NONE, 0, null);
        List<String> names = new ArrayList<>(List.of("bert/pooled"));
        for (int i = 0; i <= c.numHiddenLayers(); i++) {
            names.add("bert/hidden/" + i);
        }
        Map<String, INDArray> out = g.output(batch(null, null), names);
        assertClose(expected.get("pooled"), out.get("bert/pooled"), "pooled");
        for (int i = 0; i <= c.numHiddenLayers(); i++) {
            assertClose(expected.get("hidden_" + i), out.get("bert/hidden/" + i), "hidden " + i);
        }
    }

    @Test
    void sequenceClassificationHeadAlsoWithAnUnlabelledRow() {
        ModelGraph g = model(BertHead.SEQUENCE_CLASSIFICATION, 3, "sequence");
        Map<String, INDArray> expected = fixtures.folder("expected");
        // labels_sequence_partial has the middle example unlabelled (-100): PyTorch's cross_entropy with
        // ignore_index=-100 is the mean over the two labelled rows
        for (String suffix : List.of("", "_partial")) {
            Map<String, INDArray> out = g.output(batch("labels_sequence" + suffix, "labels"), List.of("logits", "loss"));
            assertClose(expected.get("sequence_logits"), out.get("logits"), "logits");
            assertClose(expected.get("sequence_loss" + suffix), out.get("loss"), "loss" + suffix);
        }
        assertTrue(Math.abs(expected.get("sequence_loss_partial").getDouble(0) - expected.get("sequence_loss").getDouble(0)) > 1e-3,
                "the fixture's partial loss must differ from the full one, or the test shows nothing");
    }

    @Test
    void aBatchWithoutLabelsHasZeroHardLoss() {
        // PyTorch's mean over no rows is NaN; a transfer-set batch may hold no labelled row, and must add nothing
        ModelGraph g = model(BertHead.SEQUENCE_CLASSIFICATION, 3, "sequence");
        Batch b = batch("labels_sequence", "labels");
        Map<String, INDArray> fields = new LinkedHashMap<>(b.fields());
        fields.put("labels", org.nd4j.linalg.factory.Nd4j.createFromArray(-100, -100, -100));
        double loss = g.output(new Batch(fields), List.of("loss")).get("loss").getDouble(0);
        assertTrue(loss == 0.0, "loss " + loss);
    }

    @Test
    void multiLabelHead() {
        ModelGraph g = model(BertHead.MULTI_LABEL, 4, "multi_label");
        Map<String, INDArray> out = g.output(batch("labels_multi_label", "labels"), List.of("logits", "loss"));
        Map<String, INDArray> expected = fixtures.folder("expected");
        assertClose(expected.get("multi_label_logits"), out.get("logits"), "logits");
        assertClose(expected.get("multi_label_loss"), out.get("loss"), "loss");
    }

    @Test
    void tokenClassificationHeadIgnoresMinus100() {
        ModelGraph g = model(BertHead.TOKEN_CLASSIFICATION, 5, "token");
        Map<String, INDArray> out = g.output(batch("labels_token", "labels"), List.of("logits", "loss"));
        Map<String, INDArray> expected = fixtures.folder("expected");
        assertClose(expected.get("token_logits"), out.get("logits"), "logits");
        assertClose(expected.get("token_loss"), out.get("loss"), "loss");
    }

    @Test
    void questionAnsweringHead() {
        ModelGraph g = model(BertHead.QUESTION_ANSWERING, 0, "qa");
        Map<String, INDArray> out = g.output(batch(null, null), List.of("start_logits", "end_logits", "loss"));
        Map<String, INDArray> expected = fixtures.folder("expected");
        assertClose(expected.get("qa_start_logits"), out.get("start_logits"), "start");
        assertClose(expected.get("qa_end_logits"), out.get("end_logits"), "end");
        assertClose(expected.get("qa_loss"), out.get("loss"), "loss");
    }
}
