package org.distill4j.examples.spam;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The documented split rule, its determinism and the duplicate handling. */
class SpamSplitterTest {

    private static SpamExample ex(String id, String text) {
        String folder = id.substring(0, id.indexOf('/'));
        return new SpamExample(id, SpamAssassinCorpus.labelOf(folder), folder, text);
    }

    private static List<SpamExample> corpus(int n) {
        List<SpamExample> list = new ArrayList<>();
        String[] folders = SpamAssassinCorpus.FOLDERS.toArray(new String[0]);
        for (int i = 0; i < n; i++) {
            String folder = folders[i % folders.length];
            list.add(ex(folder + "/" + String.format("%05d", i), "mail number " + i + " from " + folder));
        }
        return list;
    }

    @Test
    void bucketIsSha256OfTheTextModulo100AsDocumented() {
        // expected values computed independently with Python's hashlib
        assertEquals(42, SpamSplitter.bucket("hello"));
        assertEquals(90, SpamSplitter.bucket("Cheap meds\nBuy now"));
        assertEquals(95, SpamSplitter.bucket("Meeting notes Hi Bob"));
        assertEquals(71, SpamSplitter.bucket("spam spam spam"));
        assertEquals(Split.TRAIN, SpamSplitter.assign("hello"));
        assertEquals(Split.TEST, SpamSplitter.assign("Cheap meds\nBuy now"));
    }

    @Test
    void splitIsDeterministicWhateverTheInputOrderAndRoughly80_10_10() {
        List<SpamExample> examples = corpus(3000);
        SpamSplitter.Result a = SpamSplitter.split(examples);
        List<SpamExample> shuffled = new ArrayList<>(examples);
        Collections.shuffle(shuffled, new Random(1));
        SpamSplitter.Result b = SpamSplitter.split(shuffled);
        assertEquals(a.splits(), b.splits());
        assertEquals(3000, a.get(Split.TRAIN).size() + a.get(Split.DEV).size() + a.get(Split.TEST).size());
        assertTrue(Math.abs(a.get(Split.TRAIN).size() - 2400) < 90, "train " + a.get(Split.TRAIN).size());
        assertTrue(Math.abs(a.get(Split.DEV).size() - 300) < 60, "dev " + a.get(Split.DEV).size());
        assertTrue(Math.abs(a.get(Split.TEST).size() - 300) < 60, "test " + a.get(Split.TEST).size());
        for (Split s : Split.values()) {
            for (SpamExample e : a.get(s)) {
                assertEquals(s, SpamSplitter.assign(e.text()));
            }
        }
    }

    @Test
    void duplicatesAreKeptOnceSoNoTextOccursInTwoSplits() {
        List<SpamExample> examples = new ArrayList<>(corpus(500));
        examples.add(ex("easy-ham-2/09001", "mail number 0 from easy-ham-1"));   // copy of easy-ham-1/00000
        examples.add(ex("easy-ham-1/09002", "mail number 0 from easy-ham-1"));   // same folder, later id
        examples.add(ex("spam-2/09003", "mail number 3 from spam-1"));           // copy of spam-1/00003
        SpamSplitter.Result r = SpamSplitter.split(examples);
        Set<String> texts = new HashSet<>();
        int total = 0;
        for (Split s : Split.values()) {
            for (SpamExample e : r.get(s)) {
                assertTrue(texts.add(e.text()), "duplicate text " + e.text());
                total++;
            }
        }
        assertEquals(500, total);
        assertEquals(3, r.duplicates().size());
        for (SpamSplitter.Dropped d : r.duplicates()) {
            assertTrue(d.keptId().equals("easy-ham-1/00000") || d.keptId().equals("spam-1/00003"), d.toString());
        }
        assertTrue(r.conflicts().isEmpty());
    }

    @Test
    void identicalTextsWithDifferentLabelsAreAllDropped() {
        List<SpamExample> examples = List.of(ex("easy-ham-1/00001", "same text"), ex("spam-1/00001", "same text"),
                ex("hard-ham-1/00001", "other text"));
        SpamSplitter.Result r = SpamSplitter.split(examples);
        assertEquals(2, r.conflicts().size());
        int kept = r.get(Split.TRAIN).size() + r.get(Split.DEV).size() + r.get(Split.TEST).size();
        assertEquals(1, kept);
    }

    @Test
    void hardHamIsKeptAsHam() {
        SpamSplitter.Result r = SpamSplitter.split(corpus(200));
        long hardHam = 0;
        for (List<SpamExample> list : r.splits().values()) {
            for (SpamExample e : list) {
                if (e.folder().equals("hard-ham-1")) {
                    assertEquals(SpamExample.HAM, e.label());
                    hardHam++;
                }
            }
        }
        assertEquals(40, hardHam);
    }
}
