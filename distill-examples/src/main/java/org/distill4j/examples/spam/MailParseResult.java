package org.distill4j.examples.spam;

/**
 * What {@link MailParser#parse(byte[])} made of a mail: its text, or why there is none.
 *
 * @param mail            the text, or null when skipped
 * @param skipReason      why there is no text, or null
 * @param detail          a short explanation for a skip (e.g. the parser's message), or empty
 * @param charsetFallback whether some text had to be decoded with a guessed charset (declared charset unknown, missing
 *                        for 8-bit text, or contradicted by the bytes)
 */
public record MailParseResult(MailText mail, SkipReason skipReason, String detail, boolean charsetFallback) {

    /** @return true when {@link #mail()} is set */
    public boolean ok() {
        return mail != null;
    }

    static MailParseResult of(MailText mail, boolean charsetFallback) {
        return new MailParseResult(mail, null, "", charsetFallback);
    }

    static MailParseResult skipped(SkipReason reason, String detail, boolean charsetFallback) {
        return new MailParseResult(null, reason, detail == null ? "" : detail, charsetFallback);
    }
}
