package io.terrarium.cli;

import io.terrarium.App;
import io.terrarium.config.TerrariumConfig;
import io.terrarium.jobs.JobResult;
import io.terrarium.s3.S3VerifyJob;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.util.concurrent.Callable;

/**
 * {@code terrariumctl backup verify [--instance X]}: the {@code s3-verify} job now. Without
 * {@code --instance} it triggers the job (in the daemon when it runs, else in this process); with
 * it, it verifies that instance's restore points in this process. Exit 1 when any object does not
 * match its manifest (each bad object is named) or S3 cannot be read.
 */
@Command(name = "verify", description = {"Re-read every S3 restore point of this installation (or of one instance) and check",
        "each stored object's size and SHA-256 (per part and per volume) against its manifest, and that every",
        "incremental's parent manifest exists. Nothing is restored; every stored byte is downloaded once.",
        "Exit 1 naming each bad object. The daemon runs the same check weekly as job s3-verify.",
        "Without --instance it runs job s3-verify (inside the daemon when it runs, else in this process); with",
        "--instance in this process. Progress goes to stderr: a bar (bytes read of the total, rate, ETA) on a terminal,",
        "plain lines on a pipe."},
        footerHeading = "%nExamples:%n",
        footer = {"  terrariumctl backup verify", "  terrariumctl backup verify --instance web -o json"})
public final class BackupVerifyCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    VerbosityOption verbosity;

    @Mixin
    FormatOption format;

    @Option(names = "--instance", paramLabel = "NAME", description = "Only this instance's restore points (runs in this process).")
    String instance;

    @Override
    public Integer call() throws Exception {
        App app = TerrariumCommand.app(spec);
        // progress of an in-process run on stderr (a bar on a terminal, plain lines on a pipe); stdout keeps the result
        io.terrarium.s3.TransferProgress progress = format.format() != Format.table ? io.terrarium.s3.TransferProgress.NONE
                : ProgressDisplay.forThisProcess(spec.commandLine().getErr());
        if (instance == null) {
            if (new io.terrarium.daemon.JobTrigger(app).runningDaemon() == null) {
                app.withVerifyProgress(progress);
            }
            return JobRun.triggerAndPrint(spec, S3VerifyJob.ID, format.format(), 43200, "instances");
        }
        TerrariumConfig config = app.configStore().load().config();
        java.time.Instant started = java.time.Instant.now();
        JobResult r = new S3VerifyJob(config::s3, config::installationId).progress(progress).run(instance)
                .stamped("cli", started, java.time.Duration.between(started, java.time.Instant.now()).toMillis(),
                        "pid " + ProcessHandle.current().pid());
        JobOutput.print(spec.commandLine().getOut(), format.format(), r, "instances");
        if (format.format() == Format.table) {
            PrintWriter err = spec.commandLine().getErr();
            JobRun.errors(r).forEach(e -> err.println("ERROR: " + e));
            err.flush();
        }
        return r.failed() ? ExitCodes.FAILURE : ExitCodes.OK;
    }
}
