package io.terrarium.cli;

import io.terrarium.App;
import io.terrarium.config.TerrariumConfig;
import io.terrarium.jobs.Job;
import io.terrarium.jobs.JobResult;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

/** {@code terrariumctl jobs list}: every job with its schedule and last result. */
@Command(name = "list", description = "List the jobs (route ids), their schedules (Quartz cron, UTC) and last results.",
        footerHeading = "%nExamples:%n", footer = {"  terrariumctl jobs list", "  terrariumctl jobs list --format json"})
public final class JobsListCommand implements Callable<Integer> {
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
        List<Map<String, Object>> rows = new ArrayList<>();
        for (Job j : app.jobs(config)) {
            JobResult last = app.results().last(j.id());
            rows.add(Output.row("job", j.id(),
                    "schedule", config.daemon().schedules().getOrDefault(j.id(), j.defaultSchedule()),
                    "last_status", last == null ? null : last.status(),
                    "last_run", last == null || last.startedAt() == null ? null
                            : last.startedAt().truncatedTo(java.time.temporal.ChronoUnit.SECONDS),
                    "description", j.description()));
        }
        Output.rows(spec.commandLine().getOut(), format.format(), rows);
        return ExitCodes.OK;
    }
}
