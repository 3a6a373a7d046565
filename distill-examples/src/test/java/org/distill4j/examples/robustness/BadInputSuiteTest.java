package org.distill4j.examples.robustness;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.Callable;
import java.util.stream.Stream;
import org.distill4j.bert.data.ConllReader;
import org.distill4j.bert.data.SquadReader;
import org.distill4j.bert.text.BertTokenizer;
import org.distill4j.bert.text.Vocabulary;
import org.distill4j.bert.weights.SafetensorsReader;
import org.distill4j.core.checkpoint.CheckpointIO;
import org.distill4j.examples.cli.DistillCli;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.io.TempDir;

/**
 * Bad input gets a clear error, before training: each case gives {@code distill} (or a reader, for formats a run file
 * does not take) one broken thing and passes when the command exits with 2, prints one message that names the file,
 * field or line and what to do, prints no stack trace, and trained nothing (no checkpoint written). Experiment files
 * are also mutated at random (seeded): every mutant must be accepted as valid or rejected that way, never crash.
 * Prints "ROBUSTNESS Bad input: N cases tried, M passed" and writes target/robustness/bad-input.md.
 */
class BadInputSuiteTest {

    private static final RobustnessReport REPORT = new RobustnessReport("Bad input",
            "Each case breaks one thing. Passed means: exit code 2, one message naming the file/field/line and the fix, "
                    + "no stack trace, nothing trained. Mutants of a valid run file must be accepted or rejected that way.");
    private static final List<String> WORDS = List.of("good", "great", "fine", "bad", "awful", "poor", "the", "a",
            "movie", "was", "and", "it");

    @TempDir
    static Path dir;
    private static int counter;

    private record Outcome(int code, String out, String err) {
    }

    @BeforeAll
    static void goodInputsAndATeacher() throws Exception {
        List<String> vocab = new ArrayList<>(List.of("[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"));
        vocab.addAll(WORDS);
        Files.write(dir.resolve("vocab.txt"), vocab);
        Random rng = new Random(4);
        for (String split : List.of("train", "dev")) {
            List<String> lines = new ArrayList<>(List.of("text\tlabel"));
            for (int i = 0; i < 48; i++) {
                boolean positive = i % 2 == 0;
                lines.add((positive ? "good" : "bad") + " " + WORDS.get(6 + rng.nextInt(6)) + " movie\t" + (positive ? "pos" : "neg"));
            }
            Files.write(dir.resolve(split + ".tsv"), lines);
        }
        Outcome ft = cli("fine-tune", runFile("teacher", "teacher: {config: {layers: 1, hidden: 16, heads: 2, intermediate: 32}}\n"
                + "training: {num_steps: 2, batch_size: 16, seed: 1}\n").toString());
        assertEquals(0, ft.code(), ft.err());
        // a teacher with three labels, for the label-count mismatch
        List<String> three = new ArrayList<>(Files.readAllLines(dir.resolve("train.tsv")));
        three.add("fine movie\tmeh");
        Files.write(dir.resolve("train3.tsv"), three);
        Outcome ft3 = cli("fine-tune", runFile("teacher3", "teacher: {config: {layers: 1, hidden: 16, heads: 2, intermediate: 32}}\n"
                + "training: {num_steps: 1, batch_size: 16, seed: 1}\n").toString().replace("x", "x"), "--set",
                "data.train=" + dir.resolve("train3.tsv"));
        assertEquals(0, ft3.code(), ft3.err());
    }

    @AfterAll
    static void report() {
        REPORT.write();
    }

    private static Outcome cli(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = DistillCli.run(args, new PrintWriter(out, true), new PrintWriter(err, true));
        return new Outcome(code, out.toString(), err.toString());
    }

    /** A run file whose output folder is dir/name; data as above unless the body overrides it. */
    private static Path runFile(String name, String body) throws Exception {
        Path file = dir.resolve(name + ".yaml");
        String data = body.contains("data:") ? "" : String.format("data: {train: %s, dev: %s, vocab: %s, max_length: 8}%n",
                dir.resolve("train.tsv"), dir.resolve("dev.tsv"), dir.resolve("vocab.txt"));
        Files.writeString(file, "output: " + dir.resolve(name) + "\n" + data + body);
        return file;
    }

