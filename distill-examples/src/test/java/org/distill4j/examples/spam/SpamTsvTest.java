package org.distill4j.examples.spam;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.distill4j.bert.data.TaskDataset;
import org.distill4j.bert.data.TsvClassificationReader;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The TSV format and its compatibility with distill-bert's reader. */
class SpamTsvTest {

    @TempDir
    Path dir;

    private static final List<SpamExample> ROWS = List.of(
            new SpamExample("easy-ham-1/00001", "ham", "easy-ham-1", SpamTsv.cell("Meeting notes\nthe \"notes\"\t, a \\ b")),
            new SpamExample("hard-ham-1/00002", "ham", "hard-ham-1", "Newsletter: buy the book"),
            new SpamExample("spam-2/00003", "spam", "spam-2", SpamTsv.cell("BUY NOW!\r\n\r\n<<cheap>> caf\u00e9 \u20ac")));

    @Test
    void cellsHoldNoTabsOrLineBreaks() {
        assertEquals("Meeting notes the \"notes\" , a \\ b", ROWS.get(0).text());
        assertThrows(IllegalArgumentException.class, () -> new SpamExample("x/1", "ham", "x", "a\tb"));
        assertThrows(IllegalArgumentException.class, () -> new SpamExample("x/1", "ham", "x", "a\nb"));
        assertThrows(IllegalArgumentException.class, () -> new SpamExample("x/1", "ham", "x", " "));
    }

    @Test
    void writeThenReadRoundTrips() throws IOException {
        Path f = dir.resolve("train.tsv");
        SpamTsv.write(f, ROWS);
        assertEquals(ROWS, SpamTsv.read(f));
        List<String> lines = Files.readAllLines(f, StandardCharsets.UTF_8);
        assertEquals("id\tlabel\tfolder\ttext", lines.get(0));
        assertEquals(4, lines.size());
    }

    @Test
    void distillBertsReaderReadsTheLabelAndTheFolderTask() throws IOException {
        Path f = dir.resolve("train.tsv");
        SpamTsv.write(f, ROWS);
        TaskDataset spam = TsvClassificationReader.builder(SpamFixtures.tinyTokenizer()).textA("text").label("label")
                .build().read(f);
        assertEquals(List.of("ham", "spam"), spam.labelVocabulary());
        assertEquals(3, spam.size());
        assertEquals(ROWS.get(2).text(), spam.example(2).texts().get(0), "the text reaches the tokenizer as written");
        TaskDataset folder = TsvClassificationReader.builder(SpamFixtures.tinyTokenizer()).textA("text")
                .label("folder").build().read(f);
        assertEquals(List.of("easy-ham-1", "hard-ham-1", "spam-2"), folder.labelVocabulary());
    }

    @Test
    void readRejectsOtherFormats() throws IOException {
        Path f = dir.resolve("bad.tsv");
        Files.writeString(f, "sentence\tlabel\nfoo\t1\n");
        assertThrows(IOException.class, () -> SpamTsv.read(f));
        Files.writeString(f, "id\tlabel\tfolder\ttext\nx/1\tham\tx\n");
        assertThrows(IOException.class, () -> SpamTsv.read(f));
    }
}
