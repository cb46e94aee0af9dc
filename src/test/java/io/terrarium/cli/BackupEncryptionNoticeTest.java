package io.terrarium.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedReader;
import java.io.PrintWriter;
import java.io.StringReader;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/** When {@code set s3} and {@code install} create a backup key (issue 13), and what they print. */
class BackupEncryptionNoticeTest {
    static Prompter answering(String line, StringWriter shown) {
        return new Prompter(null, new BufferedReader(new StringReader(line + "\n")), new PrintWriter(shown, true));
    }

    @Test
    void aStoredKeyIsNeverReplacedWhateverTheFlagOrAnswer() {
        assertThat(BackupEncryptionNotice.shouldCreateKey(true, false, true, null)).isFalse();
        assertThat(BackupEncryptionNotice.shouldCreateKey(null, false, true, answering("y", new StringWriter()))).isFalse();
    }

    @Test
    void theFlagsDecideWithoutAsking() {
        StringWriter shown = new StringWriter();
        assertThat(BackupEncryptionNotice.shouldCreateKey(true, true, false, answering("n", shown))).isTrue();
        assertThat(BackupEncryptionNotice.shouldCreateKey(false, false, false, answering("y", shown))).isFalse();
        assertThat(shown.toString()).as("nothing asked").isEmpty();
    }

    @Test
    void aTerminalIsAskedWithYesAsTheDefault() {
        StringWriter shown = new StringWriter();
        assertThat(BackupEncryptionNotice.shouldCreateKey(null, false, false, answering("", shown))).isTrue();
        assertThat(shown.toString()).contains("Encrypt S3 exports client-side").contains("(Y/n)");
        assertThat(BackupEncryptionNotice.shouldCreateKey(null, false, false, answering("n", new StringWriter()))).isFalse();
    }

    /**
     * Tester, session 5: on a terminal, Enter on `set s3 --enable --keep-chains 3` of a host already
     * exporting in plaintext created a key, after which s3-verify FAILED every older point.
     */
    @Test
    void aHostAlreadyExportingInPlaintextIsNotAskedAndKeepsItsModeOnATerminalToo() {
        StringWriter shown = new StringWriter();
        assertThat(BackupEncryptionNotice.shouldCreateKey(null, true, false, answering("", shown))).isFalse();
        assertThat(shown.toString()).isEmpty();
        assertThat(BackupEncryptionNotice.shouldCreateKey(true, true, false, answering("", shown))).isTrue();
    }

    @Test
    void withoutATerminalAFirstS3SetupIsEncryptedAndAHostAlreadyExportingKeepsItsMode() {
        assertThat(BackupEncryptionNotice.shouldCreateKey(null, false, false, null)).isTrue();
        assertThat(BackupEncryptionNotice.shouldCreateKey(null, true, false, null)).isFalse();
    }

    @Test
    void creatingTheKeySaysHowToKeepTheRecoveryKeyOfflineAndNeverPrintsIt(@TempDir Path dir) throws Exception {
        StringWriter out = new StringWriter();
        BackupEncryptionNotice.createKey(new PrintWriter(out, true), dir.resolve("secrets"));
        String key = Files.readString(dir.resolve("secrets/" + io.terrarium.s3.crypto.BackupKeys.FILE)).strip();
        assertThat(key).isNotBlank();
        assertThat(out.toString()).contains("Created backup key").contains("Keep a copy OFFLINE")
                .contains("terrariumctl backup key import").doesNotContain(key);
    }
}
