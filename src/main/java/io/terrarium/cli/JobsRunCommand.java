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
            description = {"How long to wait for the result (default ${DEFAULT-VALUE} s),",
                    JobRun.TIMEOUT_RANGE + "; a run in the daemon goes on after it."})
    long timeoutSeconds;

    @Override
    public Integer call() throws Exception {
        JobRun.checkTimeout(spec, timeoutSeconds);
        io.terrarium.jobs.UnknownJobException.requireKnown(job, JobIds.ALL); // exit 2 before reading any state (JobRun)
        java.time.Instant paused = TerrariumCommand.app(spec).results().pausedSince(job);
        // printed once the run is taken, not before: a daemon that is stopped or drops the request makes the
        // trigger fail with "not started", which "running it now" must not precede (tester, session 10)
        Runnable note = paused == null ? null : () -> {
            spec.commandLine().getErr().println("note: job " + job + " is paused since " + paused
                    + " (the pause skips its scheduled runs, not this one you asked for)");
            spec.commandLine().getErr().flush();
        };
        return JobRun.triggerAndPrint(spec, job, format.format(), timeoutSeconds, null, note);
    }
}
