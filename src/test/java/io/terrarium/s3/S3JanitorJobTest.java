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
        assertThat(new S3JanitorJob(TerrariumConfig.S3::disabled, Duration.ofHours(24), Clock.systemUTC()).run().status())
                .isEqualTo(JobResult.Status.OK);
        var incomplete = new TerrariumConfig.S3(true, "generic", "https://s3.example.net", null, null, null, null, null);
        JobResult r = new S3JanitorJob(() -> incomplete, Duration.ofHours(24), Clock.systemUTC()).run();
        assertThat(r.status()).isEqualTo(JobResult.Status.FAILED);
        assertThat(r.summary()).contains("bucket");
    }

    @Test
    void missingSecretFileFailsWithoutLeakingAnything() {
        var cfg = new TerrariumConfig.S3(true, "generic", "http://127.0.0.1:1", null, "b", "terrarium/", "AK",
                "/nonexistent/s3-secret");
        JobResult r = new S3JanitorJob(() -> cfg, Duration.ofHours(24), Clock.systemUTC()).run();
        assertThat(r.status()).isEqualTo(JobResult.Status.FAILED);
        assertThat(r.summary()).contains("/nonexistent/s3-secret does not exist");
    }
}
