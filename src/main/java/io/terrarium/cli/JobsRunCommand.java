package io.terrarium.cli;

import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.util.concurrent.Callable;

/** {@code terrariumctl jobs run ID}: runs a job now and prints its result. */
@Command(name = "run", description = {"Run a job now and print its result.",
        "When the daemon runs, the job runs inside it (same route, same guard: a job never runs twice at once);",
        "otherwise it runs in this process. A paused job runs too (the pause stops scheduled runs only).",
        "Exit 0 when the job ran OK or with a WARNING, 1 when it FAILED or was REJECTED because it was already running, 2 for an unknown job."},
        footerHeading = "%nExamples:%n",
        footer = {"  terrariumctl jobs run host-facts", "  terrariumctl jobs run host-facts -o json"})
public final class JobsRunCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    VerbosityOption verbosity;

    @Mixin
    FormatOption format;

    @Parameters(index = "0", paramLabel = "JOB", completionCandidates = JobIds.class, description = "Job id, e.g. host-facts (see `jobs list`).")
    String job;

    @Option(names = "--timeout", paramLabel = "SECONDS", defaultValue = "3600",
            description = "How long to wait for the result (default ${DEFAULT-VALUE} s).")
    long timeoutSeconds;

    @Override
    public Integer call() throws Exception {
        java.time.Instant paused = TerrariumCommand.app(spec).results().pausedSince(job);
        if (paused != null) {
            spec.commandLine().getErr().println("note: job " + job + " is paused since " + paused
                    + " (its scheduled runs are skipped); running it now because you asked");
            spec.commandLine().getErr().flush();
        }
        return JobRun.triggerAndPrint(spec, job, format.format(), timeoutSeconds);
    }
}
