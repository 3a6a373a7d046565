package org.distill4j.examples.spam;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.distill4j.bert.data.TaskDataset;
import org.distill4j.bert.data.TsvClassificationReader;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The subset shipped in the jar: documented sizes, both labels, every folder, and readable by distill-bert. */
class EmbeddedSpamSubsetTest {

    @TempDir
    Path dir;

    @Test
    void splitsHaveTheDocumentedSizesBothLabelsAndAllFolders() throws IOException {
        Set<String> ids = new HashSet<>();
        Set<String> texts = new HashSet<>();
        for (Split s : Split.values()) {
            List<SpamExample> rows = EmbeddedSpamSubset.read(s);
            assertEquals(EmbeddedSpamSubset.size(s), rows.size(), s.id());
            Set<String> labels = new HashSet<>();
            Set<String> folders = new HashSet<>();
            for (SpamExample e : rows) {
                assertTrue(ids.add(e.id()), "id in one split only: " + e.id());
                assertTrue(texts.add(e.text()), "no duplicate text: " + e.id());
                assertTrue(e.text().length() <= EmbeddedSpamSubset.MAX_CHARS, e.id());
                assertEquals(SpamAssassinCorpus.labelOf(e.folder()), e.label(), e.id());
                assertTrue(e.id().startsWith(e.folder() + "/"), e.id());
                labels.add(e.label());
                folders.add(e.folder());
            }
            assertEquals(Set.of(SpamExample.HAM, SpamExample.SPAM), labels, s.id());
            assertEquals(Set.copyOf(SpamAssassinCorpus.FOLDERS), folders, s.id() + " has hard ham and every folder");
        }
        assertEquals(600, ids.size());
    }

    @Test
    void extractedFilesAreReadByTsvClassificationReader() throws IOException {
        Path out = EmbeddedSpamSubset.extractTo(dir.resolve("subset"));
        TsvClassificationReader reader = TsvClassificationReader.builder(SpamFixtures.tinyTokenizer())
                .textA("text").build();
        TaskDataset train = reader.read(out.resolve("train.tsv"));
        assertEquals(List.of("ham", "spam"), train.labelVocabulary());
        TaskDataset test = reader.withLabels(train.labelVocabulary()).read(out.resolve("test.tsv"));
        assertEquals(EmbeddedSpamSubset.TEST_SIZE, test.size());
        Path temp = EmbeddedSpamSubset.extractToTemp();
        assertTrue(Files.size(temp.resolve("dev.tsv")) > 0);
    }
}
