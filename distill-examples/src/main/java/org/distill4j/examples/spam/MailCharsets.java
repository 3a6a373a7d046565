package org.distill4j.examples.spam;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.Charset;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Decodes mail bytes with the charset a mail declares, falling back when the name is unknown or wrong.
 *
 * <p>Rules:
 * <ol>
 *   <li>A declared charset Java knows is used as declared (bad bytes become U+FFFD, dropped later), except the
 *       cases below. {@code iso-8859-1} and its aliases decode as windows-1252, its superset (as browsers do,
 *       following WHATWG): mails labelled Latin-1 often contain cp1252 quotes and dashes in 0x80-0x9F. A few labels
 *       are widened to the superset Java knows: GB2312 to GBK, KS C 5601 / EUC-KR to windows-949, Shift_JIS to
 *       windows-31j, CHINESEBIG5 to Big5; {@code iso-8859-8-i} is ISO-8859-8.</li>
 *   <li>No charset, {@code us-ascii} (the MIME default), declared UTF-8, and names Java does not know
 *       ({@code unknown-8bit}, {@code x-user-defined}, misspellings, UTF-7) are guessed: pure ASCII is ASCII;
 *       else valid UTF-8 is UTF-8; else the charsets named anywhere in the mail ({@code charset=} parameters, HTML
 *       meta tags, RFC 2047 words), each widened to its language family (a Japanese hint also tries ISO-2022-JP,
 *       Shift_JIS and EUC-JP; a Chinese one GBK, GB18030 and Big5; a Korean one windows-949), are tried strictly
 *       in order of mention, since spam often declares its charset in one place and uses it in another or names
 *       the wrong member of the family; else windows-1252, which decodes any byte. Every outcome but ASCII and
 *       declared-and-valid UTF-8 counts as a fallback.</li>
 * </ol>
 */
final class MailCharsets {

    /** Windows-1252, the fallback for 8-bit text of unknown charset. */
    static final Charset WINDOWS_1252 = Charset.forName("windows-1252");

    private static final Map<String, String> ALIASES = Map.ofEntries(
            Map.entry("iso-8859-1", "windows-1252"), Map.entry("iso8859-1", "windows-1252"),
            Map.entry("iso_8859-1", "windows-1252"), Map.entry("latin1", "windows-1252"),
            Map.entry("latin-1", "windows-1252"), Map.entry("l1", "windows-1252"),
            Map.entry("iso-latin-1", "windows-1252"), Map.entry("cp1252", "windows-1252"),
            Map.entry("gb2312", "GBK"), Map.entry("gb_2312-80", "GBK"), Map.entry("x-gbk", "GBK"),
            Map.entry("chinese", "GBK"), Map.entry("euc-cn", "GBK"),
            Map.entry("ks_c_5601-1987", "x-windows-949"), Map.entry("ks_c_5601", "x-windows-949"),
            Map.entry("euc-kr", "x-windows-949"), Map.entry("korean", "x-windows-949"),
            Map.entry("shift_jis", "windows-31j"), Map.entry("shift-jis", "windows-31j"),
            Map.entry("sjis", "windows-31j"), Map.entry("x-sjis", "windows-31j"),
            Map.entry("chinesebig5", "Big5"), Map.entry("big5", "Big5"), Map.entry("x-big5", "Big5"),
            Map.entry("iso-8859-8-i", "ISO-8859-8"), Map.entry("utf8", "UTF-8"));

    /** Charsets tried strictly, in order, when a hint of the same language is found (spam mixes them up). */
    private static final Map<String, List<String>> FAMILIES = Map.of(
            "ja", List.of("ISO-2022-JP", "windows-31j", "EUC-JP"),
            "zh", List.of("GBK", "GB18030", "Big5"),
            "ko", List.of("x-windows-949", "ISO-2022-KR"));

    /** charset=NAME (also =3D-encoded inside quoted-printable HTML) and =?NAME?B?...?= encoded words. */
    private static final Pattern HINT = Pattern.compile(
            "(?i)(?:charset\\s*=\\s*(?:3D)?[\"']?|=\\?)([A-Za-z0-9_.:+-]{2,40})");

    /** The decoded text and whether a fallback was needed. */
    record Decoded(String text, boolean fallback) {
    }

    private MailCharsets() {
    }

