package io.terrarium.notify;

import io.terrarium.jobs.JobResult;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

class NoticesTest {
    private static final Instant T0 = Instant.parse("2026-12-06T00:00:00Z");

    private static JobResult r(String job, JobResult.Status s, Instant at) {
        return new JobResult(job, s, s.name().toLowerCase(), "schedule", at, 1000, "daemon", null);
    }

    @Test
    void agesAreWholeMinutesHoursOrDays() {
        assertThat(Notices.parseAge("90m")).isEqualTo(Duration.ofMinutes(90));
        assertThat(Notices.parseAge("26h")).isEqualTo(Duration.ofHours(26));
        assertThat(Notices.parseAge("2d")).isEqualTo(Duration.ofDays(2));
        for (String bad : new String[]{"0m", "1.5h", "26", "h", "-1d", "26H", "1w", null, ""}) {
            assertThat(Notices.parseAge(bad)).as(bad).isNull();
        }
    }

    @Test
    void aStaleJobIsReportedOncePerEpisode() {
        Notices n = new Notices(Map.of("s3-export", "26h", "snapshot", "1h"), T0,
                Map.of("s3-export", r("s3-export", JobResult.Status.OK, T0.minus(Duration.ofHours(20)))));
        assertThat(n.stale(T0.plus(Duration.ofMinutes(30)))).isEmpty();
        assertThat(n.stale(T0.plus(Duration.ofMinutes(61)))).extracting(Notices.Notice::job).containsExactly("snapshot");
        assertThat(n.stale(T0.plus(Duration.ofMinutes(62)))).isEmpty();
        var s3 = n.stale(T0.plus(Duration.ofHours(7)));
        assertThat(s3).extracting(Notices.Notice::job).containsExactly("s3-export");
        assertThat(s3.get(0).summary()).isEqualTo("last good run " + T0.minus(Duration.ofHours(20)).plusSeconds(1)
                + "; expected one within 26h");
        // a good run ends the episode; the next gap is reported again
        assertThat(n.finished(r("snapshot", JobResult.Status.OK, T0), T0.plus(Duration.ofHours(8)))).isNull();
        assertThat(n.stale(T0.plus(Duration.ofHours(8).plusMinutes(30)))).isEmpty();
        assertThat(n.stale(T0.plus(Duration.ofHours(9).plusMinutes(1)))).extracting(Notices.Notice::job).containsExactly("snapshot");
    }

    @Test
    void failuresNotifyOnChangeAndRejectedRunsAreNotResults() {
        Notices n = new Notices(Map.of(), T0, Map.of("replicate", r("replicate", JobResult.Status.FAILED, T0)));
        assertThat(n.finished(r("replicate", JobResult.Status.FAILED, T0), T0)).as("still failing since before the restart").isNull();
        assertThat(n.finished(r("replicate", JobResult.Status.REJECTED, T0), T0)).isNull();
        assertThat(n.finished(r("replicate", JobResult.Status.WARNING, T0), T0).type()).isEqualTo("job.recovered");
        assertThat(n.finished(r("replicate", JobResult.Status.FAILED, T0), T0).type()).isEqualTo("job.failed");
        assertThat(n.finished(r("proxy-sync", JobResult.Status.FAILED, T0), T0).type()).as("first run seen").isEqualTo("job.failed");
    }
}
