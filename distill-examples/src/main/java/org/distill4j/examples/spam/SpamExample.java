package org.distill4j.examples.spam;

import java.util.Objects;

/**
 * One row of the spam TSV files.
 *
 * @param id     the mail's corpus id, {@code <folder>/<number>}, e.g. {@code spam-2/00417}
 * @param label  {@link #SPAM} or {@link #HAM}
 * @param folder the corpus folder (mailbox) the mail came from, e.g. {@code hard-ham-1}: the label of the
 *               folder task
 * @param text   the model text on one line (see {@link SpamTsv}); never blank
 */
public record SpamExample(String id, String label, String folder, String text) {

    /** Label of spam mails. */
    public static final String SPAM = "spam";
    /** Label of legitimate mails (easy and hard ham). */
    public static final String HAM = "ham";

    /** Validates the fields: all non-blank, and none may hold a tab or line break. */
    public SpamExample {
        check("id", id);
        check("label", label);
        check("folder", folder);
        check("text", text);
    }

    private static void check(String name, String value) {
        Objects.requireNonNull(value, name);
        if (value.isBlank()) {
            throw new IllegalArgumentException(name + " is blank");
        }
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (c == '\t' || c == '\n' || c == '\r') {
                throw new IllegalArgumentException(name + " holds a tab or line break (TSV cells cannot): "
                        + value.substring(0, Math.min(60, value.length())));
            }
        }
    }
}
