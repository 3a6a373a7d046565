package org.distill4j.examples.run;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.distill4j.core.config.ConfigException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Paired comparison of two runs' predictions, on hand-counted files. */
class PairedComparisonTest {

    @TempDir
    Path dir;

    /** A run folder whose predictions.tsv has these gold labels and predictions. */
    private Path run(String name, String gold, String predicted) throws Exception {
        Path folder = Files.createDirectories(dir.resolve(name));
        List<String> lines = new ArrayList<>(List.of("index\tid\tgold\tpredicted\tp_ham\tp_spam"));
        for (int i = 0; i < gold.length(); i++) {
            String g = gold.charAt(i) == 's' ? "spam" : "ham";
            String p = predicted.charAt(i) == 's' ? "spam" : "ham";
            lines.add(i + "\ttest.tsv:" + (i + 2) + "\t" + g + "\t" + p + "\t0.5\t0.5");
        }
        Files.write(folder.resolve(TaskRun.PREDICTIONS), lines);
        return folder;
    }

    @Test
    void countsTheExamplesOnlyOneRunGetsRight() throws Exception {
        String gold = "sshhsshhsshh";
        // A is right on examples 1-10 and wrong on 11, 12; B is right on 1-4 only
        Path a = run("kd", gold, "sshhsshhssss");
        Path b = run("twin", gold, "sshhhhsshhss");
        PairedComparison p = PairedComparison.of(a, b);
        assertEquals(12, p.examples());
        assertEquals(10, p.correctA());
        assertEquals(4, p.correctB());
        assertEquals(6, p.onlyA());
        assertEquals(0, p.onlyB());
        assertEquals(50.0, p.differencePoints(), 1e-12);
        assertEquals(0.03125, p.pValue(), 1e-15, "SciPy's binomtest(0, 6, 0.5), tools/stats");
        String table = PairedComparison.markdown(List.of(p));
        assertTrue(table.contains("| kd | twin | 0.8333 | 0.3333 | +50.00 | 6 | 0 | 0.0313 |"), table);
        assertTrue(!table.contains("Over"), "one pair: no summary line");

        PairedComparison reversed = PairedComparison.of(b, a);
        assertEquals(-50.0, reversed.differencePoints(), 1e-12);
        String two = PairedComparison.markdown(List.of(p, reversed, PairedComparison.of(a, a)));
        // differences +50, -50, 0: mean 0, sample sd 50
        assertTrue(two.contains("Over 3 pairs: mean accuracy A 0.6667, B 0.6667; A - B = +0.00 points (sample sd 50.00); "
                + "A ahead in 1, tied in 1, behind in 1."), two);
    }

    @Test
    void runsScoredOnDifferentExamplesAreRejected() throws Exception {
        Path a = run("a", "shsh", "shsh");
        ConfigException count = assertThrows(ConfigException.class, () -> PairedComparison.of(a, run("b", "shs", "shs")));
        assertTrue(count.getMessage().contains("4 and 3 predictions"), count.getMessage());
        ConfigException gold = assertThrows(ConfigException.class, () -> PairedComparison.of(a, run("c", "shhh", "shsh")));
        assertTrue(gold.getMessage().contains("row 3") && gold.getMessage().contains("gold spam"), gold.getMessage());
        ConfigException missing = assertThrows(ConfigException.class,
                () -> PairedComparison.of(a, Files.createDirectories(dir.resolve("old-run"))));
        assertTrue(missing.getMessage().contains("old-run") && missing.getMessage().contains("distill evaluate"),
                missing.getMessage());
    }
}
