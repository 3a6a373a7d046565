package org.distill4j.examples.run;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** provenance.json's working_directory_git: the commit and whether tracked files changed, in a real repository. */
class GitStateTest {

    @TempDir
    Path dir;

    private void git(String... args) throws Exception {
        String[] command = new String[args.length + 3];
        command[0] = "git";
        command[1] = "-C";
        command[2] = dir.toString();
        System.arraycopy(args, 0, command, 3, args.length);
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        assertTrue(p.waitFor(30, TimeUnit.SECONDS) && p.exitValue() == 0, String.join(" ", command) + ": " + out);
    }

    @Test
    void commitAndDirtyFlagOfTheWorkingDirectory() throws Exception {
        assertNull(RunProvenance.gitState(dir), "not a repository: nothing recorded");
        try {
            git("init", "-q");
        } catch (java.io.IOException e) {
            Assumptions.abort("git is not installed");
        }
        git("-c", "user.name=t", "-c", "user.email=t@t", "commit", "-q", "--allow-empty", "-m", "first");
        Files.writeString(dir.resolve("a.txt"), "1");
        git("add", "a.txt");
        git("-c", "user.name=t", "-c", "user.email=t@t", "commit", "-q", "-m", "second");
        Map<String, Object> clean = RunProvenance.gitState(dir);
        assertEquals(40, clean.get("commit").toString().length(), clean.toString());
        assertEquals(false, clean.get("dirty"));
        Files.writeString(dir.resolve("untracked.txt"), "x");
        assertEquals(false, RunProvenance.gitState(dir).get("dirty"), "untracked files (e.g. runs/) do not count");
        Files.writeString(dir.resolve("a.txt"), "2");
        assertEquals(true, RunProvenance.gitState(dir).get("dirty"));
        assertEquals(clean.get("commit"), RunProvenance.gitState(dir).get("commit"));
    }
}
