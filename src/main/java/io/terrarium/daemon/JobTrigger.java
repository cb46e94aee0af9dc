package io.terrarium.daemon;

import io.terrarium.App;
import io.terrarium.config.TerrariumConfig;
import io.terrarium.host.exec.CamelExecCommandRunner;
import io.terrarium.jobs.Job;
import io.terrarium.jobs.JobResult;
import io.terrarium.routes.JobRoutes;
import io.terrarium.routes.JobRuns;
import org.apache.camel.CamelContext;
import org.apache.camel.ProducerTemplate;
import org.apache.camel.impl.DefaultCamelContext;

import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * Runs a job from the CLI on the same code path as the timer: in the running daemon through
 * Jolokia and its job MBean {@link JobControl} when there is one (the run shows in the daemon's log and route statistics, and shares
 * its no-overlap guard), otherwise in-process on a short-lived CamelContext with the same routes
 * minus the schedulers.
 */
public final class JobTrigger {
    private final App app;
    private java.util.function.Consumer<io.terrarium.jobs.RunProgress.Event> progress;

    /** @param app wiring */
    public JobTrigger(App app) {
        this.app = app;
    }

    /**
     * Tells {@code sink} the progress events of a run in the daemon while {@link #trigger} waits
     * (polled from {@link JobControlMBean#progress}); an in-process run reports through its own
     * listeners ({@link App#withExportProgress}) instead. A daemon that does not know the
     * operation (an older release still running after an update) just shows no progress.
     *
     * @param sink called on the waiting thread, oldest event first; {@code null} for none
     * @return this
     */
    public JobTrigger withProgress(java.util.function.Consumer<io.terrarium.jobs.RunProgress.Event> sink) {
        this.progress = sink;
        return this;
    }

    /**
     * The running daemon, or {@code null} when there is none (no runtime file, or its process is
     * gone).
     */
    public DaemonInfo runningDaemon() {
        DaemonInfo d = DaemonInfo.read(app.paths().daemonFile(), app.json());
        return d != null && d.alive() ? d : null;
    }

    /**
     * Triggers a job and waits for its result.
     *
     * @param jobId   job id
     * @param config  supplies the configuration; read only for an in-process run (a running daemon
     *                has its own), so a trigger through the daemon costs no LXD call
     * @param timeout how long to wait for the daemon's answer
     * @return the job's result (status REJECTED when a run was already in progress)
     * @throws IOException when a daemon is running but cannot be reached
     * @throws io.terrarium.jobs.UnknownJobException for an unknown job id (its message lists the jobs)
     */
    public JobResult trigger(String jobId, java.util.function.Supplier<TerrariumConfig> config, Duration timeout) throws Exception {
        DaemonInfo d = runningDaemon();
        String body;
        if (d != null) {
            d.checkListener(); // never hand the credentials to a process that squats the port
            try {
                ManagementCredentials creds = ManagementCredentials.read(app.paths().managementAuthFile());
                body = submitAndWait(new JolokiaClient(d.baseUrl(), creds), jobId, timeout, progress);
            } catch (IOException e) {
                if (e.getMessage() != null && e.getMessage().contains("unknown job")) {
                    throw new io.terrarium.jobs.UnknownJobException(jobId, daemonJobs(d));
                }
                throw new IOException("the daemon (pid " + d.pid() + ") is running but its management endpoint "
                        + d.baseUrl() + " did not answer: " + e.getMessage()
                        + "; check `journalctl -u terrarium` or stop it and retry", e);
            }
        } else {
            TerrariumConfig cfg = config.get();
            io.terrarium.jobs.UnknownJobException.requireKnown(jobId, app.jobs(cfg).stream().map(Job::id).toList());
            body = runInProcess(jobId, cfg);
        }
        return app.json().readValue(body, JobResult.class);
    }

    /**
     * Runs a job in this process even when a daemon is up (for runs with CLI-only parameters such
     * as {@code backup export --instance}); the job's own host lock keeps it from overlapping a
     * daemon run.
     *
     * @throws IllegalArgumentException for an unknown job id
     */
    public JobResult triggerHere(String jobId, TerrariumConfig cfg) throws Exception {
        io.terrarium.jobs.UnknownJobException.requireKnown(jobId, app.jobs(cfg).stream().map(Job::id).toList());
        return app.json().readValue(runInProcess(jobId, cfg), JobResult.class);
    }

