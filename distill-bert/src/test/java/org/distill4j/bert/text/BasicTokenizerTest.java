package org.distill4j.bert.text;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class BasicTokenizerTest {

    private static final BasicTokenizer UNCASED = new BasicTokenizer(true);
    private static final BasicTokenizer CASED = new BasicTokenizer(false);

    @Test
    void lowerCasesSplitsPunctuationAndWhitespace() {
        assertEquals(List.of("hello", "!", "how", "are", "you", "?"), UNCASED.tokenize(" \tHeLLo!how  \n Are yoU?  "));
        assertEquals(List.of("hello"), UNCASED.tokenize("H\u00E9llo"));
        assertEquals(List.of("HeLLo", "!", "how", "Are", "yoU", "?"), CASED.tokenize(" \tHeLLo!how  \n Are yoU?  "));
        assertEquals(List.of("H\u00E9llo"), CASED.tokenize("H\u00E9llo"));
    }

    @Test
    void asciiSymbolsAreSplitLikePunctuation() {
        assertEquals(List.of("$", "3", ".", "50", "^", "`", "|", "~", "+", "<", "=", ">"), UNCASED.tokenize("$3.50^`|~+<=>"));
        // Unicode symbols outside ASCII (So, Sm, Sc) are not punctuation: they stay attached.
        assertEquals(List.of("\u00A9", "2024"), UNCASED.tokenize("\u00A9 2024"));
        assertEquals(List.of("\u20AC100"), UNCASED.tokenize("\u20AC100"));
    }

    @Test
    void cjkIdeographsBecomeSingleTokensButKanaAndHangulDoNot() {
        assertEquals(List.of("ah", "\u535A", "\u63A8", "zz"), UNCASED.tokenize("ah\u535A\u63A8zz"));
        assertEquals(List.of("\u65E5", "\u672C", "\u306E\u30C6\u30AD\u30B9\u30C8"), CASED.tokenize("\u65E5\u672C\u306E\u30C6\u30AD\u30B9\u30C8"));
        assertEquals(List.of("\uD840\uDC00", "\uD840\uDC01"), CASED.tokenize("\uD840\uDC00\uD840\uDC01")); // U+20000, U+20001
        assertEquals(List.of("\uD55C\uAD6D\uC5B4"), CASED.tokenize("\uD55C\uAD6D\uC5B4")); // Hangul stays one word
    }

    @Test
    void cleaningDropsControlAndFormatCharacters() {
        assertEquals(List.of("ab"), UNCASED.tokenize("a\u0000b"));
        assertEquals(List.of("ab"), UNCASED.tokenize("a\uFFFDb"));
        assertEquals(List.of("ab"), UNCASED.tokenize("a\u200Bb"));
        assertEquals(List.of("ab"), UNCASED.tokenize("a\u00ADb"));
        assertEquals(List.of("ab"), UNCASED.tokenize("a\u0085b")); // NEL is Cc: dropped, not a space
        assertEquals(List.of("a", "b"), UNCASED.tokenize("a\u00A0b"));
        assertEquals(List.of("a", "b"), UNCASED.tokenize("a\u2028b")); // Zl: Python's split() still splits
        assertEquals(List.of(), UNCASED.tokenize(""));
        assertEquals(List.of(), UNCASED.tokenize(" \t\r\n\u3000\u200B"));
    }

    @Test
    void lowerCasingFollowsPythonFullCaseMapping() {
        assertEquals(List.of("istanbul"), UNCASED.tokenize("\u0130stanbul")); // İ -> i + U+0307, mark stripped
        assertEquals(List.of("\u03BF\u03B4\u03BF\u03C2"), UNCASED.tokenize("\u039F\u0394\u039F\u03A3")); // final ς
        assertEquals(List.of("\u03C3"), UNCASED.tokenize("\u03A3")); // alone: not final
        assertEquals(List.of("\u03B1\u03C3\u03B2"), UNCASED.tokenize("\u0391\u03A3\u0392"));
        assertEquals(List.of("\u03B1\u03C2", "."), UNCASED.tokenize("\u0391\u03A3.")); // '.' is case-ignorable
        assertEquals(List.of("angstrom"), UNCASED.tokenize("\u212Bngstr\u00F6m")); // Angstrom sign
        assertEquals(List.of("\u00DF"), UNCASED.tokenize("\u1E9E")); // capital sharp s -> ß, not "ss"
    }

    @Test
    void accentsAreStrippedOnlyWhenLowerCasing() {
        assertEquals(List.of("cafe", "naive"), UNCASED.tokenize("Caf\u00E9 nai\u0308ve"));
        assertEquals(List.of("Caf\u00E9", "nai\u0308ve"), CASED.tokenize("Caf\u00E9 nai\u0308ve"));
        // A word of only combining marks vanishes when lower-casing.
        assertEquals(List.of("a", "b"), UNCASED.tokenize("a \u0301\u0308 b"));
    }

    @Test
    void neverSplitKeepsWholeWordsVerbatim() {
        BasicTokenizer t = new BasicTokenizer(true, Set.of("[CLS]", "[SEP]"));
        assertEquals(List.of("[CLS]", "hello", "[SEP]"), t.tokenize("[CLS] Hello [SEP]"));
        // only whole whitespace-delimited words are protected
        assertEquals(List.of("[", "cls", "]", "x"), t.tokenize("[CLS]x"));
        assertEquals(List.of("[", "cls", "]"), UNCASED.tokenize("[CLS]"));
    }

    @Test
    void offsetsIndexTheOriginalStringInUtf16Units() {
        List<BasicToken> t = UNCASED.tokenizeWithOffsets("\u00A0Caf\u00E9, \uD83D\uDE00x \u535A!");
        assertEquals(List.of("cafe", ",", "\uD83D\uDE00x", "\u535A", "!"), t.stream().map(BasicToken::text).toList());
        assertArrayEquals(new int[] {1, 5}, new int[] {t.get(0).start(), t.get(0).end()});
        assertArrayEquals(new int[] {5, 6}, new int[] {t.get(1).start(), t.get(1).end()});
        assertArrayEquals(new int[] {7, 10}, new int[] {t.get(2).start(), t.get(2).end()}); // emoji is 2 chars
        assertEquals(7, t.get(2).sourceStart(0));
        assertEquals(9, t.get(2).sourceEnd(0));
        assertArrayEquals(new int[] {11, 12}, new int[] {t.get(3).start(), t.get(3).end()});
        assertArrayEquals(new int[] {12, 13}, new int[] {t.get(4).start(), t.get(4).end()});
    }

    @Test
    void offsetsSurviveDecompositionAndStripping() {
        // "e" + combining acute: two chars in, one code point out, spanning both.
        BasicToken e = UNCASED.tokenizeWithOffsets("e\u0301").get(0);
        assertEquals("e", e.text());
        assertArrayEquals(new int[] {0, 2}, new int[] {e.start(), e.end()});
        // One Hangul syllable -> three jamo sharing its span.
        BasicToken han = UNCASED.tokenizeWithOffsets("x \uD55C").get(1);
        assertEquals(3, han.codePointCount());
        for (int i = 0; i < 3; i++) {
            assertEquals(2, han.sourceStart(i));
            assertEquals(3, han.sourceEnd(i));
        }
        // İ -> "i" (the dot is stripped), still covering the one original char.
        BasicToken i = UNCASED.tokenizeWithOffsets("\u0130").get(0);
        assertEquals("i", i.text());
        assertArrayEquals(new int[] {0, 1}, i.span(0, 1));
        // Canonical reordering of marks across characters (U+0316 sorts before U+0301): spans travel along.
        List<BasicToken> cased = CASED.tokenizeWithOffsets("\u00E9\u0316");
        assertEquals("\u00E9\u0316", cased.get(0).text());
        BasicToken reordered = UNCASED.tokenizeWithOffsets("\u00E9\u0316x").get(0);
        assertEquals("ex", reordered.text());
        assertArrayEquals(new int[] {0, 2}, reordered.span(0, 1)); // the stripped U+0316 belongs to the e
        assertArrayEquals(new int[] {2, 3}, reordered.span(1, 2));
        // a stripped mark before any letter of its word goes to the first letter
        BasicToken leading = UNCASED.tokenizeWithOffsets("x ́ab").get(1);
        assertEquals("ab", leading.text());
        assertArrayEquals(new int[] {2, 4}, leading.span(0, 1));
        assertArrayEquals(new int[] {4, 5}, leading.span(1, 2));
    }
}
