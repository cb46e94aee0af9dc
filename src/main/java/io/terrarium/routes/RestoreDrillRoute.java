package io.terrarium.routes;

import io.terrarium.jobs.Job;
import io.terrarium.restore.RestoreDrillJob;

import java.util.Map;

/**
 * Route {@code restore-drill} (docs/backups.md, "Restore drills"): restore the newest S3 restore
 * point of one instance into a scratch dataset and compare it with its source ({@link RestoreDrillJob}).
 *
 * <pre>
 *   direct:restore-drill → restore-drill-guard → restore-drill-load-config → remove-leftover-scratch
 *     → choose-restore-point → receive-into-scratch → compare-with-source → remove-scratch
 *     → restore-drill-finish
 * </pre>
 * The scratch datasets are removed again when the exchange completes, whatever happened (a step that
 * threw skips {@code remove-scratch}); a killed run's leftovers are removed by the next run's first step.
 */
public final class RestoreDrillRoute extends JobRouteBuilder {
    /** @see JobRouteBuilder#JobRouteBuilder */
    public RestoreDrillRoute(Job job, JobRuns runs, Map<String, String> schedules, boolean scheduled) {
        super(job, runs, schedules, scheduled);
    }

    @Override
    public void configure() {
        schedule();
        finish(work()
                .process(e -> {
                    RestoreDrillJob.Run run = e.getProperty(JobRuns.RUN, RestoreDrillJob.Run.class);
                    JobRuns.whenDone(e, run::close);
                    run.removeLeftovers();
                }).id("remove-leftover-scratch")
                .process(step(RestoreDrillJob.Run.class, RestoreDrillJob.Run::choosePoint)).id("choose-restore-point")
                .process(step(RestoreDrillJob.Run.class, RestoreDrillJob.Run::receive)).id("receive-into-scratch")
                .process(step(RestoreDrillJob.Run.class, RestoreDrillJob.Run::compare)).id("compare-with-source")
                .process(step(RestoreDrillJob.Run.class, RestoreDrillJob.Run::cleanUp)).id("remove-scratch"));
    }
}
