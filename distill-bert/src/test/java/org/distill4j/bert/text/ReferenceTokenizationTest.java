package org.distill4j.bert.text;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.DynamicTest.dynamicTest;

import java.io.IOException;
import java.io.InputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;
import org.distill4j.bert.text.TestResources.Case;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/**
 * Compares the Java tokenizer with Google's original {@code tokenization.py} on the real 30522-token uncased
 * vocabulary. The expected tokens and ids come from {@code reference-tokenizations.json}, written by
 * {@code tools/tokenizer/make_reference.py}.
 */
class ReferenceTokenizationTest {

    private static final BertTokenizer TOKENIZER = BertTokenizer.builder(TestResources.vocabulary()).build();

    @Test
    void referenceFileMatchesTheCommittedVocabulary() throws IOException, NoSuchAlgorithmException {
        MessageDigest sha = MessageDigest.getInstance("SHA-256");
        try (InputStream in = TestResources.open(TestResources.VOCAB)) {
            sha.update(in.readAllBytes());
        }
        assertEquals(TestResources.reference().get("vocab_sha256").asText(), HexFormat.of().formatHex(sha.digest()));
        assertEquals(30522, TestResources.reference().get("vocab_size").asInt());
        assertEquals(100, TestResources.reference().get("max_input_chars_per_word").asInt());
        assertTrue(TestResources.reference().get("do_lower_case").asBoolean());
    }

    @Test
    void referenceCoversTheRequiredKindsOfText() {
        List<Case> cases = TestResources.cases("cases");
        Set<String> names = new HashSet<>();
        cases.forEach(c -> names.add(c.name()));
        assertEquals(cases.size(), names.size(), "case names are unique");
        assertTrue(cases.size() >= 100, "got " + cases.size());
        assertTrue(cases.stream().filter(c -> c.name().startsWith("mail_")).count() >= 30);
        for (String required : List.of("accents_cafe", "accents_zurich", "accents_angstrom_letter", "punct_run",
                "price", "email_word", "guillemets", "cplusplus", "chinese", "japanese", "korean", "emoji", "tab",
                "nbsp", "zero_width_space", "crlf", "long_word_101", "unaffable", "tokenization",
                "antidisestablishmentarianism", "numbers_decimal", "mixed_case", "empty", "spaces_only")) {
            assertTrue(names.contains(required), required);
        }
    }

    @TestFactory
    Stream<DynamicTest> fullTokenizerMatchesGoogle() {
        return TestResources.cases("cases").stream().map(c -> dynamicTest(c.name(), () -> {
            List<TokenSpan> spans = TOKENIZER.tokenizeWithOffsets(c.text());
            List<String> tokens = new ArrayList<>();
            int[] ids = new int[spans.size()];
            for (int i = 0; i < ids.length; i++) {
                tokens.add(spans.get(i).token());
                ids[i] = spans.get(i).id();
            }
            assertEquals(c.tokens(), tokens, c.name());
            assertArrayEquals(c.ids(), ids, c.name());
        }));
    }

    @TestFactory
    Stream<DynamicTest> encodeWrapsReferenceTokensInClsSep() {
        Vocabulary v = TestResources.vocabulary();
        return TestResources.cases("cases").stream().map(c -> dynamicTest(c.name(), () -> {
            Encoding e = TOKENIZER.encode(c.text());
            int n = c.ids().length;
            assertEquals(n + 2, e.length());
            assertEquals(v.clsId(), e.id(0));
            assertEquals(v.sepId(), e.id(n + 1));
            for (int i = 0; i < n; i++) {
                assertEquals(c.ids()[i], e.id(i + 1), c.name() + " position " + (i + 1));
                assertEquals(c.tokens().get(i), e.token(i + 1));
                assertEquals(0, e.sequenceId(i + 1));
            }
            for (int i = 0; i < e.length(); i++) {
                assertEquals(0, e.typeId(i));
                assertEquals(1, e.mask(i));
            }
        }));
    }

    @TestFactory
    Stream<DynamicTest> uncasedBasicTokenizerMatchesGoogle() {
        BasicTokenizer basic = new BasicTokenizer(true);
        return TestResources.cases("cases").stream().map(c -> dynamicTest(c.name(),
                () -> assertEquals(c.basicUncased(), basic.tokenize(c.text()), c.name())));
    }

    @TestFactory
    Stream<DynamicTest> casedBasicTokenizerMatchesGoogle() {
        BasicTokenizer basic = new BasicTokenizer(false);
        return TestResources.cases("cases").stream().map(c -> dynamicTest(c.name(),
                () -> assertEquals(c.basicCased(), basic.tokenize(c.text()), c.name())));
    }

    @TestFactory
    Stream<DynamicTest> longWordsMatchGoogleWithItsDefaultLimitOf200() {
        BertTokenizer google = BertTokenizer.builder(TestResources.vocabulary()).maxInputCharsPerWord(200).build();
        List<Case> cases = TestResources.cases("long_words_200");
        assertTrue(cases.size() >= 4);
        return cases.stream().map(c -> dynamicTest(c.name(), () -> {
            assertEquals(c.tokens(), google.tokenize(c.text()), c.name());
            assertArrayEquals(c.ids(), google.tokenizeWithOffsets(c.text()).stream()
                    .mapToInt(TokenSpan::id).toArray(), c.name());
        }));
    }

    @TestFactory
    Stream<DynamicTest> offsetsPointBackIntoTheOriginalText() {
        BertTokenizer cased = BertTokenizer.builder(TestResources.vocabulary()).lowerCase(false).build();
        return TestResources.cases("cases").stream().map(c -> dynamicTest(c.name(), () -> {
            TestResources.assertOffsetProperty(c.name(), c.text(), TOKENIZER.tokenizeWithOffsets(c.text()), true);
            // The cased pipeline against the uncased vocabulary gives odd pieces, but offsets must still hold.
            TestResources.assertOffsetProperty(c.name() + " (cased)", c.text(), cased.tokenizeWithOffsets(c.text()),
                    false);
        }));
    }

    @Test
    void emptyAndWhitespaceOnlyTextsEncodeToClsSep() {
        Vocabulary v = TestResources.vocabulary();
        for (String text : List.of("", " ", "   ", "\t\n\r ", "\u00a0\u3000\u2003", "\u200b\u200d\ufeff",
                "\u0000\u0007", "\u2028")) {
            Encoding e = TOKENIZER.encode(text);
            assertEquals(List.of(Vocabulary.CLS, Vocabulary.SEP), e.tokens(), () -> "text " + escape(text));
            assertArrayEquals(new int[] {v.clsId(), v.sepId()}, e.ids());
            assertArrayEquals(new int[] {0, 0}, e.typeIds());
            assertArrayEquals(new int[] {1, 1}, e.attentionMask());
            assertArrayEquals(new int[] {-1, -1}, e.startOffsets());
            assertArrayEquals(new int[] {-1, -1}, e.endOffsets());
            assertEquals("", e.decode());
        }
    }

    private static String escape(String s) {
        StringBuilder sb = new StringBuilder();
        s.codePoints().forEach(cp -> sb.append(String.format("\\u%04x", cp)));
        return sb.toString();
    }
}
