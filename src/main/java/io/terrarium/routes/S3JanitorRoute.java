package io.terrarium.routes;

import io.terrarium.jobs.Job;

import java.util.Map;

/**
 * Route {@code s3-janitor}: aborts unfinished multipart uploads under our prefix older than the threshold (one step: {@code S3JanitorJob}).
 *
 * <pre>
 *   direct:s3-janitor → s3-janitor-guard → s3-janitor-load-config → abort-orphaned-uploads → s3-janitor-finish
 * </pre>
 */
public final class S3JanitorRoute extends JobRouteBuilder.Whole {
    /** @see JobRouteBuilder#JobRouteBuilder */
    public S3JanitorRoute(Job job, JobRuns runs, Map<String, String> schedules, boolean scheduled) {
        super(job, runs, schedules, scheduled, "abort-orphaned-uploads");
    }
}
