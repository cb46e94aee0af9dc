package io.terrarium.cli;

import io.terrarium.jobs.JobResult;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The proxy sync after an apply runs again while the daemon's own run of it is in progress (found
 * by the demo: {@code reconfigure} met the freshly started daemon's first proxy sync and exited 1
 * with REJECTED, although its configuration would then never have been synced by this apply).
 */
class ReapplyRetryTest {
    private static JobResult result(JobResult.Status s) {
        return new JobResult("proxy-sync", s, s.name().toLowerCase(), "cli", Instant.EPOCH, 1, "test", null);
    }

    @Test
    void aRejectedSyncRunsAgainUntilTheRunningOneEndsAndSaysSoOnce() throws Exception {
        ArrayDeque<JobResult> answers = new ArrayDeque<>(List.of(result(JobResult.Status.REJECTED),
                result(JobResult.Status.REJECTED), result(JobResult.Status.OK)));
        AtomicInteger calls = new AtomicInteger();
        AtomicInteger told = new AtomicInteger();
        JobResult r = Reapply.untilNotRejected(() -> {
            calls.incrementAndGet();
            return answers.poll();
        }, Duration.ofSeconds(10), Duration.ofMillis(10), told::incrementAndGet);
        assertThat(r.status()).isEqualTo(JobResult.Status.OK);
        assertThat(calls).hasValue(3);
        assertThat(told).hasValue(1);
    }

    @Test
    void aFailureIsNotRetriedAndTheWaitIsBounded() throws Exception {
        AtomicInteger calls = new AtomicInteger();
        JobResult failed = Reapply.untilNotRejected(() -> {
            calls.incrementAndGet();
            return result(JobResult.Status.FAILED);
        }, Duration.ofSeconds(10), Duration.ofMillis(10), () -> { });
        assertThat(failed.status()).isEqualTo(JobResult.Status.FAILED);
        assertThat(calls).hasValue(1);
        long t0 = System.nanoTime();
        JobResult stillRejected = Reapply.untilNotRejected(() -> result(JobResult.Status.REJECTED),
                Duration.ofMillis(200), Duration.ofMillis(20), () -> { });
        assertThat(stillRejected.status()).isEqualTo(JobResult.Status.REJECTED);
        assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofSeconds(5));
    }
}
