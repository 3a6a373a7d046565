package org.distill4j.examples.run;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.distill4j.core.config.ConfigException;
import org.distill4j.core.metrics.McNemar;

/**
 * Two runs scored on the same test examples, compared example by example from their {@code predictions.tsv}: how
 * many each gets right, how many only one of them gets right, and the exact McNemar p-value of the difference. On a
 * test split of a few hundred examples, a gap of a few examples between two runs is often chance; this says how
 * often. {@code distill compare} prints it.
 *
 * @param nameA    the first run (its folder's name)
 * @param nameB    the second run
 * @param examples test examples both were scored on
 * @param correctA examples the first gets right
 * @param correctB examples the second gets right
 * @param onlyA    examples only the first gets right
 * @param onlyB    examples only the second gets right
 * @param pValue   exact two-sided McNemar p-value in (0, 1]
 */
public record PairedComparison(String nameA, String nameB, int examples, int correctA, int correctB, int onlyA,
                               int onlyB, double pValue) {

    /** Accuracy of the first run in [0, 1]. */
    public double accuracyA() {
        return (double) correctA / examples;
    }

    /** Accuracy of the second run in [0, 1]. */
    public double accuracyB() {
        return (double) correctB / examples;
    }

    /** Accuracy of the first minus the second, in points (percent). */
    public double differencePoints() {
        return 100.0 * (correctA - correctB) / examples;
    }

    /**
     * Compares two runs.
     *
     * @param a a run folder (its predictions.tsv is read) or a predictions file
     * @param b the same for the second run
     * @throws ConfigException when a file is missing or the two were not scored on the same examples (different
     *                         count, or a different gold label at some index), naming the files and the index
     */
    public static PairedComparison of(Path a, Path b) throws IOException {
        List<String[]> rowsA = read(a);
        List<String[]> rowsB = read(b);
        if (rowsA.size() != rowsB.size()) {
            throw new ConfigException("RUN_DIR", a + " and " + b, "runs scored on the same test split; they have "
                    + rowsA.size() + " and " + rowsB.size() + " predictions");
        }
        int correctA = 0;
        int correctB = 0;
        int onlyA = 0;
        int onlyB = 0;
        for (int i = 0; i < rowsA.size(); i++) {
            String[] x = rowsA.get(i);
            String[] y = rowsB.get(i);
            if (!x[0].equals(y[0]) || !x[2].equals(y[2])) {
                throw new ConfigException("RUN_DIR", a + " and " + b, "runs scored on the same test split; row "
                        + (i + 1) + " is example " + x[0] + " (gold " + x[2] + ") in one and " + y[0] + " (gold " + y[2]
                        + ") in the other");
            }
            boolean rightA = x[3].equals(x[2]);
            boolean rightB = y[3].equals(y[2]);
            correctA += rightA ? 1 : 0;
            correctB += rightB ? 1 : 0;
            onlyA += rightA && !rightB ? 1 : 0;
            onlyB += rightB && !rightA ? 1 : 0;
        }
        return new PairedComparison(name(a), name(b), rowsA.size(), correctA, correctB, onlyA, onlyB,
                McNemar.exactPValue(onlyA, onlyB));
    }

    private static String name(Path p) {
        return Files.isDirectory(p) ? p.getFileName().toString() : p.toString();
    }

    /** The rows of a predictions file as [index, id, gold, predicted, ...], header and blank lines dropped. */
    private static List<String[]> read(Path runOrFile) throws IOException {
        Path file = Files.isDirectory(runOrFile) ? runOrFile.resolve(TaskRun.PREDICTIONS) : runOrFile;
        if (!Files.isRegularFile(file)) {
            throw new ConfigException("RUN_DIR", runOrFile.toString(), "a finished run folder with "
                    + TaskRun.PREDICTIONS + " (or such a file); for a run without one, write it with: distill evaluate "
                    + "RUN_FILE --model RUN_DIR/model --predictions RUN_DIR/" + TaskRun.PREDICTIONS);
        }
        List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        if (lines.isEmpty() || !lines.get(0).startsWith("index\tid\tgold\tpredicted")) {
            throw new ConfigException("RUN_DIR", file.toString(), "a predictions file whose header starts with "
                    + "index, id, gold, predicted");
        }
        List<String[]> rows = new ArrayList<>();
        for (int i = 1; i < lines.size(); i++) {
            if (lines.get(i).isBlank()) {
                continue;
            }
            String[] f = lines.get(i).split("\t", -1);
            if (f.length < 4) {
                throw new ConfigException("RUN_DIR", file + " line " + (i + 1), "4 or more tab-separated columns");
            }
            rows.add(f);
        }
        return rows;
    }

    /**
     * A Markdown table, one row per pair; with two or more pairs (e.g. one per seed), a line with the mean and sample
     * standard deviation of the difference and how many pairs the first run wins, ties and loses.
     */
    public static String markdown(List<PairedComparison> pairs) {
        StringBuilder sb = new StringBuilder();
        sb.append("| A | B | accuracy A | accuracy B | A - B (points) | only A right | only B right | McNemar p |\n");
        sb.append("|---|---|---|---|---|---|---|---|\n");
        for (PairedComparison p : pairs) {
            sb.append(String.format(Locale.ROOT, "| %s | %s | %.4f | %.4f | %+.2f | %d | %d | %.3g |%n", p.nameA(),
                    p.nameB(), p.accuracyA(), p.accuracyB(), p.differencePoints(), p.onlyA(), p.onlyB(), p.pValue()));
        }
        if (pairs.size() >= 2) {
            double mean = pairs.stream().mapToDouble(PairedComparison::differencePoints).average().orElse(0);
            double ss = pairs.stream().mapToDouble(p -> (p.differencePoints() - mean) * (p.differencePoints() - mean)).sum();
            double sd = Math.sqrt(ss / (pairs.size() - 1));
            long wins = pairs.stream().filter(p -> p.correctA() > p.correctB()).count();
            long ties = pairs.stream().filter(p -> p.correctA() == p.correctB()).count();
            double meanA = pairs.stream().mapToDouble(PairedComparison::accuracyA).average().orElse(0);
            double meanB = pairs.stream().mapToDouble(PairedComparison::accuracyB).average().orElse(0);
            sb.append(String.format(Locale.ROOT, "%nOver %d pairs: mean accuracy A %.4f, B %.4f; A - B = %+.2f points "
                    + "(sample sd %.2f); A ahead in %d, tied in %d, behind in %d.%n", pairs.size(), meanA, meanB, mean, sd,
                    wins, ties, pairs.size() - wins - ties));
        }
        return sb.toString();
    }
}
