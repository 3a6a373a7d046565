package org.distill4j.bert.data;

import static org.distill4j.bert.data.DataFixtures.assertDataError;
import static org.distill4j.bert.data.DataFixtures.file;
import static org.distill4j.bert.data.DataFixtures.tokenizer;
import static org.distill4j.bert.data.DataFixtures.utf8;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.util.List;
import org.distill4j.bert.text.BertTokenizer;
import org.distill4j.bert.text.Encoding;
import org.distill4j.bert.text.Truncation;
import org.distill4j.core.config.ConfigException;
import org.distill4j.core.data.Batch;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

class ConllReaderTest {

    private static final int X = TaskDataset.IGNORE_INDEX;
    private static final ConllReader READER = ConllReader.builder(tokenizer()).build();

    @Test
    void onlyTheFirstPieceOfEachWordIsLabelled() throws IOException {
        TaskDataset d = READER.read(file("conll-train.txt"));
        assertEquals(TaskType.TOKEN_CLASSIFICATION, d.type());
        assertEquals(2, d.size(), "-DOCSTART- lines and repeated blank lines make no sentences");
        assertEquals(List.of("B-LOC", "B-ORG", "B-PER", "I-ORG", "O"), d.labelVocabulary(), "collected and sorted");
        assertTrue(d.example(0).id().endsWith("conll-train.txt:3"));
        assertTrue(d.example(1).id().endsWith("conll-train.txt:14"));

        TaskExample s = d.example(0);
        assertEquals(List.of("Schwarzenegger visited Müller in the U.S. ."), s.texts());
        Encoding e = s.encoding();
        assertEquals(List.of("[CLS]", "schwarz", "##ene", "##gger", "visited", "muller", "in", "the", "u", ".", "s",
                ".", ".", "[SEP]"), e.tokens());
        Label.TokenLabels t = (Label.TokenLabels) s.label();
        int per = d.labelIndex("B-PER");
        int o = d.labelIndex("O");
        int loc = d.labelIndex("B-LOC");
        assertArrayEquals(new int[] {X, per, X, X, o, per, o, o, loc, X, X, X, o, X}, t.labels());
        assertArrayEquals(new int[] {-1, 0, 0, 0, 1, 2, 3, 4, 5, 5, 5, 5, 6, -1}, t.wordIds());
        assertEquals("Schwarz", s.textAt(1));
        assertEquals("gger", s.textAt(3));
        assertEquals("Müller", s.textAt(5));
        assertEquals("U", s.textAt(8));

        // second sentence: two multi-piece words in a row, no final newline
        TaskExample s2 = d.example(1);
        Encoding e2 = s2.encoding();
        assertEquals(List.of("[CLS]", "ho", "##hen", "##zo", "##ller", "##n", "ko", "##wal", "##cz", "##yk", "wins",
                "[SEP]"), e2.tokens());
        assertArrayEquals(new int[] {X, d.labelIndex("B-ORG"), X, X, X, X, d.labelIndex("I-ORG"), X, X, X, o, X},
                ((Label.TokenLabels) s2.label()).labels());
    }

    @Test
    void labelsMatchTheirWordsEverywhere() throws IOException {
        TaskDataset d = READER.read(file("conll-train.txt"));
        String[][] tags = {{"B-PER", "O", "B-PER", "O", "O", "B-LOC", "O"}, {"B-ORG", "I-ORG", "O"}};
        for (int i = 0; i < d.size(); i++) {
            Label.TokenLabels t = (Label.TokenLabels) d.example(i).label();
            int previous = -1;
            int labelled = 0;
            for (int p = 0; p < t.length(); p++) {
                int w = t.wordId(p);
                boolean first = w >= 0 && w != previous;
                if (first) {
                    assertEquals(d.labelIndex(tags[i][w]), t.label(p), "sentence " + i + " position " + p);
                    labelled++;
                } else {
                    assertEquals(X, t.label(p), "sentence " + i + " position " + p);
                }
                if (w >= 0) {
                    previous = w;
                }
            }
            assertEquals(tags[i].length, labelled, "every word labelled once");
        }
    }

    @Test
    void batchesPadLabelsWithIgnoreIndex() throws IOException {
        TaskDataset d = READER.read(file("conll-train.txt"));
        Batch b = d.batch(new int[] {1, 0});
        INDArray y = b.get(TaskDataset.LABELS);
        assertEquals(DataType.INT, y.dataType());
        assertArrayEquals(new long[] {2, 14}, y.shape());
        assertArrayEquals(new long[] {2, 14}, b.get(TaskDataset.INPUT_IDS).shape());
        for (int p = 12; p < 14; p++) {
            assertEquals(X, y.getInt(0, p));
            assertEquals(0, b.get(TaskDataset.ATTENTION_MASK).getInt(0, p));
        }
        assertEquals(d.labelIndex("B-ORG"), y.getInt(0, 1));
        Batch fixed = d.withFixedLength(20).batch(new int[] {0});
        assertArrayEquals(new long[] {1, 20}, fixed.get(TaskDataset.LABELS).shape());
        assertEquals(X, fixed.get(TaskDataset.LABELS).getInt(0, 19));
    }

