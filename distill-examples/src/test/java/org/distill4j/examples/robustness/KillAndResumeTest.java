package org.distill4j.examples.robustness;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.stream.Stream;
import org.distill4j.core.checkpoint.CheckpointIO;
import org.distill4j.examples.ExampleData;
import org.distill4j.examples.cli.DistillCli;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Faults that must lose nothing: {@code distill} runs in a child JVM that is killed with SIGKILL at random points of
 * training, and at the moment a checkpoint file is being written; the same command run again resumes from the last
 * complete checkpoint and ends with bit-identical weights to a run that was never interrupted. The student uses
 * 10000 pieces of BERT's vocabulary, so a checkpoint (weights and Adam state) is about 8 MB and its write takes long
 * enough to be caught in the act.
 */
class KillAndResumeTest {

    private static final List<String> GOOD = List.of("good", "great", "fine", "nice", "happy", "love");
    private static final List<String> BAD = List.of("bad", "awful", "poor", "sad", "hate", "ugly");
    private static final List<String> FILLER = List.of("the", "a", "movie", "was", "and", "it", "day", "food");
    private static final int STEPS = 24;
    private static final RobustnessReport REPORT = new RobustnessReport("Faults: SIGKILL and resume",
            "`distill` in a child JVM, killed with SIGKILL (`Process.destroyForcibly`), then run again with the same "
                    + "command. Passed means: the restart resumed from the last complete checkpoint and the final "
                    + "weights are bit-identical to an uninterrupted run's (" + STEPS + " updates, a checkpoint every 4).");

    @TempDir
    static Path dir;
    private static Map<String, INDArray> reference;

    @BeforeAll
    static void teacherAndUninterruptedRun() throws Exception {
        // BERT's first 10000 pieces (all the words below are among them): checkpoints of about 8 MB
        List<String> vocab = Files.readAllLines(ExampleData.bertVocabulary(dir.resolve("bert-vocab.txt")));
        Files.write(dir.resolve("vocab.txt"), vocab.subList(0, 10000));
        Random rng = new Random(11);
        List<String> lines = new ArrayList<>(List.of("text\tlabel"));
        for (int i = 0; i < 96; i++) {
            boolean positive = rng.nextBoolean();
            List<String> words = new ArrayList<>();
            for (int w = 0; w < 10; w++) {
                words.add(FILLER.get(rng.nextInt(FILLER.size())));
            }
            words.add(rng.nextInt(words.size()), (positive ? GOOD : BAD).get(rng.nextInt(GOOD.size())));
            lines.add(String.join(" ", words) + "\t" + (positive ? "pos" : "neg"));
        }
        Files.write(dir.resolve("train.tsv"), lines);
        Path teacherRun = runFile("teacher", "teacher: {config: {layers: 1, hidden: 32, heads: 2, intermediate: 64}}\n"
                + "training: {num_epochs: 1, batch_size: 16, seed: 1}\n");
        StringWriter err = new StringWriter();
        int code = DistillCli.run(new String[]{"fine-tune", teacherRun.toString()}, new PrintWriter(new StringWriter()),
                new PrintWriter(err, true));
        assertEquals(0, code, err.toString());

        Path log = dir.resolve("reference.log");
        long start = System.nanoTime();
        assertEquals(0, ChildRun.run(log, List.of(), "distill", studentRun("reference").toString()), Files.readString(log));
        System.out.printf("uninterrupted run in a child JVM: %.1f s%n", (System.nanoTime() - start) / 1e9);
        reference = finalWeights("reference");
    }

    @AfterAll
    static void report() {
        REPORT.write();
    }

    private static Path runFile(String name, String body) throws Exception {
        Path file = dir.resolve(name + ".yaml");
        Files.writeString(file, String.format("output: %s%ndata: {train: %s, vocab: %s, max_length: 24}%n%s",
                dir.resolve(name), dir.resolve("train.tsv"), dir.resolve("vocab.txt"), body));
        return file;
    }

    private static Path studentRun(String name) throws Exception {
        return runFile(name, String.format("""
                teacher: {model: %s}
                student: {size: {layers: 2, hidden: 64, heads: 2, intermediate: 128}}
                training: {num_steps: %d, ckpt_steps: 4, batch_size: 16, seed: 3, optimizer: {name: adamw, learning_rate: 1.0e-3}}
                distillation: {temperature: 4, hard_label_weight: 0.5}
                """, dir.resolve("teacher/model"), STEPS));
    }

    private static Map<String, INDArray> finalWeights(String run) {
        Path last = CheckpointIO.latest(dir.resolve(run).resolve("checkpoints")).orElseThrow();
        assertEquals(CheckpointIO.fileName(STEPS), last.getFileName().toString());
        return CheckpointIO.read(last).parameters();
    }

    private static String compareWithReference(String run) {
        Map<String, INDArray> actual = finalWeights(run);
        assertEquals(reference.keySet(), actual.keySet());
        for (String name : reference.keySet()) {
            if (!reference.get(name).equals(actual.get(name))) {
                return "weights differ from the uninterrupted run's in " + name;
            }
        }
        return null;
    }

