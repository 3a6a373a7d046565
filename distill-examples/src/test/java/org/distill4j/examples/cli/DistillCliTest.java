package org.distill4j.examples.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The command line end to end on a tiny generated task: fine-tune a small teacher, distil it into a smaller student,
 * evaluate, validate; every run folder has its config, provenance, metrics, model, results and plots; bad input
 * exits with 2 and a message that names the field.
 */
class DistillCliTest {

    private static final List<String> GOOD = List.of("good", "great", "fine", "nice", "happy", "love");
    private static final List<String> BAD = List.of("bad", "awful", "poor", "sad", "hate", "ugly");
    private static final List<String> FILLER = List.of("the", "a", "movie", "was", "and", "it", "day", "food");

    @TempDir
    Path dir;

    private record Result(int code, String out, String err) {
    }

    private Result cli(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = DistillCli.run(args, new PrintWriter(out, true), new PrintWriter(err, true));
        return new Result(code, out.toString(), err.toString());
    }

    private void writeData() throws Exception {
        List<String> vocab = new ArrayList<>(List.of("[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"));
        vocab.addAll(GOOD);
        vocab.addAll(BAD);
        vocab.addAll(FILLER);
        Files.write(dir.resolve("vocab.txt"), vocab);
        Random rng = new Random(3);
        for (String split : List.of("train", "dev", "test")) {
            int n = split.equals("train") ? 96 : 32;
            List<String> lines = new ArrayList<>(List.of("text\tlabel"));
            for (int i = 0; i < n; i++) {
                boolean positive = rng.nextBoolean();
                List<String> words = new ArrayList<>();
                for (int w = 0; w < 6; w++) {
                    words.add(FILLER.get(rng.nextInt(FILLER.size())));
                }
                words.add(rng.nextInt(words.size()), (positive ? GOOD : BAD).get(rng.nextInt(GOOD.size())));
                lines.add(String.join(" ", words) + "\t" + (positive ? "pos" : "neg"));
            }
            Files.write(dir.resolve(split + ".tsv"), lines);
        }
    }

    private Path runFile(String name, String body) throws Exception {
        String data = String.format("data: {train: %s, dev: %s, test: %s, vocab: %s, max_length: 16}%n",
                dir.resolve("train.tsv"), dir.resolve("dev.tsv"), dir.resolve("test.tsv"), dir.resolve("vocab.txt"));
        Path file = dir.resolve(name);
        Files.writeString(file, "output: " + dir.resolve(name.replace(".yaml", "")) + "\n" + data + body);
        return file;
    }

