package io.terrarium.config;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;

/**
 * An exclusive host-wide lock on a file ({@link LockFile}: a POSIX record lock),
 * serialising read-modify-write cycles of the configuration across processes (two
 * {@code terrariumctl set} at the same moment both take effect, case C15) and across threads of one
 * JVM. The kernel releases it when the process dies.
 */
public final class HostLock implements AutoCloseable {
    private static final ReentrantLock IN_PROCESS = new ReentrantLock();

    private final LockFile lock;

    private HostLock(LockFile lock) {
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
        try {
            LockFile l = LockFile.acquire(lockFile, Duration.ofNanos(Math.max(0, deadline - System.nanoTime())));
            if (l == null) {
                throw new IOException("another configuration change is in progress (lock " + lockFile
                        + " held for more than " + timeout.toSeconds() + " s); try again");
            }
            return new HostLock(l);
        } catch (IOException | RuntimeException e) {
            IN_PROCESS.unlock();
            throw e;
        } catch (InterruptedException e) {
            IN_PROCESS.unlock();
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while waiting for " + lockFile, e);
        }
    }

    @Override
    public void close() throws IOException {
        try {
            lock.close();
        } finally {
            IN_PROCESS.unlock();
        }
    }
}
