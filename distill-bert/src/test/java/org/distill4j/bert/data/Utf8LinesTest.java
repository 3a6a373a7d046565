package org.distill4j.bert.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class Utf8LinesTest {

    private static List<String> lines(byte[] bytes) throws IOException {
        // a stream that hands out at most 7 bytes per read, so multi-byte characters straddle reads
        InputStream in = new ByteArrayInputStream(bytes) {
            @Override
            public synchronized int read(byte[] b, int off, int len) {
                return super.read(b, off, Math.min(len, 7));
            }
        };
        Utf8Lines r = new Utf8Lines(in, "mem");
        List<String> out = new ArrayList<>();
        String s;
        while ((s = r.next()) != null) {
            out.add(s);
            assertEquals(out.size(), r.lineNumber());
        }
        assertNull(r.next());
        return out;
    }

    @Test
    void lineEndsBomAndFinalLine() throws IOException {
        assertEquals(List.of("a", "", "b\u00e9", "c"), lines("\uFEFFa\r\n\nb\u00e9\nc".getBytes(StandardCharsets.UTF_8)));
        assertEquals(List.of("a", "b"), lines("a\nb\n".getBytes(StandardCharsets.UTF_8)));
        assertEquals(List.of(), lines(new byte[0]));
        assertEquals(List.of("\uFEFFx", "\uFEFFy"), lines("\uFEFF\uFEFFx\n\uFEFFy".getBytes(StandardCharsets.UTF_8)),
                "only one mark at the very start is dropped");
    }

    @Test
    void longLinesAcrossBuffers() throws IOException {
        String longLine = "\u00fc\uD83C\uDF70x".repeat(40_000);
        byte[] bytes = ("first\n" + longLine + "\nlast").getBytes(StandardCharsets.UTF_8);
        List<String> got = new ArrayList<>();
        Utf8Lines r = new Utf8Lines(new ByteArrayInputStream(bytes), "mem");
        String s;
        while ((s = r.next()) != null) {
            got.add(s);
        }
        assertEquals(List.of("first", longLine, "last"), got);
    }

    @Test
    void malformedBytesNameTheLine() {
        byte[] bytes = {'o', 'k', '\n', 'a', 'b', (byte) 0xF0, (byte) 0x9F, '\n'};
        DataFormatException e = assertThrows(DataFormatException.class, () -> lines(bytes));
        assertEquals(2, e.line());
        assertTrue(e.getMessage().startsWith("mem line 2: invalid UTF-8"), e.getMessage());
        assertTrue(e.getMessage().contains("at byte 3 of the line"), e.getMessage());
    }
}