    @Test
    void fineTuneThenDistillThenEvaluate() throws Exception {
        writeData();
        Path teacherRun = runFile("teacher.yaml", """
                teacher: {config: {layers: 2, hidden: 32, heads: 2, intermediate: 64}}
                training: {num_epochs: 6, batch_size: 16, seed: 1, optimizer: {name: adamw, learning_rate: 3.0e-3}}
                """);
        Result ft = cli("fine-tune", teacherRun.toString());
        assertEquals(0, ft.code(), ft.err());
        Path teacherOut = dir.resolve("teacher");
        for (String f : List.of("config.yaml", "provenance.json", "metrics.jsonl", "results.json", "model/model.sdz",
                "plots/losses.png", "plots/evaluation.png")) {
            assertTrue(Files.isRegularFile(teacherOut.resolve(f)), f + " missing in " + teacherOut);
        }
        JsonNode teacherResults = new ObjectMapper().readTree(teacherOut.resolve("results.json").toFile());
        double teacherAccuracy = teacherResults.path("test").path("accuracy").asDouble();
        assertTrue(teacherAccuracy > 0.9, "the teacher learns the keyword task: " + teacherResults);

        Path studentRun = runFile("student.yaml", String.format("""
                teacher: {model: %s}
                student: {size: {layers: 1, hidden: 32, heads: 2, intermediate: 64}, init_from_teacher_layers: [1]}
                distiller: general
                training: {num_epochs: 6, batch_size: 16, seed: 2, optimizer: {name: adamw, learning_rate: 3.0e-3}}
                distillation: {temperature: 4, hard_label_weight: 1}
                """, teacherOut.resolve("model")));
        Result d = cli("distill", studentRun.toString(), "--set", "training.num_epochs=8");
        assertEquals(0, d.code(), d.err());
        JsonNode results = new ObjectMapper().readTree(dir.resolve("student/results.json").toFile());
        assertTrue(results.path("test").path("accuracy").asDouble() > 0.8, results.toString());
        assertEquals(teacherAccuracy, results.path("teacher_test").path("accuracy").asDouble(), 1e-9);
        assertTrue(results.path("parameters").asLong() < results.path("teacher_parameters").asLong(), results.toString());
        assertTrue(Files.readString(dir.resolve("student/config.yaml")).contains("num_epochs: 8"), "overrides are recorded");
        for (String plot : List.of("losses.png", "evaluation.png", "comparison.png", "speed.png")) {
            assertTrue(Files.size(dir.resolve("student/plots").resolve(plot)) > 1000, plot);
        }
        JsonNode provenance = new ObjectMapper().readTree(dir.resolve("student/provenance.json").toFile());
        assertEquals(64, provenance.path("sha256").path(dir.resolve("train.tsv").toString()).asText().length());
        assertEquals(org.distill4j.core.Versions.distill4j(), provenance.path("distill4j").asText());
        assertTrue(provenance.path("nd4j").asText().startsWith("1."), provenance.toString());

        // A transfer set with three rows in four unlabelled: KD learns from all of them, the hard labels from the rest
        List<String> transfer = new ArrayList<>(Files.readAllLines(dir.resolve("train.tsv")));
        for (int i = 1; i < transfer.size(); i++) {
            if (i % 4 != 0) {
                transfer.set(i, transfer.get(i).substring(0, transfer.get(i).indexOf('\t') + 1));
            }
        }
        Files.write(dir.resolve("transfer.tsv"), transfer);
        Path semiRun = runFile("semi.yaml", String.format("""
                teacher: {model: %s}
                student: {size: {layers: 1, hidden: 32, heads: 2, intermediate: 64}}
                distiller: general
                training: {num_epochs: 8, batch_size: 16, seed: 2, optimizer: {name: adamw, learning_rate: 3.0e-3}}
                distillation: {temperature: 1, hard_label_weight: 1}
                """, teacherOut.resolve("model")));
        String transferData = "--set=data.train=" + dir.resolve("transfer.tsv");
        Result strict = cli("distill", semiRun.toString(), transferData);
        assertEquals(2, strict.code(), strict.err());
        assertTrue(strict.err().contains("transfer.tsv line 2") && strict.err().contains("data.allow_unlabelled"), strict.err());
        Result semi = cli("distill", semiRun.toString(), transferData, "--set", "data.allow_unlabelled=true");
        assertEquals(0, semi.code(), semi.err());
        JsonNode semiResults = new ObjectMapper().readTree(dir.resolve("semi/results.json").toFile());
        assertTrue(semiResults.path("test").path("accuracy").asDouble() > 0.8, semiResults.toString());
        assertTrue(Files.readString(dir.resolve("semi/metrics.jsonl")).contains("hard_label:loss"));
        Result labelsOnly = cli("distill", semiRun.toString(), transferData, "--set", "data.allow_unlabelled=true",
                "--set", "distiller=trainer", "--set", "output=" + dir.resolve("semi-trainer"));
        assertEquals(2, labelsOnly.code(), labelsOnly.err());
        assertTrue(labelsOnly.err().contains("data.allow_unlabelled") && labelsOnly.err().contains("72 of 96 rows"),
                labelsOnly.err());

        Result ev = cli("evaluate", studentRun.toString(), "--model", dir.resolve("student/model").toString(),
                "--predictions", dir.resolve("again.tsv").toString());
        assertEquals(0, ev.code(), ev.err());
        assertTrue(ev.out().contains("accuracy"), ev.out());
        List<String> predictions = Files.readAllLines(dir.resolve("student/predictions.tsv"));
        assertEquals("index\tid\tgold\tpredicted\tp_neg\tp_pos", predictions.get(0));
        assertEquals(33, predictions.size(), "a header and the 32 test examples");
        assertEquals(predictions, Files.readAllLines(dir.resolve("again.tsv")), "evaluate writes the run's predictions");
        assertEquals(33, Files.readAllLines(dir.resolve("student/teacher_predictions.tsv")).size());

        Result compare = cli("compare", dir.resolve("student").toString(), dir.resolve("semi").toString());
        assertEquals(0, compare.code(), compare.err());
        assertTrue(compare.out().contains("| student | semi |") && compare.out().contains("McNemar p"), compare.out());
        Result odd = cli("compare", dir.resolve("student").toString(), dir.resolve("semi").toString(), teacherOut.toString());
        assertEquals(2, odd.code());
        assertTrue(odd.err().contains("pairs"), odd.err());

        Result report = cli("report", teacherOut.toString(), dir.resolve("student").toString(),
                "--plots", dir.resolve("report").toString());
        assertEquals(0, report.code(), report.err());
        String studentAccuracy = String.format(java.util.Locale.ROOT, "%.4f", results.path("test").path("accuracy").asDouble());
        assertTrue(report.out().contains("| teacher | fine-tune |") && report.out().contains("| student | KD (general) |")
                && report.out().contains(studentAccuracy), report.out());
        assertTrue(Files.size(dir.resolve("report/accuracy.png")) > 1000);
        Result notFinished = cli("report", dir.toString());
        assertEquals(2, notFinished.code());
        assertTrue(notFinished.err().contains(dir.toString()) && notFinished.err().contains("results.json"), notFinished.err());
    }

