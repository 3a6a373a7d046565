package org.distill4j.bert.text;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.ArrayList;
import java.util.List;
import org.distill4j.bert.text.WordPieceTokenizer.WordPiece;
import org.junit.jupiter.api.Test;

class WordPieceTokenizerTest {

    private static Vocabulary vocab(String... tokens) {
        List<String> lines = new ArrayList<>(List.of("[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"));
        lines.addAll(List.of(tokens));
        return Vocabulary.fromLines(lines, "test-vocab");
    }

    private static final Vocabulary SMALL = vocab("want", "##want", "##ed", "wa", "un", "runn", "##ing", ",");

    @Test
    void greedyLongestMatchFirst() {
        WordPieceTokenizer wp = new WordPieceTokenizer(SMALL);
        assertEquals(List.of(), wp.tokenize(""));
        assertEquals(List.of("un", "##want", "##ed", "runn", "##ing"), wp.tokenize("unwanted running"));
        assertEquals(List.of("[UNK]", "runn", "##ing"), wp.tokenize("unwantedX running"));
        assertEquals(List.of("want", ","), wp.tokenize(" want\t, \u2028"));
    }

    @Test
    void longerMatchWinsOverShorterPrefix() {
        WordPieceTokenizer wp = new WordPieceTokenizer(vocab("a", "ab", "abc", "##b", "##bc", "##c"));
        assertEquals(List.of("abc"), wp.tokenize("abc"));
        assertEquals(List.of("abc", "##bc"), wp.tokenize("abcbc"));
        assertEquals(List.of("ab", "##b"), wp.tokenize("abb"));
        // no "##a": the whole word is unknown, not just the failing piece
        assertEquals(List.of("[UNK]"), wp.tokenize("aba"));
    }

    @Test
    void piecesCarryIdsAndCodePointRanges() {
        WordPieceTokenizer wp = new WordPieceTokenizer(SMALL);
        assertEquals(List.of(new WordPiece("un", SMALL.id("un"), 0, 2), new WordPiece("##want", SMALL.id("##want"), 2, 6),
                new WordPiece("##ed", SMALL.id("##ed"), 6, 8)), wp.split("unwanted"));
        assertEquals(List.of(new WordPiece("[UNK]", SMALL.unkId(), 0, 9)), wp.split("unwantedX"));
        assertEquals(List.of(), wp.split(""));
    }

    @Test
    void wordLimitCountsCodePointsNotUtf16Units() {
        Vocabulary v = vocab("\uD835\uDC9C", "##\uD835\uDC9C"); // U+1D49C, two UTF-16 units
        String word = "\uD835\uDC9C".repeat(3); // 3 code points, 6 chars
        assertEquals(List.of("\uD835\uDC9C", "##\uD835\uDC9C", "##\uD835\uDC9C"), new WordPieceTokenizer(v, 3).tokenize(word));
        assertEquals(List.of(new WordPiece("##\uD835\uDC9C", v.id("##\uD835\uDC9C"), 2, 3)),
                new WordPieceTokenizer(v, 3).split(word).subList(2, 3));
        assertEquals(List.of("[UNK]"), new WordPieceTokenizer(v, 2).tokenize(word));
    }

    @Test
    void wordsLongerThanTheLimitAreUnknown() {
        WordPieceTokenizer wp = new WordPieceTokenizer(SMALL, 7);
        assertEquals(List.of("runn", "##ing"), wp.tokenize("running"));
        assertEquals(List.of("[UNK]"), wp.tokenize("runninging"));
        assertEquals(100, new WordPieceTokenizer(SMALL).maxInputCharsPerWord());
        assertThrows(IllegalArgumentException.class, () -> new WordPieceTokenizer(SMALL, 0));
    }

    @Test
    void realVocabularyExamples() {
        WordPieceTokenizer wp = new WordPieceTokenizer(TestResources.vocabulary());
        assertEquals(List.of("una", "##ffa", "##ble"), wp.tokenize("unaffable"));
        assertEquals(List.of("token", "##ization"), wp.tokenize("tokenization"));
        assertEquals(List.of("[UNK]"), wp.tokenize("a".repeat(101)));
        assertEquals(100, String.join("", wp.tokenize("a".repeat(100))).replace("##", "").length());
    }
}
