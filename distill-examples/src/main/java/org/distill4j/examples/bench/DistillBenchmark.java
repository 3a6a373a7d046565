package org.distill4j.examples.bench;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.distill4j.bert.model.BertConfig;
import org.distill4j.bert.model.BertHead;
import org.distill4j.bert.model.BertModel;
import org.distill4j.core.config.DistillationConfig;
import org.distill4j.core.config.IntermediateMatch;
import org.distill4j.core.config.OptimizerConfig;
import org.distill4j.core.config.ProjectionSpec;
import org.distill4j.core.config.ScheduleConfig;
import org.distill4j.core.config.TrainingConfig;
import org.distill4j.core.data.Batch;
import org.distill4j.core.data.InMemoryExamples;
import org.distill4j.core.graph.ArrayRecycling;
import org.distill4j.core.graph.ModelGraph;
import org.distill4j.core.listener.TrainingListener;
import org.distill4j.core.train.GeneralDistiller;
import org.distill4j.core.train.NativeThreadSettings;
import org.distill4j.core.train.StepLosses;
import org.distill4j.core.train.TrainingContext;
import org.nd4j.autodiff.listeners.BaseListener;
import org.nd4j.autodiff.listeners.Operation;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The standard distillation benchmark ({@code /work/shared/bench/README.md}) run through Distill4j's real training
 * loop, optionally followed by the PyTorch reference {@code tools/bench/bench_torch.py} with the same sizes.
 *
 * <h2>What it builds</h2>
 * A teacher and a student {@link BertModel} (sequence-classification head, dropout 0, random N(0, 0.02) weights:
 * speed does not depend on the values) from the {@code --teacher-*} / {@code --student-*} sizes, and an
 * {@link InMemoryExamples} set of {@code (warmup + steps) * batch} examples: random token ids in
 * {@code [0, vocab)}, token types 0, attention mask all ones, labels {@code i % labels}. Each example set is
 * exactly {@code warmup + steps} full batches, so one epoch is {@code warmup + steps} updates.
 *
 * <h2>What it measures, and how</h2>
 * <ol>
 *   <li><b>full_step_samples_per_s</b>: a {@link GeneralDistiller} with KD cross-entropy at temperature 8 (weight
 *       1), the student's hard-label cross-entropy (weight 1) and one {@code hidden_mse} match per {@code --matches}
 *       pair {@code t:s} (teacher hidden state t against student hidden state s, 0 = embedding output), each
 *       through its own linear projection {@code student_hidden -> teacher_hidden}, weight 1; Adam (no weight
 *       decay) at learning rate 1e-4, constant schedule, no clipping ({@code max_grad_norm -1}), checkpoints only
 *       at the end of the run (step mode, no {@code ckpt_steps}) into a temporary folder that is deleted
 *       afterwards. {@link GeneralDistiller#train} runs {@code warmup + steps} updates; a
 *       {@link TrainingListener} takes {@link System#nanoTime()} at {@code onStepStart} and {@code onStepEnd}
 *       (the loop calls them around one whole update: batch assembly, teacher forward, student forward and
 *       backward, embedding-gradient scatter, gradient norm, Adam, loss bookkeeping; the checkpoint comes after
 *       {@code onStepEnd} of the last step and is not timed). The first {@code warmup} steps are dropped;
 *       figure = batch / median seconds of the rest. With {@code --overlap-teacher true} (the default, as the
 *       library's {@code training.overlap_teacher}) the teacher's forward pass of step n + 1 runs on the loop's
 *       teacher thread during step n, so a step's time holds the student's work and whatever of the teacher's it
 *       waits for; {@code false} runs them one after the other, as the PyTorch reference does.</li>
 *   <li><b>cached_step_samples_per_s</b>: the same with {@code is_caching_logits: true} (in memory) for two
 *       epochs ({@code 2 * (warmup + steps)} updates). Only steps whose epoch, read from the loop's
 *       {@link TrainingContext#state()} at {@code onStepStart}, is 1 count, again without their first
 *       {@code warmup}. A SameDiff listener on the teacher's graph counts its inference calls per step, so the run
 *       fails if the teacher ran during a timed step (cache misses) or never ran in epoch 0.</li>
 *   <li><b>student_inference_samples_per_s</b> / <b>teacher_inference_samples_per_s</b>:
 *       {@link ModelGraph#output} of the logits on one batch ({@code warmup} untimed calls, then the median of
 *       {@code steps}); the student is the trained one ({@link GeneralDistiller#trainedModel()}, a graph without
 *       losses or projections). Includes building the feeds (embedding-row copy) as a user call does.</li>
 *   <li><b>full_step_peak_rss_mib</b>: {@code VmHWM} read right after the full-step run: the high-water mark through
 *       the JVM's start, the models' building and the full steps. The cached run after it keeps the teacher's
 *       outputs for the whole data set in memory (at the standard sizes 528 examples, about 400 MiB), where
 *       bench_torch.py's cached step reuses one batch's, so this is the figure to set against the reference's peak
 *       and against the need below.</li>
 *   <li><b>peak_rss_mib</b>: {@code VmHWM} from {@code /proc/self/status}: the high-water mark of the whole JVM
 *       (heap, ND4J's off-heap buffers, native libraries), read after the measurements above and before the SGEMM
 *       ceiling (whose three n x n matrices would otherwise count). The resident size right after ND4J started,
 *       before any model existed, is printed on stderr for comparison, and so is the resident size after every
 *       step. ND4J releases a native buffer only when the garbage collector has collected its Java object, and the
 *       loop's Java heap churn is small, so without a limit the resident size grows step after step (by about
 *       1.6 GiB per standard-size step; the JVM was killed at 24 GiB on a 24 GiB machine). The figure therefore
 *       depends on JavaCPP's {@code -Dorg.bytedeco.javacpp.maxphysicalbytes} (past it, JavaCPP runs System.gc()),
 *       which {@code run-benchmark.sh} sets; {@code --gc-between-steps true} (a diagnostic, off by default) calls
 *       System.gc() after each step's clock stopped, which shows the working set instead.</li>
 *   <li><b>needed_mib</b>: what one step needs at the least, 4 bytes per float of
 *       <pre>
 *   4 * (P_student + P_proj)                  weights, gradients, Adam m and v
 * + P_teacher                                 frozen weights
 * + A                                         activations of one batch, with B = batch, L = seq:
 *   A = layers_s * (B*L*(8*Hs + 2*Fs) + B*heads_s*L*L)   per student layer kept for backward: layer input, Q, K,
 *                                                        V, context, attention-LN input and output, FFN-LN input
 *                                                        (8 H); FFN inner before and after GELU (2 F); softmax
 *                                                        probabilities (heads L^2)
 *     + 3*B*L*Hs                                         embedding sum, LN input and output
 *     + matches * B*L*(Hs + 2*Ht)                        projection input, output, difference
 *     + distinct_teacher_layers * B*L*Ht + B*labels      teacher outputs fed to the student graph
 *     + B*L*(2*Ht + Ft) + B*heads_t*L*L                  the largest live teacher-layer tensors
 *     + B*L*(2*Hs + Fs) + B*heads_s*L*L                  the largest live activation gradients
 *       </pre>
 *       No JVM, library or allocator overhead: a floor, for the target {@code peak <= 1.5 x need}.</li>
 *   <li><b>step_gflop</b>: per encoder layer forward {@code 2BL(4H^2 + 2HF) + 4BL^2H}; teacher forward
 *       {@code layers_t} of those plus pooler and classifier {@code 2BH^2 + 2BH*labels}; student forward and
 *       backward 3 x (its layers + pooler and classifier); each match's projection {@code 3 * 2BL*Hs*Ht}.
 *       Embeddings, layer norms, softmax, GELU, losses and the optimizer are not counted.
 *       <b>achieved_gflops</b> = step_gflop / median full-step seconds.</li>
 *   <li><b>sgemm_ceiling_gflops</b>: {@code Nd4j.gemm} of two float32 {@code n x n} matrices
 *       ({@code --sgemm-size}, default 4096) into a preallocated result, {@code 2 n^3} flops, median of 5 after 1
 *       warm-up.</li>
 * </ol>
 * Then, unless {@code --torch none} or the script is missing, {@code <torch> tools/bench/bench_torch.py} runs from
 * the repository root ({@code --repo-root}, default the working directory) as a subprocess with the same size
 * options and {@code --threads}, after the Java measurements so they do not compete for cores; its
 * {@code key value} lines are echoed with the prefix {@code torch.}. If it fails, stderr says so and the run goes on.
 * With {@code --textbrewer <checkout>} (a copy of TextBrewer's source; not part of this project, see
 * tools/bench/RUNNING.md), {@code tools/bench/bench_textbrewer.py} then runs the same step through TextBrewer's own
 * {@code GeneralDistiller} twice: in this process's environment ({@code textbrewer.*}) and without
 * {@code OMP_WAIT_POLICY} and {@code OPENBLAS_THREAD_TIMEOUT} ({@code textbrewer_torch_defaults.*}: PyTorch's own
 * thread-wait defaults, as TextBrewer runs unless its user sets them).
 *
 * <h2>Output</h2>
 * stdout holds only {@code key value} lines: full_step_samples_per_s, cached_step_samples_per_s,
 * student_inference_samples_per_s, teacher_inference_samples_per_s, full_step_peak_rss_mib, peak_rss_mib, needed_mib,
 * step_gflop, achieved_gflops, sgemm_ceiling_gflops, with {@code --profile true} loop_overhead_fraction (the share of the
 * full step in which no op of either graph and no optimizer update runs), then {@code torch.*},
 * ratio_full_step_vs_torch (only with torch figures), with {@code --textbrewer} {@code textbrewer.*},
 * ratio_full_step_vs_textbrewer, {@code textbrewer_torch_defaults.*} and ratio_full_step_vs_textbrewer_torch_defaults,
 * then ratio_cached_vs_uncached and fraction_of_sgemm_ceiling. Progress, diagnostics (step-time breakdown,
 * parameter counts, teacher calls) and library logging go to stderr (lines of the benchmark start with '#').
 *
 * <p>Options ({@code --key=value} or {@code --key value}, defaults = the standard benchmark): see {@link #usage()}.
 * ND4J's thread count comes from {@code OMP_NUM_THREADS}, which must be set before the JVM starts
 * ({@code tools/bench/run-benchmark.sh} does); {@code --threads} (default: that variable, else 2) is passed to the
 * PyTorch script.
 */
public final class DistillBenchmark {

    private static final Map<String, String> DEFAULTS = new LinkedHashMap<>();

    static {
        DEFAULTS.put("teacher-layers", "6");
        DEFAULTS.put("teacher-hidden", "384");
        DEFAULTS.put("teacher-heads", "6");
        DEFAULTS.put("teacher-ffn", "1536");
        DEFAULTS.put("student-layers", "3");
        DEFAULTS.put("student-hidden", "256");
        DEFAULTS.put("student-heads", "4");
        DEFAULTS.put("student-ffn", "1024");
        DEFAULTS.put("vocab", "8000");
        DEFAULTS.put("positions", "128");
        DEFAULTS.put("labels", "2");
        DEFAULTS.put("batch", "16");
        DEFAULTS.put("seq", "128");
        DEFAULTS.put("warmup", "3");
        DEFAULTS.put("steps", "30"); // the standard asks at least 10; the JVM compiles hot code during the first ~15
        DEFAULTS.put("matches", "0:0,2:1,4:2,6:3");
        DEFAULTS.put("seed", "1");
        DEFAULTS.put("torch", "/usr/bin/python3");
        DEFAULTS.put("threads", System.getenv().getOrDefault("OMP_NUM_THREADS", "2"));
        DEFAULTS.put("sgemm-size", "4096");
        DEFAULTS.put("repo-root", ".");
        DEFAULTS.put("gc-between-steps", "false");
        DEFAULTS.put("profile", "true");
        DEFAULTS.put("overlap-teacher", "true"); // training.overlap_teacher: the teacher forward on a second thread
        DEFAULTS.put("textbrewer", "none"); // a TextBrewer checkout: its own GeneralDistiller runs the step too
    }

    /** The options passed on to bench_torch.py (same names there). */
    private static final List<String> TORCH_OPTIONS = List.of("teacher-layers", "teacher-hidden", "teacher-heads",
            "teacher-ffn", "student-layers", "student-hidden", "student-heads", "student-ffn", "vocab", "positions",
            "labels", "batch", "seq", "warmup", "steps", "matches", "seed", "threads");

    private final Map<String, String> opts;
    private final int tLayers, tHidden, tHeads, tFfn, sLayers, sHidden, sHeads, sFfn;
    private final int vocab, positions, labels, batch, seq, warmup, steps, sgemmSize;
    private final long seed;
    private final boolean gcBetweenSteps;
    private final boolean overlapTeacher;
    private final boolean profile;
    private final int[][] matches;
    /** The directory to run TextBrewer from (a checkout of its source), or null for {@code --textbrewer none}. */
    private final Path textbrewer;
    private final PrintStream out;
    private final PrintStream err = System.err;

    DistillBenchmark(Map<String, String> opts, PrintStream out) {
        this.opts = opts;
        this.out = out;
        tLayers = positiveInt("teacher-layers");
        tHidden = positiveInt("teacher-hidden");
        tHeads = positiveInt("teacher-heads");
        tFfn = positiveInt("teacher-ffn");
        sLayers = positiveInt("student-layers");
        sHidden = positiveInt("student-hidden");
        sHeads = positiveInt("student-heads");
        sFfn = positiveInt("student-ffn");
        vocab = positiveInt("vocab");
        positions = positiveInt("positions");
        labels = positiveInt("labels");
        batch = positiveInt("batch");
        seq = positiveInt("seq");
        warmup = intOption("warmup");
        steps = positiveInt("steps");
        sgemmSize = positiveInt("sgemm-size");
        positiveInt("threads");
        seed = Long.parseLong(opts.get("seed"));
        gcBetweenSteps = booleanOption("gc-between-steps");
        overlapTeacher = booleanOption("overlap-teacher");
        profile = booleanOption("profile");
        if (warmup < 0) {
            throw new IllegalArgumentException("--warmup must be >= 0");
        }
        if (seq > positions) {
            throw new IllegalArgumentException("--seq " + seq + " exceeds --positions " + positions);
        }
        if (labels < 2) {
            throw new IllegalArgumentException("--labels must be >= 2 (labels are i % labels)");
        }
        matches = parseMatches(opts.get("matches"));
        textbrewer = textBrewerCheckout(opts.get("textbrewer"), opts.get("torch"));
    }

    /**
     * {@code --textbrewer}: null for {@code none}, else a directory with TextBrewer's package where
     * bench_textbrewer.py looks for it ({@code src/textbrewer}, {@code textbrewer} or the package itself); checked
     * before any model is built.
     */
    static Path textBrewerCheckout(String value, String python) {
        if (value.equals("none")) {
            return null;
        }
        if (python.equalsIgnoreCase("none")) {
            throw new IllegalArgumentException("--textbrewer " + value + " runs TextBrewer with the --torch "
                    + "interpreter, so it cannot be combined with --torch none");
        }
        Path dir = Path.of(value).toAbsolutePath().normalize();
        List<Path> candidates = new ArrayList<>(List.of(dir.resolve("src"), dir));
        if (dir.getParent() != null) {
            candidates.add(dir.getParent());
        }
        for (Path c : candidates) {
            if (Files.isRegularFile(c.resolve("textbrewer/__init__.py"))) {
                return dir;
            }
        }
        throw new IllegalArgumentException("--textbrewer " + value + ": no textbrewer/__init__.py in " + dir.resolve("src")
                + ", " + dir + " or its parent; expected a checkout of https://github.com/airaria/TextBrewer, or none");
    }

    /**
     * Runs the benchmark; results on stdout as {@code key value} lines, everything else on stderr.
     *
     * @param args options, {@code --key=value} or {@code --key value}; {@code --help} lists them with defaults
     * @throws IOException if the temporary output folder cannot be created
     */
    public static void main(String[] args) throws IOException {
        // Results alone on stdout: the start-up lines (memory limits, ND4J CPU build, a thread-settings hint) and
        // anything the libraries print through System.out go to stderr.
        PrintStream stdout = System.out;
        System.setOut(System.err);
        org.distill4j.examples.ExampleRuntime.start(); // before ND4J loads
        Map<String, String> opts;
        try {
            opts = parseArgs(args);
        } catch (IllegalArgumentException e) {
            System.err.println("error: " + e.getMessage());
            System.err.println(usage());
            System.exit(2);
            return;
        }
        if (opts == null) {
            stdout.println(usage());
            return;
        }
        DistillBenchmark bench;
        try {
            bench = new DistillBenchmark(opts, stdout);
        } catch (IllegalArgumentException e) {
            System.err.println("error: " + e.getMessage());
            System.err.println(usage());
            System.exit(2);
            return;
        }
        bench.run();
        stdout.flush();
        System.exit(0); // ND4J leaves non-daemon threads behind
    }

    /** The option list with defaults. */
    static String usage() {
        StringBuilder b = new StringBuilder("usage: DistillBenchmark [--key=value | --key value]...\noptions (default):\n");
        DEFAULTS.forEach((k, v) -> b.append(String.format(Locale.ROOT, "  --%-15s %s%n", k, v)));
        b.append("  --torch none skips the PyTorch reference; --threads is passed to it (ND4J reads OMP_NUM_THREADS)\n");
        b.append("  --textbrewer PATH (a TextBrewer source checkout) also runs the step through TextBrewer's GeneralDistiller");
        return b.toString();
    }

    /** Options over the defaults; null when help was asked for. */
    static Map<String, String> parseArgs(String[] args) {
        Map<String, String> opts = new LinkedHashMap<>(DEFAULTS);
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            if (a.equals("-h") || a.equals("--help")) {
                return null;
            }
            if (!a.startsWith("--") || a.length() == 2) {
                throw new IllegalArgumentException("unexpected argument '" + a + "'");
            }
            String key;
            String value;
            int eq = a.indexOf('=');
            if (eq >= 0) {
                key = a.substring(2, eq);
                value = a.substring(eq + 1);
            } else {
                key = a.substring(2);
                if (i + 1 >= args.length) {
                    throw new IllegalArgumentException("--" + key + " needs a value");
                }
                value = args[++i];
            }
            if (!DEFAULTS.containsKey(key)) {
                throw new IllegalArgumentException("unknown option --" + key);
            }
            opts.put(key, value);
        }
        return opts;
    }

    private boolean booleanOption(String key) {
        String v = opts.get(key);
        if (!v.equals("true") && !v.equals("false")) {
            throw new IllegalArgumentException("--" + key + " must be true or false, not '" + v + "'");
        }
        return v.equals("true");
    }

    private int intOption(String key) {
        try {
            return Integer.parseInt(opts.get(key).trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("--" + key + " must be an integer, not '" + opts.get(key) + "'");
        }
    }

    private int positiveInt(String key) {
        int v = intOption(key);
        if (v < 1) {
            throw new IllegalArgumentException("--" + key + " must be >= 1");
        }
        return v;
    }

    private int[][] parseMatches(String spec) {
        List<int[]> pairs = new ArrayList<>();
        for (String part : spec.split(",")) {
            if (part.isBlank()) {
                continue;
            }
            String[] ts = part.trim().split(":");
            int t;
            int s;
            try {
                if (ts.length != 2) {
                    throw new NumberFormatException();
                }
                t = Integer.parseInt(ts[0].trim());
                s = Integer.parseInt(ts[1].trim());
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("--matches must look like 0:0,2:1,4:2,6:3, not '" + spec + "'");
            }
            if (t < 0 || t > tLayers || s < 0 || s > sLayers) {
                throw new IllegalArgumentException("match " + t + ":" + s + " out of range (teacher 0.." + tLayers
                        + ", student 0.." + sLayers + ")");
            }
            pairs.add(new int[] {t, s});
        }
        return pairs.toArray(int[][]::new);
    }

    // ------------------------------------------------------------------------------------------------ the run

    private void run() throws IOException {
        long t0 = System.nanoTime();
        Nd4j.create(1); // start the backend before the baseline reading
        log("ND4J backend %s, max threads %d, OMP_NUM_THREADS=%s", Nd4j.getBackend().getClass().getSimpleName(),
                Nd4j.getEnvironment().maxThreads(), System.getenv("OMP_NUM_THREADS"));
        log("heap max %.0f MiB; JavaCPP maxBytes %.0f MiB, maxPhysicalBytes %.0f MiB; ND4J periodic GC %s (window %d ms)",
                Runtime.getRuntime().maxMemory() / 1048576.0, org.bytedeco.javacpp.Pointer.maxBytes() / 1048576.0,
                org.bytedeco.javacpp.Pointer.maxPhysicalBytes() / 1048576.0, Nd4j.getMemoryManager().isPeriodicGcActive(),
                Nd4j.getMemoryManager().getAutoGcWindow());
        log("resident memory after ND4J start (JVM + native libraries, no model yet): %.1f MiB", procStatusMib("VmRSS"));

        BertConfig teacherConfig = new BertConfig(vocab, tHidden, tLayers, tHeads, tFfn, positions, 2, 1e-12, 0, 0, 0.02);
        BertConfig studentConfig = new BertConfig(vocab, sHidden, sLayers, sHeads, sFfn, positions, 2, 1e-12, 0, 0, 0.02);
        ModelGraph teacher = ModelGraph.create(new BertModel(teacherConfig, BertHead.SEQUENCE_CLASSIFICATION, labels), seed + 1000);
        BertModel studentModel = new BertModel(studentConfig, BertHead.SEQUENCE_CLASSIFICATION, labels);
        InMemoryExamples data = randomExamples((warmup + steps) * batch);
        long teacherParams = teacher.parameterCount();
        long studentParams = ModelGraph.create(studentModel, seed).parameterCount();
        long projParams = (long) matches.length * ((long) sHidden * tHidden + tHidden);
        log("teacher %d x %d (%d params), student %d x %d (%d params), %d projections (%d params), %d examples of length %d",
                tLayers, tHidden, teacherParams, sLayers, sHidden, studentParams, matches.length, projParams, data.size(), seq);

        Path workDir = Files.createTempDirectory("distill-bench-");
        try {
            // 1. Full distillation step.
            log("full step: %d updates (%d warm-up) of batch %d x %d, training.overlap_teacher %s", warmup + steps,
                    warmup, batch, seq, overlapTeacher);
            StepTimer full = new StepTimer();
            full.gcBetweenSteps = gcBetweenSteps;
            GeneralDistiller distiller = distiller(teacher, studentModel, false, warmup + steps,
                    workDir.resolve("full"), full);
            if (profile) {
                OpProfiler.Busy busy = new OpProfiler.Busy(); // with overlap both graphs run at once
                OpProfiler teacherOps = new OpProfiler(busy);
                OpProfiler studentOps = new OpProfiler(busy);
                full.busy = busy;
                teacher.sd().addListeners(teacherOps);
                distiller.student().sd().addListeners(studentOps);
                full.profilers.addAll(List.of(teacherOps, studentOps));
                full.profileFrom = warmup;
            }
            distiller.train(data);
            if (!full.profilers.isEmpty()) {
                detach(teacher.sd(), full.profilers.get(0));
                detach(distiller.student().sd(), full.profilers.get(1)); // the inference timing below runs this graph
                log("teacher ops per step (top 12 by time):%n%s", full.profilers.get(0).report(12, steps));
                log("student ops per step, forward and backward (top 25 by time):%n%s", full.profilers.get(1).report(25, steps));
                List<String> graphs = List.of("teacher", "student"); // the order the profilers were added
                for (int i = 0; i < graphs.size(); i++) {
                    OpProfiler p = full.profilers.get(i);
                    log("%s: %.1f ms per step between ops (SameDiff's own work), by the op that follows (top 8):%n%s",
                            graphs.get(i), p.gapNanos() / 1e6 / steps, p.gapReport(8, steps));
                    log("%s stalls: %s", graphs.get(i), p.stallReport(steps));
                }
            }
            List<StepTimer.Step> timedFull = full.after(0, warmup);
            double fullSec = median(timedFull, StepTimer.Step::total);
            log("full step: median %.1f ms (gradients incl. teacher %.1f ms, Adam %.1f ms, bookkeeping %.1f ms); "
                    + "all steps %s ms", fullSec * 1e3, median(timedFull, StepTimer.Step::gradients) * 1e3,
                    median(timedFull, StepTimer.Step::update) * 1e3, median(timedFull, StepTimer.Step::rest) * 1e3,
                    full.allMillis());
            log("full step: resident MiB after each step %s", full.rss());
            log("full step: array caches after the last step, MiB by thread %s", mib(full.caches));
            double overhead = full.profilers.isEmpty() ? Double.NaN : median(timedFull, StepTimer.Step::overhead);
            ModelGraph student = distiller.trainedModel();
            distiller = null;
            deleteTree(workDir.resolve("full"));
            double fullPeakMib = procStatusMib("VmHWM"); // before the cached run's cache of the data set's outputs

            // 2. Cached teacher outputs: two epochs, the second is timed.
            log("cached step: 2 epochs of %d updates, epoch 1 timed", warmup + steps);
            StepTimer cached = new StepTimer();
            cached.gcBetweenSteps = gcBetweenSteps;
            TeacherCalls calls = new TeacherCalls();
            teacher.sd().addListeners(calls);
            cached.teacherCalls = calls;
            GeneralDistiller cachingDistiller = distiller(teacher, studentModel, true, 2 * (warmup + steps),
                    workDir.resolve("cached"), cached);
            cachingDistiller.train(data);
            detach(teacher.sd(), calls);
            List<StepTimer.Step> epoch0 = cached.after(0, 0);
            List<StepTimer.Step> timedCached = cached.after(1, warmup);
            long epoch0Calls = epoch0.stream().mapToLong(StepTimer.Step::teacherCalls).sum();
            long epoch1Calls = cached.after(1, 0).stream().mapToLong(StepTimer.Step::teacherCalls).sum();
            log("cached step: teacher ran %d times in epoch 0 (%d steps), %d times in epoch 1 (%d steps)",
                    epoch0Calls, epoch0.size(), epoch1Calls, cached.after(1, 0).size());
            if (timedCached.size() != steps || epoch0Calls == 0 || epoch1Calls != 0) {
                throw new IllegalStateException("the cached run did not behave as expected: " + timedCached.size()
                        + " timed epoch-1 steps (expected " + steps + "), teacher calls " + epoch0Calls + " in epoch 0, "
                        + epoch1Calls + " in epoch 1 (expected 0)");
            }
            double cachedSec = median(timedCached, StepTimer.Step::total);
            log("cached step: median %.1f ms (gradients %.1f ms, Adam %.1f ms); uncached epoch-0 steps %s ms, "
                    + "epoch-1 steps %s ms", cachedSec * 1e3, median(timedCached, StepTimer.Step::gradients) * 1e3,
                    median(timedCached, StepTimer.Step::update) * 1e3, cached.millis(0), cached.millis(1));
            log("cached step: resident MiB after each step %s", cached.rss());
            log("cached step: array caches after the last step, MiB by thread %s", mib(cached.caches));
            cachingDistiller = null;
            deleteTree(workDir.resolve("cached"));

            // 3. Inference.
            Batch probe = data.batch(IntStream.range(0, batch).toArray());
            student.setTraining(false);
            double studentSec = timeInference(student, probe);
            double teacherSec = timeInference(teacher, probe);
            log("inference: student %.1f ms, teacher %.1f ms per batch", studentSec * 1e3, teacherSec * 1e3);

            // 4. Memory, before the SGEMM matrices exist.
            double peakMib = procStatusMib("VmHWM");
            double neededMib = neededBytes(teacherParams, studentParams, projParams) / (double) (1 << 20);

            // 5. FLOPs and the SGEMM ceiling.
            double stepGflop = stepFlops() / 1e9;
            double achieved = stepGflop / fullSec;
            double sgemm = sgemmCeiling(sgemmSize);

            Map<String, String> java = new LinkedHashMap<>();
            java.put("full_step_samples_per_s", fmt(batch / fullSec));
            java.put("cached_step_samples_per_s", fmt(batch / cachedSec));
            java.put("student_inference_samples_per_s", fmt(batch / studentSec));
            java.put("teacher_inference_samples_per_s", fmt(batch / teacherSec));
            java.put("full_step_peak_rss_mib", fmt(fullPeakMib));
            java.put("peak_rss_mib", fmt(peakMib));
            java.put("needed_mib", fmt(neededMib));
            java.put("step_gflop", fmt(stepGflop));
            java.put("achieved_gflops", fmt(achieved));
            java.put("sgemm_ceiling_gflops", fmt(sgemm));
            if (!Double.isNaN(overhead)) {
                java.put("loop_overhead_fraction", fmt(overhead)); // outside graph ops and the optimizer
            }
            java.forEach(this::emit);
            log("java measurements done in %.0f s; peak / needed = %.2f (through the full steps %.2f)",
                    (System.nanoTime() - t0) / 1e9, peakMib / neededMib, fullPeakMib / neededMib);

            // 6. The PyTorch reference, after the Java figures so they do not compete for cores.
            Map<String, String> torch = runPython("torch reference", "bench_torch.py", List.of(), false);
            torch.forEach((k, v) -> emit("torch." + k, v));
            Double torchPeak = number(torch.get("peak_rss_mib"));
            double jvmPeak = procStatusMib("VmHWM");
            if (torchPeak != null && Math.abs(torchPeak - jvmPeak) <= 0.01 * jvmPeak) {
                log("warning: torch.peak_rss_mib (%.1f) equals this JVM's high-water mark (%.1f MiB): the script reads "
                        + "ru_maxrss, which a child process inherits from its parent; run it on its own for its memory "
                        + "figure (or have it read VmHWM from /proc/self/status)", torchPeak, jvmPeak);
            }
            Double torchFull = number(torch.get("full_step_samples_per_s"));
            if (torchFull != null && torchFull > 0) {
                emit("ratio_full_step_vs_torch", fmt((batch / fullSec) / torchFull));
            }
            if (textbrewer != null) {
                // 7. TextBrewer's own loop on the same models: in this process's environment, then without the
                // thread-wait variables (PyTorch's defaults, as TextBrewer's users run it unless they set them).
                for (boolean torchDefaults : new boolean[] {false, true}) {
                    String prefix = torchDefaults ? "textbrewer_torch_defaults" : "textbrewer";
                    Map<String, String> tb = runPython(prefix, "bench_textbrewer.py",
                            List.of("--textbrewer", textbrewer.toString()), torchDefaults);
                    tb.forEach((k, v) -> emit(prefix + "." + k, v));
                    Double tbFull = number(tb.get("full_step_samples_per_s"));
                    if (tbFull != null && tbFull > 0) {
                        emit("ratio_full_step_vs_" + prefix, fmt((batch / fullSec) / tbFull));
                    }
                }
            }
            emit("ratio_cached_vs_uncached", fmt(fullSec / cachedSec));
            emit("fraction_of_sgemm_ceiling", fmt(achieved / sgemm));
        } finally {
            deleteTree(workDir);
        }
    }

    private GeneralDistiller distiller(ModelGraph teacher, BertModel student, boolean caching, int updates, Path outDir,
                                       TrainingListener timer) {
        List<IntermediateMatch> intermediate = new ArrayList<>();
        for (int[] m : matches) {
            intermediate.add(IntermediateMatch.hidden(m[0], m[1], "hidden_mse")
                    .withProj(new ProjectionSpec("linear", sHidden, tHidden, null)));
        }
        return GeneralDistiller.builder()
                .trainingConfig(TrainingConfig.builder()
                        .numSteps(updates) // step mode: the only checkpoint is the one at the end of the run
                        .batchSize(batch).seed(seed)
                        .optimizer(OptimizerConfig.adamW(1e-4).withName("adam").withWeightDecay(0))
                        .lrSchedule(ScheduleConfig.constant())
                        .maxGradNorm(-1) // no clipping
                        .overlapTeacher(overlapTeacher)
                        .outputDir(outDir.toString())
                        .build())
                .distillationConfig(DistillationConfig.builder()
                        .temperature(8).kdLossType("ce").kdLossWeight(1).hardLabelWeight(1)
                        .intermediateMatches(intermediate)
                        .isCachingLogits(caching)
                        .build())
                .teacher(teacher)
                .student(student)
                .listener(timer)
                .build();
    }

    private InMemoryExamples randomExamples(int n) {
        Random rng = new Random(seed);
        int[][] ids = new int[n][seq];
        int[][] types = new int[n][seq];
        int[][] mask = new int[n][seq];
        int[] gold = new int[n];
        for (int i = 0; i < n; i++) {
            for (int t = 0; t < seq; t++) {
                ids[i][t] = rng.nextInt(vocab);
                mask[i][t] = 1;
            }
            gold[i] = i % labels;
        }
        Map<String, INDArray> columns = new LinkedHashMap<>();
        columns.put("input_ids", Nd4j.createFromArray(ids));
        columns.put("token_type_ids", Nd4j.createFromArray(types));
        columns.put("attention_mask", Nd4j.createFromArray(mask));
        columns.put("labels", Nd4j.createFromArray(gold));
        return new InMemoryExamples(columns);
    }

    /** Median seconds of {@code graph.output(batch, logits)} over --steps calls after --warmup untimed ones. */
    private double timeInference(ModelGraph graph, Batch probe) {
        List<String> logits = graph.adaptor().logits();
        for (int i = 0; i < warmup; i++) {
            graph.output(probe, logits);
        }
        double[] sec = new double[steps];
        for (int i = 0; i < steps; i++) {
            long a = System.nanoTime();
            graph.output(probe, logits);
            sec[i] = (System.nanoTime() - a) / 1e9;
        }
        return median(sec);
    }

    /** Forward FLOPs of one encoder layer: 2BL(4H^2 + 2HF) + 4BL^2H. */
    private double layerFlops(int h, int f) {
        double b = batch;
        double l = seq;
        return 2 * b * l * (4.0 * h * h + 2.0 * h * f) + 4 * b * l * l * h;
    }

    /** Pooler and classifier: 2BH^2 + 2BH*labels. */
    private double headFlops(int h) {
        return 2.0 * batch * h * h + 2.0 * batch * h * labels;
    }

    /** The benchmark's analytic FLOPs of one full distillation step. */
    double stepFlops() {
        double teacher = tLayers * layerFlops(tHidden, tFfn) + headFlops(tHidden);
        double student = 3 * (sLayers * layerFlops(sHidden, sFfn) + headFlops(sHidden));
        double proj = matches.length * 3 * 2.0 * batch * seq * sHidden * tHidden;
        return teacher + student + proj;
    }

    /** The floor documented in the class comment, in bytes. */
    double neededBytes(long teacherParams, long studentParams, long projParams) {
        double b = batch;
        double l = seq;
        double perLayer = b * l * (8.0 * sHidden + 2.0 * sFfn) + b * sHeads * l * l;
        long distinctTeacher = Arrays.stream(matches).mapToInt(m -> m[0]).distinct().count();
        double activations = sLayers * perLayer
                + 3 * b * l * sHidden
                + matches.length * b * l * (sHidden + 2.0 * tHidden)
                + distinctTeacher * b * l * tHidden + b * labels
                + b * l * (2.0 * tHidden + tFfn) + b * tHeads * l * l
                + b * l * (2.0 * sHidden + sFfn) + b * sHeads * l * l;
        double floats = 4.0 * (studentParams + projParams) + teacherParams + activations;
        return 4 * floats;
    }

    /** Median GFLOP/s of an n x n float32 GEMM into a preallocated result, 5 timed after 1 warm-up. */
    private double sgemmCeiling(int n) {
        INDArray a = Nd4j.rand(DataType.FLOAT, n, n);
        INDArray b = Nd4j.rand(DataType.FLOAT, n, n);
        INDArray c = Nd4j.createUninitialized(DataType.FLOAT, n, n);
        Nd4j.gemm(a, b, c, false, false, 1.0, 0.0);
        double[] rates = new double[5];
        for (int i = 0; i < rates.length; i++) {
            long t = System.nanoTime();
            Nd4j.gemm(a, b, c, false, false, 1.0, 0.0);
            Nd4j.getExecutioner().commit();
            rates[i] = 2.0 * n * n * (double) n / ((System.nanoTime() - t) / 1e9) / 1e9;
        }
        log("sgemm %d x %d: %s GFLOP/s", n, n, Arrays.toString(Arrays.stream(rates).map(r -> Math.round(r)).toArray()));
        return median(rates);
    }

    /**
     * Runs {@code <--torch> tools/bench/<script>} from the repository root with the size options and
     * {@code extraArgs}, returning its {@code key value} lines; empty (with a note on stderr) if it cannot.
     *
     * @param what          the run's name in log lines
     * @param torchDefaults run it without {@link NativeThreadSettings#variables()} in its environment (PyTorch's
     *                      own thread-wait defaults) instead of with this process's
     */
    Map<String, String> runPython(String what, String script, List<String> extraArgs, boolean torchDefaults) {
        Map<String, String> result = new LinkedHashMap<>();
        String python = opts.get("torch");
        if (python.equalsIgnoreCase("none")) {
            return result;
        }
        Path root = Path.of(opts.get("repo-root")).toAbsolutePath().normalize();
        Path file = root.resolve("tools/bench").resolve(script);
        if (!Files.isRegularFile(file)) {
            log("%s skipped: %s does not exist", what, file);
            return result;
        }
        List<String> cmd = new ArrayList<>(List.of(python, root.relativize(file).toString()));
        for (String k : TORCH_OPTIONS) {
            cmd.add("--" + k);
            cmd.add(opts.get(k));
        }
        cmd.addAll(extraArgs);
        ProcessBuilder pb = new ProcessBuilder(cmd).directory(root.toFile()).redirectError(ProcessBuilder.Redirect.INHERIT);
        if (torchDefaults) {
            NativeThreadSettings.variables().forEach(pb.environment()::remove);
        }
        log("running the %s%s: %s", what, torchDefaults ? " (without " + String.join(", ",
                NativeThreadSettings.variables()) + ")" : "", String.join(" ", cmd));
        try {
            Process p = pb.start();
            p.getOutputStream().close();
            List<String> lines = new ArrayList<>();
            try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
                for (String line; (line = r.readLine()) != null; ) {
                    lines.add(line);
                }
            }
            if (!p.waitFor(10, TimeUnit.MINUTES)) {
                p.destroyForcibly();
                log("%s failed: no exit after its output closed; ignoring it", what);
                return result;
            }
            if (p.exitValue() != 0) {
                log("%s failed with exit status %d; continuing without it", what, p.exitValue());
                return result;
            }
            for (String line : lines) {
                String[] kv = line.trim().split("\\s+", 2);
                if (kv.length == 2 && kv[0].matches("[A-Za-z0-9_.]+")) {
                    result.put(kv[0], kv[1]);
                } else if (!line.isBlank()) {
                    err.println("# " + what + ": " + line);
                }
            }
            if (result.isEmpty()) {
                log("%s printed no figures", what);
            }
        } catch (IOException e) {
            log("%s failed to start (%s); continuing without it", what, e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            log("%s interrupted", what);
        }
        return result;
    }

    // ------------------------------------------------------------------------------------------------ helpers

    private static Map<String, Long> mib(Map<String, Long> bytes) {
        Map<String, Long> m = new LinkedHashMap<>();
        bytes.forEach((k, v) -> m.put(k, Math.round(v / (double) (1 << 20))));
        return m;
    }

    /** Per-step wall times from the loop's own hooks, with the epoch each step belonged to. */
    static final class StepTimer implements TrainingListener {
        record Step(int epoch, int microInEpoch, long startNs, long gradsNs, long updateNs, long endNs, long teacherCalls,
                    double rssMib, long opsNs) {
            /**
             * Share of the step in which no op of the teacher's or the student's graph runs and Adam does not
             * ({@code opsNs} is that busy time, Adam included): with the teacher on its own thread, time in which
             * both work counts once.
             */
            double overhead() { return opsNs < 0 ? Double.NaN : 1.0 - opsNs / (double) (endNs - startNs); }
            double total() { return (endNs - startNs) / 1e9; }
            double gradients() { return (gradsNs - startNs) / 1e9; }
            double update() { return (updateNs - gradsNs) / 1e9; }
            double rest() { return (endNs - updateNs) / 1e9; }
        }

        final List<Step> steps = new ArrayList<>();
        /** Op timers on the teacher's and the student's graphs (empty: not profiled). */
        final List<OpProfiler> profilers = new ArrayList<>();
        /** The profilers' shared clock of time with an op running (null: not profiled). */
        OpProfiler.Busy busy;
        /** Profilers restart at this step, so their report covers the timed steps only. */
        int profileFrom = -1;
        private long opsAtStart;
        TeacherCalls teacherCalls;
        boolean gcBetweenSteps;
        /** Bytes in each thread's array cache after the last step, by thread name. */
        Map<String, Long> caches = Map.of();
        private int epoch;
        private int micro;
        private long start;
        private long grads;
        private long update;
        private long callsAtStart;

        @Override
        public void onStepStart(TrainingContext ctx) {
            epoch = ctx.state().epoch();
            micro = ctx.state().microBatchInEpoch();
            callsAtStart = teacherCalls == null ? 0 : teacherCalls.count;
            if (steps.size() == profileFrom) {
                profilers.forEach(OpProfiler::reset);
            }
            opsAtStart = busy == null ? 0 : busy.nanos();
            grads = 0;
            update = 0;
            start = System.nanoTime();
        }

        @Override
        public void beforeUpdate(TrainingContext ctx, double gradNorm, Map<String, Double> learningRates) {
            grads = System.nanoTime();
            if (busy != null) {
                busy.opStarted(grads); // Adam's array ops count as ops
            }
        }

        @Override
        public void afterUpdate(TrainingContext ctx) {
            update = System.nanoTime();
            if (busy != null) {
                busy.opEnded(update);
            }
        }

        @Override
        public void onStepEnd(TrainingContext ctx, StepLosses losses) {
            long end = System.nanoTime();
            long calls = teacherCalls == null ? 0 : teacherCalls.count - callsAtStart;
            long ops = busy == null ? -1 : busy.nanos() - opsAtStart;
            if (gcBetweenSteps) {
                System.gc(); // diagnostic: after the clock stopped, so ND4J buffers of this step are freed untimed
            }
            caches = ArrayRecycling.cachedBytesByThread(); // the teacher thread's is gone once the run ends
            steps.add(new Step(epoch, micro, start, grads == 0 ? end : grads, update == 0 ? end : update, end, calls,
                    procStatusMib("VmRSS"), ops));
        }

        /** Steps of one epoch, without the first {@code skip}. */
        List<Step> after(int ofEpoch, int skip) {
            return steps.stream().filter(s -> s.epoch() == ofEpoch).skip(skip).toList();
        }

        String millis(int ofEpoch) {
            return after(ofEpoch, 0).stream().map(s -> String.valueOf(Math.round(s.total() * 1e3))).toList().toString();
        }

        String allMillis() {
            return steps.stream().map(s -> String.valueOf(Math.round(s.total() * 1e3))).toList().toString();
        }

        /** Resident MiB after each step. */
        String rss() {
            return steps.stream().map(s -> String.valueOf(Math.round(s.rssMib()))).toList().toString();
        }
    }

    /** Counts inference calls on the teacher's graph (each teacher forward is one). */
    static final class TeacherCalls extends BaseListener {
        volatile long count;

        @Override
        public boolean isActive(Operation operation) {
            return operation == Operation.INFERENCE;
        }

        @Override
        public void operationStart(SameDiff sd, Operation op) {
            count++;
        }
    }

    /** Removes one listener and keeps the others (e.g. the graph's {@code BatchedMatmulThreads}). */
    private static void detach(org.nd4j.autodiff.samediff.SameDiff sd, org.nd4j.autodiff.listeners.Listener listener) {
        sd.setListeners(sd.getListeners().stream().filter(l -> l != listener).toList());
    }

    private static double median(List<StepTimer.Step> steps, java.util.function.ToDoubleFunction<StepTimer.Step> f) {
        return median(steps.stream().mapToDouble(f).toArray());
    }

    static double median(double[] values) {
        if (values.length == 0) {
            throw new IllegalStateException("nothing was timed");
        }
        double[] v = values.clone();
        Arrays.sort(v);
        int n = v.length;
        return n % 2 == 1 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
    }

    /** A field of /proc/self/status (kB) in MiB, or NaN where there is no such file. */
    static double procStatusMib(String field) {
        try (Stream<String> lines = Files.lines(Path.of("/proc/self/status"))) {
            return lines.filter(l -> l.startsWith(field + ":"))
                    .map(l -> Double.parseDouble(l.substring(field.length() + 1).trim().split("\\s+")[0]) / 1024.0)
                    .findFirst().orElse(Double.NaN);
        } catch (IOException | UncheckedIOException e) {
            return Double.NaN;
        }
    }

    private static Double number(String s) {
        if (s == null) {
            return null;
        }
        try {
            return Double.parseDouble(s.trim());
        } catch (NumberFormatException e) {
            return null;
        }
    }

    private static String fmt(double v) {
        return String.format(Locale.ROOT, "%.3f", v);
    }

    private void emit(String key, String value) {
        out.println(key + " " + value);
        out.flush();
    }

    private void log(String format, Object... args) {
        err.println("# " + String.format(Locale.ROOT, format, args));
        err.flush();
    }

    private static void deleteTree(Path root) {
        if (!Files.exists(root)) {
            return;
        }
        try (Stream<Path> walk = Files.walk(root)) {
            for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        } catch (IOException e) {
            System.err.println("# could not delete " + root + ": " + e.getMessage());
        }
    }
}
