package org.distill4j.examples.spam;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.james.mime4j.codec.DecodeMonitor;
import org.apache.james.mime4j.codec.DecoderUtil;
import org.apache.james.mime4j.dom.Body;
import org.apache.james.mime4j.dom.Entity;
import org.apache.james.mime4j.dom.Header;
import org.apache.james.mime4j.dom.Message;
import org.apache.james.mime4j.dom.Multipart;
import org.apache.james.mime4j.dom.SingleBody;
import org.apache.james.mime4j.dom.field.ContentTypeField;
import org.apache.james.mime4j.field.LenientFieldParser;
import org.apache.james.mime4j.message.BasicBodyFactory;
import org.apache.james.mime4j.message.DefaultMessageBuilder;
import org.apache.james.mime4j.stream.Field;
import org.apache.james.mime4j.stream.MimeConfig;
import org.jsoup.Jsoup;
import org.jsoup.nodes.Document;

/**
 * Turns a raw RFC 822 mail into {@link MailText}, leniently: it never throws on bad input.
 *
 * <ul>
 *   <li>A leading mbox {@code From } line is dropped. Header lines that are not fields are ignored; input without
 *       any header field is read as plain text. There are no limits on line, header or body length.</li>
 *   <li>Subject and From are unfolded and their RFC 2047 encoded words decoded; raw 8-bit header bytes are read as
 *       UTF-8 when valid, else in a charset the mail names elsewhere, else windows-1252
 *       ({@link MailCharsets}).</li>
 *   <li>The MIME tree is walked: base64 and quoted-printable are decoded by mime4j; each text part is decoded with
 *       {@link MailCharsets}. In multipart/alternative the text/plain version is preferred (when not blank), else the
 *       HTML one; other multiparts (mixed, related, signed, ...) contribute all their text parts in order; attached
 *       mails (message/rfc822) contribute their body.</li>
 *   <li>text/html, and text/plain that is obviously HTML (has {@code <html>} or {@code <body>}), is converted to text
 *       with jsoup (visible body text; scripts, styles and comments dropped).</li>
 *   <li>Attachments are skipped: parts with {@code Content-Disposition: attachment} and parts that are not text/plain,
 *       text/html, text/enriched or text/richtext. Uuencoded blocks and runs of base64 lines inside plain text are
 *       dropped too (old mailers pasted binaries into the body).</li>
 *   <li>Subject, From and body are collapsed by {@link MailTextNormalizer#collapse}.</li>
 * </ul>
 *
 * <p>A mail yields no text (and a {@link SkipReason}) when it has no text part, when its text parts are blank, or
 * when mime4j fails on it. Instances are stateless and thread-safe.
 */
public final class MailParser {

    private static final MimeConfig CONFIG = new MimeConfig.Builder()
            .setStrictParsing(false)
            .setMalformedHeaderStartsBody(false)
            .setMaxLineLen(-1)
            .setMaxHeaderCount(-1)
            .setMaxHeaderLen(-1)
            .setMaxContentLen(-1)
            .build();

    private static final Pattern HTML_MARKER = Pattern.compile("(?i)<\\s*(html|body)[\\s>]");
    private static final Pattern UUENCODE_BEGIN = Pattern.compile("^begin [0-7]{3,4} \\S.*$");
    private static final Pattern PART_HEADER =
            Pattern.compile("(?i)^(content-[a-z-]+|mime-version)\\s*:");
    private static final Pattern BASE64_LINE = Pattern.compile("^[A-Za-z0-9+/]{40,}={0,2}$");

    /** Part kinds: plain text or HTML. */
    private enum Kind { PLAIN, HTML }

    /** Accumulates the text of a subtree. */
    private static final class Acc {
        final List<Charset> hints;
        final StringBuilder text = new StringBuilder();
        int textParts;
        boolean html;
        boolean fallback;

        Acc(List<Charset> hints) {
            this.hints = hints;
        }

        void add(String s) {
            if (!s.isBlank()) {
                if (text.length() > 0) {
                    text.append('\n');
                }
                text.append(s);
            }
        }
    }

