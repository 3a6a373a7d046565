package org.distill4j.core.train;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Predicate;

/**
 * Chooses which of ND4J's CPU builds loads, before ND4J does. nd4j-native ships a generic x86-64 build and builds for
 * AVX2 / AVX-512, with or without oneDNN; JavaCPP loads the one named by the system property
 * {@code org.bytedeco.javacpp.platform.extension} (empty: the generic one), and only if its jar is on the class path.
 * Without the property JavaCPP takes the first build its preset lists whose jar is present, whatever the CPU.
 * On the standard benchmark (2 cores, AVX-512), in two back-to-back pairs, the oneDNN AVX-512 build ran student
 * inference 24-56% faster than the generic build (oneDNN's softmax is much faster); the training steps were within
 * the VM's run-to-run drift (README, Speed).
 *
 * <p>{@link #applyDefault()} picks the fastest build this CPU can run among those on the class path (the command
 * line and the example mains carry the oneDNN AVX2 and AVX-512 builds). A user's own choice wins: the system property
 * itself, or the environment variable {@value #ENV} ({@code generic}, {@code onednn-avx2}, {@code onednn-avx512},
 * {@code avx2}, {@code avx512}). A build the CPU cannot run would crash the JVM with an illegal instruction, so it is
 * never picked automatically.
 */
public final class CpuBuild {

    /** JavaCPP's system property naming the platform extension to load. */
    public static final String PROPERTY = "org.bytedeco.javacpp.platform.extension";
    /** The environment variable that names a build. */
    public static final String ENV = "DISTILL4J_CPU_BUILD";

    /** Builds by preference, with the CPU flags each needs (as /proc/cpuinfo spells them). */
    static final Map<String, Set<String>> BUILDS = new LinkedHashMap<>();

    static {
        Set<String> avx512 = Set.of("avx512f", "avx512cd", "avx512bw", "avx512dq", "avx512vl", "avx2", "fma");
        Set<String> avx2 = Set.of("avx2", "fma", "f16c", "bmi2");
        BUILDS.put("onednn-avx512", avx512);
        BUILDS.put("avx512", avx512);
        BUILDS.put("onednn-avx2", avx2);
        BUILDS.put("avx2", avx2);
        BUILDS.put("generic", Set.of());
    }

    private CpuBuild() {
    }

    /**
     * Sets {@link #PROPERTY} to the chosen build (empty for the generic one) unless it is set already; call it before
     * any ND4J class loads.
     *
     * @return one line saying which build and why
     * @throws IllegalArgumentException when {@value #ENV} names an unknown build or one whose jar is missing
     */
    public static String applyDefault() {
        String set = System.getProperty(PROPERTY);
        if (set != null) {
            return "ND4J CPU build: " + (set.isEmpty() ? "generic" : set.substring(1)) + " (set by -D" + PROPERTY + ")";
        }
        boolean linuxX86 = System.getProperty("os.name", "").toLowerCase().startsWith("linux")
                && List.of("amd64", "x86_64").contains(System.getProperty("os.arch", ""));
        String build = choose(System.getenv(ENV), linuxX86 ? cpuFlags() : Set.of(), CpuBuild::onClassPath);
        // always set, generic included: left unset, JavaCPP loads the first build its preset lists whose jar is
        // present (here onednn-avx2), without asking whether the CPU can run it
        System.setProperty(PROPERTY, build.equals("generic") ? "" : "-" + build);
        return "ND4J CPU build: " + build + (System.getenv(ENV) != null ? " (set by " + ENV + ")"
                : " (the fastest on the class path that this CPU runs; " + ENV + " chooses another)");
    }

    /**
     * The build to load: {@code requested} if given (checked), else the first of {@link #BUILDS} whose jar is present
     * and whose CPU flags are all in {@code flags}.
     */
    static String choose(String requested, Set<String> flags, Predicate<String> present) {
        if (requested != null) {
            String name = requested.trim().toLowerCase();
            if (!BUILDS.containsKey(name)) {
                throw new IllegalArgumentException(ENV + "='" + requested + "' is not an ND4J CPU build; allowed: "
                        + String.join(", ", BUILDS.keySet()));
            }
            if (!available(name, present)) {
                throw new IllegalArgumentException(ENV + "='" + requested + "': the jar nd4j-native-*-linux-x86_64-"
                        + name + ".jar is not on the class path; present: " + String.join(", ", presentBuilds(present)));
            }
            return name;
        }
        for (Map.Entry<String, Set<String>> b : BUILDS.entrySet()) {
            if (available(b.getKey(), present) && flags.containsAll(b.getValue())) {
                return b.getKey();
            }
        }
        return "generic";
    }

    /** The generic build comes with nd4j-native itself; the others only with their own jar. */
    private static boolean available(String build, Predicate<String> present) {
        return build.equals("generic") || present.test(build);
    }

    private static List<String> presentBuilds(Predicate<String> present) {
        return BUILDS.keySet().stream().filter(b -> available(b, present)).toList();
    }

    /** True when the native library of that build is on the class path. */
    static boolean onClassPath(String build) {
        return CpuBuild.class.getClassLoader().getResource(
                "org/nd4j/linalg/cpu/nativecpu/bindings/linux-x86_64-" + build + "/libnd4jcpu.so") != null;
    }

    /** The flags of the first processor in /proc/cpuinfo; empty when unreadable (then only generic is chosen). */
    static Set<String> cpuFlags() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/cpuinfo"))) {
                if (line.startsWith("flags")) {
                    return new HashSet<>(Arrays.asList(line.substring(line.indexOf(':') + 1).trim().split("\\s+")));
                }
            }
        } catch (IOException | RuntimeException e) {
            // not Linux, or no /proc: the generic build is always safe
        }
        return Set.of();
    }
}