    private static final String STUDENT = "teacher: {model: %s}\nstudent: {size: {layers: 1, hidden: 8, heads: 2, intermediate: 16}}\n"
            + "training: {num_steps: 4, ckpt_steps: 2, batch_size: 8, seed: 2}\n";

    private static String student() {
        return String.format(STUDENT, dir.resolve("teacher/model"));
    }

    private static String data(String train, String vocab) {
        return String.format("data: {train: %s, vocab: %s, max_length: 8}%n", train, vocab);
    }

    private static Path file(String name, String text) throws Exception {
        return Files.writeString(dir.resolve(name), text);
    }

    private static Path bytes(String name, byte[] content) throws Exception {
        return Files.write(dir.resolve(name), content);
    }

    /**
     * Runs {@code distill args} and checks the outcome: exit 2, every {@code expected} string in the message, no stack
     * trace, and no checkpoint in the run's output folder (when there is one).
     */
    private static DynamicTest cliCase(String category, String name, Callable<String[]> args, String... expected) {
        return DynamicTest.dynamicTest(category + ": " + name, () -> {
            String[] a = args.call();
            Outcome o = cli(a);
            String message = o.err().strip();
            List<String> problems = new ArrayList<>();
            if (o.code() != 2) {
                problems.add("exit code " + o.code() + " (want 2)");
            }
            for (String e : expected) {
                if (!message.contains(e)) {
                    problems.add("message lacks '" + e + "'");
                }
            }
            if (message.contains("\tat ") || message.contains("Exception in thread")) {
                problems.add("a stack trace");
            }
            if (o.out().contains("updates/s") || trainedSomething(a)) {
                problems.add("training started");
            }
            REPORT.add(category, name, problems.isEmpty(), problems.isEmpty() ? message : problems + ": " + message);
            assertTrue(problems.isEmpty(), name + ": " + problems + "\nstderr: " + o.err() + "\nstdout: " + o.out());
        });
    }

    private static boolean trainedSomething(String[] args) throws Exception {
        for (String a : args) {
            if (a.endsWith(".yaml") && Files.isRegularFile(Path.of(a))) {
                String text = Files.readString(Path.of(a));
                if (text.startsWith("output: ")) {
                    Path ckpt = Path.of(text.lines().findFirst().orElseThrow().substring(8).strip()).resolve("checkpoints");
                    try (Stream<Path> files = Files.exists(ckpt) ? Files.list(ckpt) : Stream.empty()) {
                        if (files.anyMatch(p -> p.toString().endsWith(CheckpointIO.EXTENSION))) {
                            return !a.contains("resume-");  // resume cases hold checkpoints on purpose
                        }
                    }
                }
            }
        }
        return false;
    }

    /** A case for a library call: it must throw {@code type} with every expected string in its message. */
    private static DynamicTest apiCase(String category, String name, Class<? extends Throwable> type, Callable<?> call,
                                       String... expected) {
        return DynamicTest.dynamicTest(category + ": " + name, () -> {
            List<String> problems = new ArrayList<>();
            String message = "";
            try {
                call.call();
                problems.add("no error: the bad input was accepted");
            } catch (Throwable t) {
                message = String.valueOf(t.getMessage());
                if (!type.isInstance(t)) {
                    problems.add(t.getClass().getName() + " instead of " + type.getSimpleName());
                }
                for (String e : expected) {
                    if (!message.contains(e)) {
                        problems.add("message lacks '" + e + "'");
                    }
                }
            }
            REPORT.add(category, name, problems.isEmpty(), problems.isEmpty() ? message : problems + ": " + message);
            assertTrue(problems.isEmpty(), name + ": " + problems + " " + message);
        });
    }

    private static String[] validate(String name, String body, String... more) throws Exception {
        List<String> a = new ArrayList<>(List.of("validate", runFile(name, body).toString()));
        a.addAll(List.of(more));
        return a.toArray(String[]::new);
    }

    private static String[] distill(String name, String body) throws Exception {
        return new String[]{"distill", runFile(name, body).toString()};
    }

    private static String next() {
        return "case" + (++counter);
    }

