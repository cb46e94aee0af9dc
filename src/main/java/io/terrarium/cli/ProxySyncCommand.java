package io.terrarium.cli;

import io.terrarium.proxy.sync.ProxySyncJob;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

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
        footer = {"  terrariumctl proxy sync", "  terrariumctl proxy sync -o json"})
public final class ProxySyncCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    VerbosityOption verbosity;

    @Mixin
    FormatOption format;

    @Option(names = "--timeout", paramLabel = "SECONDS", defaultValue = "300",
            description = {"How long to wait for the result (default ${DEFAULT-VALUE} s),",
                    JobRun.TIMEOUT_RANGE + "; a run in the daemon goes on after it."})
    long timeoutSeconds;

    @Override
    public Integer call() throws Exception {
        return JobRun.triggerAndPrint(spec, ProxySyncJob.ID, format.format(), timeoutSeconds);
    }
}
