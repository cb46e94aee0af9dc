package io.terrarium.routes;

import io.terrarium.jobs.Job;
import io.terrarium.s3.S3VerifyJob;

import java.util.Map;

/**
 * Route {@code s3-verify} (docs/s3.md): list the instances with restore points, then per instance
 * re-read every restore point and check sizes and SHA-256 against the manifests ({@link S3VerifyJob}).
 *
 * <pre>
 *   direct:s3-verify → s3-verify-guard → s3-verify-load-config → read-restore-points
 *     → split-instances (one exchange per instance) → verify-instance
 *     → s3-verify-finish
 * </pre>
 * The S3 client is closed when the exchange completes, whatever happened. Problems found are rows
 * and errors of the result (FAILED), never exceptions, so every instance is verified.
 */
public final class S3VerifyRoute extends JobRouteBuilder {
    /** @see JobRouteBuilder#JobRouteBuilder */
    public S3VerifyRoute(Job job, JobRuns runs, Map<String, String> schedules, boolean scheduled) {
        super(job, runs, schedules, scheduled);
    }

    @Override
    public void configure() {
        schedule();
        finish(work()
                .process(e -> {
                    S3VerifyJob.Run run = e.getProperty(JobRuns.RUN, S3VerifyJob.Run.class);
                    JobRuns.whenDone(e, run::close);
                    e.getMessage().setBody(run.open());
                }).id("read-restore-points")
                .split(body()).id("split-instances")
                    .process(e -> e.getProperty(JobRuns.RUN, S3VerifyJob.Run.class)
                            .verify(e.getMessage().getBody(String.class))).id("verify-instance")
                .end());
    }
}
