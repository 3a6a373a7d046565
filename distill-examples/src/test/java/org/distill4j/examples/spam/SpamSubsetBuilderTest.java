package org.distill4j.examples.spam;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The subset keeps split membership, is stratified by folder, and has no duplicate cut texts. */
class SpamSubsetBuilderTest {

    private static Map<Split, List<SpamExample>> full() {
        Map<Split, List<SpamExample>> full = new EnumMap<>(Split.class);
        int n = 0;
        for (Split s : Split.values()) {
            List<SpamExample> list = new ArrayList<>();
            int size = s == Split.TRAIN ? 800 : 200;
            for (int i = 0; i < size; i++, n++) {
                // 60% easy-ham-1, 10% hard-ham-1, 30% spam-2
                String folder = i % 10 < 6 ? "easy-ham-1" : i % 10 == 6 ? "hard-ham-1" : "spam-2";
                // texts share their first 20 chars in pairs, so cutting to 20 chars creates duplicates
                String text = String.format("%s %08d", s.id(), n / 2) + " tail " + n;
                list.add(new SpamExample(folder + "/" + String.format("%05d", n), SpamAssassinCorpus.labelOf(folder),
                        folder, text));
            }
            full.put(s, list);
        }
        return full;
    }

    @Test
    void subsetSplitsComeFromTheSameFullSplitsProportionallyByFolder() {
        Map<Split, List<SpamExample>> full = full();
        Map<Split, Integer> sizes = Map.of(Split.TRAIN, 100, Split.DEV, 30, Split.TEST, 30);
        Map<Split, List<SpamExample>> subset = SpamSubsetBuilder.build(full, sizes, 20);
        Set<String> texts = new HashSet<>();
        for (Split s : Split.values()) {
            Set<String> fullIds = new HashSet<>();
            full.get(s).forEach(e -> fullIds.add(e.id()));
            List<SpamExample> rows = subset.get(s);
            assertEquals(sizes.get(s), rows.size(), s.id());
            for (SpamExample e : rows) {
                assertTrue(fullIds.contains(e.id()), "from the same split: " + e.id());
                assertTrue(e.text().length() <= 20);
                assertTrue(texts.add(e.text()), "no duplicate cut text " + e.text());
            }
        }
        long hard = subset.get(Split.TRAIN).stream().filter(e -> e.folder().equals("hard-ham-1")).count();
        long spam = subset.get(Split.TRAIN).stream().filter(e -> e.label().equals(SpamExample.SPAM)).count();
        assertEquals(10, hard);
        assertEquals(30, spam);
        assertEquals(subset, SpamSubsetBuilder.build(full, sizes, 20), "deterministic");
    }

    @Test
    void largestRemaindersFillTheQuota() {
        Map<String, List<SpamExample>> byFolder = new java.util.LinkedHashMap<>();
        byFolder.put("a", new ArrayList<>(java.util.Collections.nCopies(1, null)));
        byFolder.put("b", new ArrayList<>(java.util.Collections.nCopies(1, null)));
        byFolder.put("c", new ArrayList<>(java.util.Collections.nCopies(1, null)));
        Map<String, Integer> q = SpamSubsetBuilder.quotas(byFolder, 2);
        assertEquals(2, q.values().stream().mapToInt(Integer::intValue).sum());
        assertEquals(Map.of("a", 1, "b", 1, "c", 0), q, "ties go to the first folder");
    }
}
