package io.terrarium.config;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Arrays;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Atomic file replacement (DESIGN.md §3): the bytes go to a temp file in the same directory whose
 * name starts with '.' and ends with {@code .tmp} (ignored by readers such as Traefik's file
 * provider, which only reads {@code *.yml}, {@code *.yaml} and {@code *.toml}), created with its final mode before the
 * first byte is written, fsynced, then renamed over the target and the directory fsynced. A reader
 * sees either the old or the new file, never a partial one.
 */
public final class AtomicFiles {
    /** rw------- */
    public static final Set<PosixFilePermission> OWNER_ONLY = PosixFilePermissions.fromString("rw-------");
    /** rw-r--r-- */
    public static final Set<PosixFilePermission> WORLD_READABLE = PosixFilePermissions.fromString("rw-r--r--");

    private AtomicFiles() {
    }

    /**
     * Replaces {@code target} with {@code data}.
     *
     * @param target file to replace (its directory must exist)
     * @param data   the full new content
     * @param mode   permissions of the new file, applied at creation
     * @throws IOException when the directory is missing, the disk is full, …; the old file is then
     *                     untouched and the temp file removed
     */
    public static void write(Path target, byte[] data, Set<PosixFilePermission> mode) throws IOException {
        Path dir = target.toAbsolutePath().getParent();
        Path tmp = dir.resolve("." + target.getFileName() + "." + Long.toHexString(ThreadLocalRandom.current().nextLong()) + ".tmp");
        try {
            try (FileChannel ch = FileChannel.open(tmp, Set.of(StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE),
                    PosixFilePermissions.asFileAttribute(mode))) {
                // the umask may have removed bits: set the exact mode before writing anything
                Files.setPosixFilePermissions(tmp, mode);
                ByteBuffer buf = ByteBuffer.wrap(data);
                while (buf.hasRemaining()) {
                    ch.write(buf);
                }
                ch.force(true);
            }
            try {
                Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                throw new IOException("cannot atomically replace " + target + ": " + e.getMessage(), e);
            }
            fsyncDirectory(dir);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    /** True when {@code target} exists and holds exactly {@code data}. */
    public static boolean sameContent(Path target, byte[] data) throws IOException {
        return Files.isRegularFile(target) && Files.size(target) == data.length
                && Arrays.equals(Files.readAllBytes(target), data);
    }

    /**
     * Creates a directory (and parents) with the given mode, or tightens an existing one to it.
     *
     * @throws IOException when it cannot be created or its mode set
     */
    public static void ensureDirectory(Path dir, Set<PosixFilePermission> mode) throws IOException {
        try {
            Files.createDirectories(dir.getParent());
            Files.createDirectory(dir, PosixFilePermissions.asFileAttribute(mode));
        } catch (FileAlreadyExistsException e) {
            // exists: fall through and enforce the mode
        }
        Files.setPosixFilePermissions(dir, mode);
    }

    private static void fsyncDirectory(Path dir) {
        try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
            ch.force(true);
        } catch (IOException ignored) {
            // some filesystems refuse to open a directory for fsync; the rename is still atomic
        }
    }
}
