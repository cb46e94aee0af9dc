package io.terrarium.restore;

import io.terrarium.config.LockFile;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.Supplier;

/**
 * One restore of an instance at a time, whichever the source (local snapshot or S3): a
 * {@link LockFile} {@code restore-<instance>.lock} in the run directory, held while the restore runs.
 */
final class RestoreLock {
    private RestoreLock() {
    }

    /**
     * Runs {@code body} holding the instance's restore lock.
     *
     * @param dir      the run directory (created when missing)
     * @param instance the instance being restored
     * @return what {@code body} returns
     * @throws RestoreException when another restore of the instance runs, or the lock cannot be taken
     */
    static <T> T holding(Path dir, String instance, Supplier<T> body) {
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new RestoreException("cannot create " + dir + ": " + e.getMessage(), e);
        }
        Path file = dir.resolve("restore-" + instance + ".lock");
        try (LockFile lock = LockFile.tryAcquire(file)) {
            if (lock == null) {
                throw new RestoreException("instance " + instance + " is busy: another restore of it is running");
            }
            try {
                return body.get();
            } finally {
                lock.release();
            }
        } catch (IOException e) {
            throw new RestoreException("cannot lock " + file + ": " + e.getMessage(), e);
        }
    }
}
