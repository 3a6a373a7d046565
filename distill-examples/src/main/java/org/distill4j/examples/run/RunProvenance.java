package org.distill4j.examples.run;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.distill4j.core.Versions;
import org.nd4j.linalg.factory.Nd4j;

/** What a run folder's {@code provenance.json} records, so that a result can be traced to its code, data and teacher. */
final class RunProvenance {

    private RunProvenance() {
    }

    /**
     * The provenance of a run of {@code spec}: versions, backend, seed, SHA-256 of its data files and of its teacher's
     * {@code model.sdz}, the git state of the working directory and the time.
     */
    static Map<String, Object> of(RunSpec spec) throws IOException {
        Map<String, Object> p = new LinkedHashMap<>();
        p.put("distill4j", Versions.distill4j());
        p.put("nd4j", Versions.nd4j());
        p.put("java", System.getProperty("java.version"));
        p.put("nd4j_backend", Nd4j.getBackend().getClass().getName());
        p.put("seed", spec.training().seed());
        Map<String, String> files = new LinkedHashMap<>();
        RunSpec.DataSpec d = spec.data();
        for (String f : new String[]{d.train(), d.dev(), d.test(), d.vocab()}) {
            if (f != null) {
                files.put(f, sha256(Path.of(f)));
            }
        }
        p.put("sha256", files);
        if (spec.teacher() != null && spec.teacher().model() != null) {
            p.put("teacher_model_sha256", sha256(Path.of(spec.teacher().model()).resolve("model.sdz")));
        }
        Map<String, Object> git = gitState(Path.of(""));
        if (git != null) {
            p.put("working_directory_git", git);
        }
        p.put("created", Instant.now().toString());
        return p;
    }

    /**
     * The commit checked out in {@code dir} and whether tracked files differ from it ({@code git rev-parse HEAD},
     * {@code git status --porcelain --untracked-files=no}), or null when it is not a git work tree or git is not
     * installed. For runs started from a clone of this repository (bin/distill) it names the code that ran, unless the
     * classes were built from other sources.
     */
    static Map<String, Object> gitState(Path dir) {
        try {
            String commit = git(dir, "rev-parse", "HEAD");
            String status = git(dir, "status", "--porcelain", "--untracked-files=no");
            if (commit == null || status == null) {
                return null;
            }
            Map<String, Object> g = new LinkedHashMap<>();
            g.put("commit", commit.strip());
            g.put("dirty", !status.isBlank());
            return g;
        } catch (IOException e) {
            return null; // no git on the PATH
        }
    }

    private static String git(Path dir, String... args) throws IOException {
        List<String> command = new ArrayList<>(List.of("git", "-C", dir.toAbsolutePath().toString()));
        command.addAll(List.of(args));
        Process p = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.DISCARD).start();
        try {
            p.getOutputStream().close();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!p.waitFor(10, TimeUnit.SECONDS) || p.exitValue() != 0) {
                p.destroyForcibly();
                return null;
            }
            return out;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            p.destroyForcibly();
            return null;
        }
    }

    private static String sha256(Path file) throws IOException {
        try (InputStream in = Files.newInputStream(file)) {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            byte[] buf = new byte[1 << 16];
            for (int n; (n = in.read(buf)) > 0; ) {
                md.update(buf, 0, n);
            }
            return HexFormat.of().formatHex(md.digest());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
