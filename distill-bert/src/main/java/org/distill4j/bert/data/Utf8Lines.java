package org.distill4j.bert.data;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CoderResult;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Objects;

/**
 * Reads a stream as strict UTF-8 lines, numbering them from 1. Lines end at {@code \n}; a {@code \r} just before it
 * is dropped; a final line without {@code \n} counts; a UTF-8 byte order mark at the start is dropped. Malformed
 * UTF-8 raises a {@link DataFormatException} naming the line and the byte. Does not close the stream.
 */
final class Utf8Lines {

    private final InputStream in;
    private final String source;
    private final CharsetDecoder decoder = StandardCharsets.UTF_8.newDecoder()
            .onMalformedInput(CodingErrorAction.REPORT)
            .onUnmappableCharacter(CodingErrorAction.REPORT);
    private final byte[] buffer = new byte[1 << 16];
    private int bufferPos;
    private int bufferEnd;
    private boolean eof;
    private byte[] line = new byte[256];
    private int lineNumber;

    Utf8Lines(InputStream in, String source) {
        this.in = Objects.requireNonNull(in, "in");
        this.source = Objects.requireNonNull(source, "source");
    }

    /** @return the number of the line last returned by {@link #next()} (1-based; 0 before the first) */
    int lineNumber() {
        return lineNumber;
    }

    /**
     * @return the next line without its terminator, or null at the end of the stream
     * @throws DataFormatException if the line is not valid UTF-8
     */
    String next() throws IOException {
        int length = 0;
        boolean any = false;
        while (true) {
            if (bufferPos == bufferEnd) {
                if (eof || !fill()) {
                    break;
                }
            }
            any = true;
            int start = bufferPos;
            int nl = -1;
            for (int i = bufferPos; i < bufferEnd; i++) {
                if (buffer[i] == '\n') {
                    nl = i;
                    break;
                }
            }
            int stop = nl >= 0 ? nl : bufferEnd;
            int n = stop - start;
            if (length + n > line.length) {
                line = Arrays.copyOf(line, Math.max(line.length * 2, length + n));
            }
            System.arraycopy(buffer, start, line, length, n);
            length += n;
            if (nl >= 0) {
                bufferPos = nl + 1;
                return decode(length);
            }
            bufferPos = bufferEnd;
        }
        return any ? decode(length) : null;
    }

    private boolean fill() throws IOException {
        int n = in.read(buffer, 0, buffer.length);
        if (n < 0) {
            eof = true;
            return false;
        }
        bufferPos = 0;
        bufferEnd = n;
        return n > 0 || fill();
    }

    private String decode(int length) {
        lineNumber++;
        if (length > 0 && line[length - 1] == '\r') {
            length--;
        }
        int from = 0;
        if (lineNumber == 1 && length >= 3 && (line[0] & 0xFF) == 0xEF && (line[1] & 0xFF) == 0xBB
                && (line[2] & 0xFF) == 0xBF) {
            from = 3;
        }
        ByteBuffer bytes = ByteBuffer.wrap(line, from, length - from);
        CharBuffer chars = CharBuffer.allocate(length - from + 1);
        decoder.reset();
        CoderResult r = decoder.decode(bytes, chars, true);
        if (!r.isError()) {
            r = decoder.flush(chars);
        }
        if (r.isError()) {
            int at = bytes.position();
            StringBuilder bad = new StringBuilder();
            for (int i = at; i < Math.min(at + Math.max(r.length(), 1), from + length); i++) {
                bad.append(String.format(" 0x%02X", line[i] & 0xFF));
            }
            throw new DataFormatException(source, lineNumber, "invalid UTF-8: byte" + (r.length() > 1 ? "s" : "")
                    + bad + " at byte " + (at + 1) + " of the line (the file must be UTF-8 encoded)");
        }
        chars.flip();
        return chars.toString();
    }
}
