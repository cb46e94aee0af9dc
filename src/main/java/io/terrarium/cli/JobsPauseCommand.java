package io.terrarium.cli;

import io.terrarium.App;
import io.terrarium.jobs.Job;
import io.terrarium.jobs.UnknownJobException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.Callable;

/**
 * {@code terrariumctl jobs pause|resume JOB}: stops or restarts a job's scheduled runs. The pause
 * is a file in the state directory ({@code jobs/<id>.paused}) that the daemon's scheduler route
 * reads at every fire: it survives daemon restarts, takes effect without a call into the daemon,
 * and stops no route (the daemon's health stays UP).
 */
public final class JobsPauseCommand {
    private JobsPauseCommand() {
    }

    /** The job ids of this installation. */
    static List<String> jobIds(App app) {
        return app.jobs(app.configStore().load().config()).stream().map(Job::id).toList();
    }

    /** {@code jobs pause JOB}. */
    @Command(name = "pause", description = {
            "Pause a job: the daemon skips its scheduled runs (and logs each skip) until `jobs resume`.",
            "The pause is kept in the state directory, so it survives a daemon restart; the daemon stays healthy (UP) "
                    + "and `status` and `jobs list` show the job as paused. A run already going finishes; "
                    + "`jobs run` still runs a paused job when asked explicitly.",
            "Exit 0 when the job is paused (also when it already was), 2 for an unknown job."},
            footerHeading = "%nExamples:%n", footer = {"  terrariumctl jobs pause s3-export", "  terrariumctl jobs resume s3-export"})
    public static final class Pause implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Mixin
        VerbosityOption verbosity;

        @Parameters(index = "0", paramLabel = "JOB", completionCandidates = JobIds.class, description = "Job id, e.g. s3-export (see `jobs list`).")
        String job;

        @Override
        public Integer call() throws Exception {
            App app = TerrariumCommand.app(spec);
            UnknownJobException.requireKnown(job, jobIds(app));
            Instant was = app.results().pausedSince(job);
            Instant since = app.results().pause(job);
            PrintWriter out = spec.commandLine().getOut();
            out.println(was != null ? "job " + job + " was already paused (since " + since + ")"
                    : "job " + job + " paused at " + since + ": scheduled runs are skipped until `terrariumctl jobs resume " + job + "`");
            out.flush();
            return ExitCodes.OK;
        }
    }

    /** {@code jobs resume JOB}. */
    @Command(name = "resume", description = {
            "Resume a paused job: the daemon runs it again at its next scheduled time (see `jobs list`).",
            "Exit 0 when the job is scheduled again (also when it was not paused), 2 for an unknown job."},
            footerHeading = "%nExamples:%n", footer = {"  terrariumctl jobs resume s3-export"})
    public static final class Resume implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Mixin
        VerbosityOption verbosity;

        @Parameters(index = "0", paramLabel = "JOB", completionCandidates = JobIds.class, description = "Job id, e.g. s3-export (see `jobs list`).")
        String job;

        @Override
        public Integer call() throws Exception {
            App app = TerrariumCommand.app(spec);
            UnknownJobException.requireKnown(job, jobIds(app));
            boolean was = app.results().resume(job);
            PrintWriter out = spec.commandLine().getOut();
            out.println(was ? "job " + job + " resumed: it runs again on its schedule"
                    : "job " + job + " was not paused");
            out.flush();
            return ExitCodes.OK;
        }
    }
}