    /**
     * Parses a mail.
     *
     * @param raw the message bytes (an mbox {@code From } first line is allowed)
     * @return the text, or the reason there is none
     */
    public MailParseResult parse(byte[] raw) {
        Message message;
        try {
            message = builder().parseMessage(new ByteArrayInputStream(withoutMboxLine(raw)));
        } catch (IOException | RuntimeException e) {
            // mime4j wraps parse errors in MimeIOException (an IOException); anything else is also a bad mail
            return MailParseResult.skipped(SkipReason.UNPARSEABLE, e.getClass().getSimpleName() + ": "
                    + e.getMessage(), false);
        }
        try {
            List<Charset> hints = MailCharsets.hints(raw);
            String subject = header(message.getHeader(), "Subject", hints);
            String from = header(message.getHeader(), "From", hints);
            Acc acc = new Acc(hints);
            if (message.getHeader() == null || message.getHeader().getFields().isEmpty()) {
                // Not a mail at all (no header field): read the whole input as plain text rather than lose it.
                MailCharsets.Decoded d = MailCharsets.guess(withoutMboxLine(raw), hints, false);
                acc.textParts++;
                acc.fallback |= d.fallback();
                acc.add(dropEncodedBlocks(d.text()));
            } else {
                collect(message, true, acc);
            }
            String body = MailTextNormalizer.collapse(acc.text.toString());
            if (acc.textParts == 0) {
                return MailParseResult.skipped(SkipReason.NO_TEXT_PART, "", acc.fallback);
            }
            if (body.isEmpty()) {
                return MailParseResult.skipped(SkipReason.EMPTY_TEXT, acc.html ? "HTML without visible text" : "",
                        acc.fallback);
            }
            return MailParseResult.of(new MailText(subject, from, body), acc.fallback);
        } catch (IOException | RuntimeException e) {
            return MailParseResult.skipped(SkipReason.UNPARSEABLE, e.getClass().getSimpleName() + ": "
                    + e.getMessage(), false);
        } finally {
            message.dispose();
        }
    }

    private static DefaultMessageBuilder builder() {
        DefaultMessageBuilder b = new DefaultMessageBuilder();
        b.setMimeEntityConfig(CONFIG);
        b.setDecodeMonitor(DecodeMonitor.SILENT);
        b.setFieldParser(LenientFieldParser.getParser());
        // Lenient body factory: an unknown charset must not fail the parse; we decode the bytes ourselves anyway.
        b.setBodyFactory(new BasicBodyFactory(StandardCharsets.ISO_8859_1));
        return b;
    }

    private void collect(Entity entity, boolean top, Acc acc) throws IOException {
        Body body = entity.getBody();
        if (!top && "attachment".equalsIgnoreCase(entity.getDispositionType())) {
            return;
        }
        if (body instanceof Multipart multipart) {
            if (multipart.getBodyParts().isEmpty()) {
                // The boundary never occurs (spam often gets it wrong by a space): everything is in the preamble.
                collectUnsplit(entity, multipart, acc);
            } else if ("alternative".equalsIgnoreCase(multipart.getSubType())) {
                collectAlternative(multipart, acc);
            } else {
                for (Entity part : multipart.getBodyParts()) {
                    collect(part, false, acc);
                }
            }
        } else if (body instanceof Message attached) {
            collect(attached, false, acc);
        } else if (body instanceof SingleBody single) {
            Kind kind = kindOf(entity.getMimeType());
            if (kind == null) {
                return; // an image, a zip, a vcard...
            }
            acc.textParts++;
            byte[] bytes;
            try (InputStream in = single.getInputStream()) {
                bytes = in.readAllBytes();
            }
            MailCharsets.Decoded decoded = MailCharsets.decode(bytes, charsetParam(entity), acc.hints);
            acc.fallback |= decoded.fallback();
            String text = decoded.text();
            if (kind == Kind.PLAIN && HTML_MARKER.matcher(text).find()) {
                kind = Kind.HTML; // spam often labels HTML as text/plain
            }
            if (kind == Kind.HTML) {
                acc.html = true;
                acc.add(htmlToText(text));
            } else {
                acc.add(dropEncodedBlocks(text));
            }
        }
    }

    /**
     * Text of a multipart whose boundary was never found: its preamble and epilogue, without the lines that look
     * like part headers or boundaries, read as HTML when they look like HTML.
     */
    private static void collectUnsplit(Entity entity, Multipart multipart, Acc acc) {
        String raw = (multipart.getPreamble() == null ? "" : multipart.getPreamble()) + "\n"
                + (multipart.getEpilogue() == null ? "" : multipart.getEpilogue());
        Field ct = entity.getHeader() == null ? null : entity.getHeader().getField("Content-Type");
        String boundary = ct instanceof ContentTypeField f && f.getBoundary() != null
                ? f.getBoundary().replaceAll("\\s", "") : "";
        StringBuilder kept = new StringBuilder();
        boolean inHeaders = false;
        for (String line : raw.split("\r?\n", -1)) {
            if (PART_HEADER.matcher(line).find()) {
                inHeaders = true;
                continue;
            }
            if (inHeaders && (line.startsWith(" ") || line.startsWith("\t"))) {
                continue; // folded continuation of a part header
            }
            inHeaders = false;
            if (line.startsWith("--") && (boundary.isEmpty() ? !line.strip().contains(" ")
                    : line.replaceAll("\\s", "").contains(boundary))) {
                continue; // a boundary line, maybe with stray spaces
            }
            kept.append(line).append('\n');
        }
        String text = kept.toString();
        if (text.isBlank()) {
            return;
        }
        acc.textParts++;
        if (HTML_MARKER.matcher(text).find()) {
            acc.html = true;
            acc.add(htmlToText(text));
        } else {
            acc.add(dropEncodedBlocks(text));
        }
    }