    @TestFactory
    Stream<DynamicTest> experimentFiles() {
        String cat = "experiment file";
        return Stream.of(
                cliCase(cat, "YAML syntax error (unclosed brace)", () -> validate(next(), "training: {batch_size: 16\n"),
                        "line"),
                cliCase(cat, "JSON syntax error (trailing comma)", () -> new String[]{"validate", file("bad.json",
                        "{\"output\": \"x\", \"data\": {\"train\": \"t\", \"vocab\": \"v\"},}").toString()}, "bad.json", "line"),
                cliCase(cat, "wrong type: batch_size 'many'", () -> validate(next(), "training: {batch_size: many}\n"),
                        "batch_size", "many"),
                cliCase(cat, "unknown key batchsize", () -> validate(next(), "training: {batchsize: 8}\n"), "batchsize",
                        "batch_size"),
                cliCase(cat, "out of range: batch_size 0", () -> validate(next(), "training: {batch_size: 0}\n"),
                        "batch_size"),
                cliCase(cat, "out of range: learning_rate -1", () -> validate(next(),
                        "training: {optimizer: {name: adamw, learning_rate: -1}}\n"), "learning_rate"),
                cliCase(cat, "out of range: temperature 0", () -> validate(next(), "distillation: {temperature: 0}\n"),
                        "temperature"),
                cliCase(cat, "out of range: max_length 1000", () -> validate(next(), String.format(
                        "data: {train: %s, vocab: %s, max_length: 1000}%n", dir.resolve("train.tsv"), dir.resolve("vocab.txt"))),
                        "max_length", "1000"),
                cliCase(cat, "out of range: num_epochs -1", () -> validate(next(), "training: {num_epochs: -1}\n"),
                        "num_epochs"),
                cliCase(cat, "unknown distiller", () -> validate(next(), "distiller: fancy\n"), "distiller", "fancy",
                        "general"),
                cliCase(cat, "unknown student preset", () -> distill(next(), String.format(
                        "teacher: {model: %s}%nstudent: {preset: T99}%n", dir.resolve("teacher/model"))), "T99"),
                cliCase(cat, "unknown learning-rate schedule", () -> validate(next(),
                        "training: {lr_schedule: {name: sawtooth}}\n"), "sawtooth"),
                cliCase(cat, "missing output", () -> new String[]{"validate", file("nooutput.yaml", data(
                        dir.resolve("train.tsv").toString(), dir.resolve("vocab.txt").toString())).toString(), "--as", "run"},
                        "output"),
                cliCase(cat, "missing data.train", () -> validate(next(), "data: {vocab: v.txt}\n"), "data.train"),
                cliCase(cat, "empty file", () -> new String[]{"validate", file("empty.yaml", "").toString(), "--as", "run"},
                        "empty.yaml", "the file is empty"),
                cliCase(cat, "duplicate key", () -> validate(next(), "training: {batch_size: 8}\ntraining: {seed: 1}\n"),
                        "training"),
                cliCase(cat, "--set on an unknown key", () -> validate(next(), "", "--set", "training.batchsize=3"),
                        "batchsize", "batch_size"),
                cliCase(cat, "--set with a value of the wrong type", () -> validate(next(), "", "--set",
                        "training.seed=abc"), "seed", "abc"),
                cliCase(cat, "file extension .txt", () -> new String[]{"validate", file("run.txt", "output: x\n").toString(),
                        "--as", "run"}, "run.txt", ".yaml"),
                cliCase(cat, "negative hard-label weight", () -> validate(next(), "distillation: {hard_label_weight: -0.5}\n"),
                        "hard_label_weight"));
    }

