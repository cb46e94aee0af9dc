package io.terrarium.s3;

import io.terrarium.config.TerrariumConfig;
import io.terrarium.jobs.JobResult;
import org.junit.jupiter.api.Test;

import java.time.Clock;
import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;

class S3JanitorJobTest {
    @Test
    void disabledIsOkAndIncompleteConfigFails() {
        assertThat(new S3JanitorJob(TerrariumConfig.S3::disabled, () -> "inst-1", null, Duration.ofHours(24), Clock.systemUTC()).run().status())
                .isEqualTo(JobResult.Status.OK);
        var incomplete = new TerrariumConfig.S3(true, "generic", "https://s3.example.net", null, null, null, null, null);
        JobResult r = new S3JanitorJob(() -> incomplete, () -> "inst-1", null, Duration.ofHours(24), Clock.systemUTC()).run();
        assertThat(r.status()).isEqualTo(JobResult.Status.FAILED);
        assertThat(r.summary()).contains("bucket");
    }

    @Test
    void missingSecretFileFailsWithoutLeakingAnything() {
        var cfg = new TerrariumConfig.S3(true, "generic", "http://127.0.0.1:1", null, "b", "terrarium/", "AK",
                "/nonexistent/s3-secret");
        JobResult r = new S3JanitorJob(() -> cfg, () -> "inst-1", null, Duration.ofHours(24), Clock.systemUTC()).run();
        assertThat(r.status()).isEqualTo(JobResult.Status.FAILED);
        assertThat(r.summary()).contains("/nonexistent/s3-secret does not exist");
    }

    static final TerrariumConfig.S3 CFG = new TerrariumConfig.S3(true, "generic", "http://127.0.0.1:1", null, "b", "terrarium/",
            "AK", "/nonexistent/s3-secret");

    /**
     * Issue 13 item 5: the daily janitor aborted any upload older than 24 h under the whole prefix —
     * a long full export still running, and other installations' uploads.
     */
    @Test
    void theJanitorLeavesARunningExportsUploadAndOtherInstallationsAlone(@org.junit.jupiter.api.io.TempDir java.nio.file.Path tmp)
            throws Exception {
        java.time.Instant now = java.time.Instant.parse("2025-06-01T12:00:00Z");
        FakeS3 s3 = new FakeS3();
        s3.addUpload("terrarium/inst-1/web/data/a/stream.zst.0000", now.minus(Duration.ofHours(30)));
        s3.addUpload("terrarium/inst-2/web/data/b/stream.zst.0000", now.minus(Duration.ofHours(30)));
        java.nio.file.Path lock = tmp.resolve("s3-export.lock");
        S3JanitorJob job = new S3JanitorJob(() -> CFG, () -> "inst-1", lock, Duration.ofHours(24),
                Clock.fixed(now, java.time.ZoneOffset.UTC)).clients(s -> s3);
        try (var export = io.terrarium.config.LockFile.tryAcquire(lock)) {
            JobResult r = job.run();
            assertThat(r.status()).isEqualTo(JobResult.Status.OK);
            assertThat(r.summary()).contains("an s3-export is running");
            assertThat(s3.uploads).hasSize(2);
        }
        JobResult after = job.run();
        assertThat(after.status()).as(after.summary()).isEqualTo(JobResult.Status.OK);
        assertThat(after.summary()).startsWith("aborted 1 orphaned upload(s)");
        assertThat(s3.uploads.values()).extracting(u -> u.key).containsExactly("terrarium/inst-2/web/data/b/stream.zst.0000");
    }
}
