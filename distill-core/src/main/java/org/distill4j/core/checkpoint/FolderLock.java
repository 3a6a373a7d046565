package org.distill4j.core.checkpoint;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import org.distill4j.core.config.ConfigException;

/**
 * An exclusive lock on an output folder, so that two runs never write checkpoints, metrics or models into the same
 * folder at once. It is an operating-system lock ({@link FileChannel#tryLock()}) on {@value #FILE_NAME} in the
 * folder: the system releases it when the process ends, even by SIGKILL, so a crashed run never leaves a stale lock
 * behind. The file also records who holds it (pid, host, start time), for the refusal message.
 */
public final class FolderLock implements AutoCloseable {

    /** Name of the lock file inside the locked folder. */
    public static final String FILE_NAME = ".distill4j.lock";

    private final Path folder;
    private final FileChannel channel;
    private final FileLock lock;

    private FolderLock(Path folder, FileChannel channel, FileLock lock) {
        this.folder = folder;
        this.channel = channel;
        this.lock = lock;
    }

    /**
     * Creates the folder if needed and locks it.
     *
     * @param folder the output folder
     * @param field  the configuration field that named the folder, for the refusal message (e.g. {@code output})
     * @throws ConfigException if another run (in this or another process) holds the folder
     */
    public static FolderLock acquire(Path folder, String field) {
        Path file = folder.resolve(FILE_NAME);
        FileChannel channel = null;
        try {
            Files.createDirectories(folder);
            channel = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE);
            FileLock lock;
            try {
                lock = channel.tryLock();
            } catch (OverlappingFileLockException e) { // held by this same process
                lock = null;
            }
            if (lock == null) {
                String holder = Files.readString(file, StandardCharsets.UTF_8).strip();
                channel.close();
                throw new ConfigException(field, folder.toString(), "another run is writing into this folder ("
                        + (holder.isEmpty() ? "holder unknown" : holder) + "); wait for it to end or choose another "
                        + "output folder");
            }
            String who = "pid " + ProcessHandle.current().pid() + " on " + hostName() + ", since " + Instant.now();
            channel.truncate(0);
            channel.write(ByteBuffer.wrap(who.getBytes(StandardCharsets.UTF_8)), 0);
            channel.force(false);
            return new FolderLock(folder, channel, lock);
        } catch (IOException e) {
            closeQuietly(channel);
            throw new UncheckedIOException("cannot lock the output folder " + folder + " (" + field + "): " + e.getMessage(), e);
        }
    }

    private static String hostName() {
        try {
            return java.net.InetAddress.getLocalHost().getHostName();
        } catch (IOException e) {
            return "an unknown host";
        }
    }

    private static void closeQuietly(FileChannel channel) {
        if (channel != null) {
            try {
                channel.close();
            } catch (IOException ignored) {
                // nothing to release: the lock was never taken
            }
        }
    }

    /** The locked folder. */
    public Path folder() {
        return folder;
    }

    /** Releases the lock; the lock file stays (empty), which is harmless and avoids a delete race with a waiter. */
    @Override
    public void close() {
        try {
            if (lock.isValid()) {
                channel.truncate(0);
                lock.release();
            }
            channel.close();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot release the lock on " + folder, e);
        }
    }
}
