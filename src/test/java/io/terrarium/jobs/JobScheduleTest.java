package io.terrarium.jobs;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

class JobScheduleTest {
    private static Job job(String id, String cron, Duration interval) {
        return new Job() {
            @Override
            public String id() {
                return id;
            }

            @Override
            public String description() {
                return id;
            }

            @Override
            public String defaultSchedule() {
                return cron;
            }

            @Override
            public Duration interval() {
                return interval;
            }

            @Override
            public JobResult run() {
                return null;
            }
        };
    }

    @Test
    void theNextCronFireIsComputedInUtc() {
        JobSchedule s = JobSchedule.of(job("snapshot", "0 */15 * * * ?", null), Map.of());
        assertThat(s.describe()).isEqualTo("0 */15 * * * ?");
        assertThat(s.nextAfter(Instant.parse("2026-12-06T14:52:10Z"), null)).isEqualTo(Instant.parse("2026-12-06T15:00:00Z"));
        JobSchedule weekly = JobSchedule.of(job("s3-verify", "0 0 3 ? * SUN", null), Map.of());
        // 2026-12-06 is a Sunday: after 03:00 the next fire is a week later, at 03:00 UTC whatever the host's zone
        assertThat(weekly.nextAfter(Instant.parse("2026-12-06T14:00:00Z"), null)).isEqualTo(Instant.parse("2026-12-13T03:00:00Z"));
    }

    @Test
    void aConfiguredCronWinsOverTheJobsInterval() {
        Job proxy = job("proxy-sync", "0 * * * * ?", Duration.ofSeconds(60));
        assertThat(JobSchedule.of(proxy, Map.of()).describe()).isEqualTo("every 60 s");
        JobSchedule o = JobSchedule.of(proxy, Map.of("proxy-sync", "0 0/5 * * * ?"));
        assertThat(o.describe()).isEqualTo("0 0/5 * * * ?");
        assertThat(o.nextAfter(Instant.parse("2026-12-06T14:52:10Z"), null)).isEqualTo(Instant.parse("2026-12-06T14:55:00Z"));
    }

    @Test
    void anIntervalJobRunsThatLongAfterItsLastRunEndedAndIsUnknownBeforeItsFirst() {
        JobSchedule s = JobSchedule.of(job("proxy-sync", "0 * * * * ?", Duration.ofSeconds(60)), Map.of());
        Instant now = Instant.parse("2026-12-06T14:52:10Z");
        assertThat(s.nextAfter(now, null)).isNull();
        assertThat(s.nextAfter(now, Instant.parse("2026-12-06T14:51:40Z"))).isEqualTo(Instant.parse("2026-12-06T14:52:40Z"));
        // overdue (e.g. the daemon was stopped): due now
        assertThat(s.nextAfter(now, Instant.parse("2026-12-06T10:00:00Z"))).isEqualTo(now);
    }

    @Test
    void anUnparsableCronHasNoNextRun() {
        assertThat(JobSchedule.of(job("x", "not a cron", null), Map.of()).nextAfter(Instant.now(), null)).isNull();
    }
}
