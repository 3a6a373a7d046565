package org.distill4j.bert.text;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

class BertTokenizerTest {

    private static final Vocabulary V = TestResources.vocabulary();
    private static final String A = "the quick brown fox jumps"; // 5 word pieces
    private static final String B = "over the lazy dog"; // 4 word pieces

    private static BertTokenizer tokenizer(int maxLength, Truncation truncation) {
        return BertTokenizer.builder(V).maxLength(maxLength).truncation(truncation).build();
    }

    private static String joined(Encoding e) {
        return String.join(" ", e.tokens());
    }

    // ---- layout, type ids, offsets ----

    @Test
    void singleTextLayoutAndOffsets() {
        String text = "Hello, World!";
        Encoding e = BertTokenizer.builder(V).build().encode(text);
        assertEquals(List.of("[CLS]", "hello", ",", "world", "!", "[SEP]"), e.tokens());
        assertArrayEquals(new int[] {101, V.id("hello"), V.id(","), V.id("world"), V.id("!"), 102}, e.ids());
        assertArrayEquals(new int[] {0, 0, 0, 0, 0, 0}, e.typeIds());
        assertArrayEquals(new int[] {1, 1, 1, 1, 1, 1}, e.attentionMask());
        assertArrayEquals(new int[][] {{-1, -1}, {0, 5}, {5, 6}, {7, 12}, {12, 13}, {-1, -1}}, e.offsets());
        assertArrayEquals(new int[] {-1, 0, 0, 0, 0, -1}, e.sequenceIds());
        assertEquals(0, e.numTruncated());
        assertEquals("hello , world !", e.decode());
        assertEquals("Hello", text.substring(e.start(1), e.end(1)));
    }

    @Test
    void offsetsOfPiecesUnknownWordsCjkAndAccents() {
        BertTokenizer t = BertTokenizer.builder(V).build();
        // word pieces split one word
        assertSpans(t, "unaffable", "una", 0, 3, "##ffa", 3, 6, "##ble", 6, 9);
        // an unknown word spans the whole word, emoji included (UTF-16: the emoji is 2 chars)
        assertSpans(t, "a\uD83D\uDE00b c", "[UNK]", 0, 4, "c", 5, 6);
        // CJK: one token per ideograph, unknown ones too
        assertSpans(t, "\u6211\u7231x", "\u6211", 0, 1, "[UNK]", 1, 2, "x", 2, 3);
        // accents: the original (accented, decomposed) characters are covered
        assertSpans(t, "Caf\u00E9  nai\u0308ve", "cafe", 0, 4, "naive", 6, 12);
        // dropped characters are skipped, odd spaces separate
        assertSpans(t, "\u00A0\u00A0hi\u200B!", "hi", 2, 4, "!", 5, 6);
        // Hangul: several jamo pieces share one syllable's span
        assertSpans(t, "\uD55C", "\u1112", 0, 1, "##\u1161", 0, 1, "##\u11AB", 0, 1);
        assertSpans(t, "\u0130stanbul", "istanbul", 0, 8);
    }

    private static void assertSpans(BertTokenizer t, String text, Object... expected) {
        List<TokenSpan> spans = t.tokenizeWithOffsets(text);
        List<Object> actual = new ArrayList<>();
        for (TokenSpan s : spans) {
            actual.add(s.token());
            actual.add(s.start());
            actual.add(s.end());
        }
        assertEquals(List.of(expected), actual, text);
        TestResources.assertOffsetProperty(text, text, spans, true);
    }

    @Test
    void pairLayoutTypeIdsAndOffsets() {
        Encoding e = tokenizer(512, Truncation.LONGEST_FIRST).encode("Hi there", "Bye!");
        assertEquals(List.of("[CLS]", "hi", "there", "[SEP]", "bye", "!", "[SEP]"), e.tokens());
        assertArrayEquals(new int[] {0, 0, 0, 0, 1, 1, 1}, e.typeIds());
        assertArrayEquals(new int[] {1, 1, 1, 1, 1, 1, 1}, e.attentionMask());
        assertArrayEquals(new int[] {-1, 0, 0, -1, 1, 1, -1}, e.sequenceIds());
        assertArrayEquals(new int[][] {{-1, -1}, {0, 2}, {3, 8}, {-1, -1}, {0, 3}, {3, 4}, {-1, -1}}, e.offsets());
        assertEquals("hi there bye !", e.decode());
    }

