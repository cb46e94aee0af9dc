package io.terrarium.cli;

import io.terrarium.App;
import io.terrarium.restore.AsideCopies;
import io.terrarium.backup.InstanceDataset;
import io.terrarium.config.TerrariumConfig;
import picocli.CommandLine;
import picocli.CommandLine.Command;

import java.util.List;

/** {@code terrariumctl backup aside list|remove}: the copies restores keep of the state before them ({@link AsideCopies}). */
@Command(name = "aside", description = {"Aside copies: the state an instance had just before an in-place restore (local or S3),",
        "kept as <instance dataset>.pre-restore-<UTC stamp> beside the instance's dataset (not mounted, never removed",
        "automatically, not snapshotted or pruned by sanoid). List them, and remove one when the restore is good:",
        "removal releases Terrarium's own holds (terrarium-export, the S3 export's chain base) first, then destroys it",
        "with its snapshots. Only aside copies can be removed here; holds of anyone else refuse the removal."},
        subcommands = {BackupAsideListCommand.class, BackupAsideRemoveCommand.class, CommandLine.HelpCommand.class},
        footerHeading = "%nExamples:%n",
        footer = {"  terrariumctl backup aside list", "  terrariumctl backup aside list --format json",
                "  terrariumctl backup aside remove web.pre-restore-20260131T121500Z --yes"})
public final class BackupAsideCommand implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    /** Where aside copies live on this host: the containers dataset and the parent of every instance dataset. */
    static List<String> roots(App app, TerrariumConfig config) {
        List<InstanceDataset> all = app.datasets(config).resolveAll();
        return AsideCopies.roots(config.zfs().containersDataset(), all);
    }
}
