package io.terrarium.config;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Root-only secret files (DESIGN.md §3): directory 0700, files 0600, the mode set before the first
 * byte is written, replaced atomically. Secrets never appear in argv, logs, exception messages or
 * the LXD config: the config stores the path this class returns.
 */
public final class SecretStore {
    private static final Pattern NAME = Pattern.compile("[a-z0-9][a-z0-9._-]{0,63}");
    private static final Set<PosixFilePermission> DIR_MODE = PosixFilePermissions.fromString("rwx------");

    private final Path dir;

    /** @param dir the secrets directory, e.g. {@code /etc/terrarium/secrets} */
    public SecretStore(Path dir) {
        this.dir = dir;
    }

    /**
     * Stores a secret.
     *
     * @param name  file name: lowercase letters, digits, '.', '_', '-' (e.g. {@code s3-secret-key})
     * @param value the secret; a trailing newline is not added
     * @return the absolute path to reference from the config
     * @throws IOException when it cannot be written (the previous value is then kept)
     */
    public Path write(String name, byte[] value) throws IOException {
        if (!NAME.matcher(name).matches()) {
            throw new IllegalArgumentException("secret name \"" + name + "\" must match " + NAME.pattern());
        }
        AtomicFiles.ensureDirectory(dir, DIR_MODE);
        Path target = dir.resolve(name);
        AtomicFiles.write(target, value, AtomicFiles.OWNER_ONLY);
        return target.toAbsolutePath();
    }

    /**
     * Reads a secret file, refusing one that group or others can read.
     *
     * @param file absolute path of the secret
     * @return its content with one trailing newline removed
     * @throws IOException when missing or unreadable, or when its mode lets others read it (the
     *                     message names the file and the fix, never the content)
     */
    public static String read(Path file) throws IOException {
        if (!Files.isRegularFile(file)) {
            throw new IOException("secret file " + file + " does not exist");
        }
        Set<PosixFilePermission> mode = Files.getPosixFilePermissions(file);
        if (mode.contains(PosixFilePermission.OTHERS_READ) || mode.contains(PosixFilePermission.GROUP_READ)) {
            throw new IOException("secret file " + file + " is readable by group or others (mode "
                    + PosixFilePermissions.toString(mode) + "); run: chmod 600 " + file);
        }
        String s = Files.readString(file, StandardCharsets.UTF_8);
        return s.endsWith("\n") ? s.substring(0, s.length() - 1) : s;
    }
}
