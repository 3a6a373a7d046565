package org.distill4j.examples.robustness;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * One section of the robustness report: every case tried (bad input or injected fault), whether it passed and what
 * happened. {@link #write()} prints the count to the test output and writes {@code target/robustness/<section>.md};
 * {@code tools/robustness/report.sh} joins the sections into one file.
 */
final class RobustnessReport {

    private final String section;
    private final String intro;
    private final List<String[]> rows = new ArrayList<>();

    RobustnessReport(String section, String intro) {
        this.section = section;
        this.intro = intro;
    }

    /** Records a case; {@code outcome} is what the user saw (the error message, or the result). */
    synchronized void add(String category, String name, boolean passed, String outcome) {
        rows.add(new String[]{category, name, passed ? "passed" : "FAILED", outcome});
    }

    synchronized long passed() {
        return rows.stream().filter(r -> r[2].equals("passed")).count();
    }

    synchronized int tried() {
        return rows.size();
    }

    /** Prints "ROBUSTNESS section: N cases tried, M passed" and writes the section's table. */
    synchronized void write() {
        System.out.printf("ROBUSTNESS %s: %d cases tried, %d passed%n", section, tried(), passed());
        StringBuilder md = new StringBuilder("## " + section + "\n\n" + intro + "\n\n" + tried() + " cases tried, "
                + passed() + " passed.\n\n| category | case | result | what the user sees |\n|---|---|---|---|\n");
        for (String[] r : rows) {
            md.append("| ").append(r[0]).append(" | ").append(cell(r[1])).append(" | ").append(r[2]).append(" | ")
                    .append(cell(r[3])).append(" |\n");
        }
        try {
            Path dir = Files.createDirectories(Path.of("target", "robustness"));
            Files.writeString(dir.resolve(section.replaceAll("[^A-Za-z0-9]+", "-").toLowerCase() + ".md"), md);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String cell(String s) {
        String one = s.replace("\n", " ").replace("|", "\\|");
        return one.length() > 400 ? one.substring(0, 400) + "…" : one;
    }
}
