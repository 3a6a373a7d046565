package org.distill4j.bert.data;

import static org.distill4j.bert.data.DataFixtures.assertDataError;
import static org.distill4j.bert.data.DataFixtures.file;
import static org.distill4j.bert.data.DataFixtures.tokenizer;
import static org.distill4j.bert.data.DataFixtures.utf8;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.util.List;
import org.distill4j.bert.text.BertTokenizer;
import org.distill4j.bert.text.Encoding;
import org.distill4j.bert.text.TokenSpan;
import org.distill4j.core.config.ConfigException;
import org.distill4j.core.data.Batch;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

class SquadReaderTest {

    private static final BertTokenizer TOKENIZER = tokenizer();
    private static final SquadReader READER = SquadReader.builder(TOKENIZER)
            .maxLength(32).docStride(8).maxQueryLength(10).build();
    private static SquadDataset squad;

    @BeforeAll
    static void read() throws IOException {
        squad = READER.read(file("squad-train.json"));
    }

    @Test
    void examplesKeepQuestionsContextsAndAllAnswers() {
        assertEquals(List.of("q-built", "q-horses", "q-flood", "q-span", "q-cake", "q-long"),
                squad.examples().stream().map(SquadExample::id).toList());
        SquadExample cake = squad.example("q-cake");
        assertEquals("Café", cake.title());
        assertEquals("The café 🍰 sells crème brûlée for 5 francs.", cake.context(), "context after qas in the JSON");
        assertEquals(3, cake.answers().size());
        SquadExample.Answer a = cake.answers().get(0);
        assertEquals(17, a.answerStart(), "code points, as in the file");
        assertEquals(18, a.start(), "UTF-16: the emoji before it is two chars");
        assertEquals("crème brûlée", cake.context().substring(a.start(), a.end()));
        assertThrows(IllegalArgumentException.class, () -> squad.example("nope"));
        assertEquals(TaskType.QUESTION_ANSWERING, squad.dataset().type());
        assertEquals(squad.features().size(), squad.dataset().size());
    }

    @Test
    void longParagraphNeedsThreeWindowsThatCoverTheWholeContext() {
        List<SquadFeature> windows = squad.featuresOf("q-built");
        assertEquals(3, windows.size());
        String context = squad.example("q-built").context();
        List<TokenSpan> all = TOKENIZER.tokenizeWithOffsets(context);
        assertEquals(40, all.size());
        // "who built the bridge ?" = 5 tokens, so 32 - 5 - 3 = 24 context tokens per window, starts 0, 8, 16
        assertArrayEquals(new int[] {0, 8, 16}, windows.stream().mapToInt(SquadFeature::firstContextToken).toArray());
        assertArrayEquals(new int[] {24, 24, 24}, windows.stream().mapToInt(SquadFeature::contextLength).toArray());
        for (SquadExample ex : squad.examples()) {
            assertStridingCovers(ex, squad.featuresOf(ex.id()));
        }
    }

    private void assertStridingCovers(SquadExample ex, List<SquadFeature> windows) {
        List<TokenSpan> all = TOKENIZER.tokenizeWithOffsets(ex.context());
        boolean[] covered = new boolean[all.size()];
        int previousStart = -1;
        int previousLength = 0;
        for (int w = 0; w < windows.size(); w++) {
            SquadFeature f = windows.get(w);
            assertEquals(w, f.window());
            assertEquals(ex.id(), f.exampleId());
            assertTrue(f.length() <= 32, "feature length " + f.length());
            if (w > 0) {
                assertEquals(previousStart + Math.min(8, previousLength), f.firstContextToken(), "stride");
            }
            for (int p = f.contextStart(); p < f.contextEnd(); p++) {
                int k = f.firstContextToken() + p - f.contextStart();
                covered[k] = true;
                assertEquals(all.get(k).start(), f.charStart(p));
                assertEquals(all.get(k).end(), f.charEnd(p));
                assertEquals(all.get(k).token(), f.encoding().token(p));
            }
            previousStart = f.firstContextToken();
            previousLength = f.contextLength();
        }
        SquadFeature last = windows.get(windows.size() - 1);
        assertEquals(all.size(), last.firstContextToken() + last.contextLength(), "the last window ends the context");
        for (int k = 0; k < covered.length; k++) {
            assertTrue(covered[k], ex.id() + ": context token " + k + " in no window");
        }
        // every context token has exactly one window where it has its maximal context
        for (int k = 0; k < all.size(); k++) {
            int max = 0;
            for (SquadFeature f : windows) {
                int p = k - f.firstContextToken() + f.contextStart();
                if (f.isContext(p) && f.isMaxContext(p)) {
                    max++;
                }
            }
            assertEquals(1, max, ex.id() + ": context token " + k);
        }
    }