    /** The last update the run's metrics file records after byte {@code from} (this process's part), or -1. */
    private static long stepsLogged(Path metrics, long from) throws Exception {
        if (!Files.exists(metrics)) {
            return -1;
        }
        long max = -1;
        byte[] all = Files.readAllBytes(metrics);
        String tail = new String(all, (int) Math.min(from, all.length), (int) Math.max(0, all.length - from),
                java.nio.charset.StandardCharsets.UTF_8);
        for (String line : tail.split("\n")) {
            if (line.contains("\"event\":\"step\"")) {
                try {
                    max = Math.max(max, new ObjectMapper().readTree(line).path("step").asLong());
                } catch (com.fasterxml.jackson.core.JacksonException torn) {
                    // the line being written when the process died
                }
            }
        }
        return max;
    }

    private static Optional<Path> partialFile(Path checkpoints) throws Exception {
        if (!Files.isDirectory(checkpoints)) {
            return Optional.empty();
        }
        try (Stream<Path> files = Files.list(checkpoints)) {
            return files.filter(p -> p.getFileName().toString().endsWith(".partial")).findFirst();
        }
    }

    @Test
    void killedAtRandomPointsOfTrainingThenRestartedEndsWithTheSameWeights() throws Exception {
        Path run = studentRun("killed");
        Path metrics = dir.resolve("killed/metrics.jsonl");
        Path log = dir.resolve("killed.log");
        Random rng = new Random(2026);
        List<String> kills = new ArrayList<>();
        for (int k = 0; k < 3; k++) {
            long from = Files.exists(metrics) ? Files.size(metrics) : 0;
            long resumedAt = CheckpointIO.latest(dir.resolve("killed/checkpoints"))
                    .map(f -> CheckpointIO.read(f).state().step()).orElse(0L);
            long target = resumedAt + 1 + rng.nextInt(5); // kill once this run has logged this update...
            int extraMillis = rng.nextInt(60);              // ...plus a little, to land anywhere inside the next one
            Process p = ChildRun.start(log, List.of(), "distill", run.toString());
            long deadline = System.nanoTime() + 300_000_000_000L;
            while (p.isAlive() && stepsLogged(metrics, from) < target && System.nanoTime() < deadline) {
                Thread.sleep(5);
            }
            Thread.sleep(extraMillis);
            if (!p.isAlive()) {
                kills.add("the run ended before update " + target);
                continue;
            }
            ChildRun.kill(p);
            Optional<Path> partial = partialFile(dir.resolve("killed/checkpoints"));
            kills.add("after update " + stepsLogged(metrics, from) + " (+" + extraMillis + " ms)" + (partial.isPresent()
                    ? ", during a checkpoint write" : ""));
        }
        int code = ChildRun.run(log, List.of(), "distill", run.toString());
        String difference = code == 0 ? compareWithReference("killed") : "the restart failed with exit code " + code;
        assertTrue(Files.readString(log).contains("resuming from"), "the restart resumed: " + Files.readString(log));
        for (String line : Files.readAllLines(metrics)) {
            new ObjectMapper().readTree(line); // a line torn by a kill is dropped, not glued to the next run's
        }
        REPORT.add("SIGKILL during training", "3 kills at seeded random points: " + String.join("; ", kills),
                difference == null, difference == null ? "resumed each time; final weights identical" : difference);
        assertEquals(null, difference);
    }

    @Test
    void killedWhileWritingACheckpointResumesFromThePreviousOne() throws Exception {
        Path run = studentRun("killed-in-write");
        Path checkpoints = dir.resolve("killed-in-write/checkpoints");
        Path log = dir.resolve("killed-in-write.log");
        String caught = null;
        for (int attempt = 0; attempt < 5 && caught == null; attempt++) {
            Process p = ChildRun.start(log, List.of(), "distill", run.toString());
            Optional<Path> partial = Optional.empty();
            while (p.isAlive() && partial.isEmpty()) {
                // armed once a complete checkpoint exists, so the kill hits a write that has a predecessor
                partial = CheckpointIO.latest(checkpoints).isPresent() ? partialFile(checkpoints) : Optional.empty();
            }
            if (partial.isEmpty()) {
                continue; // the run ended first; try again (it resumes at its last checkpoint)
            }
            ChildRun.kill(p);
            if (Files.exists(partial.get())) {
                caught = partial.get().getFileName().toString();
            }
        }
        assertTrue(caught != null, "no kill landed inside a checkpoint write in 5 attempts");
        long lastComplete = CheckpointIO.latest(checkpoints).map(f -> CheckpointIO.read(f).state().step()).orElse(0L);
        int code = ChildRun.run(log, List.of(), "distill", run.toString());
        String difference = code == 0 ? compareWithReference("killed-in-write") : "the restart failed with exit code " + code;
        assertTrue(partialFile(checkpoints).isEmpty(), "the unfinished write was cleaned up");
        REPORT.add("SIGKILL during a checkpoint write", "killed while " + caught + " was being written",
                difference == null, difference == null ? "the half-written file was ignored and removed; resumed from "
                        + "step " + lastComplete + "; final weights identical" : difference);
        assertEquals(null, difference);
    }
}
