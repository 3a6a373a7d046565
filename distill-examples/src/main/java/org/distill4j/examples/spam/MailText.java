package org.distill4j.examples.spam;

import java.util.Objects;

/**
 * The readable text of a mail, each field already collapsed to one line by {@link MailTextNormalizer#collapse}.
 *
 * @param subject the decoded Subject header, or empty
 * @param from    the decoded From header, or empty (kept for inspection; not part of the model text)
 * @param body    the text of the body: text/plain parts, or text/html converted to text when a part has no plain
 *                alternative; never blank for a parsed mail
 */
public record MailText(String subject, String from, String body) {

    /** The default limit of {@link #normalizedText(int)}, in chars. */
    public static final int DEFAULT_MAX_CHARS = 4000;

    /** Validates the fields. */
    public MailText {
        Objects.requireNonNull(subject, "subject");
        Objects.requireNonNull(from, "from");
        Objects.requireNonNull(body, "body");
    }

    /**
     * The text the model reads: {@code subject + "\n" + body} (just the body when there is no subject), cut to
     * {@code maxChars} chars by {@link MailTextNormalizer#truncate}. Subject and body hold no newline themselves,
     * so the one newline marks where the subject ends. In TSV files the newline is written as a space (see
     * {@link SpamTsv}).
     *
     * @param maxChars the limit, at least 1
     * @return the text
     */
    public String normalizedText(int maxChars) {
        String full = subject.isEmpty() ? body : subject + "\n" + body;
        return MailTextNormalizer.truncate(full, maxChars);
    }
}