    @Test
    void givenLabelSetKeepsItsOrder() throws IOException {
        List<String> bio = List.of("O", "B-PER", "I-PER", "B-ORG", "I-ORG", "B-LOC", "I-LOC", "B-MISC", "I-MISC");
        TaskDataset d = ConllReader.builder(tokenizer()).labels(bio).build().read(file("conll-train.txt"));
        assertEquals(bio, d.labelVocabulary());
        assertEquals(1, ((Label.TokenLabels) d.example(0).label()).label(1));
        TaskDataset again = READER.withLabels(bio).read(file("conll-train.txt"));
        assertEquals(d.example(0).label(), again.example(0).label());
    }

    @Test
    void longSentencesAreCutOrRejectedAsTheTokenizerSays() throws IOException {
        BertTokenizer six = BertTokenizer.builder(DataFixtures.vocabulary()).maxLength(6).build();
        TaskDataset d = ConllReader.builder(six).build().read(file("conll-train.txt"));
        Encoding e = d.example(0).encoding();
        assertEquals(List.of("[CLS]", "schwarz", "##ene", "##gger", "visited", "[SEP]"), e.tokens());
        assertEquals(8, e.numTruncated());
        assertEquals(2, d.numTruncated());
        assertEquals(6, d.longestLength());

        BertTokenizer strict = BertTokenizer.builder(DataFixtures.vocabulary()).maxLength(6)
                .truncation(Truncation.DO_NOT_TRUNCATE).build();
        assertDataError("conll-train.txt", 3, () -> ConllReader.builder(strict).build().read(file("conll-train.txt")),
                "12 word pieces (7 words)", "DO_NOT_TRUNCATE");
    }

    @Test
    void twoColumnFiles() throws IOException {
        TaskDataset d = ConllReader.builder(tokenizer()).columns(2).build().read(file("conll-two-columns.txt"));
        assertEquals(2, d.size());
        assertEquals(List.of("B-LOC", "B-PER", "I-PER"), d.labelVocabulary());
        assertDataError("conll-train.txt", 3,
                () -> ConllReader.builder(tokenizer()).columns(2).build().read(file("conll-train.txt")),
                "expected 2 columns (word label)", "found 4");
    }

    @Test
    void wordsWithoutPiecesBecomeUnknownAndKeepTheirLabel() throws IOException {
        TaskDataset d = READER.read(utf8("\u200B NN B-NP B-X\nok NN B-NP O\n"), "inline.txt");
        TaskExample s = d.example(0);
        assertEquals(List.of("[CLS]", "[UNK]", "ok", "[SEP]"), s.encoding().tokens());
        assertArrayEquals(new int[] {X, 0, 1, X}, ((Label.TokenLabels) s.label()).labels());
        assertEquals("\u200B", s.textAt(1));
    }

    // ---- errors ----

    @Test
    void wrongColumnCountNamesFileAndLine() {
        assertDataError("conll-bad-columns.txt", 4, () -> READER.read(file("conll-bad-columns.txt")),
                "expected 4 columns (word POS chunk NER)", "found 3", "'German JJ B-MISC'");
    }

    @Test
    void unknownLabelListsTheKnownOnes() {
        ConllReader r = READER.withLabels(List.of("O", "B-ORG", "I-ORG"));
        assertDataError("conll-unknown-label.txt", 3, () -> r.read(file("conll-unknown-label.txt")),
                "unknown label 'B-MISC' for word 'German'", "known labels: O, B-ORG, I-ORG");
    }

    @Test
    void invalidUtf8NamesTheLine() {
        assertDataError("conll-bad-utf8.txt", 3, () -> READER.read(file("conll-bad-utf8.txt")), "invalid UTF-8",
                "0xC3");
    }

    @Test
    void fileWithoutSentences() {
        assertDataError("docs.txt", 0, () -> READER.read(utf8("-DOCSTART- -X- -X- O\n\n\n"), "docs.txt"),
                "no sentences");
        assertThrows(ConfigException.class, () -> ConllReader.builder(tokenizer()).columns(1));
        assertThrows(ConfigException.class, () -> READER.withLabels(List.of("O", "O")));
    }
}