    @TestFactory
    Stream<DynamicTest> dataFiles() throws Exception {
        String cat = "data file";
        String vocab = dir.resolve("vocab.txt").toString();
        BertTokenizer tokenizer = BertTokenizer.builder(Vocabulary.load(dir.resolve("vocab.txt"))).maxLength(32).build();
        ConllReader conll = ConllReader.builder(tokenizer).columns(2).build();
        SquadReader squad = SquadReader.builder(tokenizer).maxLength(32).docStride(8).maxQueryLength(10).build();
        return Stream.of(
                cliCase(cat, "TSV without the label column", () -> validate(next(), data(file("nolabel.tsv",
                        "text\tclass\ngood movie\tpos\n").toString(), vocab)), "nolabel.tsv", "label"),
                cliCase(cat, "TSV row with a missing column", () -> validate(next(), data(file("short.tsv",
                        "text\tlabel\ngood movie\tpos\nbad movie\n").toString(), vocab)), "short.tsv", "3"),
                cliCase(cat, "TSV empty file", () -> validate(next(), data(file("empty.tsv", "").toString(), vocab)),
                        "empty.tsv"),
                cliCase(cat, "TSV header only", () -> validate(next(), data(file("header.tsv", "text\tlabel\n").toString(),
                        vocab)), "header.tsv"),
                cliCase(cat, "TSV invalid UTF-8", () -> validate(next(), data(bytes("latin1.tsv",
                        "text\tlabel\ngood movie\tpos\ncaf\u00e9 movie\tneg\n".getBytes(StandardCharsets.ISO_8859_1)).toString(),
                        vocab)), "latin1.tsv", "3", "UTF-8"),
                cliCase(cat, "dev label not in train", () -> validate(next(), String.format(
                        "data: {train: %s, dev: %s, vocab: %s}%n", dir.resolve("train.tsv"), file("dev-new.tsv",
                                "text\tlabel\ngood movie\tpos\nfine movie\tmeh\n"), vocab)), "dev-new.tsv", "meh"),
                cliCase(cat, "missing training file", () -> validate(next(), data(dir.resolve("nowhere.tsv").toString(),
                        vocab)), "data.train", "nowhere.tsv"),
                apiCase(cat, "CoNLL line with three columns", org.distill4j.bert.data.DataFormatException.class,
                        () -> conll.read(file("bad.conll", "good O\nmovie O extra\n\n")), "bad.conll", "2"),
                apiCase(cat, "CoNLL empty file", org.distill4j.bert.data.DataFormatException.class,
                        () -> conll.read(file("empty.conll", "")), "empty.conll"),
                apiCase(cat, "CoNLL invalid UTF-8", org.distill4j.bert.data.DataFormatException.class,
                        () -> conll.read(bytes("latin1.conll", "caf\u00e9 O\n\n".getBytes(StandardCharsets.ISO_8859_1))),
                        "latin1.conll", "UTF-8"),
                apiCase(cat, "SQuAD answer outside the context", org.distill4j.bert.data.DataFormatException.class,
                        () -> squad.read(file("outside.json", squadJson("good movie", "movie", 40))), "outside.json", "q1"),
                apiCase(cat, "SQuAD answer text not at its offset", org.distill4j.bert.data.DataFormatException.class,
                        () -> squad.read(file("shifted.json", squadJson("good movie", "movie", 0))), "shifted.json", "q1"),
                apiCase(cat, "SQuAD file that is not JSON", org.distill4j.bert.data.DataFormatException.class,
                        () -> squad.read(file("notjson.json", "{\"data\": [")), "notjson.json"),
                apiCase(cat, "SQuAD without a data list", org.distill4j.bert.data.DataFormatException.class,
                        () -> squad.read(file("nodata.json", "{\"version\": \"1.1\"}")), "nodata.json", "data"));
    }

    private static String squadJson(String context, String answer, int start) {
        return "{\"data\": [{\"title\": \"t\", \"paragraphs\": [{\"context\": \"" + context + "\", \"qas\": [{\"id\": \"q1\", "
                + "\"question\": \"what was good ?\", \"answers\": [{\"text\": \"" + answer + "\", \"answer_start\": " + start
                + "}]}]}]}]}";
    }

    @TestFactory
    Stream<DynamicTest> vocabularies() throws Exception {
        String cat = "vocabulary";
        List<DynamicTest> cases = new ArrayList<>();
        for (String token : List.of("[CLS]", "[SEP]", "[UNK]", "[PAD]")) {
            cases.add(cliCase(cat, "missing " + token, () -> {
                List<String> lines = new ArrayList<>(Files.readAllLines(dir.resolve("vocab.txt")));
                lines.remove(token);
                Path v = Files.write(dir.resolve("vocab-no-" + token.replaceAll("\\W", "") + ".txt"), lines);
                return validate(next(), data(dir.resolve("train.tsv").toString(), v.toString()));
            }, "vocab-no-", token));
        }
        cases.add(cliCase(cat, "empty vocabulary", () -> validate(next(), data(dir.resolve("train.tsv").toString(),
                file("vocab-empty.txt", "").toString())), "vocab-empty.txt"));
        cases.add(cliCase(cat, "a piece listed twice", () -> validate(next(), data(dir.resolve("train.tsv").toString(),
                file("vocab-dup.txt", String.join("\n", Files.readAllLines(dir.resolve("vocab.txt"))) + "\ngood\n").toString())),
                "vocab-dup.txt", "good"));
        return cases.stream();
    }

