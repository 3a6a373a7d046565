package org.distill4j.examples.robustness;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.distill4j.examples.cli.DistillCli;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The machine's limits and the output folder: a run whose estimate exceeds the memory limit is refused before
 * training with the estimate and a batch size that fits (a child JVM with a 3 GiB limit), and a second run into a
 * folder that a running {@code distill} is writing is refused, naming the holder.
 */
class LimitsAndLocksTest {

    private static final RobustnessReport REPORT = new RobustnessReport("Limits and locks",
            "A child JVM with -Dorg.bytedeco.javacpp.maxphysicalbytes=3g and a batch whose estimate exceeds it; a second "
                    + "`distill` into the folder of a running one.");

    @TempDir
    static Path dir;

    @BeforeAll
    static void dataAndTeacher() throws Exception {
        List<String> vocab = new ArrayList<>(List.of("[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "good", "bad", "movie"));
        Files.write(dir.resolve("vocab.txt"), vocab);
        List<String> lines = new ArrayList<>(List.of("text\tlabel"));
        for (int i = 0; i < 64; i++) { // long texts: 500 word pieces each
            lines.add((i % 2 == 0 ? "good " : "bad ") + String.join(" ", Collections.nCopies(499, "movie")) + "\t"
                    + (i % 2 == 0 ? "pos" : "neg"));
        }
        Files.write(dir.resolve("train.tsv"), lines);
        StringWriter err = new StringWriter();
        int code = DistillCli.run(new String[]{"fine-tune", runFile("teacher", "teacher: {config: {layers: 1, hidden: 16, "
                        + "heads: 2, intermediate: 32}}\ntraining: {num_steps: 1, batch_size: 4, seed: 1}\n").toString()},
                new PrintWriter(new StringWriter()), new PrintWriter(err, true));
        assertEquals(0, code, err.toString());
    }

    @AfterAll
    static void report() {
        REPORT.write();
    }

    private static Path runFile(String name, String body) throws Exception {
        Path file = dir.resolve(name + ".yaml");
        Files.writeString(file, String.format("output: %s%ndata: {train: %s, vocab: %s, max_length: 512}%n%s",
                dir.resolve(name), dir.resolve("train.tsv"), dir.resolve("vocab.txt"), body));
        return file;
    }

    private static String student(int steps, int batch) {
        return String.format("teacher: {model: %s}%nstudent: {size: {layers: 4, hidden: 256, heads: 4, intermediate: 1024}}%n"
                + "training: {num_steps: %d, ckpt_steps: 1, batch_size: %d, seed: 2}%n", dir.resolve("teacher/model"), steps, batch);
    }

    @Test
    void aBatchThatWouldNotFitIsRefusedUpFrontWithTheEstimate() throws Exception {
        Path log = dir.resolve("memory.log");
        int code = ChildRun.run(log, List.of("-Xmx1g", "-Dorg.bytedeco.javacpp.maxphysicalbytes=3g"), "distill",
                runFile("memory", student(2, 64)).toString());
        String out = Files.readString(log);
        boolean ok = code == 2 && out.contains("training.batch_size: 64") && out.contains("needs about")
                && out.contains("3.00 GiB limit") && out.contains("use batch_size") && !out.contains("\tat ")
                && !Files.exists(dir.resolve("memory/checkpoints/" + org.distill4j.core.checkpoint.CheckpointIO.fileName(1)));
        String message = out.lines().filter(l -> l.startsWith("error:")).findFirst().orElse(out);
        REPORT.add("memory", "batch of 64 sequences of 512 pieces, 4x256 student, 3 GiB limit", ok, message);
        assertTrue(ok, "exit " + code + "\n" + out);
    }

    @Test
    void aSecondRunIntoTheFolderOfARunningOneIsRefused() throws Exception {
        Path run = runFile("busy", student(200, 2));
        Path log = dir.resolve("busy.log");
        Process p = ChildRun.start(log, List.of(), "distill", run.toString());
        try {
            long deadline = System.nanoTime() + 300_000_000_000L;
            while (p.isAlive() && !Files.exists(dir.resolve("busy/metrics.jsonl")) && System.nanoTime() < deadline) {
                Thread.sleep(20);
            }
            assertTrue(p.isAlive(), Files.readString(log));
            StringWriter err = new StringWriter();
            int code = DistillCli.run(new String[]{"distill", run.toString()}, new PrintWriter(new StringWriter()),
                    new PrintWriter(err, true));
            String message = err.toString().strip();
            boolean ok = code == 2 && message.contains("another run is writing") && message.contains("pid " + p.pid());
            REPORT.add("lock", "second distill into a running run's folder", ok, message);
            assertTrue(ok, "exit " + code + ": " + message);
        } finally {
            ChildRun.kill(p);
        }
    }
}