    /**
     * @param bytes    the (transfer-decoded) content
     * @param declared the charset parameter as written in the mail, or null
     * @param hints    charsets to try strictly before windows-1252 (see {@link #hints(byte[])})
     * @return the text
     */
    static Decoded decode(byte[] bytes, String declared, List<Charset> hints) {
        Charset cs = lookup(declared);
        if (cs == null || cs.equals(StandardCharsets.US_ASCII) || cs.equals(StandardCharsets.UTF_8)) {
            return guess(bytes, hints, cs != null && cs.equals(StandardCharsets.UTF_8));
        }
        return new Decoded(new String(bytes, cs), false);
    }

    /** ASCII, else UTF-8 when valid, else the first hint that decodes strictly, else windows-1252. */
    static Decoded guess(byte[] bytes, List<Charset> hints, boolean declaredUtf8) {
        if (isAscii(bytes)) {
            if (indexOf(bytes, (byte) 0x1B) >= 0) {
                // 7-bit ISO-2022 text (Japanese, Korean) with escape sequences but no declared charset
                for (Charset hint : hints) {
                    String text = hint.name().startsWith("ISO-2022") ? strict(bytes, hint) : null;
                    if (text != null) {
                        return new Decoded(text, true);
                    }
                }
            }
            return new Decoded(new String(bytes, StandardCharsets.US_ASCII), false);
        }
        String utf8 = strictUtf8(bytes);
        if (utf8 != null) {
            return new Decoded(utf8, !declaredUtf8);
        }
        for (Charset hint : hints) {
            String text = strict(bytes, hint);
            if (text != null) {
                return new Decoded(text, true);
            }
        }
        return new Decoded(new String(bytes, WINDOWS_1252), true);
    }

    /**
     * The charsets a raw mail names anywhere, widened to their language family, minus ASCII, UTF-8 and the
     * Latin-1 family (which are tried anyway or decode anything).
     *
     * @param raw the whole message
     * @return candidate charsets in order of first mention
     */
    static List<Charset> hints(byte[] raw) {
        Matcher m = HINT.matcher(new String(raw, StandardCharsets.ISO_8859_1));
        Set<Charset> out = new LinkedHashSet<>();
        while (m.find()) {
            Charset cs = lookup(m.group(1));
            if (cs == null || cs.equals(StandardCharsets.US_ASCII) || cs.equals(StandardCharsets.UTF_8)
                    || cs.equals(WINDOWS_1252) || cs.equals(StandardCharsets.ISO_8859_1)) {
                continue;
            }
            out.add(cs);
            for (String member : FAMILIES.getOrDefault(family(cs), List.of())) {
                Charset c = lookup(member);
                if (c != null) {
                    out.add(c);
                }
            }
        }
        return new ArrayList<>(out);
    }

    private static String family(Charset cs) {
        String n = cs.name().toLowerCase(Locale.ROOT);
        if (n.contains("jp") || n.contains("jis") || n.equals("windows-31j")) {
            return "ja";
        }
        if (n.startsWith("gb") || n.contains("big5") || n.contains("hz") || n.contains("euc-tw")) {
            return "zh";
        }
        if (n.contains("kr") || n.contains("949") || n.contains("johab")) {
            return "ko";
        }
        return "";
    }

    /**
     * @param declared a charset label from a mail, possibly quoted, padded or bogus
     * @return the charset to use, or null when there is none or Java does not know it
     */
    static Charset lookup(String declared) {
        if (declared == null) {
            return null;
        }
        String name = declared.strip();
        // Labels such as "\"iso-8859-1\"" or "us-ascii;" show up in spam.
        name = name.replaceAll("^[\"'\\s]+|[\"';,\\s]+$", "").toLowerCase(Locale.ROOT);
        if (name.isEmpty()) {
            return null;
        }
        name = ALIASES.getOrDefault(name, name);
        try {
            return Charset.isSupported(name) ? Charset.forName(name) : null;
        } catch (IllegalArgumentException e) {
            return null; // illegal charset name
        }
    }

    private static int indexOf(byte[] bytes, byte b) {
        for (int i = 0; i < bytes.length; i++) {
            if (bytes[i] == b) {
                return i;
            }
        }
        return -1;
    }

    static boolean isAscii(byte[] bytes) {
        for (byte b : bytes) {
            if (b < 0) {
                return false;
            }
        }
        return true;
    }

    /** @return the text if {@code bytes} are valid UTF-8, else null */
    static String strictUtf8(byte[] bytes) {
        return strict(bytes, StandardCharsets.UTF_8);
    }

    /** @return the text if {@code bytes} are valid in {@code cs}, else null */
    static String strict(byte[] bytes, Charset cs) {
        try {
            return cs.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(bytes)).toString();
        } catch (CharacterCodingException e) {
            return null;
        }
    }
}
