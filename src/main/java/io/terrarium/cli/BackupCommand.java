package io.terrarium.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code terrariumctl backup …}: the ZFS time machine (docs/backups.md). */
@Command(name = "backup", description = {"Snapshots (sanoid, or at once with --now), replication (syncoid), S3 export and verify, listing and restore (local or S3)",
        "of container datasets, and the aside copies restores keep.",
        "See docs/backups.md for the policy, the schedule and a restore walk-through."},
        subcommands = {BackupListCommand.class, BackupSnapshotCommand.class, BackupReplicateCommand.class, BackupExportCommand.class, BackupVerifyCommand.class,
                BackupRestoreCommand.class, BackupAsideCommand.class, BackupKeyCommand.class, BackupRekeyCommand.class,
                CommandLine.HelpCommand.class},
        footerHeading = "%nExamples:%n",
        footer = {"  terrariumctl backup list --instance web", "  terrariumctl backup snapshot", "  terrariumctl backup snapshot --now --name before-upgrade",
                "  terrariumctl backup export", "  terrariumctl backup list --source s3", "  terrariumctl backup verify",
                "  terrariumctl backup restore --instance web --at 2026-01-31_12:15 --yes", "  terrariumctl backup aside list"})
public final class BackupCommand implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }
}
