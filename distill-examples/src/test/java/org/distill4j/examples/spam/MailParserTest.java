package org.distill4j.examples.spam;

import static org.distill4j.examples.spam.SpamFixtures.mail;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The mail parser on hand-written fixtures: MIME structure, transfer encodings, charsets, HTML, bad input. */
class MailParserTest {

    private final MailParser parser = new MailParser();

    private MailText parsed(String fixture) {
        MailParseResult r = parser.parse(mail(fixture));
        assertTrue(r.ok(), () -> fixture + " was skipped: " + r.skipReason() + " " + r.detail());
        return r.mail();
    }

    @Test
    void multipartAlternativePrefersPlainTextAndDecodesQuotedPrintable() {
        MailText m = parsed("alternative-plain-and-html.eml");
        assertEquals("Meeting notes", m.subject());
        assertEquals("\"Ann Example\" <ann@example.com>", m.from());
        assertEquals("Hi Bob, the plain version wins: this line is long and is wrapped by quoted-printable soft "
                + "breaks, and 1+1=2.", m.body());
        assertFalse(m.body().contains("HTML VERSION"), "the HTML alternative is not added");
        assertFalse(m.body().contains("multi-part message"), "the MIME preamble is not text");
    }

    @Test
    void blankPlainAlternativeFallsBackToHtmlConvertedWithJsoup() {
        MailText m = parsed("alternative-empty-plain-html.eml");
        assertEquals("Limited offer", m.subject(), "RFC 2047 Q-encoded subject");
        assertEquals("Cheap meds Buy now & save 50%! Click here.", m.body());
        for (String hidden : new String[] {"TITLE", "SCRIPT", "COMMENT", "color: red"}) {
            assertFalse(m.body().contains(hidden), hidden);
        }
    }

    @Test
    void base64HtmlInUtf8WithCrlfLineEnds() {
        MailText m = parsed("html-base64-utf8.eml");
        assertEquals("Caf\u00e9 offer", m.subject(), "B-encoded UTF-8 subject");
        assertEquals("Caf\u00e9 cr\u00e8me \u2014 only \u20ac5! Second paragraph.", m.body());
    }

    @Test
    void quotedPrintableIso88591BodyAndEncodedWords() {
        MailParseResult r = parser.parse(mail("quoted-printable-latin1.eml"));
        assertTrue(r.ok());
        assertFalse(r.charsetFallback());
        assertEquals("R\u00e9sum\u00e9 du caf\u00e9", r.mail().subject());
        assertEquals("Andr\u00e9 <andre@example.fr>", r.mail().from());
        assertEquals("Le caf\u00e9 est fran\u00e7ais, na\u00efve et tr\u00e8s cher \u00e0 Paris. Soft break joined.",
                r.mail().body());
    }

    @Test
    void windows1252EightBitBody() {
        assertEquals("He said \u201chello\u201d \u2013 it costs \u20ac50.", parsed("windows-1252-8bit.eml").body());
    }

    @Test
    void latin1LabelIsReadAsItsWindows1252Superset() {
        assertEquals("It\u2019s caf\u00e9 time.", parsed("latin1-label-cp1252-bytes.eml").body());
    }

    @Test
    void unknownCharsetFallsBackToUtf8WhenTheBytesAreUtf8() {
        MailParseResult r = parser.parse(mail("unknown-charset-utf8-bytes.eml"));
        assertTrue(r.ok());
        assertTrue(r.charsetFallback());
        assertEquals("Gr\u00fc\u00dfe aus K\u00f6ln.", r.mail().body());
    }

    @Test
    void unknownCharsetFallsBackToWindows1252OtherwiseAndBrokenNamesDoNotFail() {
        MailParseResult r = parser.parse(mail("bogus-charset-latin1-bytes.eml"));
        assertTrue(r.ok());
        assertTrue(r.charsetFallback());
        assertEquals("Na\u00efve d\u00e9j\u00e0 vu.", r.mail().body());
        assertEquals("Still readable text.", parsed("broken-charset-name.eml").body());
    }

    @Test
    void raw8BitUtf8HeadersAreDecoded() {
        MailText m = parsed("raw-8bit-subject.eml");
        assertEquals("Gr\u00fc\u00dfe \u2013 raw UTF-8 subject", m.subject());
        assertEquals("J\u00fcrgen <j@example.de>", m.from());
    }

    @Test
    void mailWithOnlyAttachmentsIsSkippedWithAReason() {
        MailParseResult r = parser.parse(mail("attachment-only.eml"));
        assertFalse(r.ok());
        assertEquals(SkipReason.NO_TEXT_PART, r.skipReason());
    }

    @Test
    void attachmentsAndUuencodedBlocksAreLeftOut() {
        MailText m = parsed("mixed-text-and-image.eml");
        assertEquals("See the photo attached. Cheers", m.body());
    }

    @Test
    void malformedHeadersAreToleratedAndFoldedSubjectsUnfolded() {
        MailText m = parsed("malformed-header.eml");
        assertEquals("Folded subject line", m.subject());
        assertEquals("Body survives =ZZ bad escapes and soft breaks.", m.body());
    }

    @Test
    void contentTypeWithoutSemicolonBeforeItsParametersIsStillText() {
        assertEquals("Our anti-spamming company policy: NEVER BOTHER YOU AGAIN.",
                parsed("missing-semicolon-content-type.eml").body());
    }

    @Test
    void multipartWhoseBoundaryNeverMatchesIsReadFromThePreamble() {
        MailText m = parsed("wrong-boundary.eml");
        assertEquals("This is a multipart MIME message. Incredible deals on inkjet cartridges!", m.body());
    }

    @Test
    void htmlWithoutVisibleTextIsSkippedAsEmpty() {
        MailParseResult r = parser.parse(mail("image-only-html.eml"));
        assertFalse(r.ok());
        assertEquals(SkipReason.EMPTY_TEXT, r.skipReason());
    }

    @Test
    void inputWithoutHeadersIsReadAsText() {
        MailText m = parsed("no-headers.eml");
        assertEquals("", m.subject());
        assertEquals("just some text without any header and a second line", m.body());
    }

    @Test
    void garbageNeverThrows() {
        Random rng = new Random(7);
        for (int i = 0; i < 200; i++) {
            byte[] junk = new byte[rng.nextInt(3000)];
            rng.nextBytes(junk);
            if (i % 3 == 0) {
                junk = SpamFixtures.concat("Content-Type: multipart/mixed; boundary=\"b\"\n\n--b\n"
                        .getBytes(StandardCharsets.US_ASCII), junk);
            }
            MailParseResult r = parser.parse(junk);
            assertNotNull(r);
            assertTrue(r.ok() || r.skipReason() != null);
            if (r.ok()) {
                assertFalse(r.mail().body().isBlank());
            }
        }
        assertEquals(SkipReason.EMPTY_TEXT, parser.parse(new byte[0]).skipReason());
    }

    @Test
    void normalizedTextIsSubjectNewlineBodyCutToMaxChars() {
        MailText m = new MailText("Hello", "", "body text here");
        assertEquals("Hello\nbody text here", m.normalizedText(4000));
        assertEquals("Hello\nbody", m.normalizedText(10));
        assertEquals("Hello", m.normalizedText(6), "the cut strips the dangling newline");
        assertEquals("only body", new MailText("", "", "only body").normalizedText(100));
    }
}
