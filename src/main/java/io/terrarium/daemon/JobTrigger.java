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
    private Runnable taken = () -> { };
    private Duration submitTimeout = SUBMIT_TIMEOUT;
    private java.util.function.Consumer<String> notes = line -> {
        System.err.println(line);
        System.err.flush();
    };

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
     * Calls {@code onTaken} once the run is taken, before {@link #trigger} waits for its result: when
     * the daemon's job MBean has answered with a run id, or just before an in-process run starts. Not
     * called when the trigger fails before that (a stopped, hung or refusing daemon, an unknown job),
     * so a line it prints never precedes an error saying the job was not started (tester, session 10:
     * {@code jobs run} of a paused job said "running it now" and then "ERROR: … not started").
     *
     * @param onTaken called on the triggering thread, at most once per {@link #trigger}
     * @return this
     */
    public JobTrigger onTaken(Runnable onTaken) {
        this.taken = onTaken == null ? () -> { } : onTaken;
        return this;
    }

    /**
     * Where {@link #trigger} tells the operator something while it waits that is no error: today that
     * the daemon was stopped (kill -STOP, Ctrl-Z, a debugger) after it took the run, so the result
     * waits until it resumes (tester, session 10: the CLI waited silently). One line per stop.
     *
     * @param sink called with one line (no newline), on the triggering thread or on a watcher thread
     *             that notices a stop while a poll request is blocked; {@code null} for this process's
     *             stderr (the default)
     * @return this
     */
    public JobTrigger withNotes(java.util.function.Consumer<String> sink) {
        if (sink != null) {
            this.notes = sink;
        }
        return this;
    }

    /** {@link #SUBMIT_TIMEOUT} shortened, for tests of a daemon that takes a run too late to answer in time. */
    JobTrigger withSubmitTimeout(Duration submitTimeout) {
        this.submitTimeout = submitTimeout;
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
        JobControl local = localControl();
        DaemonInfo d = local != null ? null : runningDaemon();
        String body;
        if (local != null) {
            // this process is the daemon (a trigger served over the CLI socket): its job MBean directly, no Jolokia
            body = submitAndWait(new LocalControl(local), null, jobId, timeout, progress);
        } else if (d != null) {
            // first: is this pid the daemon at all? (never hand the credentials to a process that squats the port,
            // and never call a stale runtime file's pid "the daemon … kill -CONT" — tester, session 10)
            d.checkListener(app.paths().daemonFile(), "triggering a job");
            java.util.Optional<DaemonInfo.Stopped> stop = d.stopped();
            if (stop.isPresent()) {
                // it would answer nothing: say why at once (the served client asked it nothing either)
                throw stopped(d, "is " + stop.get().how(), stop.get(), jobId, null);
            }
            try {
                ManagementCredentials creds = ManagementCredentials.read(app.paths().managementAuthFile());
                body = submitAndWait(new RemoteControl(new JolokiaClient(d.baseUrl(), creds), submitTimeout), d, jobId, timeout, progress);
            } catch (StillRunningException e) {
                throw e;
            } catch (MaybeTakenException e) {
                // it may have taken the run just before its deadline and stalled past it (a GC pause, a slow disk), and
                // could not be asked afterwards: saying "not started" could make the user run it twice (hH, session 11)
                stop = d.stopped();
                throw new IOException("the daemon (pid " + d.pid() + ") " + (stop.isPresent() ? "was " + stop.get().how()
                        + " while the CLI waited for it (" + stop.get().resumer() + " resumes it)" : "did not answer (" + e.getMessage()
                        + "; the CLI waits up to " + submitTimeout.toSeconds() + " s)") + ": job " + jobId + " may or may not have"
                        + " started (a daemon that took the request just before its deadline runs it; a later one does not), so do not"
                        + " simply run this command again: the daemon's log (`journalctl -u terrarium`) says `job " + jobId + " started (trigger: cli)`"
                        + " if it did, and `terrariumctl jobs list` shows its last run once it ends", e);
            } catch (NotTakenException e) {
                // the daemon answered takenBefore: definite
                throw new IOException("the daemon (pid " + d.pid() + ") did not answer in time (the CLI waits up to "
                        + submitTimeout.toSeconds() + " s), and says it did not start job " + jobId + " and will not start it later"
                        + " (the request's deadline passed); check `journalctl -u terrarium` and run this command again", e);
            } catch (IOException e) {
                if (e.getMessage() != null && e.getMessage().contains("unknown job")) {
                    throw new io.terrarium.jobs.UnknownJobException(jobId, daemonJobs(d));
                }
                if (e.getMessage() != null && e.getMessage().contains(JobControl.DROPPED)) {
                    // the daemon answered: it read the request after its deadline (it was stopped or stalled meanwhile)
                    // and ran nothing (tester, session 10: this was "did not answer … or stop it and retry")
                    throw new IOException("the daemon (pid " + d.pid() + ") read the request after its deadline (it was stopped"
                            + " or stalled meanwhile) and did not start job " + jobId + "; run this command again", e);
                }
                throw new IOException("the daemon (pid " + d.pid() + ") is running but its management endpoint "
                        + d.baseUrl() + " did not answer: " + e.getMessage()
                        + "; check `journalctl -u terrarium` or stop it and retry", e);
            }
        } else {
            TerrariumConfig cfg = config.get();
            io.terrarium.jobs.UnknownJobException.requireKnown(jobId, app.jobs(cfg).stream().map(Job::id).toList());
            taken.run();
            body = runInProcess(jobId, cfg);
        }
        return app.json().readValue(body, JobResult.class);
    }

    /**
     * Whether this process is the running daemon with its job MBean registered: a trigger then
     * goes to that MBean in-process ({@link #trigger}); this is how a command served over the CLI
     * socket (io.terrarium.cli.served) runs a job.
     */
    public boolean insideDaemon() {
        return localControl() != null;
    }

    /** The daemon's own {@link JobControl} when this process is the daemon of the runtime file, else {@code null}. */
    private JobControl localControl() {
        JobControl c = JobControl.registered();
        if (c == null) {
            return null;
        }
        DaemonInfo d = runningDaemon();
        return d != null && d.pid() == ProcessHandle.current().pid() ? c : null;
    }

    /**
     * The waited-for run was still going when {@code --timeout} expired; it goes on in the daemon.
     * Its message is printed as it is on every path (before, the Jolokia path wrapped it in "the
     * management endpoint did not answer", which was not true).
     */
    static final class StillRunningException extends IOException {
        StillRunningException(String message) {
            super(message);
        }
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

    /** The job MBean's operations a trigger uses: through Jolokia from the CLI, or in-process inside the daemon. */
    private interface Control {
        /** Submits the run with trigger {@code cli}. @return its run id */
        String submit(String jobId) throws IOException;

        /** {@link JobControlMBean#progress} as JSON. */
        String progress(String runId, long after) throws IOException;

        /** {@link JobControlMBean#result}: the result JSON or {@link JobControl#PENDING}. */
        String result(String runId) throws IOException;

        /** Waits before the next poll: up to 200 ms. */
        void pause(String runId) throws InterruptedException;
    }

    /** The error for a trigger a stopped daemon did not take: it will not run when the daemon resumes (its deadline). */
    private static IOException stopped(DaemonInfo d, String what, DaemonInfo.Stopped stop, String jobId, Throwable cause) {
        return new IOException("the daemon (pid " + d.pid() + ") " + what + ": job " + jobId + " was not started, and will not"
                + " start when the daemon resumes; " + stop.resumer() + " resumes it, then run this command again", cause);
    }

    /**
     * How long the CLI waits for the daemon to take a run ({@code submitBefore} answers at once;
     * Jolokia serves one request at a time, so another client's may come first). Also the run's
     * deadline: a daemon that reads the request later runs nothing for it.
     */
    static final Duration SUBMIT_TIMEOUT = Duration.ofSeconds(30);

    /**
     * The daemon did not answer a trigger within {@link #SUBMIT_TIMEOUT}, and then said (its
     * {@link JobControlMBean#takenBefore}) that it started no run for it and will start none (its deadline).
     */
    static final class NotTakenException extends IOException {
        NotTakenException(String message, Throwable cause) {
            super(message, cause);
        }
    }

    /**
     * The daemon did not answer a trigger within {@link #SUBMIT_TIMEOUT}, and could not be asked
     * afterwards whether it took it ({@link JobControlMBean#takenBefore}: no answer within
     * {@link #TAKEN_CHECK_TIMEOUT}, a stopped daemon, or a release without the operation): it may
     * have taken it just before its deadline and stalled before its answer.
     */
    static final class MaybeTakenException extends IOException {
        MaybeTakenException(String message, Throwable cause) {
            super(message, cause);
        }
    }

    /** How long the CLI waits for {@link JobControlMBean#takenBefore} after a trigger's answer did not come in time. */
    static final Duration TAKEN_CHECK_TIMEOUT = Duration.ofSeconds(5);

    /**
     * Whether a failed {@code submitBefore} was refused as unknown — by a daemon of the release before it
     * (after an update, until the daemon restarts): its management gate and Jolokia name the operation.
     * Then the run is submitted without a deadline, as that release did.
     */
    static boolean olderDaemon(IOException e) {
        return e.getMessage() != null && e.getMessage().contains("submitBefore");
    }

    /** @param submitTimeout {@link #SUBMIT_TIMEOUT}, shorter in tests */
    private record RemoteControl(JolokiaClient jolokia, Duration submitTimeout) implements Control {
        @Override
        public String submit(String jobId) throws IOException {
            // the daemon runs nothing for this request once the client has given up on it: a daemon stopped
            // (kill -STOP) still has the kernel keep the request, and read it when it resumes (tester, session 8)
            long deadline = System.currentTimeMillis() + submitTimeout.toMillis();
            try {
                return jolokia.exec(JobControl.OBJECT_NAME, "submitBefore", List.of(jobId, "cli", deadline), submitTimeout).asText();
            } catch (java.net.http.HttpTimeoutException e) {
                return takenAfterAll(jobId, deadline, e);
            } catch (IOException e) {
                if (olderDaemon(e)) {
                    return jolokia.exec(JobControl.OBJECT_NAME, "submitAs", List.of(jobId, "cli"), SUBMIT_TIMEOUT).asText();
                }
                throw e;
            }
        }

        /**
         * After a {@code submitBefore} without an answer in time: asks the daemon what became of it
         * ({@link JobControlMBean#takenBefore}; its deadline has passed, so the answer is final).
         *
         * @return the run id when it started the run after all (the CLI waits for it as usual)
         * @throws NotTakenException   when it started none, and will start none
         * @throws MaybeTakenException when it could not tell (no answer, an older release, a stopped daemon)
         */
        private String takenAfterAll(String jobId, long deadline, java.net.http.HttpTimeoutException timedOut) throws IOException {
            String runId;
            try {
                runId = jolokia.exec(JobControl.OBJECT_NAME, "takenBefore", List.of(jobId, "cli", deadline), TAKEN_CHECK_TIMEOUT).asText();
            } catch (IOException e) {
                timedOut.addSuppressed(e);
                throw new MaybeTakenException(timedOut.getMessage(), timedOut);
            }
            if (runId.isEmpty()) {
                throw new NotTakenException(timedOut.getMessage(), timedOut);
            }
            return runId;
        }

        @Override
        public String progress(String runId, long after) throws IOException {
            return jolokia.exec(JobControl.OBJECT_NAME, "progress", List.of(runId, after), Duration.ofSeconds(30)).asText();
        }

        @Override
        public String result(String runId) throws IOException {
            return jolokia.exec(JobControl.OBJECT_NAME, "result", List.of(runId), Duration.ofSeconds(30)).asText();
        }

        @Override
        public void pause(String runId) throws InterruptedException {
            Thread.sleep(200);
        }
    }

    private record LocalControl(JobControl control) implements Control {
        @Override
        public String submit(String jobId) {
            try {
                return control.submitAs(jobId, "cli"); // the same trigger as through Jolokia: the result says "cli"
            } catch (IllegalArgumentException e) {
                throw new io.terrarium.jobs.UnknownJobException(jobId, control.getJobs());
            }
        }

        @Override
        public String progress(String runId, long after) {
            return control.progress(runId, after);
        }

        @Override
        public String result(String runId) {
            return control.result(runId);
        }

        @Override
        public void pause(String runId) throws InterruptedException {
            control.await(runId, Duration.ofMillis(200)); // returns as soon as the run ends
        }
    }

    /**
     * Submits the run to the daemon's job MBean ({@link JobControl#OBJECT_NAME}, answers at once)
     * and polls every 200 ms: its progress while {@code sink} is set (then the result once the
     * progress says finished, so the last events are never missed), else its result. No HTTP
     * request stays open for the length of the job.
     *
     * <p>A daemon stopped after it took the run (kill -STOP, Ctrl-Z, a debugger: {@link DaemonInfo#stopped})
     * is not polled until it resumes — a request sent to it would wait in the kernel, and one the CLI
     * gave up on would still be read on resume ({@code result} hands a result out once) — and
     * {@link #withNotes} is told once per stop that the job goes on when it resumes, and what resumes
     * it; the wait goes on, under the same {@code timeout} (tester, session 10: the CLI waited
     * silently).
     *
     * @param daemon the daemon polled through Jolokia, {@code null} inside the daemon (never stopped then)
     */
    private String submitAndWait(Control control, DaemonInfo daemon, String jobId, Duration timeout,
                                 java.util.function.Consumer<io.terrarium.jobs.RunProgress.Event> sink)
            throws IOException, InterruptedException {
        String runId = control.submit(jobId);
        taken.run();
        try (StopNotes stops = new StopNotes(daemon, jobId)) {
            return await(control, stops, jobId, runId, timeout, sink);
        }
    }

    /** {@link #submitAndWait}'s polling of a taken run. */
    private String await(Control control, StopNotes stops, String jobId, String runId, Duration timeout,
                         java.util.function.Consumer<io.terrarium.jobs.RunProgress.Event> sink)
            throws IOException, InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        long seen = 0;
        while (true) {
            java.util.Optional<DaemonInfo.Stopped> stop = stops.check();
            if (stop.isPresent()) {
                if (System.nanoTime() > deadline) {
                    throw new StillRunningException("job " + jobId + " still running after " + timeout.toSeconds()
                            + " s; it goes on in the daemon, which is " + stop.get().how() + " (" + stop.get().resumer()
                            + " resumes it; see `terrariumctl jobs list` for its result)");
                }
                Thread.sleep(200); // nothing sent: a request to a stopped daemon waits in the kernel
                continue;
            }
            boolean finished = true;
            if (sink != null) {
                try {
                    var page = app.json().readTree(control.progress(runId, seen));
                    for (var e : page.path("events")) {
                        sink.accept(app.json().treeToValue(e, io.terrarium.jobs.RunProgress.Event.class));
                    }
                    seen = page.path("last").asLong(seen);
                    finished = page.path("finished").asBoolean();
                } catch (IOException e) {
                    sink = null; // an older daemon without the operation: wait for the result alone
                }
            }
            String r;
            try {
                r = finished ? control.result(runId) : JobControl.PENDING;
            } catch (IOException e) {
                stop = stops.check();
                if (stop.isPresent()) {
                    // the poll was sent just before the stop and timed out: the run goes on, its result is not lost to
                    // `jobs list` (JobResultStore), but this request may take it from JobControl once the daemon resumes
                    throw new StillRunningException("the daemon (pid " + stops.daemon.pid() + ") was " + stop.get().how() + " while the"
                            + " CLI waited for the result of job " + jobId + ": the job goes on when it resumes (" + stop.get().resumer()
                            + " resumes it); `terrariumctl jobs list` shows its result once it ends");
                }
                throw e;
            }
            if (!JobControl.PENDING.equals(r)) {
                return r;
            }
            if (System.nanoTime() > deadline) {
                throw new StillRunningException("job " + jobId + " still running after " + timeout.toSeconds()
                        + " s; it goes on in the daemon (see `terrariumctl jobs list` for its result)");
            }
            control.pause(runId);
        }
    }

    /**
     * Tells {@link #withNotes} once per stop that the daemon is stopped while a run waits in it: checked
     * by the polling loop before each request ({@link #check}) and every 200 ms by a watcher thread,
     * which also notices a stop while a poll request is blocked in the stopped daemon.
     */
    private final class StopNotes implements AutoCloseable {
        private final DaemonInfo daemon;
        private final String jobId;
        private final java.util.concurrent.ScheduledExecutorService watcher;
        private boolean noted;

        /** @param daemon the daemon polled through Jolokia, {@code null} for none (inside the daemon: nothing is watched) */
        StopNotes(DaemonInfo daemon, String jobId) {
            this.daemon = daemon;
            this.jobId = jobId;
            this.watcher = daemon == null ? null : java.util.concurrent.Executors.newSingleThreadScheduledExecutor(r -> {
                Thread t = new Thread(r, "terrarium-daemon-stop-watch");
                t.setDaemon(true);
                return t;
            });
            if (watcher != null) {
                watcher.scheduleWithFixedDelay(this::check, 200, 200, java.util.concurrent.TimeUnit.MILLISECONDS);
            }
        }

        /** The daemon's stop now, noted when it is new; empty while it runs (a later stop is noted again). */
        synchronized java.util.Optional<DaemonInfo.Stopped> check() {
            java.util.Optional<DaemonInfo.Stopped> stop = daemon == null ? java.util.Optional.empty() : daemon.stopped();
            if (stop.isEmpty()) {
                noted = false;
            } else if (!noted) {
                noted = true;
                notes.accept("note: the daemon (pid " + daemon.pid() + ") is " + stop.get().how() + " while job " + jobId
                        + " runs in it: the job goes on when the daemon resumes (" + stop.get().resumer()
                        + " resumes it); waiting for its result");
            }
            return stop;
        }

        @Override
        public void close() {
            if (watcher != null) {
                watcher.shutdownNow();
            }
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
