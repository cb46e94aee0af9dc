package io.terrarium.cli;

import io.terrarium.App;
import io.terrarium.restore.RestoreException;
import io.terrarium.backup.SnapshotJob;
import io.terrarium.backup.SnapshotNow;
import io.terrarium.config.TerrariumConfig;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

/**
 * {@code terrariumctl backup snapshot}: triggers the {@code snapshot} job now; with {@code --now} it
 * takes a named snapshot of each (or one) instance's dataset at once ({@link SnapshotNow}).
 */
@Command(name = "snapshot", description = {"Run the snapshot job now: render sanoid.conf, run `sanoid --cron` (TZ=UTC),",
        "and print per instance the snapshots taken and pruned. sanoid takes a snapshot only when one is due",
        "by the policy, so this may take none.",
        "Runs inside the daemon when it is up (same guard as the 15-minute schedule: a run in progress",
        "makes this trigger REJECTED), otherwise in this process. Exit 1 on FAILED or REJECTED.",
        "",
        "--now: take a snapshot at once, whatever the schedule (before a risky change): `zfs snapshot",
        "<dataset>@<name>` for every instance with a dataset (or --instance NAME). Default name",
        "manual-<yyyyMMddTHHmmssZ> (UTC); --name NAME: letters, digits, '_', '-', '.', ':' (not autosnap*,",
        "terrarium-export-*, syncoid_*, snapshot-*, which other tools prune or own). sanoid never prunes it;",
        "it stays until you destroy it. `backup list` shows it; `backup restore --snapshot NAME` restores it.",
        "A bad name, an unknown instance or an existing snapshot of that name: exit 2/1, nothing taken."},
        footerHeading = "%nExamples:%n",
        footer = {"  terrariumctl backup snapshot", "  terrariumctl backup snapshot --format json",
                "  terrariumctl backup snapshot --now", "  terrariumctl backup snapshot --now --instance web --name before-upgrade"})
public final class BackupSnapshotCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    VerbosityOption verbosity;

    @Mixin
    FormatOption format;

    @Option(names = "--now", description = "Take a named snapshot at once instead of running sanoid's schedule.")
    boolean now;

    @Option(names = "--instance", paramLabel = "NAME", description = "With --now: only this instance.")
    String instance;

    @Option(names = "--name", paramLabel = "NAME", description = "With --now: the snapshot name (default manual-<UTC stamp>).")
    String name;

    @Override
    public Integer call() throws Exception {
        if (!now) {
            if (instance != null || name != null) {
                throw new ParameterException(spec.commandLine(), "--instance and --name apply only to --now");
            }
            return JobRun.triggerAndPrint(spec, SnapshotJob.ID, format.format(), 3600, "instances");
        }
        if (name != null && SnapshotNow.problem(name) != null) {
            throw new ParameterException(spec.commandLine(), "--name: " + SnapshotNow.problem(name));
        }
        App app = TerrariumCommand.app(spec);
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        TerrariumConfig config = app.configStore().load().config();
        String snapName = name != null ? name : SnapshotNow.defaultName(Instant.now());
        List<SnapshotNow.Row> rows;
        try {
            rows = new SnapshotNow(app.zfs()).take(app.datasets(config).resolveAll(), instance, snapName);
        } catch (RestoreException e) {
            err.println("ERROR: " + e.getMessage());
            err.flush();
            return ExitCodes.FAILURE;
        }
        List<Map<String, Object>> table = new ArrayList<>();
        for (SnapshotNow.Row r : rows) {
            table.add(Output.row("instance", r.instance(), "dataset", r.dataset(), "snapshot", r.snapshot(), "status", r.status(),
                    "problem", r.problem()));
        }
        Output.rows(out, format.format(), table);
        long taken = rows.stream().filter(r -> "taken".equals(r.status())).count();
        boolean failed = rows.stream().anyMatch(r -> "failed".equals(r.status()));
        if (format.format() == Format.table) {
            out.println(taken + " snapshot(s) " + snapName + " taken" + (failed ? "; some failed (see above)" : "")
                    + "; sanoid does not prune them: remove one with `zfs destroy DATASET@" + snapName + "` when it is no longer needed");
        }
        out.flush();
        return failed ? ExitCodes.FAILURE : ExitCodes.OK;
    }
}
