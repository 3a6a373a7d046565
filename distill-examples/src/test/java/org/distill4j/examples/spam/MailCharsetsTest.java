package org.distill4j.examples.spam;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Charset names as mails write them, and the fallbacks. */
class MailCharsetsTest {

    @Test
    void lookupCleansLabelsAndWidensToSupersets() {
        assertEquals(MailCharsets.WINDOWS_1252, MailCharsets.lookup(" \"ISO-8859-1\"; "));
        assertEquals(Charset.forName("GBK"), MailCharsets.lookup("gb2312"));
        assertEquals(Charset.forName("x-windows-949"), MailCharsets.lookup("ks_c_5601-1987"));
        assertEquals(Charset.forName("Big5"), MailCharsets.lookup("CHINESEBIG5"));
        assertEquals(StandardCharsets.UTF_8, MailCharsets.lookup("utf8"));
        assertEquals(Charset.forName("KOI8-R"), MailCharsets.lookup("koi8-r"));
        assertNull(MailCharsets.lookup("unknown-8bit"));
        assertNull(MailCharsets.lookup("x-user-defined"));
        assertNull(MailCharsets.lookup("bad name!!"));
        assertNull(MailCharsets.lookup(""));
        assertNull(MailCharsets.lookup(null));
    }

    @Test
    void declaredUtf8ThatIsNotUtf8FallsBack() {
        byte[] latin1 = "caf\u00e9".getBytes(StandardCharsets.ISO_8859_1);
        MailCharsets.Decoded d = MailCharsets.decode(latin1, "utf-8", List.of());
        assertEquals("caf\u00e9", d.text());
        assertTrue(d.fallback());
        MailCharsets.Decoded ok = MailCharsets.decode("caf\u00e9".getBytes(StandardCharsets.UTF_8), "UTF-8", List.of());
        assertEquals("caf\u00e9", ok.text());
        assertFalse(ok.fallback());
    }

    @Test
    void charsetsNamedElsewhereInTheMailAreTriedBeforeWindows1252() {
        String japanese = "\u3057\u3058\u307f\u3068\u3082\u3082";
        byte[] sjis = japanese.getBytes(Charset.forName("windows-31j"));
        byte[] raw = ("Subject: =?iso-2022-jp?B?GyRCJDckOCRfGyhC?=\nContent-Type: text/plain\n\n")
                .getBytes(StandardCharsets.US_ASCII);
        List<Charset> hints = MailCharsets.hints(raw);
        assertTrue(hints.contains(Charset.forName("windows-31j")), "the Japanese family: " + hints);
        assertEquals(japanese, MailCharsets.decode(sjis, null, hints).text());
        assertEquals(new String(sjis, MailCharsets.WINDOWS_1252), MailCharsets.decode(sjis, null, List.of()).text());
    }

    @Test
    void hintsReadQuotedPrintableHtmlMetaTagsAndSkipLatin1() {
        byte[] raw = "<meta content=3D\"text/html; charset=3Dgb2312\">  charset=\"iso-8859-1\" charset=us-ascii"
                .getBytes(StandardCharsets.US_ASCII);
        List<Charset> hints = MailCharsets.hints(raw);
        assertEquals(Charset.forName("GBK"), hints.get(0));
        assertFalse(hints.contains(MailCharsets.WINDOWS_1252));
        assertFalse(hints.contains(StandardCharsets.US_ASCII));
    }
}
