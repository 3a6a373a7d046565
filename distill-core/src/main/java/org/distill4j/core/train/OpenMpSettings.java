package org.distill4j.core.train;

/**
 * ND4J's CPU backend runs its ops on OpenMP (GNU libgomp) threads, which by default spin while they wait for work.
 * Between SameDiff's many small ops that burns the cores the next op needs, and two ND4J processes on the same cores
 * stall each other. Measured on 2 cores (tools/bench, README "Speed"): {@code OMP_WAIT_POLICY=PASSIVE} made the
 * standard benchmark's step 1.3-1.6x faster, a small model's 1.9x, and two concurrent runs 10x faster each. libgomp
 * reads the variable once, when ND4J's native library loads, so it must be set in the environment of the JVM: the
 * launchers in bin/, .ci/run, the benchmark script and the test configuration set it; other launches get a hint.
 */
public final class OpenMpSettings {

    private OpenMpSettings() {
    }

    /** A one-line hint when OMP_WAIT_POLICY is not set, or null when it is. */
    public static String hint() {
        if (System.getenv("OMP_WAIT_POLICY") != null) {
            return null;
        }
        return "hint: set OMP_WAIT_POLICY=PASSIVE in the environment (measured 1.3-1.9x faster training on 2 cores, and "
                + "no stalls when two runs share cores); see the README, Speed";
    }
}
