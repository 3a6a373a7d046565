package org.distill4j.bert.text;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class VocabularyTest {

    private static final List<String> SPECIALS = List.of("[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]");

    @TempDir
    Path dir;

    private Path write(String name, String content) throws IOException {
        Path file = dir.resolve(name);
        Files.writeString(file, content, StandardCharsets.UTF_8);
        return file;
    }

    @Test
    void realUncasedVocabulary() {
        Vocabulary v = TestResources.vocabulary();
        assertEquals(30522, v.size());
        assertEquals(0, v.padId());
        assertEquals(100, v.unkId());
        assertEquals(101, v.clsId());
        assertEquals(102, v.sepId());
        assertEquals(103, v.maskId());
        assertEquals(1996, v.id("the"));
        assertEquals("the", v.token(1996));
        assertEquals(-1, v.indexOf("The"));
        assertTrue(v.contains("##ing"));
        assertFalse(v.contains(""));
        for (int id = 0; id < v.size(); id++) {
            assertEquals(id, v.id(v.token(id)));
        }
        assertTrue(v.isSpecial(101) && !v.isSpecial(1996));
        assertEquals(TestResources.VOCAB, v.source());
    }

    @Test
    void loadsFromPathWithIdsEqualToLineNumbers() throws IOException {
        Path file = write("vocab.txt", String.join("\n", SPECIALS) + "\nhello\n##lo\n");
        Vocabulary v = Vocabulary.load(file);
        assertEquals(7, v.size());
        assertEquals(5, v.id("hello"));
        assertEquals(6, v.id("##lo"));
        assertEquals(file.toString(), v.source());
        assertEquals(List.of("[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "hello", "##lo"), v.tokens());
        assertEquals(6, v.maxTokenCodePoints()); // "[MASK]"
    }

    @Test
    void crlfLineEndsSurroundingSpacesAndByteOrderMarkAreStripped() throws IOException {
        Path file = write("crlf.txt", "\uFEFF[PAD]\r\n[UNK]\r\n [CLS] \r\n[SEP]\t\r\n[MASK]\r\nword\r\n");
        Vocabulary v = Vocabulary.load(file);
        assertEquals(6, v.size());
        assertEquals(0, v.padId());
        assertEquals(2, v.clsId());
        assertEquals(5, v.id("word"));
    }

    @Test
    void missingUnkNamesTheFileAndTheToken() throws IOException {
        List<String> lines = new ArrayList<>(SPECIALS);
        lines.remove("[UNK]");
        Path file = write("no-unk.txt", String.join("\n", lines) + "\n");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Vocabulary.load(file));
        assertTrue(e.getMessage().contains(file.toString()), e.getMessage());
        assertTrue(e.getMessage().contains("[UNK]"), e.getMessage());
    }

    @Test
    void everySpecialTokenIsRequired() {
        for (String missing : SPECIALS) {
            List<String> lines = new ArrayList<>(SPECIALS);
            lines.remove(missing);
            lines.add("word");
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> Vocabulary.fromLines(lines, "mem.txt"));
            assertTrue(e.getMessage().contains("mem.txt") && e.getMessage().contains(missing), e.getMessage());
        }
    }

    @Test
    void duplicateTokenNamesBothLines() throws IOException {
        Path file = write("dup.txt", String.join("\n", SPECIALS) + "\nhello\nworld\nhello\n");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Vocabulary.load(file));
        assertTrue(e.getMessage().contains(file.toString()), e.getMessage());
        assertTrue(e.getMessage().contains("'hello'"), e.getMessage());
        assertTrue(e.getMessage().contains("lines 6 and 8"), e.getMessage());
    }

    @Test
    void duplicateAfterStrippingIsStillADuplicate() {
        List<String> lines = new ArrayList<>(SPECIALS);
        lines.add("a");
        lines.add("a\r");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Vocabulary.fromLines(lines, "strip.txt"));
        assertTrue(e.getMessage().contains("lines 6 and 7"), e.getMessage());
    }

    @Test
    void emptyFileIsAnError() throws IOException {
        Path file = write("empty.txt", "");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Vocabulary.load(file));
        assertTrue(e.getMessage().contains(file.toString()) && e.getMessage().contains("empty"), e.getMessage());
    }

    @Test
    void blankLineIsAnErrorWithItsLineNumber() throws IOException {
        Path file = write("blank.txt", "[PAD]\n[UNK]\n   \n[CLS]\n[SEP]\n[MASK]\n");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Vocabulary.load(file));
        assertTrue(e.getMessage().contains(file.toString()) && e.getMessage().contains("line 3"), e.getMessage());
    }

    @Test
    void invalidUtf8IsAnError() {
        byte[] bytes = "[PAD]\n[UNK]\n[CLS]\n[SEP]\n[MASK]\nbad\u0000\n".getBytes(StandardCharsets.UTF_8);
        bytes[bytes.length - 2] = (byte) 0xC3; // a lead byte followed by a newline: malformed
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Vocabulary.load(new ByteArrayInputStream(bytes), "bytes.txt"));
        assertTrue(e.getMessage().contains("bytes.txt") && e.getMessage().contains("UTF-8"), e.getMessage());
    }

    @Test
    void unknownTokenAndBadIdFailClearly() {
        Vocabulary v = Vocabulary.fromLines(SPECIALS, "mem");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> v.id("nope"));
        assertTrue(e.getMessage().contains("nope") && e.getMessage().contains("mem"));
        assertThrows(IndexOutOfBoundsException.class, () -> v.token(5));
        assertThrows(IndexOutOfBoundsException.class, () -> v.token(-1));
    }
}
