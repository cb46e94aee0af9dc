package io.terrarium.routes;

import io.terrarium.jobs.Job;

import java.util.Map;

/**
 * Route {@code replicate}: syncoid per container dataset to the configured target, outcomes aggregated (one step: {@code ReplicateJob}).
 *
 * <pre>
 *   direct:replicate → replicate-guard → replicate-load-config → replicate-datasets → replicate-finish
 * </pre>
 */
public final class ReplicateRoute extends JobRouteBuilder.Whole {
    /** @see JobRouteBuilder#JobRouteBuilder */
    public ReplicateRoute(Job job, JobRuns runs, Map<String, String> schedules, boolean scheduled) {
        super(job, runs, schedules, scheduled, "replicate-datasets");
    }
}
