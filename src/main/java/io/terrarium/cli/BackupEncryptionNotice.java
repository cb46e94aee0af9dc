package io.terrarium.cli;

import io.terrarium.s3.crypto.BackupKey;
import io.terrarium.s3.crypto.BackupKeys;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Optional;

/**
 * S3 backup encryption as {@code set s3} and {@code install} offer it (issue 13): whether to create a
 * backup key, creating it, and the line they print about encryption. The key itself is never printed
 * here (only {@code backup key} shows where it is).
 */
final class BackupEncryptionNotice {
    private BackupEncryptionNotice() {
    }

    /**
     * Whether this run creates a backup key.
     *
     * <p>Rule (what a restic operator expects: new repositories are encrypted): with a key already
     * stored, never (encryption stays on; {@code --no-encrypt} is then refused by the caller). Else
     * {@code --encrypt}/{@code --no-encrypt} decide; without either, a host that already exported in
     * plaintext keeps doing so, terminal or not (turning it on would make its next export a full and
     * its older points unauthenticated) and is told how to turn it on; S3 enabled for the first time
     * ({@code wasEnabled} false) asks a terminal (default yes) and is encrypted without one.
     *
     * @param flag       {@code --encrypt} (true), {@code --no-encrypt} (false) or neither (null)
     * @param wasEnabled S3 exports were enabled before this run
     * @param hasKey     a backup key is stored
     * @param prompter   the terminal, or null without one
     * @return true to create a key
     */
    static boolean shouldCreateKey(Boolean flag, boolean wasEnabled, boolean hasKey, Prompter prompter) {
        if (hasKey) {
            return false;
        }
        if (flag != null) {
            return flag;
        }
        if (wasEnabled) {
            // a host already exporting in plaintext keeps its mode unless asked with --encrypt, also
            // on a terminal: a key created by pressing Enter would make every older point
            // unauthenticated (s3-verify FAILED, restores need --accept-unauthenticated)
            return false;
        }
        if (prompter != null) {
            return prompter.confirm("Encrypt S3 exports client-side (AES-256-GCM, authenticated restore points; creates a backup key"
                    + " whose recovery copy you keep offline)?", true);
        }
        return !wasEnabled;
    }

    /** Loads the stored keys; an unusable key file is an error naming the file. */
    static Optional<BackupKeys> keys(Path secretsDir) {
        try {
            return BackupKeys.load(secretsDir);
        } catch (IOException e) {
            throw new IllegalArgumentException("the backup key in " + secretsDir + " is unusable: " + e.getMessage()
                    + "; fix or remove it, then run again (nothing was stored)");
        }
    }

    /**
     * Creates the backup key in {@code secretsDir} (0600) and prints its id and how to keep the
     * recovery key offline (never the key).
     *
     * @throws IOException when the key file cannot be written
     */
    static void createKey(PrintWriter out, Path secretsDir) throws IOException {
        BackupKey key = BackupKey.generate();
        Path file = BackupKeys.store(secretsDir, key);
        out.println("Created backup key " + key.id() + " in " + file + ": S3 exports are encrypted and authenticated from the next run.");
        BackupKeyCommand.recoveryAdvice(out, file);
    }

    /** Says whether exports are encrypted and, when not, the one command that turns it on. */
    static void print(PrintWriter out, Path secretsDir) {
        Optional<BackupKeys> keys;
        try {
            keys = BackupKeys.load(secretsDir);
        } catch (IOException e) {
            out.println("backup encryption: the backup key is unusable: " + e.getMessage());
            return;
        }
        if (keys.isPresent()) {
            out.println("backup encryption: on (backup key " + keys.get().current().id() + "; keep its recovery copy offline,"
                    + " see `terrariumctl backup key --help`)");
        } else {
            out.println("backup encryption: OFF — exports are stored in plaintext and restore points are not authenticated."
                    + " Turn it on: terrariumctl backup key init (or set s3 --enable --encrypt), then keep the recovery key offline");
        }
    }
}
