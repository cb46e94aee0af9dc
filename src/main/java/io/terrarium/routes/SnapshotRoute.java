package io.terrarium.routes;

import io.terrarium.backup.SnapshotJob;
import io.terrarium.jobs.Job;

import java.util.Map;

/**
 * Route {@code snapshot} (docs/backups.md): write sanoid.conf, let sanoid take and prune the
 * snapshots (UTC), report them per instance ({@link SnapshotJob}).
 *
 * <pre>
 *   direct:snapshot → snapshot-guard → snapshot-load-config → write-sanoid-conf
 *     → take-and-prune-snapshots → report-per-instance → snapshot-finish
 * </pre>
 * A failure to write sanoid.conf or a failed sanoid stops the run (FAILED, a failed exchange);
 * failures sanoid only printed are found in {@code report-per-instance} and make the run FAILED too.
 */
public final class SnapshotRoute extends JobRouteBuilder {
    /** @see JobRouteBuilder#JobRouteBuilder */
    public SnapshotRoute(Job job, JobRuns runs, Map<String, String> schedules, boolean scheduled) {
        super(job, runs, schedules, scheduled);
    }

    @Override
    public void configure() {
        schedule();
        finish(work()
                .process(step(SnapshotJob.Run.class, SnapshotJob.Run::writeSanoidConf)).id("write-sanoid-conf")
                .process(step(SnapshotJob.Run.class, SnapshotJob.Run::takeAndPrune)).id("take-and-prune-snapshots")
                .process(step(SnapshotJob.Run.class, SnapshotJob.Run::reportPerInstance)).id("report-per-instance"));
    }
}
