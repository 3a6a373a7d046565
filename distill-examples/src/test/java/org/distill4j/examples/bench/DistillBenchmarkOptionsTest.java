package org.distill4j.examples.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The benchmark's options are checked before any model is built, and the reference scripts run with the size options
 * and, for the "PyTorch defaults" run, without the thread-wait variables. No model is built here: the runs use a
 * stand-in script, started with /bin/sh as the interpreter.
 */
class DistillBenchmarkOptionsTest {

    @TempDir
    Path dir;

    private static DistillBenchmark bench(String... args) {
        return new DistillBenchmark(DistillBenchmark.parseArgs(args), new PrintStream(new ByteArrayOutputStream()));
    }

    @Test
    void unknownOptionsAndBadValuesAreRefusedByName() {
        IllegalArgumentException unknown = assertThrows(IllegalArgumentException.class,
                () -> DistillBenchmark.parseArgs(new String[] {"--teacher-layer", "2"}));
        assertTrue(unknown.getMessage().contains("--teacher-layer"), unknown.getMessage());
        IllegalArgumentException overlap = assertThrows(IllegalArgumentException.class,
                () -> bench("--overlap-teacher", "yes"));
        assertTrue(overlap.getMessage().contains("--overlap-teacher") && overlap.getMessage().contains("'yes'"),
                overlap.getMessage());
        assertNull(DistillBenchmark.parseArgs(new String[] {"--help"}), "help asked for");
    }

    @Test
    void textBrewerIsOffByDefaultAndItsCheckoutIsCheckedUpFront() throws IOException {
        assertEquals("none", DistillBenchmark.parseArgs(new String[0]).get("textbrewer"));
        assertNull(DistillBenchmark.textBrewerCheckout("none", "/usr/bin/python3"));

        IllegalArgumentException missing = assertThrows(IllegalArgumentException.class,
                () -> bench("--textbrewer", dir.toString()));
        assertTrue(missing.getMessage().contains("--textbrewer " + dir) && missing.getMessage().contains("textbrewer/__init__.py")
                && missing.getMessage().contains("airaria/TextBrewer"), missing.getMessage());

        Path checkout = dir.resolve("TextBrewer");
        Files.createDirectories(checkout.resolve("src/textbrewer"));
        Files.writeString(checkout.resolve("src/textbrewer/__init__.py"), "");
        assertEquals(checkout, DistillBenchmark.textBrewerCheckout(checkout.toString(), "/usr/bin/python3"));
        assertEquals(checkout.resolve("src/textbrewer"),
                DistillBenchmark.textBrewerCheckout(checkout.resolve("src/textbrewer").toString(), "/usr/bin/python3"),
                "the package directory itself");

        IllegalArgumentException noPython = assertThrows(IllegalArgumentException.class,
                () -> bench("--textbrewer", checkout.toString(), "--torch", "none"));
        assertTrue(noPython.getMessage().contains("--torch none"), noPython.getMessage());
    }

    /** The stand-in prints its arguments and the two variables; a line whose first word is not a key is logged, not kept. */
    @Test
    void scriptsGetTheSizeOptionsAndTheTorchDefaultsRunLacksTheThreadWaitVariables() throws IOException {
        Files.createDirectories(dir.resolve("tools/bench"));
        Files.writeString(dir.resolve("tools/bench/stand_in.py"), String.join("\n",
                "echo \"args $*\"",
                "echo \"omp_wait_policy ${OMP_WAIT_POLICY:-unset}\"",
                "echo \"openblas_thread_timeout ${OPENBLAS_THREAD_TIMEOUT:-unset}\"",
                "echo '# a log line, not a figure'",
                ""), StandardCharsets.UTF_8);
        DistillBenchmark bench = bench("--torch", "/bin/sh", "--repo-root", dir.toString(), "--steps", "7");

        Map<String, String> same = bench.runPython("stand-in", "stand_in.py", List.of("--extra", "x"), false);
        assertEquals(System.getenv("OMP_WAIT_POLICY"), same.get("omp_wait_policy"), "this process's environment");
        assertEquals(System.getenv("OPENBLAS_THREAD_TIMEOUT"), same.get("openblas_thread_timeout"));
        assertEquals("PASSIVE", same.get("omp_wait_policy"), "the test configuration sets it (pom.xml)");
        String args = same.get("args");
        assertTrue(args.contains("--steps 7") && args.contains("--teacher-hidden 384") && args.endsWith("--extra x"),
                args);
        assertEquals(3, same.size(), "the log line is not a figure: " + same);

        Map<String, String> defaults = bench.runPython("stand-in", "stand_in.py", List.of(), true);
        assertEquals("unset", defaults.get("omp_wait_policy"));
        assertEquals("unset", defaults.get("openblas_thread_timeout"));

        assertTrue(bench.runPython("stand-in", "missing.py", List.of(), false).isEmpty(), "a missing script: no figures");
        assertTrue(bench("--torch", "none", "--repo-root", dir.toString())
                .runPython("stand-in", "stand_in.py", List.of(), false).isEmpty(), "--torch none runs nothing");
    }

    @Test
    void aFailingScriptGivesNoFigures() throws IOException {
        Files.createDirectories(dir.resolve("tools/bench"));
        Files.writeString(dir.resolve("tools/bench/failing.py"), "echo 'full_step_samples_per_s 99'\nexit 3\n");
        DistillBenchmark bench = bench("--torch", "/bin/sh", "--repo-root", dir.toString());
        assertTrue(bench.runPython("failing", "failing.py", List.of(), false).isEmpty());
    }
}
