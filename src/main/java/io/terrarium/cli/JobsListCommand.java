package io.terrarium.cli;

import io.terrarium.App;
import io.terrarium.config.TerrariumConfig;
import io.terrarium.daemon.JobTrigger;
import io.terrarium.jobs.Job;
import io.terrarium.jobs.JobResult;
import io.terrarium.jobs.JobSchedule;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;

/**
 * {@code terrariumctl jobs list}: every job with its state, schedule, next run and last results.
 * JSON/YAML rows follow docs/schemas/jobs-list.schema.json.
 */
@Command(name = "list", description = {
        "List the jobs (route ids) with their state, schedule (Quartz cron, UTC), next run, last result, its duration and the last success.",
        "STATE is scheduled (the daemon runs it on its schedule), paused (`jobs pause`: scheduled runs are skipped) "
                + "or no-daemon (nothing runs it on a schedule until the daemon starts). Times are UTC."},
        footerHeading = "%nExamples:%n", footer = {"  terrariumctl jobs list", "  terrariumctl jobs list -o json"})
public final class JobsListCommand implements Callable<Integer> {
    /** The table's LAST_RESULT of a job whose last result file exists but cannot be read ({@link io.terrarium.jobs.JobResultStore#lastProblem}; JSON/YAML: {@code last_result} null and {@code last_result_error} says why). */
    static final String UNREADABLE = "UNREADABLE";
    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss", Locale.ROOT).withZone(ZoneOffset.UTC);

    @Spec
    CommandSpec spec;

    @Mixin
    VerbosityOption verbosity;

    @Mixin
    FormatOption format;

    @Override
    public Integer call() {
        App app = TerrariumCommand.app(spec);
        TerrariumConfig config = app.configStore().load().config();
        io.terrarium.daemon.DaemonInfo running = new JobTrigger(app).runningDaemon();
        boolean daemon = running != null;
        Instant now = Instant.now();
        List<Map<String, Object>> rows = new ArrayList<>();
        List<Map<String, Object>> table = new ArrayList<>();
        List<String> problems = new ArrayList<>();
        for (Job j : app.jobs(config)) {
            JobResult last = app.results().last(j.id());
            JobResult ok = app.results().lastSuccess(j.id());
            Instant paused = app.results().pausedSince(j.id());
            JobSchedule schedule = JobSchedule.of(j, config.daemon().schedules());
            Instant lastEnd = last == null || last.startedAt() == null ? null : last.startedAt().plusMillis(last.durationMs());
            Instant next = paused != null ? null : schedule.nextAfter(now, lastEnd);
            String state = paused != null ? "paused" : daemon ? "scheduled" : "no-daemon";
            Double seconds = last == null ? null : last.durationMs() / 1000.0;
            String problem = last == null ? app.results().lastProblem(j.id()) : null;
            if (problem != null) {
                problems.add("job " + j.id() + ": last result unreadable: " + problem);
            }
            rows.add(Output.row("job", j.id(),
                    "state", state,
                    "schedule", schedule.describe(),
                    "next_run", next == null ? null : next.truncatedTo(ChronoUnit.SECONDS),
                    "last_result", last == null ? null : last.status(),
                    "last_result_error", problem,
                    "last_run", last == null ? null : seconds(last.startedAt()),
                    "last_duration_seconds", seconds,
                    "last_success", ok == null ? null : seconds(ok.startedAt()),
                    "paused_since", paused,
                    "description", j.description()));
            table.add(Output.row("job", j.id(),
                    "state", state,
                    "schedule", schedule.describe(),
                    "next_run_utc", time(next),
                    "last_result", last == null ? problem == null ? null : UNREADABLE : last.status(),
                    "last_run_utc", last == null ? null : time(last.startedAt()),
                    "duration", seconds == null ? null : String.format(Locale.ROOT, "%.2f s", seconds),
                    "last_success_utc", ok == null ? null : time(ok.startedAt())));
        }
        Output.rows(spec.commandLine().getOut(), format.format(), format.format() == Format.table ? table : rows);
        java.util.Optional<io.terrarium.daemon.DaemonInfo.Stopped> stop = running == null ? java.util.Optional.empty() : running.stopped();
        if (stop.isPresent() && running.ownsPort()) {
            // tester, session 10: a stopped daemon's jobs were listed as scheduled with a next run it will not make
            problems.add(0, "the daemon (pid " + running.pid() + ") is " + stop.get().how() + ": no job runs on its schedule"
                    + " until " + stop.get().resumer() + " resumes it");
        }
        if (!problems.isEmpty()) {
            java.io.PrintWriter err = spec.commandLine().getErr();
            problems.forEach(p -> err.println("WARNING: " + p));
            err.flush();
        }
        return ExitCodes.OK;
    }

    private static Instant seconds(Instant t) {
        return t == null ? null : t.truncatedTo(ChronoUnit.SECONDS);
    }

    private static String time(Instant t) {
        return t == null ? null : TIME.format(t);
    }
}
