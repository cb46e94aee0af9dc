package io.terrarium.cli;

import io.terrarium.App;
import io.terrarium.daemon.JobTrigger;
import io.terrarium.s3.S3ExportJob;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

import java.util.concurrent.Callable;

/** {@code terrariumctl backup export}: triggers the {@code s3-export} job now. */
@Command(name = "export", description = {"Run the S3 export job now: for every instance, take a new export base snapshot,",
        "send it to S3 (incremental from the previous base when the chain allows, else full), and",
        "after the manifest is committed remove the older export bases (docs/s3.md \"Scheduled exports\").",
        "Exports every instance, or only those given with --instance (then always in this process; a host lock",
        "keeps it from overlapping the daemon's scheduled run, which makes this run REJECTED).",
        "Runs inside the daemon when it is up (a run in progress makes this trigger REJECTED),",
        "otherwise in this process. Exit 1 on FAILED or REJECTED.",
        "On a terminal, a progress bar shows the bytes of the zfs send stream, the rate and, where",
        "zfs send -n -P can estimate the size (OpenZFS), the ETA; on a pipe, plain progress lines go to stderr",
        "(at most one every 10 s); a run inside the daemon streams its progress back the same way.",
        "After each committed export, retention removes chains beyond s3.retention (docs/s3.md \"Retention\")."},
        footerHeading = "%nExamples:%n",
        footer = {"  terrariumctl backup export", "  terrariumctl backup export --instance web --instance db",
                "  terrariumctl backup export -o json"})
public final class BackupExportCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    VerbosityOption verbosity;

    @Mixin
    FormatOption format;

    @Option(names = "--instance", paramLabel = "NAME", description = "Export only this instance (repeatable).")
    java.util.List<String> instances = new java.util.ArrayList<>();

    @Override
    public Integer call() throws Exception {
        App app = TerrariumCommand.app(spec);
        boolean here = !instances.isEmpty();
        if (here) {
            if (format.format() == Format.table) {
                // in-process: a bar on a terminal, plain lines on a pipe or in a log (stderr; stdout keeps the result)
                app.withExportProgress(ProgressDisplay.forThisProcess(spec.commandLine().getErr()));
            }
            app.withExportInstances(new java.util.LinkedHashSet<>(instances));
            var r = new JobTrigger(app).triggerHere(S3ExportJob.ID, app.configStore().load().config());
            return JobRun.print(spec, format.format(), r, "datasets");
        }
        return JobRun.triggerAndPrint(spec, S3ExportJob.ID, format.format(), 43200, "datasets");
    }
}