    @Test
    void positionsMapBackToTheAnswerTextThroughOffsets() {
        int answered = 0;
        for (SquadFeature f : squad.features()) {
            SquadExample ex = squad.examples().get(f.exampleIndex());
            Label.AnswerSpan span = f.answer();
            SquadExample.Answer gold = ex.answers().get(0);
            List<TokenSpan> all = TOKENIZER.tokenizeWithOffsets(ex.context());
            int first = -1;
            int last = -1;
            for (int k = 0; k < all.size(); k++) {
                if (all.get(k).end() > gold.start() && all.get(k).start() < gold.end()) {
                    first = first < 0 ? k : first;
                    last = k;
                }
            }
            boolean inside = first >= f.firstContextToken() && last < f.firstContextToken() + f.contextLength();
            if (inside) {
                answered++;
                assertEquals(gold.text(), f.answerText(span.start(), span.end()), f.toString());
                assertTrue(f.isContext(span.start()) && f.isContext(span.end()));
            } else {
                assertTrue(span.isNoAnswer(), f + " should point at [CLS]");
                assertEquals("", f.answerText(span.start(), span.end()));
            }
            // the dataset row carries the same positions
            assertEquals(span, squad.dataset().example(squad.features().indexOf(f)).label());
        }
        assertTrue(answered >= 8, "answered features: " + answered);
    }

    @Test
    void answerAtTheVeryEndOfAWindow() {
        List<SquadFeature> windows = squad.featuresOf("q-horses");
        assertEquals(3, windows.size());
        SquadFeature w0 = windows.get(0);
        // "horses" is context token 23, the last of window 0: position 23 + 7 = 30, followed by the final [SEP]
        assertEquals(30, w0.answer().start());
        assertEquals(30, w0.answer().end());
        assertEquals(w0.contextEnd() - 1, w0.answer().end());
        assertEquals("[SEP]", w0.encoding().token(31));
        assertEquals(32, w0.length());
        assertEquals("horses", w0.answerText(30, 30));
        assertFalse(w0.isMaxContext(30), "at a window edge another window gives more context");
        assertEquals(22, windows.get(1).answer().start());
        assertEquals(14, windows.get(2).answer().start());
    }

    @Test
    void answerOutsideAWindowPointsAtCls() {
        List<SquadFeature> built = squad.featuresOf("q-built");
        assertEquals("Swiss engineers from Zürich", built.get(0).answerText(built.get(0).answer().start(),
                built.get(0).answer().end()), "case and accents come from the context, not the tokens");
        assertTrue(built.get(2).answer().isNoAnswer(), "window 2 starts after the answer");
        List<SquadFeature> span = squad.featuresOf("q-span");
        assertTrue(span.get(0).answer().isNoAnswer(), "the answer runs past the end of window 0");
        assertEquals("horses, carts and cars", span.get(1).answerText(span.get(1).answer().start(),
                span.get(1).answer().end()));
        List<SquadFeature> flood = squad.featuresOf("q-flood");
        assertTrue(flood.get(0).answer().isNoAnswer());
        assertTrue(flood.get(1).answer().isNoAnswer(), "1952 is token 33, window 1 ends at 31");
        assertEquals("1952", flood.get(2).answerText(flood.get(2).answer().start(), flood.get(2).answer().end()));
    }

    @Test
    void featureLayoutTypeIdsAndQueryTruncation() {
        SquadFeature cake = squad.featuresOf("q-cake").get(0);
        Encoding e = cake.encoding();
        assertEquals(1, squad.featuresOf("q-cake").size());
        assertEquals(List.of("[CLS]", "what", "does", "the", "cafe", "sell", "?", "[SEP]", "the", "cafe", "[UNK]",
                "sells", "cr", "##eme", "br", "##ule", "##e", "for", "5", "francs", ".", "[SEP]"), e.tokens());
        assertArrayEquals(new int[] {0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1}, e.typeIds());
        assertEquals(8, cake.contextStart());
        assertEquals(21, cake.contextEnd());
        assertEquals("crème brûlée", cake.answerText(cake.answer().start(), cake.answer().end()));
        assertEquals(12, cake.answer().start());
        assertEquals(16, cake.answer().end());
        assertEquals("🍰", cake.context().substring(cake.charStart(10), cake.charEnd(10)));
        TaskExample row = squad.dataset().example(squad.features().indexOf(cake));
        assertEquals("café", row.textAt(4), "question offsets index into the question");
        assertEquals("café", row.textAt(9), "context offsets index into the context");
        assertEquals(-1, cake.charStart(4), "question positions have no context offsets");
        assertEquals("", cake.answerText(0, 0));

        SquadFeature longQ = squad.featuresOf("q-long").get(0);
        assertEquals(12, longQ.contextStart(), "question cut to maxQueryLength 10");
        assertTrue(longQ.encoding().numTruncated() > 0);
        assertEquals("5 francs", longQ.answerText(longQ.answer().start(), longQ.answer().end()));
    }

