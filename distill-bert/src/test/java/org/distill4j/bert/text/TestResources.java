package org.distill4j.bert.text;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.text.Normalizer;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** Shared test fixtures: the real uncased vocabulary and the reference tokenizations (both loaded once). */
final class TestResources {

    static final String VOCAB = "/text/bert-base-uncased-vocab.txt";
    static final String REFERENCE = "/text/reference-tokenizations.json";

    private static Vocabulary vocabulary;
    private static JsonNode reference;

    private TestResources() {
    }

    static synchronized Vocabulary vocabulary() {
        if (vocabulary == null) {
            try (InputStream in = open(VOCAB)) {
                vocabulary = Vocabulary.load(in, VOCAB);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return vocabulary;
    }

    static synchronized JsonNode reference() {
        if (reference == null) {
            try (InputStream in = open(REFERENCE)) {
                reference = new ObjectMapper().readTree(in);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return reference;
    }

    static InputStream open(String resource) {
        InputStream in = TestResources.class.getResourceAsStream(resource);
        if (in == null) {
            throw new IllegalStateException("missing test resource " + resource);
        }
        return in;
    }

    /** One reference case. */
    record Case(String name, String text, List<String> tokens, int[] ids, List<String> basicUncased,
                List<String> basicCased) {
        @Override
        public String toString() {
            return name;
        }
    }

    static List<Case> cases(String section) {
        List<Case> out = new ArrayList<>();
        for (JsonNode c : reference().get(section)) {
            out.add(new Case(c.get("name").asText(), c.get("text").asText(), strings(c.get("tokens")),
                    ints(c.get("ids")), c.has("basic_uncased") ? strings(c.get("basic_uncased")) : null,
                    c.has("basic_cased") ? strings(c.get("basic_cased")) : null));
        }
        return out;
    }

    static List<String> strings(JsonNode array) {
        List<String> out = new ArrayList<>();
        array.forEach(n -> out.add(n.asText()));
        return out;
    }

    static int[] ints(JsonNode array) {
        int[] out = new int[array.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = array.get(i).asInt();
        }
        return out;
    }

    /**
     * What a token should read like, computed from a piece of the original text independently of the tokenizer:
     * drop what BERT's cleaning drops, then (uncased) the JDK's full lower-casing, NFD and removal of Mn marks.
     * Final sigma is folded to sigma because its context depends on the whole word, not the piece.
     */
    static String normalizeLikeBert(String original, boolean lowerCase) {
        StringBuilder kept = new StringBuilder();
        original.codePoints().forEach(cp -> {
            int type = Character.getType(cp);
            boolean dropped = cp == 0 || cp == 0xFFFD
                    || ((type == Character.CONTROL || type == Character.FORMAT) && cp != '\t' && cp != '\n'
                    && cp != '\r');
            if (!dropped) {
                kept.appendCodePoint(cp);
            }
        });
        String s = kept.toString();
        if (lowerCase) {
            s = Normalizer.normalize(s.toLowerCase(Locale.ROOT), Normalizer.Form.NFD).replaceAll("\\p{Mn}", "");
        }
        return s.replace('\u03C2', '\u03C3');
    }

    /**
     * The offset property: spans lie inside the text, do not split surrogate pairs and never go backwards; the
     * original text under each token (or under a run of pieces sharing characters, e.g. Hangul jamo of one
     * syllable), normalized by {@link #normalizeLikeBert}, equals the token text without {@code ##}; and every
     * character outside all spans is whitespace or something BERT drops.
     */
    static void assertOffsetProperty(String label, String text, List<TokenSpan> spans, boolean lowerCase) {
        boolean[] covered = new boolean[text.length()];
        int previousStart = 0;
        int i = 0;
        while (i < spans.size()) {
            TokenSpan s = spans.get(i);
            checkSpan(label, text, s, previousStart);
            previousStart = s.start();
            int groupStart = s.start();
            int groupEnd = s.end();
            StringBuilder pieces = new StringBuilder(s.token().startsWith(WordPieceTokenizer.CONTINUATION_PREFIX)
                    ? s.token().substring(2) : s.token());
            int j = i + 1;
            while (j < spans.size() && spans.get(j).token().startsWith(WordPieceTokenizer.CONTINUATION_PREFIX)
                    && spans.get(j).start() < groupEnd) {
                TokenSpan t = spans.get(j);
                checkSpan(label, text, t, previousStart);
                previousStart = t.start();
                groupEnd = Math.max(groupEnd, t.end());
                pieces.append(t.token().substring(2));
                j++;
            }
            for (int k = groupStart; k < groupEnd; k++) {
                covered[k] = true;
            }
            String original = text.substring(groupStart, groupEnd);
            if (s.token().equals(Vocabulary.UNK) && j == i + 1) {
                assertFalse(normalizeLikeBert(original, lowerCase).isBlank(),
                        () -> label + ": [UNK] over nothing at [" + s.start() + "," + s.end() + ")");
            } else {
                String expected = normalizeLikeBert(original, lowerCase);
                String actual = pieces.toString().replace('\u03C2', '\u03C3');
                int from = groupStart;
                int to = groupEnd;
                assertEquals(expected, actual,
                        () -> label + ": text under [" + from + "," + to + ") is '" + original + "'");
            }
            i = j;
        }
        for (int k = 0; k < text.length(); ) {
            int cp = text.codePointAt(k);
            int n = Character.charCount(cp);
            if (!covered[k]) {
                String ch = new String(Character.toChars(cp));
                boolean ignorable = Character.isWhitespace(cp) || Character.getType(cp) == Character.SPACE_SEPARATOR
                        || cp == 0x85 || normalizeLikeBert(ch, lowerCase).isEmpty();
                int at = k;
                assertTrue(ignorable,
                        () -> label + ": character U+" + Integer.toHexString(cp) + " at " + at + " is in no token");
            }
            k += n;
        }
    }

    private static void checkSpan(String label, String text, TokenSpan s, int previousStart) {
        assertTrue(0 <= s.start() && s.start() < s.end() && s.end() <= text.length(),
                () -> label + ": bad span " + s);
        assertTrue(s.start() >= previousStart, () -> label + ": span goes back " + s);
        assertFalse(Character.isLowSurrogate(text.charAt(s.start()))
                        && s.start() > 0 && Character.isHighSurrogate(text.charAt(s.start() - 1)),
                () -> label + ": span starts inside a surrogate pair " + s);
        assertFalse(s.end() < text.length()
                        && Character.isLowSurrogate(text.charAt(s.end())) && Character.isHighSurrogate(
                        text.charAt(s.end() - 1)),
                () -> label + ": span ends inside a surrogate pair " + s);
    }
}
