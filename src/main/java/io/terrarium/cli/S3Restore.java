package io.terrarium.cli;

import io.terrarium.App;
import io.terrarium.restore.RestoreException;
import io.terrarium.config.TerrariumConfig;
import io.terrarium.restore.RestorePlanException;
import io.terrarium.s3.S3Catalog;
import io.terrarium.s3.S3ClientFactory;
import io.terrarium.restore.S3RestoreService;
import io.terrarium.restore.S3Restorer;
import io.terrarium.s3.S3Settings;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.s3.S3Client;

import java.io.IOException;
import java.io.PrintWriter;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;

/** The {@code --source s3} branch of {@link BackupRestoreCommand}: plan, confirm, execute ({@link S3RestoreService}). */
final class S3Restore {
    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(S3Restore.class);
    private final BackupRestoreCommand cmd;

    S3Restore(BackupRestoreCommand cmd) {
        this.cmd = cmd;
    }

    int call() {
        if (cmd.which != null && cmd.which.snapshot != null) {
            throw new picocli.CommandLine.ParameterException(cmd.spec.commandLine(),
                    "--snapshot names a local snapshot; with --source s3 choose the restore point with --at (see `backup list --source s3`)");
        }
        App app = TerrariumCommand.app(cmd.spec);
        PrintWriter out = cmd.spec.commandLine().getOut();
        PrintWriter err = cmd.spec.commandLine().getErr();
        TerrariumConfig config = app.configStore().load().config();
        if (ClientGone.current() == null) {
            // in the daemon (served) its own publisher, if any, takes the events; never a second one for the daemon's life
            io.terrarium.events.InProcessEvents.openUntilExit(config, app.json());
        }
        S3Settings settings;
        try {
            settings = S3Lists.settings(config);
        } catch (IllegalArgumentException e) {
            err.println("ERROR: " + e.getMessage());
            err.flush();
            return ExitCodes.FAILURE;
        }
        try (S3Client s3 = S3ClientFactory.create(settings, 4)) {
            S3Restorer restorer;
            try {
                restorer = S3Restorer.forHost(s3, settings.bucket(), app.paths().secretsDir(), cmd.acceptUnauthenticated)
                        // a bar on a terminal, lines on a pipe (stderr); served by the daemon: the client's terminal, never the daemon's
                        .withProgress(cancelledWhenGone(ClientGone.current() != null ? ProgressDisplay.forClient(err)
                                : ProgressDisplay.forThisProcess(err), ClientGone.current()));
            } catch (IOException e) {
                err.println("ERROR: " + e.getMessage());
                err.flush();
                return ExitCodes.FAILURE;
            }
            S3RestoreService service = new S3RestoreService(app.lxd(), app.zfs(), app.datasets(config), config.lxd().project(),
                    app.paths().runDir(), new S3Catalog(s3, settings.bucket(), settings.prefix()), restorer,
                    config.installationId(), "s3://" + settings.bucket() + "/" + settings.prefix(), Clock.systemUTC(),
                    app.lxdImport()).localParent(config.zfs().containersDataset()).trustConfig(cmd.trustConfig);
            S3RestoreService.Plan plan;
            try {
                plan = service.plan(cmd.instance, cmd.which == null ? null : cmd.which.at, cmd.asNew, cmd.installation, cmd.parentDataset);
            } catch (RestorePlanException e) {
                err.println("ERROR: the chain of this restore point is incomplete, nothing was received:");
                e.problems().forEach(p -> err.println("  - " + p));
                err.println(e.newestRestorable() == null ? "  no restore point of " + cmd.instance + " can be restored"
                        : "  newest restorable point: " + e.newestRestorable() + " (restore it with --at " + e.newestRestorable() + ")");
                err.flush();
                return ExitCodes.FAILURE;
            } catch (RestoreException | IOException e) {
                err.println("ERROR: " + e.getMessage());
                err.flush();
                return ExitCodes.FAILURE;
            }
            plan.describe().forEach(out::println);
            out.flush();
            String exact = exactCommand(plan, cmd.parentDataset);
            if (cmd.trustConfig) {
                exact = exact.replace(" --yes", " --trust-config --yes");
            }
            Integer refused = cmd.confirm(exact);
            if (refused != null) {
                return refused;
            }
            long t0 = System.nanoTime();
            List<String> notes;
            try {
                notes = service.execute(plan, line -> {
                    out.println(line);
                    out.flush();
                });
            } catch (RestoreException e) {
                io.terrarium.events.Events.current().publish(io.terrarium.events.Event.restore(plan.instance(), "s3", false, e.getMessage(), java.util.Map.of("restore_point", plan.point().id())));
                if (ClientGone.current() != null) {
                    // served by the daemon: its log is the record an operator finds when the client went away
                    LOG.warn("restore of {} as {} from S3 failed: {}", plan.instance(), plan.target(), e.getMessage());
                }
                err.println("ERROR: " + e.getMessage());
                if (e.getMessage().contains("run the same command again to continue")) {
                    // the point by id: a later run continues this chain, not a newer point's
                    err.println("  to continue: " + exact);
                }
                err.flush();
                return ExitCodes.FAILURE;
            }
            long ms = (System.nanoTime() - t0) / 1_000_000;
            if (ClientGone.current() != null) {
                LOG.info("restored {} as {} from S3 restore point {} in {} ms", plan.instance(), plan.target(), plan.point().id(), ms);
            }
            io.terrarium.events.Events.current().publish(io.terrarium.events.Event.restore(plan.instance(), "s3", true, "restored " + plan.instance() + " from S3 restore point " + plan.point().id() + (plan.inPlace() ? " in place" : " as " + plan.target()), java.util.Map.of("restore_point", plan.point().id(), "duration_ms", ms)));
            out.println("restored " + plan.instance() + " from S3 restore point " + plan.point().id()
                    + (plan.inPlace() ? " in place" : " as instance " + plan.target()) + " in " + ms + " ms"
                    + (plan.inPlace() ? (plan.running() ? "; running again" : "; left stopped") : ""));
            notes.forEach(out::println);
            out.flush();
            return ExitCodes.OK;
        } catch (SdkException | IOException e) {
            err.println("ERROR: S3 failed: " + e.getMessage());
            err.flush();
            return ExitCodes.FAILURE;
        }
    }

