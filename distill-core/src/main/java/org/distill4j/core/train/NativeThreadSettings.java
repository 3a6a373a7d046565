package org.distill4j.core.train;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * ND4J's CPU backend runs its ops on two native thread pools that by default keep their idle threads busy waiting:
 * OpenMP (GNU libgomp) threads spin, and OpenBLAS's matrix-product threads call {@code sched_yield} for about 2^28
 * cycles after every product. Between SameDiff's many small ops both burn the cores the next op needs. Measured on
 * 2 cores (tools/bench, README "Speed"): {@code OMP_WAIT_POLICY=PASSIVE} made the standard benchmark's step 1.3-1.6x
 * faster, a small model's 1.9x, and two concurrent runs 10x faster each (the standard step's gain later shrank to
 * 3-11%, once batched matmuls called BLAS single-threaded and the teacher got its own thread); with it set, OpenBLAS's idle worker still
 * took a quarter of the process's CPU samples in {@code sched_yield}, and {@code OPENBLAS_THREAD_TIMEOUT=4} (sleep
 * after 2^4 cycles) brought that to 4% (steps +5-7% on average over four alternating pairs, inside the VM's drift).
 * Both libraries read their variable once, when ND4J's native libraries load, so they must be set in the JVM's
 * environment: the launchers in bin/, .ci/run, the benchmark script, the notebook kernel and the test configuration
 * set them; other launches get a hint.
 */
public final class NativeThreadSettings {

    /** Each variable with the value the launchers set, in the order the hint names them. */
    private static final List<Map.Entry<String, String>> RECOMMENDED =
            List.of(Map.entry("OMP_WAIT_POLICY", "PASSIVE"), Map.entry("OPENBLAS_THREAD_TIMEOUT", "4"));

    private NativeThreadSettings() {
    }

    /** The names of the variables the launchers set ({@code OMP_WAIT_POLICY}, {@code OPENBLAS_THREAD_TIMEOUT}). */
    public static List<String> variables() {
        return RECOMMENDED.stream().map(Map.Entry::getKey).toList();
    }

    /** A one-line hint naming the variables this process's environment lacks, or null when it has them all. */
    public static String hint() {
        return hint(System.getenv());
    }

    /** {@link #hint()} for the given environment. */
    static String hint(Map<String, String> env) {
        List<String> missing = new ArrayList<>();
        for (Map.Entry<String, String> v : RECOMMENDED) {
            if (env.get(v.getKey()) == null) {
                missing.add(v.getKey() + "=" + v.getValue());
            }
        }
        if (missing.isEmpty()) {
            return null;
        }
        return "hint: set " + String.join(" ", missing) + " in the environment (idle native threads then sleep instead "
                + "of spinning: measured up to 1.9x faster training on 2 cores, and no stalls when two runs share cores); "
                + "see the README, Speed";
    }
}