    /** text/plain when it has text, else the first alternative with text. */
    private void collectAlternative(Multipart multipart, Acc acc) throws IOException {
        String plain = null;
        String other = null;
        for (Entity part : multipart.getBodyParts()) {
            Acc sub = new Acc(acc.hints);
            collect(part, false, sub);
            acc.textParts += sub.textParts;
            acc.fallback |= sub.fallback;
            String text = sub.text.toString();
            if (text.isBlank()) {
                acc.html |= sub.html;
                continue;
            }
            if (!sub.html && plain == null) {
                plain = text;
            } else if (other == null) {
                other = text;
            }
        }
        if (plain != null) {
            acc.add(plain);
        } else if (other != null) {
            acc.html = true;
            acc.add(other);
        }
    }

    private static Kind kindOf(String mimeType) {
        String t = mimeType == null ? "text/plain" : mimeType.toLowerCase(Locale.ROOT).strip();
        // "TEXT/PLAIN charset=US-ASCII" (a missing semicolon) still names text/plain
        int end = 0;
        while (end < t.length() && !Character.isWhitespace(t.charAt(end)) && t.charAt(end) != ';') {
            end++;
        }
        t = t.substring(0, end);
        switch (t) {
            case "text/html":
                return Kind.HTML;
            case "text/plain":
            case "text/enriched":
            case "text/richtext":
                return Kind.PLAIN;
            default:
                return null;
        }
    }

    /** The charset parameter of the entity's own Content-Type, or null (not mime4j's us-ascii default). */
    private static String charsetParam(Entity entity) {
        Field f = entity.getHeader() == null ? null : entity.getHeader().getField("Content-Type");
        return f instanceof ContentTypeField ct ? ct.getCharset() : null;
    }

    /**
     * Decodes one header field from its raw bytes: unfolded, RFC 2047 words decoded, collapsed; empty if absent.
     */
    static String header(Header header, String name, List<Charset> hints) {
        Field field = header == null ? null : header.getField(name);
        if (field == null) {
            return "";
        }
        String value;
        if (field.getRaw() != null) {
            byte[] raw = field.getRaw().toByteArray();
            String text = MailCharsets.isAscii(raw) ? new String(raw, StandardCharsets.US_ASCII)
                    : MailCharsets.guess(raw, hints, false).text();
            int colon = text.indexOf(':');
            value = colon >= 0 ? text.substring(colon + 1) : text;
        } else {
            value = field.getBody() == null ? "" : field.getBody();
        }
        value = value.replaceAll("\r?\n(?=[ \t])", "").replace("\r", "").replace("\n", " ");
        try {
            value = DecoderUtil.decodeEncodedWords(value, DecodeMonitor.SILENT);
        } catch (RuntimeException e) {
            // keep the undecoded words rather than lose the subject
        }
        return MailTextNormalizer.collapse(value);
    }

    /** Visible text of an HTML document or fragment. */
    static String htmlToText(String html) {
        Document doc = Jsoup.parse(html);
        String text = doc.body() == null ? "" : doc.body().text();
        return text.isBlank() ? doc.text() : text;
    }

    /** Drops uuencoded blocks ("begin 644 name" ... "end") and runs of two or more base64-looking lines. */
    static String dropEncodedBlocks(String text) {
        String[] lines = text.split("\r?\n", -1);
        List<String> kept = new ArrayList<>(lines.length);
        boolean inUu = false;
        Matcher b64 = BASE64_LINE.matcher("");
        for (int i = 0; i < lines.length; i++) {
            String line = lines[i];
            if (inUu) {
                if (line.strip().equals("end")) {
                    inUu = false;
                }
                continue;
            }
            if (UUENCODE_BEGIN.matcher(line).matches()) {
                inUu = true;
                continue;
            }
            boolean encoded = b64.reset(line.strip()).matches();
            boolean neighbour = (i > 0 && b64.reset(lines[i - 1].strip()).matches())
                    || (i + 1 < lines.length && b64.reset(lines[i + 1].strip()).matches());
            if (encoded && neighbour) {
                continue;
            }
            kept.add(line);
        }
        return String.join("\n", kept);
    }

    /** Drops a first line starting with "From " (the mbox separator), which is not a header field. */
    static byte[] withoutMboxLine(byte[] raw) {
        if (raw.length < 5 || raw[0] != 'F' || raw[1] != 'r' || raw[2] != 'o' || raw[3] != 'm' || raw[4] != ' ') {
            return raw;
        }
        for (int i = 5; i < raw.length; i++) {
            if (raw[i] == '\n') {
                byte[] rest = new byte[raw.length - i - 1];
                System.arraycopy(raw, i + 1, rest, 0, rest.length);
                return rest;
            }
        }
        return new byte[0];
    }
}
