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

    @Test
    void withoutARecordedCopyNothingIsPending(@TempDir Path dir) {
        assertThat(new AppliedConfig(dir, codec).pending(TerrariumConfig.defaults())).isFalse();
    }
}
