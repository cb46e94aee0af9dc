package io.terrarium.daemon;

import io.terrarium.config.TerrariumConfig;
import io.terrarium.jobs.Job;
import io.terrarium.jobs.JobResult;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;

import static org.assertj.core.api.Assertions.assertThat;

class CurrentConfigJobTest {
    /** A job that reports the bucket of the configuration it was built for. */
    private static List<Job> jobsFor(TerrariumConfig c) {
        String bucket = c.s3().bucket();
        return List.of(new Job() {
            public String id() {
                return "s3-export";
            }

            public String description() {
                return "export to " + bucket;
            }

            public String defaultSchedule() {
                return "0 30 * * * ?";
            }

            public JobResult run() {
                return new JobResult("s3-export", JobResult.Status.OK, "bucket " + bucket, null, Instant.EPOCH, 0, null, Map.of());
            }
        });
    }

    private static TerrariumConfig withBucket(String b) {
        return TerrariumConfig.defaults().withS3(new TerrariumConfig.S3(true, "generic", null, null, b, null, "AK", "/etc/x"));
    }

    @Test
    void eachRunUsesTheConfigurationStoredNowNotTheOneAtStart() {
        AtomicReference<Object> stored = new AtomicReference<>(withBucket("old-bucket"));
        List<Job> jobs = CurrentConfigJob.wrapAll(withBucket("old-bucket"), () -> {
            Object s = stored.get();
            if (s instanceof RuntimeException e) {
                throw e;
            }
            return (TerrariumConfig) s;
        }, CurrentConfigJobTest::jobsFor);
        Job job = jobs.get(0);
        assertThat(job.id()).isEqualTo("s3-export");
        assertThat(job.defaultSchedule()).isEqualTo("0 30 * * * ?");
        assertThat(job.run().summary()).isEqualTo("bucket old-bucket");

        stored.set(withBucket("new-bucket")); // terrariumctl set s3 … while the daemon runs
        assertThat(job.run().summary()).isEqualTo("bucket new-bucket");

        stored.set(new IllegalStateException("stored config invalid: line 3"));
        assertThat(job.run().summary()).as("falls back to the last configuration that loaded").isEqualTo("bucket new-bucket");
        // the description stays the one from daemon start (the route was built from it)
        assertThat(job.description()).isEqualTo("export to old-bucket");
    }
}
