package org.distill4j.core.checkpoint;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.distill4j.core.config.ConfigException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Two runs never write into one folder: a second lock is refused, in this process or another, and names the holder. */
class FolderLockTest {

    @TempDir
    Path dir;

    @Test
    void aSecondLockInTheSameProcessIsRefusedUntilTheFirstIsReleased() {
        Path out = dir.resolve("run");
        try (FolderLock first = FolderLock.acquire(out, "output")) {
            ConfigException e = assertThrows(ConfigException.class, () -> FolderLock.acquire(out, "output"));
            assertEquals("output", e.field());
            assertTrue(e.getMessage().contains("pid " + ProcessHandle.current().pid())
                    && e.getMessage().contains("another run is writing"), e.getMessage());
        }
        FolderLock.acquire(out, "output").close(); // free again
    }

    /** The holder is another JVM; its lock dies with it even when it is killed with SIGKILL. */
    @Test
    void aLockHeldByAnotherProcessIsRefusedAndFreedWhenThatProcessIsKilled() throws Exception {
        Path out = dir.resolve("shared");
        Process holder = new ProcessBuilder(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), Holder.class.getName(), out.toString()))
                .redirectErrorStream(true).start();
        try {
            BufferedReader lines = new BufferedReader(new InputStreamReader(holder.getInputStream()));
            assertEquals("locked", lines.readLine(), "the holder process reports its lock");
            ConfigException e = assertThrows(ConfigException.class, () -> FolderLock.acquire(out, "training.output_dir"));
            assertTrue(e.getMessage().contains("pid " + holder.pid()), e.getMessage());
        } finally {
            holder.destroyForcibly(); // SIGKILL: no shutdown hook, no close()
            assertTrue(holder.waitFor(30, TimeUnit.SECONDS));
        }
        FolderLock.acquire(out, "training.output_dir").close();
    }

    /** Child-process main: locks the folder, says so, and waits to be killed. */
    public static final class Holder {
        public static void main(String[] args) throws InterruptedException {
            FolderLock lock = FolderLock.acquire(Path.of(args[0]), "output");
            System.out.println("locked");
            System.out.flush();
            Thread.sleep(120_000);
            lock.close();
        }
    }
}
