package io.terrarium.routes;

import io.terrarium.host.facts.HostFactsJob;
import io.terrarium.jobs.Job;

import java.util.Map;

/**
 * Route {@code host-facts}: probe the host tools, then write {@code host-facts.json} ({@link HostFactsJob}).
 *
 * <pre>
 *   direct:host-facts → host-facts-guard → host-facts-load-config → probe-host → write-host-facts
 *     → host-facts-finish
 * </pre>
 * Neither step fails the run: an unreachable LXD, a missing zfs or an unwritable file is a warning.
 */
public final class HostFactsRoute extends JobRouteBuilder {
    /** @see JobRouteBuilder#JobRouteBuilder */
    public HostFactsRoute(Job job, JobRuns runs, Map<String, String> schedules, boolean scheduled) {
        super(job, runs, schedules, scheduled);
    }

    @Override
    public void configure() {
        schedule();
        finish(work()
                .process(step(HostFactsJob.Run.class, HostFactsJob.Run::probe)).id("probe-host")
                .process(step(HostFactsJob.Run.class, HostFactsJob.Run::write)).id("write-host-facts"));
    }
}
