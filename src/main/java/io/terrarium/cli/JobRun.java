package io.terrarium.cli;

import io.terrarium.App;
import io.terrarium.daemon.JobTrigger;
import io.terrarium.jobs.JobResult;
import picocli.CommandLine.Model.CommandSpec;

import java.io.PrintWriter;
import java.time.Duration;
import java.util.List;

/**
 * What every command that runs a job does ({@code jobs run}, {@code proxy sync}, …): trigger it
 * (in the daemon when it runs, else in-process), print the result, and map it to the exit code.
 * Table format: {@code <job>: <STATUS> in <ms> ms (<where>, trigger <t>)}, the summary, then one
 * {@code ERROR:} line on stderr per entry of {@code details.errors}.
 */
final class JobRun {
    /**
     * The longest {@code --timeout}, in seconds: 315 360 000 (10 years of 365 days). The wait's deadline
     * is a reading of the monotonic clock in nanoseconds ({@code System.nanoTime() + timeout.toNanos()},
     * in {@link JobTrigger}): a long holds 9 223 372 036 s of nanoseconds, less the clock's reading (the
     * host's uptime). Beyond that the sum overflowed (tester, session 11: {@code --timeout=99999999999}
     * printed "ERROR: java.lang.ArithmeticException: long overflow" while the job ran in the daemon, and
     * {@code --timeout=9223372036} said at once "still running after 9223372036 s" of a job that ended in
     * under 1 s). 10 years is far beyond any job and far inside that range, whatever the uptime.
     */
    static final long MAX_TIMEOUT_SECONDS = 315_360_000L;

    /** The range of {@code --timeout} as the option's help and its usage error say it. */
    static final String TIMEOUT_RANGE = "1–" + MAX_TIMEOUT_SECONDS + " s (10 years)";

    private JobRun() {
    }

    /**
     * Checks a {@code --timeout} value ({@link #MAX_TIMEOUT_SECONDS}).
     *
     * @throws picocli.CommandLine.ParameterException (exit 2) when it is outside 1–{@value #MAX_TIMEOUT_SECONDS}
     */
    static void checkTimeout(CommandSpec spec, long timeoutSeconds) {
        if (timeoutSeconds < 1 || timeoutSeconds > MAX_TIMEOUT_SECONDS) {
            throw new picocli.CommandLine.ParameterException(spec.commandLine(), "--timeout must be " + TIMEOUT_RANGE
                    + ": the wait's deadline is counted in nanoseconds, which a long holds for 292 years only (got "
                    + timeoutSeconds + ")");
        }
    }

    /**
     * @return {@link ExitCodes#FAILURE} when the job FAILED or was REJECTED, else {@link ExitCodes#OK}
     * @throws Exception when the daemon cannot be reached or the job id is unknown
     *                   ({@link io.terrarium.jobs.UnknownJobException}, exit 2); a timeout outside
     *                   {@link #checkTimeout}'s range is a usage error (exit 2)
     */
    static int triggerAndPrint(CommandSpec spec, String jobId, Format format, long timeoutSeconds) throws Exception {
        return triggerAndPrint(spec, jobId, format, timeoutSeconds, null);
    }

    /**
     * @param rowsKey key in the result's details holding per-item rows to print as a table (e.g.
     *                {@code instances}), or {@code null}
     */
    static int triggerAndPrint(CommandSpec spec, String jobId, Format format, long timeoutSeconds, String rowsKey) throws Exception {
        return triggerAndPrint(spec, jobId, format, timeoutSeconds, rowsKey, null);
    }

    /**
     * @param onTaken called once the run is taken (the daemon answered with its run id, or an
     *                in-process run starts), never when the trigger fails first ({@link JobTrigger#onTaken});
     *                {@code null} for nothing
     */
    static int triggerAndPrint(CommandSpec spec, String jobId, Format format, long timeoutSeconds, String rowsKey,
                               Runnable onTaken) throws Exception {
        checkTimeout(spec, timeoutSeconds);
        // bad usage before anything else, the daemon's runtime file and credentials included (tester, session 11:
        // a non-root `jobs run nosuchjob` said "ERROR: /proc/<pid>/fd"); JobIdsTest keeps JobIds equal to App.jobs
        io.terrarium.jobs.UnknownJobException.requireKnown(jobId, JobIds.ALL);
        App app = TerrariumCommand.app(spec);
        JobTrigger trigger = new JobTrigger(app).onTaken(onTaken).withNotes(line -> {
            spec.commandLine().getErr().println(line); // a daemon stopped while the job runs in it
            spec.commandLine().getErr().flush();
        });
        if (format == Format.table) {
            // one display on stderr (a bar on a terminal, plain lines on a pipe): an export in this process tells it
            // directly, a run inside the daemon streams its progress back to it (issue 15)
            if (trigger.insideDaemon()) {
                // served over the CLI socket (io.terrarium.cli.served): the bar on the client's terminal, lines on
                // its pipe; the daemon's own export listener stays untouched
                trigger.withProgress(new DaemonProgress(ProgressDisplay.forClient(spec.commandLine().getErr())));
            } else {
                ProgressDisplay.Sink display = ProgressDisplay.forThisProcess(spec.commandLine().getErr());
                app.withExportProgress(display);
                trigger.withProgress(new DaemonProgress(display));
            }
        }
        JobResult r = trigger.trigger(jobId, () -> app.configStore().load().config(), Duration.ofSeconds(timeoutSeconds));
        return print(spec, format, r, rowsKey);
    }

    /** Prints a result (table/json/yaml, errors on stderr for tables). @return 0, or 1 on FAILED/REJECTED */
    static int print(CommandSpec spec, Format format, JobResult r, String rowsKey) {
        JobOutput.print(spec.commandLine().getOut(), format, r, rowsKey);
        if (format == Format.table) {
            PrintWriter err = spec.commandLine().getErr();
            errors(r).forEach(e -> err.println("ERROR: " + e));
            err.flush();
        }
        return r.failed() ? ExitCodes.FAILURE : ExitCodes.OK;
    }

    /** The error lines of a result: {@code details.errors} when present. */
    static List<String> errors(JobResult r) {
        Object e = r.details() == null ? null : r.details().get("errors");
        if (e instanceof List<?> l && !l.isEmpty()) {
            return l.stream().map(String::valueOf).toList();
        }
        return List.of();
    }
}
