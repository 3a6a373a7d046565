package org.distill4j.examples.run;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.distill4j.core.config.ConfigException;

/**
 * Compares finished runs: one row per run folder (and one for the teacher of the first distillation run), read from
 * the files each run wrote ({@code results.json}, {@code metrics.jsonl}, {@code config.yaml}), as a Markdown table and,
 * optionally, bar charts. The README's result tables are printed by this, not typed.
 *
 * <pre>{@code
 * bin/distill report runs/spam/bert-base-1in5 runs/spam/t3-kd-1in5 runs/spam/t3-nokd-1in5 --plots runs/spam/report
 * }</pre>
 */
public final class RunReport {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final ObjectMapper YAML = new ObjectMapper(new com.fasterxml.jackson.dataformat.yaml.YAMLFactory());

    /**
     * One model's figures on the test split.
     *
     * @param name           the run folder's name (or "teacher of NAME")
     * @param kind           fine-tune, teacher, or how a distill run trained: "KD (general)", "KD (basic)",
     *                       "labels only (trainer)" (from its config.yaml; "distill" without one)
     * @param parameters     trainable parameters
     * @param accuracy       test accuracy in [0, 1]
     * @param f1             F1 of the second label (e.g. spam) in [0, 1], or NaN when the task is not binary
     * @param f1Label        the label that F1 is about, e.g. "spam" (null when not binary)
     * @param samplesPerS    test-split inference speed, examples per second (batches of 64)
     * @param updates        optimizer updates of the run (0 for a teacher row)
     * @param trainingSeconds seconds from run_start to run_end in metrics.jsonl, summed over resumed segments
     *                       (NaN for a teacher row or without metrics): training and the dev evaluations, not loading or the test
     */
    public record Row(String name, String kind, long parameters, double accuracy, double f1, String f1Label,
                      double samplesPerS, long updates, double trainingSeconds) {
    }

    private final List<Row> rows;

    private RunReport(List<Row> rows) {
        this.rows = List.copyOf(rows);
    }

    /** The rows, teacher first when a distillation run is among the folders. */
    public List<Row> rows() {
        return rows;
    }

    /**
     * Reads finished run folders.
     *
     * @throws ConfigException when a folder has no results.json (the run has not finished), naming the folder
     */
    public static RunReport of(List<Path> runFolders) throws IOException {
        if (runFolders.isEmpty()) {
            throw new ConfigException("runs", "none", "give one or more run folders (each with a results.json)");
        }
        List<Row> rows = new ArrayList<>();
        Row teacher = null;
        for (Path folder : runFolders) {
            Path resultsFile = folder.resolve("results.json");
            if (!Files.isRegularFile(resultsFile)) {
                throw new ConfigException("runs", folder.toString(), "a finished run folder with results.json; "
                        + "this one has none (the run has not finished, or it is not a run folder)");
            }
            JsonNode results = JSON.readTree(resultsFile.toFile());
            JsonNode test = results.path("test");
            if (test.isMissingNode()) {
                throw new ConfigException("runs", folder.toString(), "a run with a test split (data.test); "
                        + resultsFile + " has no test figures");
            }
            String name = folder.getFileName().toString();
            rows.add(row(name, kind(results.path("kind").asText(), folder.resolve("config.yaml")), results.path("parameters").asLong(), test,
                    results.path("steps").asLong(), trainingSeconds(folder.resolve("metrics.jsonl"))));
            if (teacher == null && results.has("teacher_test")) {
                teacher = row("teacher of " + name, "teacher", results.path("teacher_parameters").asLong(),
                        results.path("teacher_test"), 0, Double.NaN);
            }
        }
        if (teacher != null && rows.stream().noneMatch(r -> r.kind().equals("fine-tune"))) {
            rows.add(0, teacher);
        }
        return new RunReport(rows);
    }

    /** fine-tune, or for distill runs the distiller from config.yaml: "KD (general)", "labels only (trainer)". */
    private static String kind(String kind, Path config) throws IOException {
        if (!kind.equals("distill") || !Files.isRegularFile(config)) {
            return kind;
        }
        String distiller = YAML.readTree(config.toFile()).path("distiller").asText("general");
        return distiller.equals("trainer") ? "labels only (trainer)" : "KD (" + distiller + ")";
    }

