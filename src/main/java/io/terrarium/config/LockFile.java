package io.terrarium.config;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;

/**
 * An exclusive advisory lock on a file, held by this process: the one helper behind every
 * "only one at a time on this host" guard (configuration changes, S3 export runs, restores of an
 * instance, release updates). It is a POSIX record lock ({@link FileChannel#tryLock()}, {@code fcntl}
 * on Linux), so the kernel releases it when the process dies, and a lock file left behind by a killed
 * process never blocks anyone. The file is created (with its parent directories) when missing and is
 * never deleted (deleting it would let two processes lock two different files of one name).
 *
 * <p>Within one JVM a second attempt on a file this JVM already holds fails as "held" too (the JDK
 * throws {@link OverlappingFileLockException} there; this class maps it to "held by someone else").
 */
public final class LockFile implements AutoCloseable {
    /**
     * Files this JVM holds. Checked before a channel is opened: closing a second channel on a file
     * this process has locked would drop the process's POSIX lock in the kernel ({@link FileLock}
     * "closing a channel releases all locks held by the Java virtual machine on the underlying file"),
     * letting another process in while the holder here still runs.
     */
    private static final java.util.Set<Path> HELD = java.util.concurrent.ConcurrentHashMap.newKeySet();
    private final Path file;
    private final FileLock lock;

    private LockFile(Path file, FileLock lock) {
        this.file = file;
        this.lock = lock;
    }

    /**
     * Tries to take the lock once, without waiting.
     *
     * @param file the lock file (created with its parent directories when missing)
     * @return the held lock, or {@code null} when another process, or another holder in this JVM, has it
     * @throws IOException when the directory or the file cannot be created or opened
     */
    public static LockFile tryAcquire(Path file) throws IOException {
        Path parent = file.toAbsolutePath().getParent();
        if (parent != null) {
            Files.createDirectories(parent);
        }
        Path key = file.toAbsolutePath().normalize();
        if (HELD.contains(key)) {
            return null;
        }
        FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
        FileLock l;
        try {
            l = ch.tryLock();
        } catch (OverlappingFileLockException e) {
            l = null;
        } catch (IOException | RuntimeException e) {
            ch.close();
            throw e;
        }
        if (l == null) {
            ch.close();
            return null;
        }
        if (!HELD.add(key)) {
            // another thread of this JVM won in between: give this channel's lock back without closing
            // anything the winner uses (the JDK's lock table made l == null above in that case, so
            // this is only a safety net)
            l.release();
            ch.close();
            return null;
        }
        return new LockFile(file, l);
    }

    /**
     * Takes the lock, polling every 20 ms for up to {@code timeout}.
     *
     * @return the held lock, or {@code null} when it was still held by someone else after {@code timeout}
     * @throws IOException          when the file cannot be created or opened
     * @throws InterruptedException when interrupted while waiting
     */
    public static LockFile acquire(Path file, Duration timeout) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            LockFile l = tryAcquire(file);
            if (l != null || System.nanoTime() > deadline) {
                return l;
            }
            Thread.sleep(20);
        }
    }

    /** The lock file. */
    public Path file() {
        return file;
    }

    /** Releases the lock and closes the file; a second call does nothing. */
    public void release() throws IOException {
        if (lock.channel().isOpen()) {
            try {
                lock.release();
            } finally {
                lock.channel().close();
                HELD.remove(file.toAbsolutePath().normalize());
            }
        }
    }

    /** Same as {@link #release()}. */
    @Override
    public void close() throws IOException {
        release();
    }
}
