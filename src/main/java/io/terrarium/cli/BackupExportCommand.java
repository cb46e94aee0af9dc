package io.terrarium.cli;

import io.terrarium.s3.S3ExportJob;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

import java.util.concurrent.Callable;

/** {@code terrariumctl backup export}: triggers the {@code s3-export} job now. */
@Command(name = "export", description = {"Run the S3 export job now: for every instance, take a new export base snapshot,",
        "send it to S3 (incremental from the previous base when the chain allows, else full), and",
        "after the manifest is committed remove the older export bases (docs/s3.md \"Scheduled exports\").",
        "Exports every instance (no --instance filter: the job trigger takes no arguments).",
        "Runs inside the daemon when it is up (a run in progress makes this trigger REJECTED),",
        "otherwise in this process. Exit 1 on FAILED or REJECTED."},
        footerHeading = "%nExamples:%n",
        footer = {"  terrariumctl backup export", "  terrariumctl backup export --format json"})
public final class BackupExportCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    VerbosityOption verbosity;

    @Mixin
    FormatOption format;

    @Override
    public Integer call() throws Exception {
        return JobRun.triggerAndPrint(spec, S3ExportJob.ID, format.format(), 43200, "datasets");
    }
}
