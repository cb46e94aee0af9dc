package io.terrarium.cli;

import io.terrarium.backup.SnapshotJob;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

import java.util.concurrent.Callable;

/** {@code terrariumctl backup snapshot}: triggers the {@code snapshot} job now. */
@Command(name = "snapshot", description = {"Run the snapshot job now: render sanoid.conf, run `sanoid --cron` (TZ=UTC),",
        "and print per instance the snapshots taken and pruned.",
        "Runs inside the daemon when it is up (same guard as the 15-minute schedule: a run in progress",
        "makes this trigger REJECTED), otherwise in this process. Exit 1 on FAILED or REJECTED."},
        footerHeading = "%nExamples:%n",
        footer = {"  terrariumctl backup snapshot", "  terrariumctl backup snapshot --format json"})
public final class BackupSnapshotCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    VerbosityOption verbosity;

    @Mixin
    FormatOption format;

    @Override
    public Integer call() throws Exception {
        return JobRun.triggerAndPrint(spec, SnapshotJob.ID, format.format(), 3600, "instances");
    }
}
