package io.terrarium.routes;

import io.terrarium.jobs.Job;

import java.util.Map;

/**
 * Route {@code host-facts}: probes versions and capabilities of the host tools and writes {@code host-facts.json} (one step: {@code HostFactsJob}).
 *
 * <pre>
 *   direct:host-facts → host-facts-guard → host-facts-load-config → probe-host → host-facts-finish
 * </pre>
 */
public final class HostFactsRoute extends JobRouteBuilder.Whole {
    /** @see JobRouteBuilder#JobRouteBuilder */
    public HostFactsRoute(Job job, JobRuns runs, Map<String, String> schedules, boolean scheduled) {
        super(job, runs, schedules, scheduled, "probe-host");
    }
}
