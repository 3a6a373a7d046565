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

class TsvClassificationReaderTest {

    private static final TsvClassificationReader SST2 = TsvClassificationReader.builder(tokenizer()).build();

    private static int classOf(TaskDataset d, int i) {
        return ((Label.ClassIndex) d.example(i).label()).index();
    }

    @Test
    void singleSentencesWithAccentsQuotesEmptyLinesCrlfAndNoFinalNewline() throws IOException {
        TaskDataset d = SST2.read(file("sst2-train.tsv"));
        assertEquals(TaskType.CLASSIFICATION, d.type());
        assertEquals(5, d.size(), "the empty line 3 is skipped, the last line has no newline");
        assertEquals(List.of("0", "1"), d.labelVocabulary());
        assertTrue(d.example(0).id().endsWith("sst2-train.tsv:2"));
        assertTrue(d.example(1).id().endsWith("sst2-train.tsv:4"));
        assertTrue(d.example(4).id().endsWith("sst2-train.tsv:7"));
        int[] labels = new int[5];
        for (int i = 0; i < 5; i++) {
            labels[i] = classOf(d, i);
        }
        assertArrayEquals(new int[] {1, 0, 1, 1, 0}, labels);

        // accents: lower-cased and stripped tokens, offsets into the original text (\r removed, spaces kept)
        TaskExample first = d.example(0);
        assertEquals("a charming , naïve little film about Zürich ", first.texts().get(0));
        Encoding e = first.encoding();
        assertEquals(List.of("[CLS]", "a", "charming", ",", "naive", "little", "film", "about", "zurich", "[SEP]"),
                e.tokens());
        assertEquals("naïve", first.textAt(4));
        assertEquals("Zürich", first.textAt(8));
        assertEquals("", first.textAt(0));

        // GLUE quoting: a quote is an ordinary character, also when unbalanced
        assertEquals("\"it 's not a bad movie , \" she said", d.example(1).texts().get(0));
        assertEquals("\"", d.example(1).encoding().token(1));
        assertEquals("an unbalanced \" quote is just a character", d.example(2).texts().get(0));
        assertEquals("dull", d.example(4).texts().get(0));
        for (TaskExample x : d.examples()) {
            assertEquals(1, x.texts().size());
            assertArrayEquals(new int[x.encoding().length()], x.encoding().typeIds());
        }
    }

    @Test
    void pairTaskWithCollectedWordLabels() throws IOException {
        TsvClassificationReader mnli = TsvClassificationReader.builder(tokenizer())
                .textA("sentence1").textB("sentence2").label("gold_label").build();
        TaskDataset d = mnli.read(file("mnli-dev.tsv"));
        assertEquals(List.of("contradiction", "entailment", "neutral"), d.labelVocabulary(), "sorted, not file order");
        assertEquals(2, d.labelIndex("neutral"));
        assertEquals(-1, d.labelIndex("maybe"));
        assertEquals(List.of(1, 2, 0, 0), d.examples().stream().map(x -> ((Label.ClassIndex) x.label()).index())
                .toList(), "' contradiction ' is stripped");
        TaskExample x = d.example(0);
        assertEquals(List.of("The cat sat on the mat.", "A cat is sitting."), x.texts());
        Encoding e = x.encoding();
        assertEquals(List.of("[CLS]", "the", "cat", "sat", "on", "the", "mat", ".", "[SEP]", "a", "cat", "is",
                "sitting", ".", "[SEP]"), e.tokens());
        assertArrayEquals(new int[] {0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1}, e.typeIds());
        assertEquals("sitting", x.textAt(12));
        assertEquals("A", x.textAt(9));

        // dev/test files take the training set's vocabulary, in its order
        TaskDataset fixed = mnli.withLabels(List.of("entailment", "neutral", "contradiction")).read(file("mnli-dev.tsv"));
        assertEquals(List.of("entailment", "neutral", "contradiction"), fixed.labelVocabulary());
        assertEquals(List.of(0, 1, 2, 2), fixed.examples().stream().map(y -> ((Label.ClassIndex) y.label()).index())
                .toList());
    }

    @Test
    void regressionLabelsAreFloats() throws IOException {
        TsvClassificationReader stsb = TsvClassificationReader.builder(tokenizer())
                .textA("sentence1").textB("sentence2").label("score").regression().build();
        TaskDataset d = stsb.read(file("stsb-train.tsv"));
        assertEquals(TaskType.REGRESSION, d.type());
        assertEquals(List.of(), d.labelVocabulary());
        assertEquals(0, d.numLabels());
        Batch b = d.batch(new int[] {0, 1, 2});
        INDArray y = b.get(TaskDataset.LABELS);
        assertEquals(DataType.FLOAT, y.dataType());
        assertArrayEquals(new long[] {3}, y.shape());
        assertArrayEquals(new float[] {3.8f, 0f, -0.15f}, y.toFloatVector(), 1e-6f);
        INDArray dy = d.withFloatType(DataType.DOUBLE).batch(new int[] {2}).get(TaskDataset.LABELS);
        assertEquals(DataType.DOUBLE, dy.dataType());
        assertEquals(-0.15, dy.getDouble(0), 1e-6);
    }

