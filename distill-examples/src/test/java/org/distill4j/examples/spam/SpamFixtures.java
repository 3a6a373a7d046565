package org.distill4j.examples.spam;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.zip.GZIPOutputStream;
import org.distill4j.bert.text.BertTokenizer;
import org.distill4j.bert.text.Vocabulary;

/** Shared test helpers: the mail fixtures under /spam/mail, a tiny tokenizer, and a tar.gz writer. */
final class SpamFixtures {

    private SpamFixtures() {
    }

    /** The bytes of src/test/resources/spam/mail/NAME. */
    static byte[] mail(String name) {
        try (InputStream in = SpamFixtures.class.getResourceAsStream("/spam/mail/" + name)) {
            if (in == null) {
                throw new IllegalStateException("missing test resource /spam/mail/" + name);
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A mail with the given subject and plain-text body. */
    static byte[] simpleMail(String subject, String body) {
        return ("From: a@example.com\nSubject: " + subject + "\nContent-Type: text/plain; charset=utf-8\n\n" + body
                + "\n").getBytes(StandardCharsets.UTF_8);
    }

    /** A BERT tokenizer over a vocabulary of a few words (everything else is [UNK]). */
    static BertTokenizer tinyTokenizer() {
        Vocabulary v = Vocabulary.fromLines(List.of("[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "the", "a", "buy",
                "now", "meeting", "notes", ".", ",", "!", "?"), "tiny-vocab");
        return BertTokenizer.builder(v).maxLength(32).build();
    }

    /** Writes a ustar tar.gz holding the given files (path to content), in map order. */
    static void writeTarGz(Path file, Map<String, byte[]> files) throws IOException {
        try (OutputStream out = new GZIPOutputStream(Files.newOutputStream(file))) {
            for (Map.Entry<String, byte[]> e : files.entrySet()) {
                out.write(header(e.getKey(), e.getValue().length, '0'));
                out.write(e.getValue());
                out.write(new byte[(512 - e.getValue().length % 512) % 512]);
            }
            out.write(new byte[1024]);
        }
    }

    /** A ustar header block; names over 100 bytes are split into prefix and name. */
    static byte[] header(String path, long size, char type) {
        byte[] h = new byte[512];
        String name = path;
        String prefix = "";
        if (name.length() > 100) {
            int slash = name.lastIndexOf('/', 155);
            prefix = name.substring(0, slash);
            name = name.substring(slash + 1);
        }
        put(h, 0, name);
        put(h, 100, "0000644");
        put(h, 108, "0000000");
        put(h, 116, "0000000");
        put(h, 124, String.format("%011o", size));
        put(h, 136, String.format("%011o", 0L));
        h[156] = (byte) type;
        put(h, 257, "ustar");
        put(h, 263, "00");
        put(h, 345, prefix);
        for (int i = 148; i < 156; i++) {
            h[i] = ' ';
        }
        long sum = 0;
        for (byte b : h) {
            sum += b & 0xFF;
        }
        put(h, 148, String.format("%06o", sum));
        h[154] = 0;
        return h;
    }

    private static void put(byte[] h, int off, String s) {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        System.arraycopy(b, 0, h, off, b.length);
    }

    static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] p : parts) {
            out.writeBytes(p);
        }
        return out.toByteArray();
    }
}
