package org.distill4j.examples.robustness;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The {@code distill} command in a child JVM, as a user runs it, so that a test can kill it with SIGKILL
 * ({@link Process#destroyForcibly()}) or give it a small memory limit. Output goes to a log file for the assertions.
 */
final class ChildRun {

    private ChildRun() {
    }

    /** Starts {@code distill args...} with extra JVM options; stdout and stderr go to {@code log}. */
    static Process start(Path log, List<String> jvmOptions, String... args) throws IOException {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(jvmOptions);
        command.add("-cp");
        command.add(System.getProperty("java.class.path"));
        command.add("org.distill4j.examples.cli.DistillCli");
        command.addAll(List.of(args));
        return new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
                .start();
    }

    /** Runs to the end; returns the exit code. */
    static int run(Path log, List<String> jvmOptions, String... args) throws IOException, InterruptedException {
        Process p = start(log, jvmOptions, args);
        if (!p.waitFor(10, TimeUnit.MINUTES)) {
            p.destroyForcibly();
            throw new IllegalStateException("child run did not end in 10 minutes; log: " + log);
        }
        return p.exitValue();
    }

    /** SIGKILL, and wait until the process is gone (its file locks with it). */
    static void kill(Process p) throws InterruptedException {
        p.destroyForcibly();
        if (!p.waitFor(1, TimeUnit.MINUTES)) {
            throw new IllegalStateException("process " + p.pid() + " survived SIGKILL");
        }
    }
}
