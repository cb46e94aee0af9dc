package io.terrarium.cli;

import com.fasterxml.jackson.databind.JsonNode;
import io.terrarium.App;
import io.terrarium.config.ConfigException;
import io.terrarium.config.ConfigStore;
import io.terrarium.config.TerrariumConfig;
import io.terrarium.daemon.DaemonInfo;
import io.terrarium.daemon.JobTrigger;
import io.terrarium.host.exec.CommandFailedException;
import io.terrarium.host.facts.HostFacts;
import io.terrarium.host.facts.HostFactsJob;
import io.terrarium.host.lxd.LxdException;
import io.terrarium.host.zfs.PoolStatus;
import io.terrarium.jobs.JobResult;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

/**
 * {@code terrariumctl status}: one row per component with a state (ok, warn, error) and detail.
 * Exit 1 when any row is {@code error}.
 */
@Command(name = "status", description = {"Show the state of the host: daemon, configuration, LXD, ZFS pool, host facts, jobs.",
        "Exit 1 when a component is in error."},
        footerHeading = "%nExamples:%n", footer = {"  terrariumctl status", "  terrariumctl status -o json"})
public final class StatusCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    VerbosityOption verbosity;

    @Mixin
    FormatOption format;

    @Override
    public Integer call() {
        App app = TerrariumCommand.app(spec);
        List<Map<String, Object>> rows = new ArrayList<>();
        DaemonInfo d = new JobTrigger(app).runningDaemon();
        if (d == null) {
            rows.add(Output.row("component", "daemon", "state", "warn", "detail", "not running (jobs triggered from the CLI run in-process)"));
        } else {
            rows.add(daemonRow(d, app.paths().daemonFile()));
        }
        TerrariumConfig config = TerrariumConfig.defaults();
        boolean lxdUp = true;
        try {
            ConfigStore.Loaded loaded = app.configStore().load();
            config = loaded.config();
            // an unusable applied copy is said in the row, not only as a log line: served by the daemon, a WARN
            // goes to the daemon's log and the user saw nothing (tester, session 11)
            java.util.Optional<String> copy = app.appliedConfig().problem();
            boolean pending = copy.isEmpty() && app.appliedConfig().pending(config); // issue 14 item 8: stored with --no-apply
            rows.add(Output.row("component", "config", "state", loaded.stored() && !pending && copy.isEmpty() ? "ok" : "warn", "detail",
                    loaded.source() + (pending ? "; holds changes stored with --no-apply that are not applied yet: terrariumctl reconfigure" : "")
                            + copy.map(p -> "; " + p).orElse("")));
        } catch (ConfigException e) {
            rows.add(Output.row("component", "config", "state", "error", "detail", e.getMessage()));
        } catch (LxdException e) {
            rows.add(Output.row("component", "config", "state", "error", "detail", "cannot read: " + e.getMessage()));
        }
        try {
            JsonNode server = app.lxd().get("/1.0");
            rows.add(Output.row("component", "lxd", "state", "ok", "detail",
                    "reachable, server " + server.path("environment").path("server_version").asText("?")));
        } catch (LxdException | CommandFailedException e) {
            lxdUp = false;
            // session 9 tester: a non-root `status` showed "Permission denied" without saying what to do
            String hint = e instanceof LxdException le && le.accessDenied() ? ExitCodes.lxdHint(le) : null;
            rows.add(Output.row("component", "lxd", "state", "error", "detail", e.getMessage() + (hint == null ? "" : "; " + hint)));
        }
        String pool = config.zfs().pool();
        try {
            PoolStatus p = app.zfs().pools().stream().filter(x -> x.name().equals(pool)).findFirst().orElse(null);
            rows.add(p == null
                    ? Output.row("component", "zfs pool", "state", "error", "detail", "pool " + pool + " is not imported")
                    : Output.row("component", "zfs pool", "state", p.healthy() ? "ok" : "error", "detail",
                    pool + " " + p.health() + ", size " + p.size() + ", free " + p.free()));
        } catch (CommandFailedException e) {
            rows.add(Output.row("component", "zfs pool", "state", "error", "detail", e.getMessage()));
        }
        HostFacts facts = null;
        String factsUnreadable = null;
        try {
            facts = HostFactsJob.readOrThrow(app.factsFile(), app.json());
        } catch (java.nio.file.AccessDeniedException e) {
            // they exist (tester, session 10: a non-root status said "not collected yet")
            factsUnreadable = io.terrarium.config.RootOnlyFile.unreadable("host facts", app.factsFile());
        } catch (java.io.IOException e) {
            // damaged: they were collected, and the next run rewrites them (HostFactsJob.Run#write; not "not collected yet")
            factsUnreadable = io.terrarium.config.DamagedFile.describe("host facts", app.factsFile(), e,
                    "the next host-facts run (terrariumctl jobs run host-facts)");
        }
        rows.add(factsUnreadable != null ? Output.row("component", "host facts", "state", "warn", "detail", factsUnreadable)
                : facts == null
                ? Output.row("component", "host facts", "state", "warn", "detail", "not collected yet: terrariumctl jobs run host-facts")
                : Output.row("component", "host facts", "state", "ok", "detail", "collected " + ago(facts.collectedAt())
                + (facts.zfs() == null ? "" : ", zfs " + facts.zfs().implementation()
                + ", holds " + (facts.holdsWork() == null ? "not probed" : facts.holdsWork() ? "work" : "unsupported"))));
        // the ids alone: building the jobs (app.jobs) reads the applied copy once more for the proxy sync, which
        // printed its WARN a second time (tester, session 10); JobIdsTest keeps the ids equal to App.jobs'
        for (String id : JobIds.ALL) {
            JobResult r = app.results().last(id);
            Instant paused = app.results().pausedSince(id);
            String problem = r == null ? app.results().lastProblem(id) : null;
            String detail = problem != null ? (paused == null ? "last result " : "") + "unreadable: " + problem
                    : r == null ? "never ran" : r.status() + " " + ago(r.startedAt()) + ": " + r.summary();
            rows.add(Output.row("component", "job " + id, "state",
                    r != null && r.failed() ? "error" : paused != null || r == null || r.status() == JobResult.Status.WARNING ? "warn" : "ok",
                    "detail", paused == null ? detail
                            : "paused since " + paused + " (`terrariumctl jobs resume " + id + "`); last: " + detail));
        }
        Output.rows(spec.commandLine().getOut(), format.format(), rows);
        boolean error = rows.stream().anyMatch(r -> "error".equals(r.get("state")));
        return error || !lxdUp ? ExitCodes.FAILURE : ExitCodes.OK;
    }

    /**
     * The daemon's row: its health endpoint's answer, or — for a daemon stopped with kill -STOP or
     * Ctrl-Z, or under a debugger ({@link DaemonInfo#stopped}), which answers nothing until resumed —
     * that it is stopped and what resumes it, without waiting for the
     * request's 5 s timeout (hD, session 10: `status` called such a daemon "unreachable
     * (HttpTimeoutException)" after 5 s, while it runs no job and its schedules wait).
     *
     * The pid must own the listener on the management port first ({@link DaemonInfo#checkListener}; not
     * checked when this user may not read the daemon's {@code /proc/<pid>/fd}, i.e. not root):
     * a stale runtime file whose pid now names another process is not called the daemon, stopped or up
     * (tester, session 10: a Ctrl-Z'd shell job named by a stale file was "the daemon … kill -CONT").
     *
     * @param d           the daemon named by the runtime file, alive
     * @param runtimeFile that runtime file, named when its pid is not the daemon's
     * @return a row with component, state ({@code ok} or {@code error}) and detail
     */
    static Map<String, Object> daemonRow(DaemonInfo d, java.nio.file.Path runtimeFile) {
        try {
            d.checkListener(runtimeFile, "status");
        } catch (java.nio.file.AccessDeniedException e) {
            // not root: the daemon's file descriptors cannot be read; judged by its answer alone, as before
        } catch (java.io.IOException e) {
            return Output.row("component", "daemon", "state", "error", "detail", e.getMessage());
        }
        java.util.Optional<DaemonInfo.Stopped> stop = d.stopped();
        if (stop.isPresent()) {
            return Output.row("component", "daemon", "state", "error", "detail", "pid " + d.pid() + " is " + stop.get().how()
                    + ": it answers nothing and runs no job until resumed; " + stop.get().resumer().replace("`", "")
                    + " resumes it, version " + d.version());
        }
        String health = health(d);
        return Output.row("component", "daemon", "state", "UP".equals(health) ? "ok" : "error",
                "detail", "pid " + d.pid() + ", " + d.baseUrl() + "/observe/health: " + health + ", version " + d.version());
    }

    private static String health(DaemonInfo d) {
        try {
            HttpResponse<String> r = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build()
                    .send(HttpRequest.newBuilder(URI.create(d.baseUrl() + "/observe/health")).timeout(Duration.ofSeconds(5)).build(),
                            HttpResponse.BodyHandlers.ofString());
            return r.body().contains("\"UP\"") ? "UP" : "DOWN (HTTP " + r.statusCode() + ")";
        } catch (Exception e) {
            return "unreachable (" + e.getClass().getSimpleName() + ")";
        }
    }

    private static String ago(Instant t) {
        if (t == null) {
            return "?";
        }
        long s = Duration.between(t, Instant.now()).getSeconds();
        return s < 120 ? s + " s ago" : s < 7200 ? (s / 60) + " min ago" : (s / 3600) + " h ago";
    }
}
