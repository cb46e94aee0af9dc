package io.terrarium.cli;

import io.terrarium.App;
import io.terrarium.jobs.JobResult;
import io.terrarium.proxy.sync.ProxyStateStore;
import io.terrarium.proxy.sync.ProxySyncJob;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

import java.util.concurrent.Callable;

/**
 * {@code terrariumctl proxy list}: the routes of the last sync from
 * {@code <stateDir>/proxy-state.json}: instance, route, public URL/port, bridge, auth groups,
 * status (ok / error / conflict / contested / stopped / opted-out) and reason. Reads no LXD. In table
 * form, warns on stderr about a pending Traefik restart and about entrypoints quarantined (or a static
 * file held back) after a failed restart ({@code proxy-quarantine.json}).
 */
@Command(name = "list", description = {"List every route of the last sync with its status and reason.",
        "Columns: instance, route (as labelled), public URL or port, bridge (host loopback), auth groups,",
        "status (ok, error, conflict, contested, stopped, opted-out), reason. Run `proxy sync` first to refresh."},
        footerHeading = "%nExamples:%n",
        footer = {"  terrariumctl proxy list", "  terrariumctl proxy list -o json"})
public final class ProxyListCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    VerbosityOption verbosity;

    @Mixin
    FormatOption format;

    @Override
    public Integer call() {
        App app = TerrariumCommand.app(spec);
        ProxyStateStore.State state;
        try {
            state = app.proxyState().stateOrThrow();
        } catch (java.nio.file.AccessDeniedException e) {
            // a sync has run (tester, session 10: a non-root `proxy list` said "no proxy sync has run yet")
            spec.commandLine().getErr().println("ERROR: " + io.terrarium.config.RootOnlyFile.unreadable(
                    "the routes of the last proxy sync", app.proxyState().stateFile()));
            spec.commandLine().getErr().flush();
            return ExitCodes.FAILURE;
        } catch (java.io.IOException e) {
            // damaged: a sync has run, and the next one rewrites it (ProxySyncJob's save-state; not "no proxy sync has run yet")
            spec.commandLine().getErr().println("ERROR: " + io.terrarium.config.DamagedFile.describe(
                    "the routes of the last proxy sync", app.proxyState().stateFile(), e, "the next proxy sync (terrariumctl proxy sync)"));
            spec.commandLine().getErr().flush();
            return ExitCodes.FAILURE;
        }
        if (state == null) {
            if (format.format() != Format.table) {
                Output.rows(spec.commandLine().getOut(), format.format(), java.util.List.of());
            }
            spec.commandLine().getErr().println("no proxy sync has run yet: terrariumctl proxy sync");
            spec.commandLine().getErr().flush();
            return ExitCodes.OK;
        }
        Output.rows(spec.commandLine().getOut(), format.format(), state.routes());
        if (format.format() == Format.table) {
            JobResult last = app.results().last(ProxySyncJob.ID);
            var err = spec.commandLine().getErr();
            if (last != null) {
                err.println("last sync: " + last.startedAt() + " " + last.status());
            }
            if (state.reloadPending()) {
                err.println("warning: the Traefik static file changed and its reload has not succeeded yet");
            }
            ProxyStateStore.Quarantine q;
            try {
                q = app.proxyState().quarantine();
            } catch (java.io.IOException e) {
                q = ProxyStateStore.Quarantine.NONE;
                err.println("warning: the proxy quarantine " + e.getMessage() + "; until it is fixed or removed the proxy sync"
                        + " does not change the Traefik static file nor publish a new public TCP/UDP port; fix it, or run"
                        + " `terrariumctl reconfigure`, which removes it and tries every quarantined port again");
            }
            for (ProxyStateStore.QuarantinedPort p : q.ports()) {
                err.println("warning: entrypoint " + p.socket() + " of " + p.instance() + " is quarantined since " + p.since()
                        + " (Traefik did not start with it; the previous static configuration was restored) until its label"
                        + " changes or `terrariumctl reconfigure`");
            }
            if (q.rejectedSha256() != null) {
                err.println("warning: a static configuration Traefik did not start with is held back since " + q.rejectedAt()
                        + " (kept as " + q.rejectedFile() + ") until `terrariumctl reconfigure`");
            }
            err.flush();
        }
        return ExitCodes.OK;
    }
}
