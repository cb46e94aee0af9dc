package io.terrarium.s3.crypto;

import io.terrarium.config.SecretStore;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * The backup keys this host holds: {@value #FILE} in the secrets directory and, while
 * {@code backup rekey} runs (or after it was interrupted), {@value #NEXT_FILE}. New exports use
 * the next key when there is one, else the current one; reading accepts either (looked up by the
 * key id a manifest names). Files are 0600 in the 0700 secrets directory ({@link SecretStore}).
 */
public final class BackupKeys {
    /** File name of the current key in the secrets directory. */
    public static final String FILE = "backup.key";
    /** File name of the key a running or interrupted rekey moves to. */
    public static final String NEXT_FILE = "backup.key.next";

    private final BackupKey current;
    private final BackupKey next;

    /** @param current the key in {@value #FILE} @param next the key in {@value #NEXT_FILE}, or {@code null} */
    public BackupKeys(BackupKey current, BackupKey next) {
        if (current == null) {
            throw new IllegalArgumentException("a key ring needs a current key");
        }
        this.current = current;
        this.next = next;
    }

    /** A ring of one key. */
    public static BackupKeys of(BackupKey key) {
        return new BackupKeys(key, null);
    }

    /**
     * The keys in {@code secretsDir}, or empty when the host has no backup key (exports stay plaintext).
     *
     * @throws IOException when a key file is unreadable, readable by others, or not a backup key
     *                     (the message names the file, never its content)
     */
    public static Optional<BackupKeys> load(Path secretsDir) throws IOException {
        Path cur = secretsDir.resolve(FILE);
        Path nxt = secretsDir.resolve(NEXT_FILE);
        if (!Files.exists(cur)) {
            if (Files.exists(nxt)) {
                throw new IOException(nxt + " exists without " + cur + ": an interrupted rekey? move it to " + cur
                        + " if it is the key you want");
            }
            return Optional.empty();
        }
        return Optional.of(new BackupKeys(read(cur), Files.exists(nxt) ? read(nxt) : null));
    }

    private static BackupKey read(Path file) throws IOException {
        try {
            return BackupKey.parse(SecretStore.read(file));
        } catch (IllegalArgumentException e) {
            throw new IOException(file + ": " + e.getMessage());
        }
    }

    /** Stores {@code key} as the current key (0600). */
    public static Path store(Path secretsDir, BackupKey key) throws IOException {
        return new SecretStore(secretsDir).write(FILE, (key.recoveryKey() + "\n").getBytes(StandardCharsets.UTF_8));
    }

    /** The key new exports are sealed with. */
    public BackupKey sealing() {
        return next != null ? next : current;
    }

    /** The key in {@value #FILE}. */
    public BackupKey current() {
        return current;
    }

    /** The key in {@value #NEXT_FILE}, if a rekey is under way. */
    public Optional<BackupKey> next() {
        return Optional.ofNullable(next);
    }

    /** The key with this id, if held. */
    public Optional<BackupKey> byId(String id) {
        Map<String, BackupKey> m = new LinkedHashMap<>();
        m.put(current.id(), current);
        if (next != null) {
            m.put(next.id(), next);
        }
        return Optional.ofNullable(m.get(id));
    }
}