    /** The daemon's job ids (its job MBean's {@code Jobs} attribute); empty when it cannot be read. */
    private List<String> daemonJobs(DaemonInfo d) {
        try {
            JolokiaClient j = new JolokiaClient(d.baseUrl(), ManagementCredentials.read(app.paths().managementAuthFile()));
            List<String> ids = new java.util.ArrayList<>();
            j.read(JobControl.OBJECT_NAME, "Jobs").forEach(n -> ids.add(n.asText()));
            return ids;
        } catch (IOException | RuntimeException e) {
            return List.of("(the daemon did not list them: `terrariumctl jobs list`)");
        }
    }

    /**
     * Submits the run to the daemon's job MBean ({@link JobControl#OBJECT_NAME}, answers at once)
     * and polls every 200 ms: its progress while {@code sink} is set (then the result once the
     * progress says finished, so the last events are never missed), else its result. No HTTP
     * request stays open for the length of the job.
     */
    private String submitAndWait(JolokiaClient jolokia, String jobId, Duration timeout,
                                 java.util.function.Consumer<io.terrarium.jobs.RunProgress.Event> sink)
            throws IOException, InterruptedException {
        String runId = jolokia.exec(JobControl.OBJECT_NAME, "submitAs", List.of(jobId, "cli"), Duration.ofSeconds(30)).asText();
        long deadline = System.nanoTime() + timeout.toNanos();
        long seen = 0;
        while (true) {
            boolean finished = true;
            if (sink != null) {
                try {
                    var page = app.json().readTree(jolokia.exec(JobControl.OBJECT_NAME, "progress", List.of(runId, seen),
                            Duration.ofSeconds(30)).asText());
                    for (var e : page.path("events")) {
                        sink.accept(app.json().treeToValue(e, io.terrarium.jobs.RunProgress.Event.class));
                    }
                    seen = page.path("last").asLong(seen);
                    finished = page.path("finished").asBoolean();
                } catch (IOException e) {
                    sink = null; // an older daemon without the operation: wait for the result alone
                }
            }
            String r = finished ? jolokia.exec(JobControl.OBJECT_NAME, "result", List.of(runId), Duration.ofSeconds(30)).asText()
                    : JobControl.PENDING;
            if (!JobControl.PENDING.equals(r)) {
                return r;
            }
            if (System.nanoTime() > deadline) {
                throw new IOException("job " + jobId + " still running after " + timeout.toSeconds()
                        + " s; it goes on in the daemon (see `terrariumctl jobs list` for its result)");
            }
            Thread.sleep(200);
        }
    }

    private String runInProcess(String jobId, TerrariumConfig config) throws Exception {
        try (CamelContext ctx = new DefaultCamelContext()) {
            ctx.getCamelContextExtension().setName("terrarium-cli");
            ctx.disableJMX();
            JobRoutes routes = new JobRoutes(app.jobs(config), Map.of(), false, app.json(), app.results(),
                    "in-process pid " + ProcessHandle.current().pid());
            ctx.addRoutes(routes.errorPolicy());
            ctx.addRoutes(routes);
            io.terrarium.events.InProcessEvents.openUntilExit(config, app.json()); // events.kafka: this run's events too
            ctx.getManagementStrategy().addEventNotifier(new io.terrarium.events.JobRunEvents(java.util.Set.of(jobId), app.json()));
            io.terrarium.routes.DevConsoles.loadBeforeStart(ctx);
            ctx.start();
            CamelExecCommandRunner exec = app.runner() instanceof CamelExecCommandRunner r ? r : null;
            if (exec != null) {
                exec.bind(ctx); // the run's commands are exchanges on this context's exec: endpoints
            }
            try {
                ProducerTemplate t = ctx.createProducerTemplate();
                // a FAILED run is a failed exchange: its result is on the exchange, not a thrown exception
                return JobRuns.resultJson(t.send("direct:" + jobId, e -> e.getMessage().setBody("cli-in-process")));
            } finally {
                if (exec != null) {
                    exec.unbind(ctx);
                }
            }
        }
    }
}