    @Test
    void badInputExitsWithTwoAndNamesTheField() throws Exception {
        writeData();
        Path run = runFile("bad.yaml", "training: {batch_size: 0}\n");
        Result r = cli("distill", run.toString());
        assertEquals(2, r.code(), r.err());
        assertTrue(r.err().contains("batch_size"), r.err());

        Path missing = runFile("missing.yaml", "teacher: {model: nowhere}\nstudent: {preset: T4-tiny}\n");
        Files.writeString(missing, Files.readString(missing).replace(dir.resolve("dev.tsv").toString(), "no-such-dev.tsv"));
        Result m = cli("distill", missing.toString());
        assertEquals(2, m.code(), m.err());
        assertTrue(m.err().contains("data.dev") && m.err().contains("no-such-dev.tsv"), m.err());

        Result set = cli("validate", runFile("ok.yaml", "").toString(), "--set", "training.batchsize=3");
        assertEquals(2, set.code());
        assertTrue(set.err().contains("batchsize") && set.err().contains("batch_size"), set.err());

        Result ok = cli("validate", runFile("ok2.yaml", "").toString(), "--set", "training.batch_size=3");
        assertEquals(0, ok.code(), ok.err());
        assertTrue(ok.out().contains("batch_size: 3") && ok.out().contains("a valid run file"), ok.out());

        Result usage = cli("no-such-command");
        assertEquals(2, usage.code());
        Result help = cli("--help");
        assertEquals(0, help.code());
        for (String c : List.of("prepare-data", "validate", "fine-tune", "distill", "evaluate", "compare", "report", "summarize", "bench", "Exit codes")) {
            assertTrue(help.out().contains(c), c + " missing from --help:\n" + help.out());
        }
    }

    @Test
    void summarizeAPreset() {
        Result r = cli("summarize", "--preset", "T4-tiny", "--vocab-size", "1000", "--depth", "1");
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("bert"), r.out());
        assertEquals(2, cli("summarize").code());
    }
}
