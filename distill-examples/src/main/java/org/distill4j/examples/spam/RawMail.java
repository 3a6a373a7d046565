package org.distill4j.examples.spam;

import java.util.Objects;

/**
 * One mail as stored in the corpus.
 *
 * @param id          {@code <folder>/<number>}, e.g. {@code easy-ham-1/00001}; unique in the corpus
 * @param folder      the corpus folder (mailbox), e.g. {@code hard-ham-1}
 * @param md5         the MD5 the corpus gives the mail (part of its file name)
 * @param bytes       the raw RFC 822 message, as stored
 */
public record RawMail(String id, String folder, String md5, byte[] bytes) {

    /** Validates the fields. */
    public RawMail {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(folder, "folder");
        Objects.requireNonNull(md5, "md5");
        Objects.requireNonNull(bytes, "bytes");
    }

    /** @return {@link SpamExample#SPAM} for the spam folders, else {@link SpamExample#HAM} */
    public String label() {
        return SpamAssassinCorpus.labelOf(folder);
    }
}