    @Test
    void pairWithEmptySegments() {
        BertTokenizer t = tokenizer(512, Truncation.LONGEST_FIRST);
        assertEquals("[CLS] hi [SEP] [SEP]", joined(t.encode("hi", "")));
        assertArrayEquals(new int[] {0, 0, 0, 1}, t.encode("hi", "").typeIds());
        assertEquals("[CLS] [SEP] hi [SEP]", joined(t.encode(" ", "hi")));
        assertEquals("[CLS] [SEP] [SEP]", joined(t.encode("", "")));
    }

    // ---- truncation ----

    @Test
    void longestFirstTrimsTheLongerSegmentThenAlternatesStartingWithTheSecond() {
        // 5 + 4 pieces, room for 7: a -> 4 (now equal), then b -> 3.
        Encoding e = tokenizer(10, Truncation.LONGEST_FIRST).encode(A, B);
        assertEquals("[CLS] the quick brown fox [SEP] over the lazy [SEP]", joined(e));
        assertArrayEquals(new int[] {0, 0, 0, 0, 0, 0, 1, 1, 1, 1}, e.typeIds());
        assertEquals(2, e.numTruncated());
        assertEquals(10, e.length());
        // room for 4: a 5->4, then b, a, b, a... -> 2 + 2
        assertEquals("[CLS] the quick [SEP] over the [SEP]", joined(tokenizer(7, Truncation.LONGEST_FIRST).encode(A, B)));
        // single text: cut at the end
        Encoding single = tokenizer(4, Truncation.LONGEST_FIRST).encode(A);
        assertEquals("[CLS] the quick [SEP]", joined(single));
        assertEquals(3, single.numTruncated());
        // room for nothing: segments are emptied, special tokens stay
        assertEquals("[CLS] [SEP] [SEP]", joined(tokenizer(3, Truncation.LONGEST_FIRST).encode(A, B)));
        assertEquals("[CLS] [SEP]", joined(tokenizer(2, Truncation.LONGEST_FIRST).encode(A)));
    }

    @Test
    void onlyFirstTrimsTheFirstSegment() {
        Encoding e = tokenizer(10, Truncation.ONLY_FIRST).encode(A, B);
        assertEquals("[CLS] the quick brown [SEP] over the lazy dog [SEP]", joined(e));
        assertArrayEquals(new int[] {0, 0, 0, 0, 0, 1, 1, 1, 1, 1}, e.typeIds());
        assertEquals("[CLS] the quick [SEP]", joined(tokenizer(4, Truncation.ONLY_FIRST).encode(A)));
        // would need to remove all 5 pieces of A (room for 4 = only B)
        IllegalArgumentException x = assertThrows(IllegalArgumentException.class,
                () -> tokenizer(7, Truncation.ONLY_FIRST).encode(A, B));
        assertTrue(x.getMessage().contains("ONLY_FIRST"), x.getMessage());
    }

    @Test
    void onlySecondTrimsTheSecondSegment() {
        Encoding e = tokenizer(10, Truncation.ONLY_SECOND).encode(A, B);
        assertEquals("[CLS] the quick brown fox jumps [SEP] over the [SEP]", joined(e));
        assertArrayEquals(new int[] {0, 0, 0, 0, 0, 0, 0, 1, 1, 1}, e.typeIds());
        assertEquals(2, e.numTruncated());
        assertThrows(IllegalArgumentException.class, () -> tokenizer(8, Truncation.ONLY_SECOND).encode(A, B));
        IllegalArgumentException single = assertThrows(IllegalArgumentException.class,
                () -> tokenizer(4, Truncation.ONLY_SECOND).encode(A));
        assertTrue(single.getMessage().contains("single text"), single.getMessage());
        // short enough: no truncation needed, so no error even for a single text
        assertEquals("[CLS] the quick brown fox jumps [SEP]", joined(tokenizer(7, Truncation.ONLY_SECOND).encode(A)));
    }

