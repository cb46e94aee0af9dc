package io.terrarium.routes;

import io.terrarium.jobs.Job;
import io.terrarium.proxy.sync.ProxySyncJob;

import java.util.Map;

/**
 * Route {@code proxy-sync} (docs/proxy.md): read the instances, plan, reconcile the bridges, write
 * the Traefik files, reload Traefik, reconcile UFW, save the state.
 *
 * <pre>
 *   direct:proxy-sync → proxy-sync-guard → proxy-sync-load-config → read-instances → plan
 *     → reconcile-bridges → write-traefik-files → reload-traefik → reconcile-ufw → save-state
 *     → proxy-sync-finish
 * </pre>
 * When LXD cannot be read, {@code read-instances} fails the run: no later step runs, so nothing is
 * written and the last good Traefik files stay.
 */
public final class ProxySyncRoute extends JobRouteBuilder {
    /** @see JobRouteBuilder#JobRouteBuilder */
    public ProxySyncRoute(Job job, JobRuns runs, Map<String, String> schedules, boolean scheduled) {
        super(job, runs, schedules, scheduled);
    }

    @Override
    public void configure() {
        schedule();
        finish(work()
                .process(step(ProxySyncJob.Run.class, ProxySyncJob.Run::readInstances)).id("read-instances")
                .process(step(ProxySyncJob.Run.class, ProxySyncJob.Run::plan)).id("plan")
                .process(step(ProxySyncJob.Run.class, ProxySyncJob.Run::reconcileBridges)).id("reconcile-bridges")
                .process(step(ProxySyncJob.Run.class, ProxySyncJob.Run::writeTraefikFiles)).id("write-traefik-files")
                .process(step(ProxySyncJob.Run.class, ProxySyncJob.Run::reloadTraefik)).id("reload-traefik")
                .process(step(ProxySyncJob.Run.class, ProxySyncJob.Run::reconcileUfw)).id("reconcile-ufw")
                .process(step(ProxySyncJob.Run.class, ProxySyncJob.Run::saveState)).id("save-state"));
    }
}
