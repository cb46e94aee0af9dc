package io.terrarium.routes;

import io.terrarium.backup.InstanceDataset;
import io.terrarium.backup.ReplicateJob;
import io.terrarium.jobs.Job;

import java.util.Map;

/**
 * Route {@code replicate} (docs/backups.md): the container datasets, then syncoid per dataset to
 * the configured target; the outcomes are aggregated in {@code replicate-finish} (case C09).
 *
 * <pre>
 *   direct:replicate → replicate-guard → replicate-load-config → read-replica-datasets
 *     → split-replicas (one exchange per dataset) → syncoid
 *     → replicate-finish
 * </pre>
 * A dataset's failure is an outcome in its row, never an exception: the other datasets still run.
 */
public final class ReplicateRoute extends JobRouteBuilder {
    /** @see JobRouteBuilder#JobRouteBuilder */
    public ReplicateRoute(Job job, JobRuns runs, Map<String, String> schedules, boolean scheduled) {
        super(job, runs, schedules, scheduled);
    }

    @Override
    public void configure() {
        schedule();
        finish(work()
                .process(e -> {
                    ReplicateJob.Run run = e.getProperty(JobRuns.RUN, ReplicateJob.Run.class);
                    run.readDatasets();
                    e.getMessage().setBody(run.datasets());
                }).id("read-replica-datasets")
                .split(body()).id("split-replicas")
                    .process(e -> e.getProperty(JobRuns.RUN, ReplicateJob.Run.class)
                            .replicate(e.getMessage().getBody(InstanceDataset.class))).id("syncoid")
                .end());
    }
}
