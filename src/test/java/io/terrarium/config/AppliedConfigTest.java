package io.terrarium.config;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Issue 14 item 8: which differences between the stored document and the applied copy are
 * "pending" in {@code status}. Only the sections the proxy sync renders from the copy count.
 */
class AppliedConfigTest {
    private final ConfigCodec codec = new ConfigCodec();

    /** A document that validates (a copy that does not validate is ignored by {@code effective}). */
    private TerrariumConfig sample() throws Exception {
        TerrariumConfig c = codec.parse(java.nio.file.Files.readString(Path.of("config/samples/full.yaml")), "full.yaml");
        return c.withS3(TerrariumConfig.S3.disabled());
    }

    @Test
    void anS3ChangeStoredWithNoApplyIsNotPendingBecauseTheExportJobReadsTheStoredDocument(@TempDir Path dir) throws Exception {
        // scripts/demo.sh: `set s3 --enable … --no-apply` made status report "config warn" although
        // the s3-export job used the new settings at its next run
        AppliedConfig applied = new AppliedConfig(dir, codec);
        TerrariumConfig before = sample();
        applied.record(before);
        TerrariumConfig stored = before.withS3(new TerrariumConfig.S3(true, "generic", "http://127.0.0.1:19000", null,
                "bucket", null, "AK", "/etc/terrarium/secrets/s3-secret"));
        assertThat(applied.pending(stored)).isFalse();
        assertThat(applied.effective(stored)).as("the copy is read back").isEqualTo(before);
    }

    @Test
    void aDomainChangeStoredWithNoApplyIsPendingUntilReconfigure(@TempDir Path dir) throws Exception {
        AppliedConfig applied = new AppliedConfig(dir, codec);
        TerrariumConfig before = sample();
        applied.record(before);
        TerrariumConfig stored = before.withDomains(new TerrariumConfig.Domains("other.example.org", null, null, null, null));
        assertThat(applied.pending(stored)).isTrue();
        applied.record(stored);
        assertThat(applied.pending(stored)).isFalse();
    }

    /**
     * Tester, session 9: a non-root {@code status} logged {@code cannot use the applied configuration
     * <path> (<path>)}: an {@code AccessDeniedException}'s message is the path. Each reason names the
     * path once, says why and what to do.
     */
    @Test
    void anUnusableCopyIsReportedNamingItsPathOnceWithTheReasonAndWhatToDo(@TempDir Path dir) throws Exception {
        Path file = dir.resolve(AppliedConfig.FILE);
        assertThat(AppliedConfig.unusable(file, new java.nio.file.AccessDeniedException(file.toString())))
                .isEqualTo("cannot read the applied configuration " + file + ": permission denied (the copy is root's only:"
                        + " run terrariumctl as root, e.g. with sudo)");
        assertThat(AppliedConfig.unusable(file, new java.nio.file.FileSystemException(file.toString(), null, "Input/output error")))
                .isEqualTo("cannot read the applied configuration " + file + ": Input/output error; using the configuration stored in LXD");
        assertThat(AppliedConfig.unusable(file, new java.nio.file.NoSuchFileException(file.toString())))
                .isEqualTo("cannot read the applied configuration " + file + ": it was removed while being read; using the configuration stored in LXD");
        assertThat(AppliedConfig.unusable(file, new java.io.IOException(file.toString())))
                .isEqualTo("cannot read the applied configuration " + file + ": IOException; using the configuration stored in LXD");

        // the real reads: a copy that no longer validates, one that is not UTF-8; the stored document is used
        AppliedConfig applied = new AppliedConfig(dir, codec);
        java.util.List<Exception> thrown = new java.util.ArrayList<>();
        for (byte[] content : new byte[][]{"version: 1\nno_such_key: 1\n".getBytes(java.nio.charset.StandardCharsets.UTF_8),
                {'v', (byte) 0xff, '\n'}}) {
            java.nio.file.Files.write(file, content);
            assertThat(applied.effective(TerrariumConfig.defaults())).isEqualTo(TerrariumConfig.defaults());
            try {
                codec.parse(java.nio.file.Files.readString(file), file.toString());
            } catch (Exception e) {
                thrown.add(e);
            }
        }
        assertThat(AppliedConfig.unusable(file, thrown.get(0))).startsWith("the applied configuration " + file + " is not valid (")
                .contains("no_such_key").endsWith("); using the configuration stored in LXD until `terrariumctl reconfigure` records a new copy")
                .satisfies(m -> assertThat(m.split(java.util.regex.Pattern.quote(file.toString()), -1)).as("the path once").hasSize(2));
        assertThat(AppliedConfig.unusable(file, thrown.get(1))).isEqualTo("cannot read the applied configuration " + file
                + ": it is not UTF-8 text; using the configuration stored in LXD until `terrariumctl reconfigure` records a new copy");
    }

    @Test
    void withoutARecordedCopyNothingIsPending(@TempDir Path dir) {
        assertThat(new AppliedConfig(dir, codec).pending(TerrariumConfig.defaults())).isFalse();
    }

    /**
     * Tester, session 11: a symbolic link at the copy's place ({@code ln -s /etc/shadow …}) was read
     * through, and the WARN quoted the target's first line as an "unknown key". A link is not read: the
     * message says so, quotes nothing of the target, and the stored document is used.
     */
    @Test
    void aLinkInPlaceOfTheCopyIsNotReadAndNothingOfItsTargetIsQuoted(@TempDir Path dir) throws Exception {
        Path secret = java.nio.file.Files.writeString(dir.resolve("shadow"), "root:*:20228:0:99999:7:::\n");
        java.nio.file.Files.createSymbolicLink(dir.resolve(AppliedConfig.FILE), secret);
        AppliedConfig applied = new AppliedConfig(dir, codec);
        java.util.Optional<String> problem = applied.problem();
        assertThat(problem).hasValue("cannot read the applied configuration " + dir.resolve(AppliedConfig.FILE)
                + ": it is a symbolic link, not read (terrariumctl writes a regular file there: remove the link);"
                + " using the configuration stored in LXD");
        TerrariumConfig stored = sample();
        assertThat(applied.effective(stored)).isEqualTo(stored);
        assertThat(applied.pending(stored)).isFalse();
    }

    @Test
    void aCopyThatReadsAndValidatesHasNoProblem(@TempDir Path dir) throws Exception {
        AppliedConfig applied = new AppliedConfig(dir, codec);
        assertThat(applied.problem()).as("no copy").isEmpty();
        applied.record(sample());
        assertThat(applied.problem()).isEmpty();
        java.nio.file.Files.writeString(applied.file(), "version: 1\nno_such_key: 1\n");
        assertThat(applied.problem()).get().asString().startsWith("the applied configuration " + applied.file() + " is not valid (");
    }
}