    @TestFactory
    Stream<DynamicTest> modelsAndCheckpoints() {
        String cat = "teacher, checkpoint, weights";
        return Stream.of(
                cliCase(cat, "teacher with another label count", () -> distill(next(), String.format(STUDENT,
                        dir.resolve("teacher3/model"))), "teacher.model", "3 labels", "2"),
                cliCase(cat, "teacher with another vocabulary", () -> {
                    List<String> bigger = new ArrayList<>(Files.readAllLines(dir.resolve("vocab.txt")));
                    bigger.addAll(List.of("extra", "pieces"));
                    Path v = Files.write(dir.resolve("vocab-bigger.txt"), bigger);
                    return distill(next(), student() + data(dir.resolve("train.tsv").toString(), v.toString()));
                }, "data.vocab", "19 word pieces", "17"),
                cliCase(cat, "teacher folder missing", () -> distill(next(), String.format(STUDENT, dir.resolve("nowhere"))),
                        "teacher.model", "nowhere"),
                cliCase(cat, "teacher folder without model.sdz", () -> {
                    Files.createDirectories(dir.resolve("hollow"));
                    return distill(next(), String.format(STUDENT, dir.resolve("hollow")));
                }, "hollow", "model.sdz"),
                cliCase(cat, "teacher model.sdz truncated", () -> distill(next(), String.format(STUDENT,
                        brokenTeacher("truncated-teacher", true))), "truncated-teacher", "export the model again"),
                cliCase(cat, "teacher model.sdz overwritten with garbage", () -> distill(next(), String.format(STUDENT,
                        brokenTeacher("garbage-teacher", false))), "garbage-teacher", "export the model again"),
                cliCase(cat, "checkpoint truncated", () -> resumeCase("truncated", c -> Files.write(c,
                        java.util.Arrays.copyOf(Files.readAllBytes(c), (int) Files.size(c) / 2))), "truncated", ".d4jckpt",
                        "--fresh"),
                cliCase(cat, "checkpoint with a flipped byte (SHA-256)", () -> resumeCase("flipped", c -> flipArrayByte(c)),
                        "SHA-256", "corrupted"),
                cliCase(cat, "checkpoint of another format version", () -> resumeCase("version", c -> rewriteManifest(c)),
                        "format version 99"),
                cliCase(cat, "checkpoint that is not a zip", () -> resumeCase("notzip", c -> Files.writeString(c,
                        "not a checkpoint")), "not a zip"),
                cliCase(cat, "checkpoint of another configuration", () -> {
                    String[] a = resumeCase("config", c -> { });
                    return new String[]{a[0], a[1], "--set", "training.optimizer.learning_rate=0.5"};
                }, "another configuration", "--fresh"),
                cliCase(cat, "checkpoint of a student with other shapes", () -> {
                    String[] a = resumeCase("shapes", c -> { });
                    return new String[]{a[0], a[1], "--set", "student.size.hidden=16"};
                }, "shape", "--fresh"),
                cliCase(cat, "TensorFlow checkpoint that is not one", () -> new String[]{"fine-tune", runFile(next(),
                        "teacher: {config: {layers: 1, hidden: 16, heads: 2, intermediate: 32}, tf_checkpoint: "
                                + file("fake.index", "garbage") + "}\n").toString()}, "fake"),
                apiCase(cat, "safetensors file truncated", java.io.IOException.class,
                        () -> SafetensorsReader.open(bytes("cut.safetensors", new byte[]{24, 0, 0, 0, 0, 0, 0, 0, '{'})),
                        "cut.safetensors"),
                apiCase(cat, "safetensors header that is not JSON", java.io.IOException.class,
                        () -> SafetensorsReader.open(bytes("garbled.safetensors", safetensorsHeader("{not json}"))),
                        "garbled.safetensors"),
                apiCase(cat, "safetensors tensor beyond the end of the file", java.io.IOException.class, () ->
                        SafetensorsReader.open(bytes("short.safetensors", safetensorsHeader(
                                "{\"w\":{\"dtype\":\"F32\",\"shape\":[4],\"data_offsets\":[0,16]}}"))).read("w"),
                        "short.safetensors"));
    }

