package io.terrarium.routes;

import io.terrarium.jobs.Job;

import java.util.Map;

/**
 * Route {@code s3-verify}: re-reads every restore point and checks sizes and SHA-256 against the manifests (one step: {@code S3VerifyJob}).
 *
 * <pre>
 *   direct:s3-verify → s3-verify-guard → s3-verify-load-config → verify-restore-points → s3-verify-finish
 * </pre>
 */
public final class S3VerifyRoute extends JobRouteBuilder.Whole {
    /** @see JobRouteBuilder#JobRouteBuilder */
    public S3VerifyRoute(Job job, JobRuns runs, Map<String, String> schedules, boolean scheduled) {
        super(job, runs, schedules, scheduled, "verify-restore-points");
    }
}