    private static Row row(String name, String kind, long parameters, JsonNode test, long updates, double seconds) {
        double f1 = Double.NaN;
        String f1Label = null;
        for (Iterator<String> it = test.fieldNames(); it.hasNext(); ) {
            String k = it.next();
            if (k.startsWith("f1_")) {
                f1Label = k.substring(3);
                f1 = test.path(k).asDouble();
            }
        }
        return new Row(name, kind, parameters, test.path("accuracy").asDouble(), f1, f1Label,
                test.path("samples_per_s").asDouble(), updates, seconds);
    }

    /** Seconds between each run_start and the last event before the next run_start (or the end), summed. */
    static double trainingSeconds(Path metricsFile) throws IOException {
        if (!Files.isRegularFile(metricsFile)) {
            return Double.NaN;
        }
        long total = 0;
        long start = -1;
        long last = -1;
        for (String line : Files.readAllLines(metricsFile, StandardCharsets.UTF_8)) {
            if (line.isBlank()) {
                continue;
            }
            JsonNode e = JSON.readTree(line);
            long time = e.path("time").asLong();
            if (e.path("event").asText().equals("run_start")) {
                if (start >= 0) {
                    total += last - start;
                }
                start = time;
            }
            last = time;
        }
        if (start < 0) {
            return Double.NaN; // no run_start: not a training run's metrics
        }
        total += last - start;
        return total / 1000.0;
    }

    /** The rows as a Markdown table; accuracy and F1 to 4 places, speed to 3 significant figures. */
    public String markdown() {
        String f1Label = rows.stream().map(Row::f1Label).filter(l -> l != null).findFirst().orElse("-");
        StringBuilder sb = new StringBuilder();
        sb.append("| run | kind | parameters | accuracy | ").append(f1Label).append(" F1 | samples/s | updates | training time |\n");
        sb.append("|---|---|---|---|---|---|---|---|\n");
        for (Row r : rows) {
            sb.append("| ").append(r.name()).append(" | ").append(r.kind())
                    .append(" | ").append(String.format(Locale.ROOT, "%.1f M", r.parameters() / 1e6))
                    .append(" | ").append(String.format(Locale.ROOT, "%.4f", r.accuracy()))
                    .append(" | ").append(Double.isNaN(r.f1()) ? "-" : String.format(Locale.ROOT, "%.4f", r.f1()))
                    .append(" | ").append(threeFigures(r.samplesPerS()))
                    .append(" | ").append(r.kind().equals("teacher") ? "-" : Long.toString(r.updates()))
                    .append(" | ").append(duration(r.trainingSeconds())).append(" |\n");
        }
        return sb.toString();
    }

    /** Writes accuracy.png (accuracy and F1 per run) and speed.png (samples/s per run) into {@code folder}. */
    public List<Path> plots(Path folder) throws IOException {
        Map<String, Map<String, Double>> quality = new LinkedHashMap<>();
        Map<String, Map<String, Double>> speed = new LinkedHashMap<>();
        for (Row r : rows) {
            Map<String, Double> q = new LinkedHashMap<>();
            q.put("accuracy", r.accuracy());
            if (!Double.isNaN(r.f1())) {
                q.put(r.f1Label() + " F1", r.f1());
            }
            quality.put(r.name(), q);
            speed.put(r.name(), Map.of("samples/s", r.samplesPerS()));
        }
        return List.of(RunPlots.comparison("Test split", quality, folder.resolve("accuracy.png")),
                RunPlots.comparison("Inference speed on the test split", speed, folder.resolve("speed.png")));
    }

    private static String threeFigures(double v) {
        if (!(v > 0) || Double.isInfinite(v)) {
            return "-";
        }
        int decimals = Math.max(0, 2 - (int) Math.floor(Math.log10(v)));
        return String.format(Locale.ROOT, "%." + decimals + "f", v);
    }

    /** 0 s, 59 s, 7 min 0 s, 1 h 2 min; "-" when unknown. */
    static String duration(double seconds) {
        if (Double.isNaN(seconds)) {
            return "-";
        }
        long s = Math.round(seconds);
        if (s < 60) {
            return s + " s";
        }
        if (s < 3600) {
            return (s / 60) + " min " + (s % 60) + " s";
        }
        return (s / 3600) + " h " + (s % 3600 / 60) + " min";
    }
}
