package org.distill4j.examples.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The benchmark end to end on tiny models, in its own JVM as run-benchmark.sh starts it: it finishes, and its stdout
 * holds only {@code key value} lines with every figure the issue asks for (start-up lines and logging go to stderr).
 */
class DistillBenchmarkRunTest {

    @Test
    void tinyRunPrintsOnlyKeyValueFigures() throws Exception {
        List<String> cmd = List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx2g",
                "-Dorg.bytedeco.javacpp.platform.extension=", // the generic build, as the other tests
                "-cp", System.getProperty("java.class.path"), DistillBenchmark.class.getName(),
                "--teacher-layers", "2", "--teacher-hidden", "32", "--teacher-heads", "2", "--teacher-ffn", "64",
                "--student-layers", "1", "--student-hidden", "16", "--student-heads", "2", "--student-ffn", "32",
                "--vocab", "50", "--positions", "8", "--seq", "8", "--batch", "4", "--warmup", "1", "--steps", "2",
                "--matches", "0:0,2:1", "--sgemm-size", "64", "--torch", "none");
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.DISCARD);
        pb.environment().put("OMP_NUM_THREADS", "1");
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(5, TimeUnit.MINUTES), "the benchmark did not finish");
        assertEquals(0, p.exitValue(), out);

        Map<String, Double> figures = new LinkedHashMap<>();
        for (String line : out.lines().filter(l -> !l.isBlank()).toList()) {
            assertTrue(line.matches("[a-z_]+ \\S+"), "not a key-value line on stdout: '" + line + "'");
            String[] kv = line.split(" ");
            figures.put(kv[0], Double.parseDouble(kv[1]));
        }
        for (String key : List.of("full_step_samples_per_s", "cached_step_samples_per_s",
                "student_inference_samples_per_s", "teacher_inference_samples_per_s", "full_step_peak_rss_mib",
                "peak_rss_mib", "needed_mib",
                "step_gflop", "achieved_gflops", "sgemm_ceiling_gflops", "loop_overhead_fraction",
                "ratio_cached_vs_uncached", "fraction_of_sgemm_ceiling")) {
            Double v = figures.get(key);
            assertTrue(v != null && Double.isFinite(v) && v >= 0, key + " missing or bad in " + figures);
        }
        assertTrue(figures.get("loop_overhead_fraction") <= 1, figures.toString());
        assertTrue(figures.get("peak_rss_mib") > figures.get("needed_mib"), figures.toString());
        assertTrue(figures.get("full_step_peak_rss_mib") <= figures.get("peak_rss_mib"), figures.toString());
    }
}
