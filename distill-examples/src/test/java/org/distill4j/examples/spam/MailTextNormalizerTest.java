package org.distill4j.examples.spam;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

/** Whitespace collapsing and truncation. */
class MailTextNormalizerTest {

    @Test
    void collapsesAllWhitespaceAndControlsToSingleSpaces() {
        assertEquals("a b c d e", MailTextNormalizer.collapse("  a\tb\r\n\nc\u00a0\u2003d\u0000\u2028e \n"));
    }

    @Test
    void dropsFormatAndReplacementCharactersAndComposesNfc() {
        assertEquals("zerowidth softhyphen", MailTextNormalizer.collapse("zero\u200bwidth soft\u00adhyphen\ufffd"));
        assertEquals("\u00e9", MailTextNormalizer.collapse("e\u0301"));
        assertEquals("ab", MailTextNormalizer.collapse("a\ud800b"), "unpaired surrogates are dropped");
        assertEquals("", MailTextNormalizer.collapse(null));
    }

    @Test
    void truncateNeverSplitsASurrogatePair() {
        String s = "ab\ud83d\ude00cd";
        assertEquals("ab", MailTextNormalizer.truncate(s, 3));
        assertEquals("ab\ud83d\ude00", MailTextNormalizer.truncate(s, 4));
        assertEquals(s, MailTextNormalizer.truncate(s, 100));
        assertEquals("one", MailTextNormalizer.truncate("one two", 4), "no dangling space");
        assertThrows(IllegalArgumentException.class, () -> MailTextNormalizer.truncate(s, 0));
    }
}