    @Test
    void batchesHaveQaFields() {
        TaskDataset d = squad.dataset();
        assertEquals(List.of("input_ids", "token_type_ids", "attention_mask", "start_positions", "end_positions"),
                d.fieldNames());
        int[] all = new int[d.size()];
        for (int i = 0; i < all.length; i++) {
            all[i] = i;
        }
        Batch b = d.batch(all);
        assertArrayEquals(new long[] {d.size(), 32}, b.get("input_ids").shape());
        INDArray start = b.get("start_positions");
        assertEquals(DataType.INT, start.dataType());
        assertArrayEquals(new long[] {d.size()}, start.shape());
        for (int i = 0; i < all.length; i++) {
            assertEquals(squad.feature(i).answer().start(), start.getInt(i));
            assertEquals(squad.feature(i).answer().end(), b.get("end_positions").getInt(i));
        }
        Batch cake = d.batch(new int[] {squad.features().indexOf(squad.featuresOf("q-cake").get(0))});
        assertArrayEquals(new long[] {1, 22}, cake.get("input_ids").shape(), "padded to the longest in the batch");
        assertArrayEquals(new long[] {1, 40}, d.withFixedLength(40).batch(new int[] {0}).get("input_ids").shape());
    }

    // ---- errors ----

    @Test
    void answerNotAtAnswerStartNamesTheQuestion() {
        assertDataError("squad-bad-answer.json", 6, () -> READER.read(file("squad-bad-answer.json")),
                "question 'bad-2'", "data[0].paragraphs[0].qas[1].answers[0]",
                "answer 'France' is not at answer_start 22", "occurs at character 24");
        assertDataError("squad-outside.json", 6, () -> READER.read(file("squad-outside.json")),
                "question 'far-2'", "does not fit in the context of 31 characters");
    }

    @Test
    void duplicateIdsAndMissingFields() {
        assertDataError("squad-duplicate-id.json", 5, () -> READER.read(file("squad-duplicate-id.json")),
                "question id 'ok-1' was already used on line 4");
        assertDataError("squad-missing-question.json", 5, () -> READER.read(file("squad-missing-question.json")),
                "question 'x-2'", "missing \"question\"");
        assertDataError("squad-wrong-type.json", 6, () -> READER.read(file("squad-wrong-type.json")),
                "answers[0].answer_start: expected an integer but found a string");
        assertDataError("squad-no-data.json", 2, () -> READER.read(file("squad-no-data.json")),
                "no \"data\" array");
        assertDataError("empty.json", 0, () -> READER.read(utf8(""), "empty.json"), "empty");
        assertDataError("q.json", 0, () -> READER.read(utf8("{\"data\": [{\"paragraphs\": [{\"context\": \"x\", "
                + "\"qas\": []}]}]}"), "q.json"), "no questions");
    }

    @Test
    void malformedJsonAndInvalidUtf8NameTheLine() {
        assertDataError("squad-malformed.json", 5, () -> READER.read(file("squad-malformed.json")),
                "not valid JSON");
        assertDataError("squad-bad-utf8.json", 5, () -> READER.read(file("squad-bad-utf8.json")),
                "UTF-8");
    }

    @Test
    void unanswerableQuestionsAreErrorsUnlessAllowed() throws IOException {
        assertDataError("squad-no-answer.json", 5, () -> READER.read(file("squad-no-answer.json")),
                "question 'none-2'", "has no answers");
        SquadReader lenient = SquadReader.builder(TOKENIZER).maxLength(32).docStride(8).maxQueryLength(10)
                .allowUnanswerable(true).build();
        SquadDataset d = lenient.read(file("squad-no-answer.json"));
        assertTrue(d.featuresOf("none-2").get(0).answer().isNoAnswer());
        assertFalse(d.example("none-2").hasAnswer());
        assertEquals("Paris", d.featuresOf("ok-1").get(0).answerText(d.featuresOf("ok-1").get(0).answer().start(),
                d.featuresOf("ok-1").get(0).answer().end()));
        String impossible = "{\"data\": [{\"paragraphs\": [{\"context\": \"Paris is nice.\", \"qas\": [{\"id\": \"i\", "
                + "\"question\": \"Where?\", \"is_impossible\": true, \"answers\": []}]}]}]}";
        assertDataError("v2.json", 1, () -> READER.read(utf8(impossible), "v2.json"), "is_impossible");
        assertTrue(lenient.read(utf8(impossible), "v2.json").example("i").impossible());
    }

    @Test
    void badSettingsAreConfigErrors() {
        assertThrows(ConfigException.class, () -> SquadReader.builder(TOKENIZER).docStride(0));
        assertThrows(ConfigException.class, () -> SquadReader.builder(TOKENIZER).maxQueryLength(0));
        ConfigException e = assertThrows(ConfigException.class,
                () -> SquadReader.builder(TOKENIZER).maxLength(16).maxQueryLength(64).build());
        assertTrue(e.getMessage().startsWith("max_length"), e.getMessage());
        assertThrows(ConfigException.class, () -> SquadReader.builder(TOKENIZER).maxLength(1000).build());
        assertEquals(384, SquadReader.builder(TOKENIZER).build().maxLength());
        BertTokenizer short128 = BertTokenizer.builder(DataFixtures.vocabulary()).maxLength(128).build();
        assertEquals(128, SquadReader.builder(short128).build().maxLength());
    }
}
