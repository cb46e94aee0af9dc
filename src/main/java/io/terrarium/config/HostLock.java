package io.terrarium.config;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;

/**
 * An exclusive host-wide lock on a file (POSIX record lock through {@link FileChannel#lock}),
 * serialising read-modify-write cycles of the configuration across processes (two
 * {@code terrariumctl set} at the same moment both take effect, case C15) and across threads of one
 * JVM. The kernel releases it when the process dies.
 */
public final class HostLock implements AutoCloseable {
    private static final ReentrantLock IN_PROCESS = new ReentrantLock();

    private final FileChannel channel;
    private final FileLock lock;

    private HostLock(FileChannel channel, FileLock lock) {
        this.channel = channel;
        this.lock = lock;
    }

    /**
     * Takes the lock, waiting up to {@code timeout}.
     *
     * @throws IOException when the lock file cannot be opened or the lock not taken in time
     */
    public static HostLock acquire(Path lockFile, Duration timeout) throws IOException {
        long deadline = System.nanoTime() + timeout.toNanos();
        try {
            if (!IN_PROCESS.tryLock(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                throw new IOException("another configuration change is in progress (lock " + lockFile + "); try again");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while waiting for " + lockFile, e);
        }
        FileChannel ch = null;
        try {
            Files.createDirectories(lockFile.getParent());
            ch = FileChannel.open(lockFile, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
            while (true) {
                FileLock l;
                try {
                    l = ch.tryLock();
                } catch (OverlappingFileLockException e) {
                    l = null;
                }
                if (l != null) {
                    return new HostLock(ch, l);
                }
                if (System.nanoTime() > deadline) {
                    throw new IOException("another configuration change is in progress (lock " + lockFile
                            + " held for more than " + timeout.toSeconds() + " s); try again");
                }
                Thread.sleep(20);
            }
        } catch (IOException | RuntimeException e) {
            closeQuietly(ch);
            IN_PROCESS.unlock();
            throw e;
        } catch (InterruptedException e) {
            closeQuietly(ch);
            IN_PROCESS.unlock();
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while waiting for " + lockFile, e);
        }
    }

    private static void closeQuietly(FileChannel ch) {
        if (ch != null) {
            try {
                ch.close();
            } catch (IOException ignored) {
                // best effort
            }
        }
    }

    @Override
    public void close() throws IOException {
        try {
            lock.release();
            channel.close();
        } finally {
            IN_PROCESS.unlock();
        }
    }
}