    /** Message of the receive error when the client of a restore served by the daemon went away. */
    static final String CLIENT_GONE = "cancelled: the command that started this restore went away (its process was killed or interrupted)";

    /**
     * {@code display}, which also cancels the receive once {@code gone} says the client of a restore
     * served by the daemon went away (docs/backups.md, "Where a restore runs"): the next bytes read
     * throw, so the restore takes its failure path — the receive is killed before it commits, the
     * staging dataset is removed (or kept to resume, when it holds streams of the chain), the live
     * instance is untouched, and the failure is published as a restore event. Checked only while
     * receiving: once every byte is in, the swap finishes. {@code gone == null} (the CLI's own JVM):
     * {@code display} unchanged.
     */
    static io.terrarium.s3.TransferProgress cancelledWhenGone(io.terrarium.s3.TransferProgress display, java.util.function.BooleanSupplier gone) {
        if (gone == null) {
            return display;
        }
        return new io.terrarium.s3.TransferProgress() {
            @Override
            public void start(String what, java.util.OptionalLong total) {
                display.start(what, total);
            }

            @Override
            public void moved(long bytes) {
                if (gone.getAsBoolean()) {
                    throw new java.io.UncheckedIOException(CLIENT_GONE, new IOException(CLIENT_GONE)); // the message as is, not "java.io.IOException: …"
                }
                display.moved(bytes);
            }

            @Override
            public void finish(boolean ok) {
                display.finish(ok);
            }
        };
    }

    /** The command that carries out exactly this plan (the point by id, the installation by id) with --yes. */
    static String exactCommand(S3RestoreService.Plan plan, String parentDataset) {
        List<String> a = new ArrayList<>(List.of("terrariumctl", "backup", "restore", "--source", "s3", "--instance", plan.instance(),
                "--at", plan.point().id(), "--installation", plan.installationId()));
        if (plan.asNew()) {
            a.add("--as-new");
            a.add(plan.target());
        }
        if (parentDataset != null) {
            a.add("--parent-dataset");
            a.add(parentDataset);
        }
        a.add("--yes");
        return String.join(" ", a);
    }
}