    @Test
    void multiLabelCellsListClasses() throws IOException {
        TaskDataset d = TsvClassificationReader.builder(tokenizer()).textA("text").label("tags")
                .type(TaskType.MULTI_LABEL).build().read(file("tags-train.tsv"));
        assertEquals(List.of("news", "sports", "weather"), d.labelVocabulary());
        INDArray y = d.batch(new int[] {0, 1, 2}).get(TaskDataset.LABELS);
        assertEquals(DataType.FLOAT, y.dataType());
        assertArrayEquals(new long[] {3, 3}, y.shape());
        assertArrayEquals(new float[][] {{1, 0, 1}, {0, 1, 0}, {0, 0, 0}}, y.toFloatMatrix());
    }

    @Test
    void headerlessFileWithDeclaredColumns() throws IOException {
        TaskDataset d = TsvClassificationReader.builder(tokenizer())
                .headerless(List.of("source", "label", "original_label", "sentence")).build()
                .read(file("cola-train.tsv"));
        assertEquals(2, d.size());
        assertTrue(d.example(0).id().endsWith("cola-train.tsv:1"));
        assertEquals("Our friends won't buy this analysis.", d.example(0).texts().get(0));
        assertEquals(1, classOf(d, 0));
        assertEquals(0, classOf(d, 1));
    }

    @Test
    void integerLabelsSortNumerically() throws IOException {
        TaskDataset d = SST2.read(file("numeric-labels.tsv"));
        assertEquals(List.of("2", "9", "10"), d.labelVocabulary());
        assertEquals(List.of(2, 0, 1, 0), d.examples().stream().map(x -> ((Label.ClassIndex) x.label()).index())
                .toList());
    }

    @Test
    void longTextsFollowTheTokenizersTruncation() throws IOException {
        BertTokenizer short8 = BertTokenizer.builder(DataFixtures.vocabulary()).maxLength(8).build();
        TaskDataset d = TsvClassificationReader.builder(short8).build().read(file("sst2-train.tsv"));
        assertEquals(8, d.longestLength());
        assertTrue(d.numTruncated() >= 2);
        assertEquals(2, d.example(0).encoding().numTruncated(), "8 pieces + 2 specials cut to 8");

        BertTokenizer strict = BertTokenizer.builder(DataFixtures.vocabulary()).maxLength(8)
                .truncation(Truncation.DO_NOT_TRUNCATE).build();
        assertDataError("sst2-train.tsv", 2,
                () -> TsvClassificationReader.builder(strict).build().read(file("sst2-train.tsv")),
                "cannot encode the text", "DO_NOT_TRUNCATE");
    }

    @Test
    void tokenizerPaddingIsIgnored() throws IOException {
        BertTokenizer padded = BertTokenizer.builder(DataFixtures.vocabulary()).maxLength(64)
                .padding(org.distill4j.bert.text.Padding.TO_MAX_LENGTH).build();
        TaskDataset d = TsvClassificationReader.builder(padded).build().read(file("sst2-train.tsv"));
        assertEquals(3, d.example(4).encoding().length(), "[CLS] dull [SEP]");
    }

    // ---- errors ----

    @Test
    void wrongColumnCountNamesFileLineAndColumns() {
        TsvClassificationReader r = TsvClassificationReader.builder(tokenizer()).build();
        assertDataError("bad-columns.tsv", 4, () -> r.read(file("bad-columns.tsv")),
                "expected 3 columns (sentence, label, idx) but found 2");
    }

    @Test
    void unknownLabelListsTheKnownOnes() {
        TsvClassificationReader r = SST2.withLabels(List.of("0", "1"));
        assertDataError("unknown-label.tsv", 4, () -> r.read(file("unknown-label.tsv")),
                "unknown label 'maybe' in column 'label'", "known labels: 0, 1");
    }

    @Test
    void invalidUtf8NamesTheLine() {
        assertDataError("bad-utf8.tsv", 3, () -> SST2.read(file("bad-utf8.tsv")), "invalid UTF-8", "0xE9",
                "byte 4 of the line");
    }

    @Test
    void nonNumericRegressionLabel() {
        TsvClassificationReader r = TsvClassificationReader.builder(tokenizer())
                .textA("sentence1").textB("sentence2").label("score").regression().build();
        assertDataError("bad-regression.tsv", 3, () -> r.read(file("bad-regression.tsv")),
                "label 'high' in column 'score' is not a number");
        assertDataError("inline.tsv", 2, () -> r.read(utf8("sentence1\tsentence2\tscore\na\tb\tNaN\n"), "inline.tsv"),
                "'NaN'", "not a number");
        assertDataError("inline.tsv", 2, () -> r.read(utf8("sentence1\tsentence2\tscore\na\tb\t1e60\n"), "inline.tsv"),
                "too large");
    }

