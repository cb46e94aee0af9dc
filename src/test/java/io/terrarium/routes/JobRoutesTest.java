package io.terrarium.routes;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.terrarium.App;
import io.terrarium.jobs.Job;
import io.terrarium.jobs.JobResult;
import io.terrarium.jobs.JobResultStore;
import org.apache.camel.CamelContext;
import org.apache.camel.ProducerTemplate;
import org.apache.camel.impl.DefaultCamelContext;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class JobRoutesTest {
    private final ObjectMapper json = App.jsonMapper();
    private CamelContext ctx;

    @TempDir
    Path state;

    private static final class BlockingJob implements Job {
        final CountDownLatch entered = new CountDownLatch(1);
        final CountDownLatch release = new CountDownLatch(1);
        final AtomicInteger runs = new AtomicInteger();
        final String id;

        BlockingJob() {
            this("slow");
        }

        BlockingJob(String id) {
            this.id = id;
        }

        @Override public String id() { return id; }
        @Override public String description() { return "blocks until released"; }
        @Override public String defaultSchedule() { return "0 0 * * * ?"; }

        @Override
        public JobResult run() {
            runs.incrementAndGet();
            entered.countDown();
            try {
                release.await(30, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return new JobResult(id, JobResult.Status.OK, "done", null, null, 0, null, Map.of("n", 1));
        }
    }

    private static final class FailingJob implements Job {
        @Override public String id() { return "broken"; }
        @Override public String description() { return "throws"; }
        @Override public String defaultSchedule() { return "0 0 * * * ?"; }
        @Override public JobResult run() { throw new IllegalStateException("disk full on /var/lib/terrarium"); }
    }

    private ProducerTemplate start(Job... jobs) throws Exception {
        ctx = new DefaultCamelContext();
        JobRoutes routes = new JobRoutes(List.of(jobs), Map.of(), false, json, new JobResultStore(state, json), "test");
        ctx.addRoutes(routes.errorPolicy());
        ctx.addRoutes(routes);
        ctx.start();
        return ctx.createProducerTemplate();
    }

    @AfterEach
    void stop() {
        if (ctx != null) {
            ctx.stop();
        }
    }

    private JobResult result(String body) throws Exception {
        return json.readValue(body, JobResult.class);
    }

    @Test
    void aSecondTriggerWhileTheJobRunsIsRejectedNotQueued() throws Exception {
        BlockingJob job = new BlockingJob();
        ProducerTemplate t = start(job);
        CompletableFuture<String> first = CompletableFuture.supplyAsync(() -> t.requestBody("direct:slow", "schedule", String.class));
        assertThat(job.entered.await(10, TimeUnit.SECONDS)).isTrue();
        JobResult second = result(t.requestBody("direct:slow", "cli", String.class));
        assertThat(second.status()).isEqualTo(JobResult.Status.REJECTED);
        assertThat(second.summary()).contains("already running");
        job.release.countDown();
        JobResult r1 = result(first.get(10, TimeUnit.SECONDS));
        assertThat(r1.status()).isEqualTo(JobResult.Status.OK);
        assertThat(r1.trigger()).isEqualTo("schedule");
        assertThat(job.runs.get()).isEqualTo(1);
        // the guard is released: the next trigger runs
        JobResult third = result(t.requestBody("direct:slow", "cli", String.class));
        assertThat(third.status()).isEqualTo(JobResult.Status.OK);
        assertThat(job.runs.get()).isEqualTo(2);
    }

    /** A job that returns at once, under any id. */
    private record QuickJob(String id, AtomicInteger runs) implements Job {
        @Override public String description() { return "returns at once"; }
        @Override public String defaultSchedule() { return "0 0 * * * ?"; }
        @Override public JobResult run() {
            runs.incrementAndGet();
            return new JobResult(id, JobResult.Status.OK, "done", null, null, 0, null, Map.of());
        }
    }

    @Test
    void anS3JobThatStartsWhileARestoreServedByTheDaemonHoldsTheBuffersWaitsForIt() throws Exception {
        // hA's served restore only looked at the running jobs: an export scheduled during the restore started
        // anyway, and both sets of S3 buffers would meet in the daemon's 256 MiB heap (BufferGate)
        AtomicInteger exports = new AtomicInteger();
        AtomicInteger facts = new AtomicInteger();
        ProducerTemplate t = start(new QuickJob(io.terrarium.s3.S3ExportJob.ID, exports), new QuickJob("host-facts", facts));
        assertThat(BufferGate.tryWhole()).as("no job holds a share").isTrue();
        CompletableFuture<String> export;
        try {
            export = CompletableFuture.supplyAsync(() -> t.requestBody("direct:s3-export", "schedule", String.class));
            // another kind of job is not held back
            assertThat(result(t.requestBody("direct:host-facts", "cli", String.class)).status()).isEqualTo(JobResult.Status.OK);
            Thread.sleep(500);
            assertThat(export).as("the export waits while the restore holds the gate").isNotDone();
            assertThat(exports.get()).isZero();
        } finally {
            BufferGate.releaseWhole();
        }
        assertThat(result(export.get(10, TimeUnit.SECONDS)).status()).isEqualTo(JobResult.Status.OK);
        assertThat(exports.get()).isEqualTo(1);
        // the export gave its share back: a restore may take the gate again
        assertThat(BufferGate.tryWhole()).isTrue();
        BufferGate.releaseWhole();
    }

    @Test
    void aRestoreIsNotAdmittedWhileAnS3JobRunsAndIsOnceItEnds() throws Exception {
        BlockingJob verify = new BlockingJob(io.terrarium.s3.S3VerifyJob.ID);
        ProducerTemplate t = start(verify);
        CompletableFuture<String> run = CompletableFuture.supplyAsync(() -> t.requestBody("direct:s3-verify", "schedule", String.class));
        assertThat(verify.entered.await(10, TimeUnit.SECONDS)).isTrue();
        assertThat(BufferGate.tryWhole()).as("the verify in progress holds a share").isFalse();
        verify.release.countDown();
        assertThat(result(run.get(10, TimeUnit.SECONDS)).status()).isEqualTo(JobResult.Status.OK);
        assertThat(BufferGate.tryWhole()).as("the finished verify gave its share back").isTrue();
        BufferGate.releaseWhole();
    }

    @Test
    void anExceptionBecomesAFailedResultAndIsKeptForStatus() throws Exception {
        ProducerTemplate t = start(new FailingJob());
        org.apache.camel.Exchange ex = t.send("direct:broken", e -> e.getMessage().setBody("cli"));
        assertThat(ex.isFailed()).as("a FAILED run is a failed exchange").isTrue();
        JobResult r = result(JobRuns.resultJson(ex));
        assertThat(r.status()).isEqualTo(JobResult.Status.FAILED);
        assertThat(r.summary()).isEqualTo("IllegalStateException: disk full on /var/lib/terrarium");
        assertThat(r.failed()).isTrue();
        assertThat(new JobResultStore(state, json).last("broken").status()).isEqualTo(JobResult.Status.FAILED);
    }

    private static final class ItemsJob implements Job {
        @Override public String id() { return "replicate"; }
        @Override public String description() { return "per-dataset outcomes"; }
        @Override public String defaultSchedule() { return "0 0 * * * ?"; }

        @Override
        public JobResult run() {
            return new JobResult("replicate", JobResult.Status.FAILED, "1 of 2 failed", null, null, 0, null, Map.of(
                    "datasets", List.of(Map.of("instance", "web", "outcome", "INCREMENTAL"),
                            Map.of("instance", "cache", "outcome", "FAILED")),
                    "errors", List.of("cache: no common snapshot")));
        }
    }

    @Test
    void c09_everyRunIsPublishedAsGaugesPerJobAndPerItem() throws Exception {
        var registry = new io.micrometer.prometheusmetrics.PrometheusMeterRegistry(io.micrometer.prometheusmetrics.PrometheusConfig.DEFAULT);
        ctx = new DefaultCamelContext();
        ctx.getRegistry().bind("metricsRegistry", registry);
        JobResultStore store = new JobResultStore(state, json);
        JobRoutes routes = new JobRoutes(List.of(new ItemsJob()), Map.of(), false, json, store, "test");
        routes.runs().useMetrics(new JobMetrics(store, List.of("replicate"), java.time.Clock.systemUTC()).register(registry));
        ctx.addRoutes(routes.errorPolicy());
        ctx.addRoutes(routes);
        ctx.start();
        org.apache.camel.Exchange ex = ctx.createProducerTemplate().send("direct:replicate", e -> e.getMessage().setBody("cli"));
        assertThat(ex.getException()).isInstanceOf(io.terrarium.jobs.JobFailedException.class);
        String scrape = registry.scrape();
        assertThat(scrape).contains("terrarium_job_status{job=\"replicate\"} 2.0")
                .contains("terrarium_job_errors{job=\"replicate\"} 1.0")
                .contains("terrarium_job_item_failed{item=\"cache\",job=\"replicate\"} 1.0")
                .contains("terrarium_job_item_failed{item=\"web\",job=\"replicate\"} 0.0")
                .containsPattern("terrarium_job_last_run_timestamp_seconds\\{job=\"replicate\"} 1\\.[0-9]+E9")
                .doesNotContain("terrarium_job_last_success_timestamp_seconds{job=\"replicate\"}");
    }

    @Test
    void routeIdsAreTheJobIdsAndNothingElse() throws Exception {
        start(new FailingJob());
        assertThat(ctx.getRoutes()).extracting(r -> r.getRouteId()).containsExactly("broken");
    }

    @Test
    void runsSubmittedThroughTheJobMBeanAnswerAtOnceAndAreRejectedWhileAScheduledRunIsInProgress() throws Exception {
        BlockingJob job = new BlockingJob();
        ProducerTemplate t = start(job);
        CompletableFuture<String> scheduled = CompletableFuture.supplyAsync(() -> t.requestBody("direct:slow", "schedule", String.class));
        assertThat(job.entered.await(10, TimeUnit.SECONDS)).isTrue();
        var control = new io.terrarium.daemon.JobControl(ctx, List.of("slow"));
        String runId = control.submitAs("slow", "cli");
        String reply = io.terrarium.daemon.JobControl.PENDING;
        for (int i = 0; i < 100 && io.terrarium.daemon.JobControl.PENDING.equals(reply); i++) {
            reply = control.result(runId);
            Thread.sleep(20);
        }
        assertThat(result(reply).status()).isEqualTo(JobResult.Status.REJECTED);
        job.release.countDown();
        scheduled.get(10, TimeUnit.SECONDS);

        String second = control.submitAs("slow", "cli");
        String r2 = io.terrarium.daemon.JobControl.PENDING;
        for (int i = 0; i < 200 && io.terrarium.daemon.JobControl.PENDING.equals(r2); i++) {
            r2 = control.result(second);
            Thread.sleep(20);
        }
        assertThat(result(r2).status()).isEqualTo(JobResult.Status.OK);
        assertThat(result(r2).trigger()).isEqualTo("cli");
        assertThat(job.runs.get()).isEqualTo(2);
    }

    /** The job MBean over {@code job} (released: each run ends at once), its route started. */
    private io.terrarium.daemon.JobControl controlOf(BlockingJob job) throws Exception {
        job.release.countDown();
        start(job);
        return new io.terrarium.daemon.JobControl(ctx, List.of("slow"));
    }

    /**
     * hH, session 11: a daemon that takes a CLI trigger just before its deadline and stalls past it before
     * its answer left the CLI saying "not started" of a running job. The CLI then asks {@code takenBefore}:
     * the run id of the request with that deadline, {@code ""} for one never started (final: its deadline
     * passed, so it never will be), and no answer while the deadline is ahead.
     */
    @Test
    void takenBeforeNamesTheRunARequestStartedAndOnlyOnceItsDeadlinePassed() throws Exception {
        BlockingJob job = new BlockingJob();
        var control = controlOf(job);
        long deadline = System.currentTimeMillis() + 2_300;
        String runId = control.submitBefore("slow", "cli", deadline);
        assertThatThrownBy(() -> control.takenBefore("slow", "cli", deadline)).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("still ahead");
        long dropped = System.currentTimeMillis() - 1_000;
        assertThatThrownBy(() -> control.submitBefore("slow", "cli", dropped)).hasMessageContaining("deadline passed");
        Thread.sleep(Math.max(0, deadline - 2_000 - System.currentTimeMillis() + 50));
        assertThat(control.takenBefore("slow", "cli", deadline)).isEqualTo(runId);
        assertThat(control.takenBefore("slow", "cli", dropped)).as("dropped: never started").isEmpty();
        assertThat(control.takenBefore("slow", "jmx", deadline)).as("another trigger's").isEmpty();
        assertThatThrownBy(() -> control.takenBefore("nope", "cli", deadline)).isInstanceOf(IllegalArgumentException.class);
        control.await(runId, java.time.Duration.ofSeconds(10));
        assertThat(result(control.result(runId)).status()).isEqualTo(JobResult.Status.OK);
        assertThat(job.runs.get()).isEqualTo(1);
    }

    /**
     * Tester (session 8): a CLI trigger that Jolokia read from the kernel's queue after the stopped
     * daemon resumed ran the job, though the CLI had given up and told its user the trigger failed.
     * {@code submitBefore} starts nothing once the client's deadline passed (or is within the
     * margin): no run, no exchange on the route, no stored result. Hawtio's {@code submit} has no
     * deadline.
     */
    @Test
    void aSubmitReadAfterItsClientsDeadlineRunsNothingAndIsNotCounted() throws Exception {
        BlockingJob job = new BlockingJob();
        var control = controlOf(job);
        long now = System.currentTimeMillis();
        assertThatThrownBy(() -> control.submitBefore("slow", "cli", now - 31_000))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageStartingWith("dropped a run of slow (trigger cli): the client's deadline passed 31.")
                .hasMessageEndingWith("s ago; not run");
        assertThatThrownBy(() -> control.submitBefore("slow", "cli", System.currentTimeMillis() + 500))
                .hasMessageContaining("too soon to start it");
        assertThatThrownBy(() -> control.submitBefore("nope", "cli", now - 31_000)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("unknown job");
        assertThat(job.runs.get()).isZero();
        assertThat(control.getRunsPending()).isZero();
        try (var files = java.nio.file.Files.walk(state)) {
            assertThat(files.filter(java.nio.file.Files::isRegularFile).toList()).as("no result stored").isEmpty();
        }

        // in time: runs as submitAs does
        String runId = control.submitBefore("slow", "cli", System.currentTimeMillis() + 30_000);
        control.await(runId, java.time.Duration.ofSeconds(10));
        JobResult r = result(control.result(runId));
        assertThat(r.status()).isEqualTo(JobResult.Status.OK);
        assertThat(r.trigger()).isEqualTo("cli");
        assertThat(job.runs.get()).isEqualTo(1);
        // Hawtio's operation: no deadline
        String hawtio = control.submit("slow");
        control.await(hawtio, java.time.Duration.ofSeconds(10));
        assertThat(result(control.result(hawtio)).trigger()).isEqualTo("jmx");
        assertThat(job.runs.get()).isEqualTo(2);
    }
}