    @Test
    void doNotTruncateFailsOnlyWhenTooLong() {
        Encoding fits = tokenizer(12, Truncation.DO_NOT_TRUNCATE).encode(A, B);
        assertEquals(12, fits.length());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> tokenizer(11, Truncation.DO_NOT_TRUNCATE).encode(A, B));
        assertTrue(e.getMessage().contains("maxLength 11") && e.getMessage().contains("DO_NOT_TRUNCATE"),
                e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> tokenizer(6, Truncation.DO_NOT_TRUNCATE).encode(A));
        assertEquals(7, tokenizer(7, Truncation.DO_NOT_TRUNCATE).encode(A).length());
    }

    @Test
    void pairsNeedRoomForThreeSpecialTokens() {
        assertThrows(IllegalArgumentException.class, () -> tokenizer(2, Truncation.LONGEST_FIRST).encode("a", "b"));
        assertThrows(IllegalArgumentException.class, () -> BertTokenizer.builder(V).maxLength(1));
    }

    @Test
    void longestFirstClosedFormEqualsGooglesLoop() {
        for (int la = 0; la <= 25; la++) {
            for (int lb = 0; lb <= 25; lb++) {
                for (int budget = 0; budget <= 55; budget++) {
                    int a = la;
                    int b = lb;
                    while (a + b > budget) { // Google's _truncate_seq_pair
                        if (a > b) {
                            a--;
                        } else {
                            b--;
                        }
                    }
                    int[] keep = BertTokenizer.truncatedLengths(la, lb, budget, Truncation.LONGEST_FIRST, budget + 3);
                    assertArrayEquals(new int[] {a, b}, keep, la + "," + lb + " budget " + budget);
                }
            }
        }
    }

    // ---- padding and masks ----

    @Test
    void paddingToMaxLength() {
        BertTokenizer t = BertTokenizer.builder(V).maxLength(8).padding(Padding.TO_MAX_LENGTH).build();
        Encoding e = t.encode("hello world");
        assertEquals(List.of("[CLS]", "hello", "world", "[SEP]", "[PAD]", "[PAD]", "[PAD]", "[PAD]"), e.tokens());
        assertArrayEquals(new int[] {101, V.id("hello"), V.id("world"), 102, 0, 0, 0, 0}, e.ids());
        assertArrayEquals(new int[] {1, 1, 1, 1, 0, 0, 0, 0}, e.attentionMask());
        assertArrayEquals(new int[] {0, 0, 0, 0, 0, 0, 0, 0}, e.typeIds());
        assertArrayEquals(new int[] {-1, 0, 6, -1, -1, -1, -1, -1}, e.startOffsets());
        assertArrayEquals(new int[] {-1, 5, 11, -1, -1, -1, -1, -1}, e.endOffsets());
        assertArrayEquals(new int[] {-1, 0, 0, -1, -1, -1, -1, -1}, e.sequenceIds());
        assertEquals(4, e.numRealTokens());
        assertEquals("hello world", e.decode());

        Encoding pair = t.encode("hi", "yo");
        assertArrayEquals(new int[] {0, 0, 0, 1, 1, 0, 0, 0}, pair.typeIds());
        assertArrayEquals(new int[] {1, 1, 1, 1, 1, 0, 0, 0}, pair.attentionMask());

        // exactly full: no padding; too long: truncated to exactly maxLength
        assertEquals(8, t.encode("a b c d e f").length());
        assertEquals(8, t.encode("a b c d e f g h i j").numRealTokens());
    }

    @Test
    void noPaddingByDefault() {
        BertTokenizer t = BertTokenizer.builder(V).build();
        assertEquals(Padding.NONE, t.padding());
        assertEquals(4, t.encode("hello world").length());
        assertEquals(4, BertTokenizer.builder(V).padding(Padding.TO_LONGEST).build().encode("hello world").length());
    }

    // ---- batches ----

    @Test
    void batchPaddedToLongest() {
        BertTokenizer t = BertTokenizer.builder(V).build();
        EncodedBatch b = t.encodeBatch(List.of("hello", "hello world again", ""));
        assertEquals(3, b.batchSize());
        assertEquals(5, b.sequenceLength());
        assertArrayEquals(new int[][] {
                {101, V.id("hello"), 102, 0, 0},
                {101, V.id("hello"), V.id("world"), V.id("again"), 102},
                {101, 102, 0, 0, 0}}, b.ids());
        assertArrayEquals(new int[][] {{1, 1, 1, 0, 0}, {1, 1, 1, 1, 1}, {1, 1, 0, 0, 0}}, b.attentionMask());
        assertArrayEquals(new int[][] {{0, 0, 0, 0, 0}, {0, 0, 0, 0, 0}, {0, 0, 0, 0, 0}}, b.typeIds());
        assertEquals(t.encode("hello world again"), b.get(1));
    }

    @Test
    void batchPaddedToMaxLengthAndPairBatch() {
        BertTokenizer t = BertTokenizer.builder(V).maxLength(6).build();
        EncodedBatch b = t.encodeBatch(List.of("hello", "one two three four five six"), Padding.TO_MAX_LENGTH);
        assertEquals(6, b.sequenceLength());
        assertArrayEquals(new int[] {1, 1, 1, 0, 0, 0}, b.attentionMask()[0]);
        assertArrayEquals(new int[] {1, 1, 1, 1, 1, 1}, b.attentionMask()[1]);
        assertEquals(2, b.get(1).numTruncated());

        EncodedBatch p = t.encodePairBatch(List.of("a", "hello there"), List.of("b c", "x"), Padding.TO_LONGEST);
        assertEquals(6, p.sequenceLength());
        assertArrayEquals(new int[][] {{0, 0, 0, 1, 1, 1}, {0, 0, 0, 0, 1, 1}}, p.typeIds());
        assertArrayEquals(new int[][] {{1, 1, 1, 1, 1, 1}, {1, 1, 1, 1, 1, 1}}, p.attentionMask());

        assertThrows(IllegalArgumentException.class, () -> t.encodeBatch(List.of("a"), Padding.NONE));
        assertThrows(IllegalArgumentException.class, () -> t.encodeBatch(List.of()));
        assertThrows(IllegalArgumentException.class,
                () -> t.encodePairBatch(List.of("a"), List.of("b", "c"), Padding.TO_LONGEST));
    }

    @Test
    void batchConvertsToNd4jIntArrays() {
        EncodedBatch b = BertTokenizer.builder(V).build().encodeBatch(List.of("hello", "hello world"));
        INDArray ids = b.idsArray();
        assertEquals(DataType.INT32, ids.dataType());
        assertArrayEquals(new long[] {2, 4}, ids.shape());
        assertArrayEquals(b.ids()[1], ids.getRow(1).toIntVector());
        assertArrayEquals(new int[] {1, 1, 1, 0}, b.attentionMaskArray().getRow(0).toIntVector());
        assertArrayEquals(new long[] {2, 4}, b.typeIdsArray().shape());
    }

    // ---- immutability, options ----

    @Test
    void encodingIsImmutable() {
        Encoding e = BertTokenizer.builder(V).build().encode("hello");
        int[] ids = e.ids();
        ids[1] = 7;
        assertEquals(V.id("hello"), e.id(1));
        assertNotSame(e.ids(), e.ids());
        assertThrows(UnsupportedOperationException.class, () -> e.tokens().add("x"));
        int[] source = {101, 102};
        Encoding built = new Encoding(List.of("[CLS]", "[SEP]"), source, new int[2], new int[] {1, 1},
                new int[] {-1, -1}, new int[] {-1, -1}, new int[] {-1, -1}, 0);
        source[0] = 5;
        assertEquals(101, built.id(0));
        assertThrows(IllegalArgumentException.class, () -> new Encoding(List.of("[CLS]"), new int[2], new int[2],
                new int[2], new int[2], new int[2], new int[2], 0));
    }

    @Test
    void specialTokensInTextAreSplitUnlessRequested() {
        String text = "[CLS] hello [MASK] world";
        assertEquals(List.of("[", "cl", "##s", "]", "hello", "[", "mask", "]", "world"),
                BertTokenizer.builder(V).build().tokenize(text));
        BertTokenizer keep = BertTokenizer.builder(V).neverSplitSpecialTokens().build();
        assertEquals(List.of("[CLS]", "hello", "[MASK]", "world"), keep.tokenize(text));
        assertEquals(103, keep.tokenizeWithOffsets(text).get(2).id());
        assertArrayEquals(new int[] {12, 18}, new int[] {keep.tokenizeWithOffsets(text).get(2).start(),
                keep.tokenizeWithOffsets(text).get(2).end()});
    }

    @Test
    void casedOptionKeepsCaseAndAccents() {
        BertTokenizer cased = BertTokenizer.builder(V).lowerCase(false).build();
        // The uncased vocabulary has no "Hello": pieces of what it does have, or [UNK].
        assertEquals(List.of("[UNK]", "world"), cased.tokenize("H\u00E9llo world"));
        assertEquals(List.of("cafe"), BertTokenizer.builder(V).build().tokenize("CAF\u00C9"));
    }

    @Test
    void decodeGluesPiecesAndSkipsStructuralTokens() {
        BertTokenizer t = BertTokenizer.builder(V).maxLength(12).padding(Padding.TO_MAX_LENGTH).build();
        Encoding e = t.encode("Unaffable tokenization!", "\uD83D\uDE00");
        assertEquals("unaffable tokenization ! [UNK]", t.decode(e.ids()));
        assertEquals("unaffable tokenization ! [UNK]", e.decode());
    }

    @Test
    void randomTextsKeepInvariants() {
        Random rnd = new Random(42);
        String alphabet = "aAeE\u00E9\u00C5 \t\n.,!?$-'\u4E2D\u6587\uD55C\u00A0\u200B\u0301\u03A3\u0130xyzqQ0123";
        BertTokenizer t = BertTokenizer.builder(V).maxLength(16).padding(Padding.TO_MAX_LENGTH).build();
        for (int n = 0; n < 2000; n++) {
            StringBuilder sb = new StringBuilder();
            int len = rnd.nextInt(40);
            for (int i = 0; i < len; i++) {
                sb.append(alphabet.charAt(rnd.nextInt(alphabet.length())));
            }
            if (rnd.nextInt(10) == 0) {
                sb.append("\uD83D\uDE00");
            }
            String a = sb.toString();
            String b = new StringBuilder(a).reverse().toString().replace("\uDE00\uD83D", "\uD83D\uDE00");
            TestResources.assertOffsetProperty(a, a, t.tokenizeWithOffsets(a), true);
            Encoding e = t.encode(a, b);
            assertEquals(16, e.length());
            int firstSep = e.tokens().indexOf("[SEP]");
            for (int i = 0; i < 16; i++) {
                boolean real = e.mask(i) == 1;
                assertEquals(real ? (i <= firstSep ? 0 : 1) : 0, e.typeId(i));
                if (!real) {
                    assertEquals(V.padId(), e.id(i));
                }
                if (e.sequenceId(i) < 0) {
                    assertEquals(-1, e.start(i));
                } else {
                    String src = e.sequenceId(i) == 0 ? a : b;
                    assertTrue(0 <= e.start(i) && e.start(i) < e.end(i) && e.end(i) <= src.length());
                }
            }
            assertEquals(Vocabulary.CLS, e.token(0));
        }
    }
}
