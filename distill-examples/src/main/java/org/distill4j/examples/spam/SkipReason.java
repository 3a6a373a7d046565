package org.distill4j.examples.spam;

/** Why a mail produced no example. */
public enum SkipReason {

    /** No text/plain or text/html part outside attachments (e.g. only an image or a zip file). */
    NO_TEXT_PART("no text/plain or text/html part outside attachments"),
    /** Text parts exist but hold no visible text once decoded (e.g. an HTML part that is only an image). */
    EMPTY_TEXT("the text parts are empty once decoded"),
    /** The MIME structure could not be read even leniently. */
    UNPARSEABLE("the mail could not be parsed");

    private final String description;

    SkipReason(String description) {
        this.description = description;
    }

    /** @return a sentence for reports */
    public String description() {
        return description;
    }
}
