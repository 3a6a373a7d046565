package org.distill4j.examples.spam;

import java.text.Normalizer;

/**
 * Text clean-up shared by the parser and the TSV writer.
 *
 * <p>{@link #collapse(String)}: Unicode NFC; every run of whitespace (including no-break and other Unicode spaces) and
 * control characters (tabs, newlines, NUL...) becomes one space; format characters (zero-width spaces, soft hyphens,
 * byte order marks), replacement characters U+FFFD and unpaired surrogates are dropped; the ends are stripped. The
 * result is one line, safe for a TSV cell.
 */
public final class MailTextNormalizer {

    private MailTextNormalizer() {
    }

    /**
     * @param s any text
     * @return the text on one line with single spaces, as described above
     */
    public static String collapse(String s) {
        if (s == null || s.isEmpty()) {
            return "";
        }
        String in = Normalizer.isNormalized(s, Normalizer.Form.NFC) ? s : Normalizer.normalize(s, Normalizer.Form.NFC);
        StringBuilder out = new StringBuilder(in.length());
        boolean pendingSpace = false;
        for (int i = 0; i < in.length(); ) {
            int cp = in.codePointAt(i);
            i += Character.charCount(cp);
            if (Character.isWhitespace(cp) || Character.isSpaceChar(cp) || Character.isISOControl(cp)) {
                pendingSpace = out.length() > 0;
                continue;
            }
            int type = Character.getType(cp);
            if (cp == 0xFFFD || type == Character.FORMAT || type == Character.SURROGATE) {
                continue;
            }
            if (pendingSpace) {
                out.append(' ');
                pendingSpace = false;
            }
            out.appendCodePoint(cp);
        }
        return out.toString();
    }

    /**
     * Cuts {@code s} to at most {@code maxChars} UTF-16 chars, never between the two halves of a surrogate pair,
     * and strips the trailing space a cut can leave.
     *
     * @param s        the text
     * @param maxChars the limit, at least 1
     * @return {@code s} itself when it is short enough
     */
    public static String truncate(String s, int maxChars) {
        if (maxChars < 1) {
            throw new IllegalArgumentException("maxChars must be at least 1, got " + maxChars);
        }
        if (s.length() <= maxChars) {
            return s;
        }
        int end = maxChars;
        if (Character.isHighSurrogate(s.charAt(end - 1))) {
            end--;
        }
        return s.substring(0, end).stripTrailing();
    }
}
