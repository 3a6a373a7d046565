package org.distill4j.bert.data;

import static org.distill4j.bert.data.DataFixtures.file;
import static org.distill4j.bert.data.DataFixtures.tokenizer;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.util.List;
import org.distill4j.bert.text.BertTokenizer;
import org.distill4j.bert.text.Encoding;
import org.distill4j.core.data.Batch;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

class TaskDatasetTest {

    private static final BertTokenizer TOKENIZER = tokenizer();

    private static TaskDataset sst2() throws IOException {
        return TsvClassificationReader.builder(TOKENIZER).build().read(file("sst2-train.tsv"));
    }

    @Test
    void batchesArePaddedToTheirLongestExample() throws IOException {
        TaskDataset d = sst2();
        assertEquals(List.of("input_ids", "token_type_ids", "attention_mask", "labels"), d.fieldNames());
        // example 4 is "[CLS] dull [SEP]" (3 positions), example 0 has 10
        Batch small = d.batch(new int[] {4});
        assertArrayEquals(new long[] {1, 3}, small.get("input_ids").shape());
        Batch b = d.batch(new int[] {4, 0});
        assertEquals(b.fieldNames(), new java.util.LinkedHashSet<>(d.fieldNames()));
        int longest = d.example(0).encoding().length();
        for (String f : List.of("input_ids", "token_type_ids", "attention_mask")) {
            INDArray a = b.get(f);
            assertEquals(DataType.INT, a.dataType(), f);
            assertArrayEquals(new long[] {2, longest}, a.shape(), f);
        }
        INDArray ids = b.get("input_ids");
        INDArray mask = b.get("attention_mask");
        Encoding dull = d.example(4).encoding();
        for (int p = 0; p < longest; p++) {
            int expected = p < 3 ? dull.id(p) : TOKENIZER.vocabulary().padId();
            assertEquals(expected, ids.getInt(0, p), "position " + p);
            assertEquals(p < 3 ? 1 : 0, mask.getInt(0, p));
            assertEquals(d.example(0).encoding().id(p), ids.getInt(1, p));
            assertEquals(1, mask.getInt(1, p));
        }
        INDArray y = b.get("labels");
        assertEquals(DataType.INT, y.dataType());
        assertArrayEquals(new long[] {2}, y.shape());
        assertArrayEquals(new int[] {0, 1}, y.toIntVector());
        assertEquals(d.longestLength(), d.batch(new int[] {0, 1, 2, 3, 4}).get("input_ids").size(1));
    }

    @Test
    void pairBatchesKeepSegmentIds() throws IOException {
        TaskDataset d = TsvClassificationReader.builder(TOKENIZER).textA("sentence1").textB("sentence2")
                .label("gold_label").build().read(file("mnli-dev.tsv"));
        Batch b = d.batch(new int[] {0, 3});
        INDArray types = b.get("token_type_ids");
        Encoding e = d.example(0).encoding();
        for (int p = 0; p < e.length(); p++) {
            assertEquals(e.typeId(p), types.getInt(0, p));
        }
        Encoding shorter = d.example(3).encoding();
        assertEquals(15, types.size(1));
        assertEquals(13, shorter.length());
        assertEquals(1, types.getInt(1, 12), "the final [SEP] is in segment 1");
        assertEquals(0, types.getInt(1, 13), "padding has type 0");
        assertEquals(0, types.getInt(1, 14), "padding has type 0");
    }

    @Test
    void fixedLengthPadding() throws IOException {
        TaskDataset d = sst2();
        TaskDataset fixed = d.withFixedLength(16);
        assertEquals(16, fixed.fixedLength());
        assertEquals(0, d.fixedLength(), "the original still pads to the longest");
        Batch b = fixed.batch(new int[] {4});
        assertArrayEquals(new long[] {1, 16}, b.get("input_ids").shape());
        assertArrayEquals(new long[] {1, 16}, b.get("attention_mask").shape());
        assertEquals(3, b.get("attention_mask").sumNumber().intValue());
        assertEquals(0, fixed.withLongestPadding().fixedLength());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> d.withFixedLength(5));
        assertTrue(e.getMessage().contains("sst2-train.tsv:4 (14 tokens)") && e.getMessage().contains("use at least 14"),
                e.getMessage());
    }

    @Test
    void sameIndicesGiveTheSameBatch() throws IOException {
        TaskDataset d = sst2();
        Batch a = d.batch(new int[] {3, 1, 3});
        Batch b = d.batch(new int[] {3, 1, 3});
        for (String f : d.fieldNames()) {
            assertEquals(a.get(f), b.get(f), f);
        }
        assertEquals(3, a.size());
    }

    @Test
    void badIndicesAndLabelsAreRejected() throws IOException {
        TaskDataset d = sst2();
        assertThrows(IllegalArgumentException.class, () -> d.batch(new int[0]));
        assertThrows(IndexOutOfBoundsException.class, () -> d.batch(new int[] {5}));
        assertThrows(IndexOutOfBoundsException.class, () -> d.batch(new int[] {-1}));
        assertThrows(IllegalArgumentException.class, () -> d.withFloatType(DataType.INT));
        TaskExample x = d.example(0);
        int pad = TOKENIZER.vocabulary().padId();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new TaskDataset(TaskType.CLASSIFICATION, List.of("0", "1"),
                        List.of(new TaskExample("x", x.texts(), x.encoding(), new Label.ClassIndex(2))), pad));
        assertTrue(e.getMessage().contains("label index 2"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> new TaskDataset(TaskType.REGRESSION, List.of(),
                List.of(x), pad));
        assertThrows(IllegalArgumentException.class, () -> new TaskDataset(TaskType.CLASSIFICATION, List.of(),
                List.of(x), pad));
        assertThrows(IllegalArgumentException.class, () -> new TaskDataset(TaskType.QUESTION_ANSWERING, List.of(),
                List.of(new TaskExample("x", x.texts(), x.encoding(), new Label.AnswerSpan(0, 99))), pad));
        assertThrows(IllegalArgumentException.class, () -> new TaskDataset(TaskType.TOKEN_CLASSIFICATION,
                List.of("O"), List.of(new TaskExample("x", x.texts(), x.encoding(),
                new Label.TokenLabels(new int[] {0}, new int[] {0}))), pad));
        assertThrows(IllegalArgumentException.class, () -> new Label.Regression(Float.NaN));
    }

    @Test
    void labelVocabularyIsReported() throws IOException {
        TaskDataset d = sst2();
        assertEquals(List.of("0", "1"), d.labelVocabulary());
        assertEquals(2, d.numLabels());
        assertEquals(java.util.Map.of("0", 0, "1", 1), d.labelIndex());
        assertThrows(UnsupportedOperationException.class, () -> d.labelVocabulary().add("2"));
        assertTrue(d.toString().contains("labels [0, 1]"), d.toString());
    }
}
