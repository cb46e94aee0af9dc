package io.terrarium.cli;

import io.terrarium.App;
import io.terrarium.config.TerrariumConfig;
import io.terrarium.s3.S3ClientFactory;
import io.terrarium.s3.S3Settings;
import io.terrarium.s3.crypto.BackupKeys;
import io.terrarium.s3.crypto.Rekey;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.s3.S3Client;

import java.io.IOException;
import java.io.PrintWriter;
import java.util.concurrent.Callable;

/** {@code terrariumctl backup rekey}: rotate the backup key by rewrapping manifests ({@link Rekey}). */
@Command(name = "rekey", description = {"Rotate the backup key: a new key is created, every sealed S3 manifest of this",
        "installation is rewrapped (its stream's data key wrapped under the new key, the manifest re-authenticated)",
        "and the new key replaces the old one. No stream is uploaded again. Re-run it to finish an interrupted rekey.",
        "Exit 1 when a manifest could not be rewrapped (the old key then stays in place), or when an s3-export",
        "still runs after 10 s (it holds the export lock; nothing changes: run rekey again when it has finished)."},
        footerHeading = "%nExamples:%n", footer = {"  terrariumctl backup rekey"})
public final class BackupRekeyCommand implements Callable<Integer> {
    /** The lock file {@code s3-export} holds for its whole run, in the run directory (as App wires it). */
    static final String EXPORT_LOCK = "s3-export.lock";

    @Spec
    CommandSpec spec;

    @Mixin
    VerbosityOption verbosity;

    @Override
    public Integer call() {
        App app = TerrariumCommand.app(spec);
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        TerrariumConfig config = app.configStore().load().config();
        S3Settings settings;
        try {
            settings = S3Lists.settings(config);
        } catch (IllegalArgumentException e) {
            err.println("ERROR: " + e.getMessage());
            err.flush();
            return ExitCodes.FAILURE;
        }
        try (S3Client s3 = S3ClientFactory.create(settings, 4)) {
            // the export lock of s3-export (App wires the same file): no export commits a manifest under the old key
            Rekey.Result r = new Rekey(s3, settings.bucket(), settings.prefix(), app.paths().secretsDir())
                    .exportLock(app.paths().runDir().resolve(EXPORT_LOCK), java.time.Duration.ofSeconds(10))
                    .run(config.installationId());
            out.println("rewrapped " + r.rewrapped() + " manifest(s), " + r.already() + " already under the new key, "
                    + r.legacy() + " unauthenticated legacy point(s) left as they are");
            if (!r.problems().isEmpty()) {
                err.println("ERROR: " + r.problems().size() + " manifest(s) could not be rewrapped; the old key "
                        + r.oldKeyId() + " stays current and the new key " + r.newKeyId() + " pending:");
                r.problems().forEach(p -> err.println("  - " + p));
                err.flush();
                out.flush();
                return ExitCodes.FAILURE;
            }
            out.println("backup key " + r.oldKeyId() + " replaced by " + r.newKeyId() + ".");
            out.println("Your old recovery key no longer reads these restore points: replace the offline copy now.");
            BackupKeyCommand.recoveryAdvice(out, app.paths().secretsDir().resolve(BackupKeys.FILE));
            out.flush();
            return ExitCodes.OK;
        } catch (IOException | SdkException e) {
            err.println("ERROR: " + e.getMessage());
            err.flush();
            return ExitCodes.FAILURE;
        }
    }
}
