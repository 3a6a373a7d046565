package org.distill4j.examples.run;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.distill4j.core.config.ConfigException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** RunReport on hand-written run folders: the figures, the teacher row, resumed segments' time, and errors. */
class RunReportTest {

    @TempDir
    Path dir;

    private Path run(String name, String results, String... metricsLines) throws Exception {
        Path folder = Files.createDirectories(dir.resolve(name));
        Files.writeString(folder.resolve("results.json"), results);
        Files.write(folder.resolve("metrics.jsonl"), List.of(metricsLines));
        return folder;
    }

    @Test
    void tableHasTheTeacherThenEachRunWithItsFigures() throws Exception {
        Path kd = run("t4-kd", """
                {"kind": "distill", "steps": 360, "parameters": 14350874,
                 "test": {"examples": 571, "accuracy": 0.8879159369527145, "f1_spam": 0.7922077922077922,
                          "macro_f1": 0.85, "samples_per_s": 112.979},
                 "teacher_test": {"examples": 571, "accuracy": 0.9632224168126094, "f1_spam": 0.9394812680115274,
                          "samples_per_s": 10.4437},
                 "teacher_parameters": 109483778}""",
                // two segments (killed after step 2, resumed): 20 s + 400 s; the torn line is not there
                "{\"event\":\"run_start\",\"step\":0,\"time\":1000000}",
                "{\"event\":\"step\",\"step\":1,\"time\":1010000}",
                "{\"event\":\"step\",\"step\":2,\"time\":1020000}",
                "{\"event\":\"run_start\",\"step\":2,\"time\":5000000}",
                "{\"event\":\"step\",\"step\":3,\"time\":5300000}",
                "{\"event\":\"run_end\",\"step\":360,\"time\":5400000}");
        Path nokd = run("t4-nokd", """
                {"kind": "distill", "steps": 360, "parameters": 14350874,
                 "test": {"examples": 571, "accuracy": 0.6935, "f1_spam": 0.0, "samples_per_s": 0.5}}""",
                "{\"event\":\"run_start\",\"step\":0,\"time\":0}",
                "{\"event\":\"run_end\",\"step\":360,\"time\":3722000}");
        Files.writeString(kd.resolve("config.yaml"), "output: t4-kd\ndistiller: general\n");
        Files.writeString(nokd.resolve("config.yaml"), "output: t4-nokd\ndistiller: trainer\n");
        RunReport report = RunReport.of(List.of(kd, nokd));
        assertEquals(3, report.rows().size());
        assertEquals("teacher of t4-kd", report.rows().get(0).name());
        assertEquals(420.0, report.rows().get(1).trainingSeconds(), 1e-9);
        String[] lines = report.markdown().split("\\n");
        assertEquals("| run | kind | parameters | accuracy | spam F1 | samples/s | updates | training time |", lines[0]);
        assertEquals("| teacher of t4-kd | teacher | 109.5 M | 0.9632 | 0.9395 | 10.4 | - | - |", lines[2]);
        assertEquals("| t4-kd | KD (general) | 14.4 M | 0.8879 | 0.7922 | 113 | 360 | 7 min 0 s |", lines[3]);
        assertEquals("| t4-nokd | labels only (trainer) | 14.4 M | 0.6935 | 0.0000 | 0.500 | 360 | 1 h 2 min |", lines[4]);
    }

    @Test
    void aFineTuneRunIsItsOwnTeacherRow() throws Exception {
        Path teacher = run("bert-base", """
                {"kind": "fine-tune", "steps": 120, "parameters": 109483778,
                 "test": {"accuracy": 0.9632, "f1_spam": 0.9395, "samples_per_s": 10.37}}""");
        Path student = run("t3", """
                {"kind": "distill", "steps": 240, "parameters": 45000000,
                 "test": {"accuracy": 0.95, "f1_spam": 0.92, "samples_per_s": 40},
                 "teacher_test": {"accuracy": 0.9632, "f1_spam": 0.9395, "samples_per_s": 10.4}}""");
        RunReport report = RunReport.of(List.of(teacher, student));
        assertEquals(List.of("bert-base", "t3"), report.rows().stream().map(RunReport.Row::name).toList());
        assertEquals("-", RunReport.duration(Double.NaN), "no metrics file: unknown time");
        assertTrue(Double.isNaN(report.rows().get(0).trainingSeconds()), "no run_start in its metrics: time unknown");
        assertTrue(report.markdown().contains("| bert-base | fine-tune | 109.5 M | 0.9632 | 0.9395 | 10.4 | 120 | - |"),
                report.markdown());
    }

    @Test
    void anUnfinishedRunIsNamed() throws Exception {
        Path empty = Files.createDirectories(dir.resolve("half-done"));
        ConfigException e = assertThrows(ConfigException.class, () -> RunReport.of(List.of(empty)));
        assertTrue(e.getMessage().contains("half-done") && e.getMessage().contains("results.json"), e.getMessage());
        Path noTest = run("no-test", "{\"kind\": \"distill\", \"steps\": 3, \"parameters\": 10}");
        ConfigException t = assertThrows(ConfigException.class, () -> RunReport.of(List.of(noTest)));
        assertTrue(t.getMessage().contains("data.test"), t.getMessage());
    }

    @Test
    void durations() {
        assertEquals("59 s", RunReport.duration(59.4));
        assertEquals("7 min 0 s", RunReport.duration(420));
        assertEquals("1 h 0 min", RunReport.duration(3600));
    }
}
