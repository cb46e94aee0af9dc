package io.terrarium.cli;

import io.terrarium.backup.ReplicateJob;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

import java.util.concurrent.Callable;

/** {@code terrariumctl backup replicate}: triggers the {@code replicate} job now. */
@Command(name = "replicate", description = {"Run the replication job now: syncoid per container dataset to the configured target.",
        "Prints one row per dataset (INCREMENTAL, INITIAL_FULL, FAILED with a hint, SKIPPED).",
        "Exit 1 when any dataset FAILED (the others are still replicated) or the run was REJECTED."},
        footerHeading = "%nExamples:%n",
        footer = {"  terrariumctl backup replicate", "  terrariumctl backup replicate -o json"})
public final class BackupReplicateCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    VerbosityOption verbosity;

    @Mixin
    FormatOption format;

    @Override
    public Integer call() throws Exception {
        return JobRun.triggerAndPrint(spec, ReplicateJob.ID, format.format(), 43200, "datasets");
    }
}