    @Test
    void emptyLabelHeaderOnlyAndEmptyFiles() {
        assertDataError("empty-label.tsv", 3, () -> SST2.read(file("empty-label.tsv")), "empty label in column 'label'");
        assertDataError("header-only.tsv", 0, () -> SST2.read(file("header-only.tsv")), "no examples");
        assertDataError("empty.tsv", 0, () -> SST2.read(file("empty.tsv")), "the file is empty",
                "sentence, label");
    }

    @Test
    void unlabelledRowsOfATransferSetWhenAllowed() throws IOException {
        TsvClassificationReader transfer = TsvClassificationReader.builder(tokenizer()).allowUnlabelled(true).build();
        TaskDataset d = transfer.read(utf8("sentence\tlabel\ngood\t1\nunknown\t\nbad\t0\nalso unknown\t \n"), "t.tsv");
        assertEquals(4, d.size());
        assertEquals(List.of("0", "1"), d.labelVocabulary(), "empty cells add no label name");
        assertEquals(2, d.numUnlabelled());
        assertEquals(Label.ClassIndex.UNLABELLED, d.example(1).label());
        assertTrue(((Label.ClassIndex) d.example(3).label()).isUnlabelled(), "a blank cell is empty after stripping");
        assertArrayEquals(new int[] {1, TaskDataset.IGNORE_INDEX, 0, TaskDataset.IGNORE_INDEX},
                d.batch(new int[] {0, 1, 2, 3}).get(TaskDataset.LABELS).toIntVector());
        assertEquals(0, SST2.read(file("sst2-train.tsv")).numUnlabelled());

        // dev and test are scored: the same reader for them rejects empty labels again
        TsvClassificationReader scored = transfer.withLabels(d.labelVocabulary()).withUnlabelledAllowed(false);
        assertDataError("dev.tsv", 3, () -> scored.read(utf8("sentence\tlabel\ngood\t1\nx\t\n"), "dev.tsv"),
                "empty label in column 'label'", "data.allow_unlabelled");
        assertEquals(1, transfer.withLabels(List.of("0", "1")).read(utf8("sentence\tlabel\nx\t\n"), "w.tsv")
                .numUnlabelled(), "withLabels keeps the setting");
        // the label names come from the labelled rows: none means none to learn
        assertDataError("none.tsv", 0, () -> transfer.read(utf8("sentence\tlabel\nx\t\ny\t\n"), "none.tsv"),
                "no labelled rows");
        // only single-label classification has a "no class" label
        ConfigException e = assertThrows(ConfigException.class, () -> TsvClassificationReader.builder(tokenizer())
                .regression().allowUnlabelled(true).build());
        assertTrue(e.getMessage().contains("allow_unlabelled") && e.getMessage().contains("REGRESSION"), e.getMessage());
        assertThrows(ConfigException.class, () -> TsvClassificationReader.builder(tokenizer()).type(TaskType.MULTI_LABEL)
                .build().withUnlabelledAllowed(true));
    }

    @Test
    void missingOrRepeatedColumnNamesTheHeader() {
        TsvClassificationReader pair = TsvClassificationReader.builder(tokenizer()).textB("sentence2").build();
        assertDataError("sst2-train.tsv", 1, () -> pair.read(file("sst2-train.tsv")),
                "no column 'sentence2'; the header has: sentence, label");
        assertDataError("dup.tsv", 1, () -> SST2.read(utf8("sentence\tlabel\tlabel\na\t1\t1\n"), "dup.tsv"),
                "column 'label' appears more than once");
    }

    @Test
    void byteOrderMarkIsIgnored() throws IOException {
        TaskDataset d = SST2.read(utf8("\uFEFFsentence\tlabel\nhello\t1"), "bom.tsv");
        assertEquals(1, d.size());
        assertEquals(List.of("1"), d.labelVocabulary());
    }

    @Test
    void badSettingsAreConfigErrors() {
        BertTokenizer t = tokenizer();
        assertThrows(ConfigException.class, () -> TsvClassificationReader.builder(t).textA("label").build());
        assertThrows(ConfigException.class, () -> TsvClassificationReader.builder(t).label("").build());
        assertThrows(ConfigException.class, () -> TsvClassificationReader.builder(t).labels(List.of("a", "a")));
        assertThrows(ConfigException.class, () -> TsvClassificationReader.builder(t).labels(List.of()));
        assertThrows(ConfigException.class, () -> TsvClassificationReader.builder(t).labels(List.of(" a")));
        assertThrows(ConfigException.class,
                () -> TsvClassificationReader.builder(t).regression().labels(List.of("a")).build());
        assertThrows(ConfigException.class, () -> TsvClassificationReader.builder(t).regression().build()
                .withLabels(List.of("a")));
        assertThrows(ConfigException.class,
                () -> TsvClassificationReader.builder(t).type(TaskType.QUESTION_ANSWERING));
        ConfigException e = assertThrows(ConfigException.class,
                () -> TsvClassificationReader.builder(t).headerless(List.of("sentence", "score")).build());
        assertTrue(e.getMessage().contains("'label'"), e.getMessage());
    }
}
