package io.terrarium.cli;

import io.terrarium.App;
import io.terrarium.daemon.JobTrigger;
import io.terrarium.jobs.JobResult;
import io.terrarium.proxy.sync.ProxySyncJob;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;

/**
 * {@code terrariumctl proxy sync}: runs the {@code proxy-sync} job now (in the daemon when it runs,
 * else in-process) and prints one line per error. Exit 1 when any instance had an error or a
 * conflict, or when LXD, a file, the reload or UFW failed.
 */
@Command(name = "sync", description = {"Sync now: read the labels, set the bridges, write the Traefik files.",
        "Runs the proxy-sync job in the daemon when it runs, otherwise in this process (same code, same guard).",
        "Prints one ERROR line per bad label, conflict or failed step; exit 1 when there is any."},
        footerHeading = "%nExamples:%n",
        footer = {"  terrariumctl proxy sync", "  terrariumctl proxy sync --format json"})
public final class ProxySyncCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    VerbosityOption verbosity;

    @Mixin
    FormatOption format;

    @Option(names = "--timeout", paramLabel = "SECONDS", defaultValue = "300",
            description = "How long to wait for the result (default ${DEFAULT-VALUE} s).")
    long timeoutSeconds;

    @Override
    public Integer call() throws Exception {
        App app = TerrariumCommand.app(spec);
        JobResult r = new JobTrigger(app).trigger(ProxySyncJob.ID, () -> app.configStore().load().config(),
                Duration.ofSeconds(timeoutSeconds));
        PrintWriter out = spec.commandLine().getOut();
        if (format.format() == Format.table) {
            String summary = r.summary() == null ? "" : r.summary();
            out.println(r.job() + ": " + r.status() + " in " + r.durationMs() + " ms: " + summary.lines().findFirst().orElse(""));
            out.flush();
            PrintWriter err = spec.commandLine().getErr();
            for (String e : errors(r)) {
                err.println("ERROR: " + e);
            }
            err.flush();
        } else {
            Output.value(out, format.format(), r);
        }
        return r.failed() ? ExitCodes.FAILURE : ExitCodes.OK;
    }

    /** The error lines of a proxy-sync result (details.errors; the summary for REJECTED runs). */
    static List<String> errors(JobResult r) {
        Object e = r.details() == null ? null : r.details().get("errors");
        if (e instanceof List<?> l && !l.isEmpty()) {
            return l.stream().map(String::valueOf).toList();
        }
        return r.failed() && r.summary() != null ? List.of(r.summary()) : List.of();
    }
}