    private static byte[] safetensorsHeader(String json) {
        byte[] h = json.getBytes(StandardCharsets.UTF_8);
        java.nio.ByteBuffer b = java.nio.ByteBuffer.allocate(8 + h.length).order(java.nio.ByteOrder.LITTLE_ENDIAN);
        b.putLong(h.length).put(h);
        return b.array();
    }

    private static Path brokenTeacher(String name, boolean truncate) throws Exception {
        Path folder = dir.resolve(name);
        Files.createDirectories(folder);
        for (String f : List.of("model.sdz", "adaptor.json")) {
            Files.copy(dir.resolve("teacher/model").resolve(f), folder.resolve(f), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        }
        Path sdz = folder.resolve("model.sdz");
        byte[] all = Files.readAllBytes(sdz);
        Files.write(sdz, truncate ? java.util.Arrays.copyOf(all, all.length / 3) : "garbage".getBytes(StandardCharsets.UTF_8));
        return folder;
    }

    private interface FileEdit {
        void apply(Path checkpoint) throws Exception;
    }

    /** Trains dir/resume-NAME (4 updates), damages its latest checkpoint, and returns the command that resumes it. */
    private static String[] resumeCase(String name, FileEdit damage) throws Exception {
        Path run = runFile("resume-" + name, student());
        Outcome first = cli("distill", run.toString());
        assertEquals(0, first.code(), first.err());
        damage.apply(CheckpointIO.latest(dir.resolve("resume-" + name).resolve("checkpoints")).orElseThrow());
        return new String[]{"distill", run.toString()};
    }

    private static void flipArrayByte(Path checkpoint) throws Exception {
        byte[] all = Files.readAllBytes(checkpoint);
        all[all.length / 2] ^= 0x10; // inside the data of the largest array, the word embeddings
        if (indexOf(all, "NUMPY".getBytes(StandardCharsets.US_ASCII)) > all.length / 2) {
            throw new IllegalStateException("the middle of the file is not array data");
        }
        Files.write(checkpoint, all);
    }

    private static int indexOf(byte[] haystack, byte[] needle) {
        outer:
        for (int i = 0; i <= haystack.length - needle.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (haystack[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return i;
        }
        throw new IllegalStateException("not found");
    }

    private static void rewriteManifest(Path checkpoint) throws Exception {
        Path copy = checkpoint.resolveSibling("rewritten.zip");
        try (java.util.zip.ZipFile in = new java.util.zip.ZipFile(checkpoint.toFile());
             java.util.zip.ZipOutputStream out = new java.util.zip.ZipOutputStream(Files.newOutputStream(copy))) {
            for (var e : java.util.Collections.list(in.entries())) {
                byte[] content = in.getInputStream(e).readAllBytes();
                if (e.getName().equals("manifest.json")) {
                    content = new String(content, StandardCharsets.UTF_8).replace("\"format_version\" : 1",
                            "\"format_version\" : 99").getBytes(StandardCharsets.UTF_8);
                }
                out.putNextEntry(new java.util.zip.ZipEntry(e.getName()));
                out.write(content);
                out.closeEntry();
            }
        }
        Files.move(copy, checkpoint, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    }

    /**
     * Random mutations of a valid run file, in YAML and in JSON: a character deleted, inserted or replaced, a line
     * dropped or repeated, a value swapped for another type or an extreme number, a key renamed. Each mutant must be
     * accepted as valid (exit 0) or rejected with a message (exit 2) that names the file or a field, without a stack
     * trace.
     */
    @TestFactory
    Stream<DynamicTest> randomMutations() throws Exception {
        String yaml = String.format("""
                output: %s
                data: {train: %s, dev: %s, vocab: %s, max_length: 8}
                teacher: {model: %s}
                student: {size: {layers: 1, hidden: 8, heads: 2, intermediate: 16}}
                training: {num_epochs: 2, batch_size: 8, seed: 2, max_grad_norm: 1.0, optimizer: {name: adamw, learning_rate: 0.001}}
                distillation: {temperature: 4, hard_label_weight: 0.5, kd_loss_type: ce}
                """, dir.resolve("mutant"), dir.resolve("train.tsv"), dir.resolve("dev.tsv"), dir.resolve("vocab.txt"),
                dir.resolve("teacher/model"));
        String json = new com.fasterxml.jackson.databind.ObjectMapper().writerWithDefaultPrettyPrinter().writeValueAsString(
                new com.fasterxml.jackson.databind.ObjectMapper(new com.fasterxml.jackson.dataformat.yaml.YAMLFactory()).readTree(yaml));
        Random rng = new Random(77);
        List<DynamicTest> cases = new ArrayList<>();
        for (int i = 0; i < 150; i++) {
            boolean asJson = i % 3 == 2;
            String mutant = mutate(asJson ? json : yaml, rng);
            String fileName = "mutant-" + i + (asJson ? ".json" : ".yaml");
            int n = i;
            cases.add(DynamicTest.dynamicTest("mutation " + i, () -> {
                Path f = file(fileName, mutant);
                Outcome o = cli("validate", f.toString(), "--as", "run");
                String message = o.err().strip();
                boolean stack = message.contains("\tat ") || message.contains("Exception in thread");
                boolean ok = o.code() == 0 ? o.out().contains("a valid run file")
                        : o.code() == 2 && !stack && message.startsWith("error: ") && message.length() > 20
                        && (message.contains(fileName) || message.matches("(?s)error: [a-z_.\\[\\]0-9]+: .*"));
                REPORT.add("random mutation", (asJson ? "JSON" : "YAML") + " mutant " + n, ok,
                        o.code() == 0 ? "accepted as valid" : "exit " + o.code() + ": " + message);
                assertTrue(ok, "mutant " + n + " exit " + o.code() + ":\n" + mutant + "\nstderr: " + o.err());
            }));
        }
        return cases.stream();
    }

    /** [start, end) of the first group of every match of {@code regex} in {@code line}. */
    private static List<int[]> spans(String regex, String line) {
        java.util.regex.Matcher m = java.util.regex.Pattern.compile(regex).matcher(line);
        List<int[]> spans = new ArrayList<>();
        while (m.find()) {
            spans.add(new int[]{m.start(1), m.end(1)});
        }
        return spans;
    }

    private static final List<String> REPLACEMENTS = List.of("-1", "0", "1e309", "-0.0", "abc", "null", "[1, 2]", "{a: 1}",
            "true", "99999999999", "\"\"", "NaN", "0.5");

    private static String mutate(String text, Random rng) {
        List<String> lines = new ArrayList<>(text.lines().toList());
        int line = rng.nextInt(lines.size());
        String l = lines.get(line);
        switch (rng.nextInt(6)) {
            case 0 -> { // delete a character
                int at = rng.nextInt(Math.max(1, l.length()));
                lines.set(line, l.isEmpty() ? l : l.substring(0, at) + l.substring(Math.min(l.length(), at + 1)));
            }
            case 1 -> { // insert a structural or odd character
                String odd = ":{}[],\"'#-\t\u00e9";
                String c = String.valueOf(odd.charAt(rng.nextInt(odd.length())));
                int at = rng.nextInt(l.length() + 1);
                lines.set(line, l.substring(0, at) + c + l.substring(at));
            }
            case 2 -> lines.remove(line);
            case 3 -> lines.add(line, l);
            case 4 -> { // swap a value (after a colon) for another type or an extreme
                List<int[]> spans = spans(":\\s*([^,{}\\[\\]\\s][^,{}\\]]*)", l);
                if (!spans.isEmpty()) {
                    int[] s = spans.get(rng.nextInt(spans.size()));
                    lines.set(line, l.substring(0, s[0]) + REPLACEMENTS.get(rng.nextInt(REPLACEMENTS.size())) + l.substring(s[1]));
                }
            }
            default -> { // rename a key
                List<int[]> spans = spans("([a-z_]+)\"?\\s*:", l);
                if (!spans.isEmpty()) {
                    int[] s = spans.get(rng.nextInt(spans.size()));
                    lines.set(line, l.substring(0, s[0]) + l.substring(s[0], s[1]) + "x" + l.substring(s[1]));
                }
            }
        }
        return String.join("\n", lines) + "\n";
    }
}
