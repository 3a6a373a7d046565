package org.distill4j.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.distill4j.core.train.CpuBuild;
import org.junit.jupiter.api.Test;

/**
 * Which ND4J native library a fresh JVM with distill-examples' class path loads (each case is its own process, as ND4J
 * loads once per JVM).
 */
class CpuBuildLoadTest {

    /** Prints the loaded libnd4jcpu.so, after {@link CpuBuild#applyDefault()} when the first argument is "apply". */
    public static final class Probe {
        public static void main(String[] args) throws IOException {
            if (args.length > 0 && args[0].equals("apply")) {
                System.out.println(CpuBuild.applyDefault());
            }
            org.nd4j.linalg.factory.Nd4j.create(1);
            for (String line : Files.readAllLines(Path.of("/proc/self/maps"))) {
                if (line.contains("libnd4jcpu.so")) {
                    System.out.println("LOADED " + line.substring(line.indexOf('/')));
                    return;
                }
            }
        }
    }

    private static String loaded(Map<String, String> env, String... args) throws Exception {
        return library(probe(env, args));
    }

    private static String library(String out) {
        return out.lines().filter(l -> l.startsWith("LOADED ")).findFirst().orElseThrow(() -> new AssertionError(out))
                .substring("LOADED ".length());
    }

    private static String probe(Map<String, String> env, String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), Probe.class.getName()));
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
        pb.environment().remove(CpuBuild.ENV);
        pb.environment().put("OMP_NUM_THREADS", "1");
        pb.environment().putAll(env);
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(120, TimeUnit.SECONDS), "probe did not finish");
        assertEquals(0, p.exitValue(), out);
        return out;
    }

    @Test
    void unsetJavaCppPicksAOneDnnBuildWithoutAskingTheCpuSoCpuBuildAlwaysSetsIt() throws Exception {
        assumeTrue(Files.isReadable(Path.of("/proc/self/maps")), "needs Linux");
        // why CpuBuild sets the property even for the generic build: left unset, JavaCPP took a oneDNN build
        assertTrue(loaded(Map.of()).contains("onednn"), "JavaCPP's own pick without the property");
        assertTrue(loaded(Map.of(CpuBuild.ENV, "generic"), "apply").endsWith("/linux-x86_64/libnd4jcpu.so"));
        // and with no choice made, the build it picks for this CPU is the one that loads
        String out = probe(Map.of(), "apply");
        String build = out.lines().filter(l -> l.startsWith("ND4J CPU build: ")).findFirst().orElseThrow()
                .substring("ND4J CPU build: ".length()).split(" ")[0];
        assertTrue(library(out).endsWith("linux-x86_64" + (build.equals("generic") ? "" : "-" + build)
                + "/libnd4jcpu.so"), out);
    }
}
