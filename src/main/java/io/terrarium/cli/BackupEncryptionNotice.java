package io.terrarium.cli;

import io.terrarium.s3.crypto.BackupKeys;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Optional;

/** The line {@code set s3} and {@code install} print about S3 backup encryption (issue 13). */
final class BackupEncryptionNotice {
    private BackupEncryptionNotice() {
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
                    + " Turn it on: terrariumctl backup key init (then keep the recovery key offline)");
        }
    }
}
