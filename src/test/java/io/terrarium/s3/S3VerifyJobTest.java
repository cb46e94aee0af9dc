package io.terrarium.s3;

import io.terrarium.jobs.JobResult;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class S3VerifyJobTest {
    /** `backup verify --instance nosuch` with S3 off printed "OK in 0 ms (null, trigger null)" and exited 0 (issue 15). */
    @Test
    void verifyingANamedInstanceWhileS3IsDisabledFailsAndSaysHowToConfigureIt() {
        JobResult r = new S3VerifyJob(() -> null, () -> "inst-1").run("nosuch");
        assertThat(r.status()).isEqualTo(JobResult.Status.FAILED);
        assertThat(r.summary()).contains("nothing to verify for instance nosuch").contains("terrariumctl set s3 --enable");
    }

    @Test
    void theScheduledJobStaysIdleAndOkWhileS3IsDisabled() {
        JobResult r = new S3VerifyJob(() -> null, () -> "inst-1").run(null);
        assertThat(r.status()).isEqualTo(JobResult.Status.OK);
        assertThat(r.summary()).isEqualTo("S3 exports are disabled; nothing to verify");
    }
}
