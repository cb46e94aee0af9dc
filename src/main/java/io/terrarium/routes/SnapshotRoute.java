package io.terrarium.routes;

import io.terrarium.jobs.Job;

import java.util.Map;

/**
 * Route {@code snapshot}: renders sanoid.conf, runs {@code sanoid --cron} in UTC and reports the snapshots taken and pruned per instance (one step: {@code SnapshotJob}).
 *
 * <pre>
 *   direct:snapshot → snapshot-guard → snapshot-load-config → take-and-prune-snapshots → snapshot-finish
 * </pre>
 */
public final class SnapshotRoute extends JobRouteBuilder.Whole {
    /** @see JobRouteBuilder#JobRouteBuilder */
    public SnapshotRoute(Job job, JobRuns runs, Map<String, String> schedules, boolean scheduled) {
        super(job, runs, schedules, scheduled, "take-and-prune-snapshots");
    }
}
