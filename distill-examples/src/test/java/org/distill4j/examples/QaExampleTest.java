package org.distill4j.examples;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.distill4j.bert.data.SquadDataset;
import org.distill4j.bert.data.SquadExample;
import org.distill4j.bert.data.SquadFeature;
import org.distill4j.bert.data.SquadReader;
import org.distill4j.bert.text.BertTokenizer;
import org.distill4j.bert.text.Vocabulary;
import org.distill4j.examples.QaExample.Paragraph;
import org.distill4j.examples.QaExample.Question;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** QaExample's data generator and SQuAD scorer; no training. */
class QaExampleTest {

    @TempDir
    Path dir;

    @Test
    void generatedAnswersSitAtTheirOffsetsAndOccurOnceInTheContext() {
        for (long seed : new long[]{1, 2, 3}) {
            List<Paragraph> paragraphs = QaExample.generate(150, seed, "s" + seed);
            assertEquals(150, paragraphs.stream().mapToInt(p -> p.questions().size()).sum());
            Set<String> ids = new HashSet<>();
            for (Paragraph p : paragraphs) {
                for (Question q : p.questions()) {
                    assertTrue(ids.add(q.id()), "duplicate id " + q.id());
                    assertEquals(q.answer(), p.context().substring(q.answerStart(), q.answerStart() + q.answer().length()),
                            q.id() + ": " + p.context());
                    // Whole-word occurrences: exactly one, so the question has one right span.
                    Matcher m = Pattern.compile("(?<!\\S)" + Pattern.quote(q.answer()) + "(?!\\S)").matcher(p.context());
                    int n = 0;
                    while (m.find()) {
                        n++;
                    }
                    assertEquals(1, n, q.id() + ": '" + q.answer() + "' in '" + p.context() + "'");
                    assertTrue(q.sameType().contains(q.answer()), q.id() + ": " + q.sameType());
                    for (String other : q.sameType()) {
                        assertTrue(p.context().contains(other), other);
                    }
                }
            }
        }
    }

    @Test
    void squadReaderReadsTheFileAndItsLabelsCoverTheAnswers() throws IOException {
        SquadDataset data = read(QaExample.generate(100, 7, "r"));
        assertEquals(100, data.examples().size());
        for (SquadFeature f : data.features()) {
            SquadExample ex = data.examples().get(f.exampleIndex());
            assertEquals(ex.answers().get(0).text(), f.answerText(f.answer().start(), f.answer().end()), f.toString());
        }
    }

    @Test
    void goldPositionsAsLogitsScorePerfectly() throws IOException {
        SquadDataset data = read(QaExample.generate(60, 8, "g"));
        int n = data.features().size();
        float[][] starts = new float[n][];
        float[][] ends = new float[n][];
        for (int r = 0; r < n; r++) {
            SquadFeature f = data.feature(r);
            starts[r] = new float[f.length() + 3]; // longer rows stand for padding, which is never a context position
            ends[r] = new float[f.length() + 3];
            starts[r][f.answer().start()] = 10;
            ends[r][f.answer().end()] = 10;
        }
        assertArrayEquals(new double[]{1, 1}, QaExample.score(data, QaExample.predict(data, starts, ends)), 1e-12);
    }

    @Test
    void bestSpanKeepsStartBeforeEndAndTheLengthLimit() {
        float[] start = {9, 4, 0, 0};
        float[] end = {9, 0, 0, 5};
        boolean[] contextOnly = {false, true, true, true}; // position 0 ([CLS]) is never an answer
        assertArrayEquals(new int[]{1, 3}, QaExample.bestSpan(start, end, contextOnly, contextOnly, 3));
        assertArrayEquals(new int[]{2, 3}, QaExample.bestSpan(start, end, contextOnly, contextOnly, 2), "1..3 is too long");
        float[] backwards = {0, 0, 0, 8};
        float[] early = {0, 8, 0, 1}; // argmax start 3 with argmax end 1 would score 16, but 3..3 (9) is the best legal span
        assertArrayEquals(new int[]{3, 3}, QaExample.bestSpan(backwards, early, contextOnly, contextOnly, 4),
                "the end may not come before the start");
        assertNull(QaExample.bestSpan(start, end, new boolean[4], contextOnly, 4));
    }

    @Test
    void exactMatchAndF1FollowTheSquadScript() {
        assertEquals("eiffeltower", QaExample.normalize("The  Eiffel-Tower!"));
        assertEquals(1.0, QaExample.exactMatch("the New York", "new york"));
        assertEquals(0.0, QaExample.exactMatch("new york city", "new york"));
        assertEquals(0.8, QaExample.f1("new york city", "new york"), 1e-12);     // P 2/3, R 1
        assertEquals(0.5, QaExample.f1("san francisco", "francisco bay"), 1e-12); // P 1/2, R 1/2
        assertEquals(0.4, QaExample.f1("x y y", "y z"), 1e-12);                   // one shared y: P 1/3, R 1/2
        assertEquals(0.0, QaExample.f1("", "paris"));
        assertEquals(1.0, QaExample.f1("an apple", "Apple."));
    }

    @Test
    void typeGuessIsTheMeanOverSameTypeCandidates() {
        List<Paragraph> paragraphs = List.of(new Paragraph("new york . paris . john smith . anna smith .", List.of(
                new Question("a", "where ?", "new york", 0, List.of("new york", "paris")),          // EM 1/2, F1 1/2
                new Question("b", "who ?", "john smith", 18, List.of("john smith", "anna smith"))))); // EM 1/2, F1 3/4
        assertArrayEquals(new double[]{0.5, 0.625}, QaExample.typeGuess(paragraphs), 1e-12);
    }

    private SquadDataset read(List<Paragraph> paragraphs) throws IOException {
        BertTokenizer tokenizer = BertTokenizer.builder(Vocabulary.load(ExampleData.bertVocabulary(dir.resolve("vocab.txt"))))
                .maxLength(64).build();
        SquadReader reader = SquadReader.builder(tokenizer).maxLength(64).docStride(32).maxQueryLength(16).build();
        return reader.read(QaExample.write(paragraphs, dir.resolve("data.json")));
    }
}
