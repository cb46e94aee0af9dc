package io.terrarium.cli;

import io.terrarium.App;
import io.terrarium.restore.RestoreException;
import io.terrarium.restore.RestorePlan;
import io.terrarium.restore.RestoreService;
import io.terrarium.config.TerrariumConfig;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.Console;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

/**
 * {@code terrariumctl backup restore --instance X [--at FRAGMENT|--snapshot NAME] [--as-new NEW] [--yes]}.
 * Prints the plan, asks on a terminal (or takes {@code --yes}); without a terminal and without
 * {@code --yes} it refuses (exit 2) and prints the exact command to run. Exit 1 when the restore
 * cannot be planned or fails.
 */
@Command(name = "restore", description = {"Restore an instance from a local snapshot (--source local, the default) or from S3 (--source s3),",
        "in place or as a new instance.",
        "In place: stop gracefully, keep the current state aside (the live dataset is renamed to",
        "<dataset>.pre-restore-<UTC>: changes since the snapshot and newer snapshots are kept, nothing is destroyed),",
        "put a clone of the snapshot in its place (`zfs clone` + `zfs promote`, no copy), start again if it ran.",
        "Aside copies: `terrariumctl backup aside list|remove`.",
        "As new (--as-new NEW): `zfs send | zfs receive` into a new dataset and a new, stopped instance NEW",
        "without user.proxy and terrarium-proxy-* devices; the original is untouched.",
        "From S3: the chain from the full to the chosen point (--at: newest restore point whose id or UTC time",
        "contains FRAGMENT; default the newest) is checked first (every manifest, every volume's size); a broken",
        "chain fails before anything is received, naming the missing piece and the newest restorable point. The",
        "chain is received into a staging dataset (SHA-256 checked per part), then swapped in: in place the",
        "instance is stopped, the live dataset is kept as <name>.pre-restore-<UTC> (`backup aside remove` when done),",
        "the instance is started again if it ran. An instance that does not exist here (a new host after a",
        "disaster) is created from the backup.yaml in the restored dataset, stopped; --as-new NEW likewise, without",
        "user.proxy. A failed restore removes the staging dataset and leaves the live instance untouched.",
        "S3 progress goes to stderr: a bar with the stored bytes of the total, rate and ETA on a terminal, plain lines on a pipe.",
        "The plan is printed first. Without a terminal, --yes is required (otherwise exit 2 and the exact command is printed).",
        "With --source s3 --instance and --yes, a running daemon runs the restore in its started JVM",
        "(same output, less time); killing the command then cancels a receive still running."},
        footerHeading = "%nExamples:%n",
        footer = {"  terrariumctl backup restore --instance web",
                "  terrariumctl backup restore --instance web --at 2026-01-31_12:15 --yes",
                "  terrariumctl backup restore --instance web --snapshot autosnap_2026-01-31_12:15:00_frequently \\", "      --as-new web-restored --yes",
                "  terrariumctl backup restore --source s3 --instance web --yes",
                "  terrariumctl backup restore --source s3 --instance web --at 2026-01-31_12 --as-new web-old --yes",
                "  # new host", "  terrariumctl backup restore --source s3 --instance web --parent-dataset tank/containers --yes",
                "  terrariumctl backup restore --source s3 --all --yes   # a whole host after a disaster",
                "  terrariumctl backup restore --source s3 --all --installation 3f2c… --at 2026-01-31 --yes"})
public final class BackupRestoreCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    VerbosityOption verbosity;

    @Option(names = "--instance", paramLabel = "NAME", description = "Instance to restore (or --all with --source s3).")
    String instance;

    @Option(names = "--all", description = {"S3 only: bring a whole host back from the newest host manifest of an installation:",
            "create the storage pools, networks, project and profiles that are missing, restore every exported instance,",
            "start those that were running, run proxy sync. Re-runnable: what an earlier run restored is skipped."})
    boolean all;

    @Option(names = "--host-manifest", paramLabel = "KEY", description = {"With --all: restore the host as this host manifest (its object key, as the plan",
            "prints it) describes it, each instance from its newest restore point at or before it, never a newer one.",
            "The exact command a plan prints names it."})
    String hostManifest;

    @Option(names = "--force", description = "With --all: replace profiles, networks or the project that exist with other content, and restore existing instances in place.")
    boolean force;

    static final class Which {
        @Option(names = "--at", paramLabel = "FRAGMENT", description = "Newest snapshot (or S3 restore point id) whose name or UTC time contains FRAGMENT (e.g. 2026-01-31_12:15).")
        String at;
        @Option(names = "--snapshot", paramLabel = "NAME", description = "Exactly this local snapshot (see `backup list`); --source local only.")
        String snapshot;
    }

    @ArgGroup(exclusive = true)
    Which which;

    @Option(names = "--as-new", paramLabel = "NEW", description = "Restore into a new instance NEW instead of in place.")
    String asNew;

    @Option(names = {"-y", "--yes"}, description = "Do not ask for confirmation.")
    boolean yes;

    /** Where restore points come from. */
    enum Source { local, s3 }

    @Option(names = "--source", paramLabel = "local|s3", defaultValue = "local",
            description = "local: a ZFS snapshot on this host (default); s3: an exported restore point.")
    Source source;

    @Option(names = "--installation", paramLabel = "ID",
            description = "S3 only: the installation folder to read (default: this host's, else the only one holding the instance).")
    String installation;

    @Option(names = "--accept-unauthenticated", description = {"S3 only: accept restore points without authentication",
            "(written before backup encryption, or without a backup key). Without it a host holding a backup key refuses them."})
    boolean acceptUnauthenticated;

    @Option(names = "--parent-dataset", paramLabel = "DATASET",
            description = "S3 only, new instance: parent dataset for its dataset (default: beside the instance's dataset here, else zfs.containers_dataset of this host; never the parent named in the bucket).")
    String parentDataset;

    @Option(names = "--trust-config",
            description = "S3 only, new instance: create it with every key and device of its restored backup.yaml. Default: security.privileged, raw.*, idmap keys, host-path disks, unix-* and proxy devices are dropped and listed.")
    boolean trustConfig;

    @Override
    public Integer call() {
        if (all == (instance != null)) {
            throw new picocli.CommandLine.ParameterException(spec.commandLine(), "give either --instance NAME or --all (with --source s3)");
        }
        if (hostManifest != null && !all) {
            throw new picocli.CommandLine.ParameterException(spec.commandLine(), "--host-manifest applies only to --source s3 --all");
        }
        if (all || force) {
            if (source != Source.s3 || !all || asNew != null || (which != null && which.snapshot != null)) {
                throw new picocli.CommandLine.ParameterException(spec.commandLine(),
                        "--all and --force apply only to --source s3 --all (without --as-new and --snapshot)");
            }
            return new S3RestoreAll(this).call();
        }
        if (source == Source.s3) {
            return new S3Restore(this).call();
        }
        if (installation != null || parentDataset != null || trustConfig || acceptUnauthenticated) {
            // tester (issue 15): --accept-unauthenticated was silently ignored with --source local
            throw new picocli.CommandLine.ParameterException(spec.commandLine(),
                    "--installation, --parent-dataset, --trust-config and --accept-unauthenticated apply only to --source s3");
        }
        App app = TerrariumCommand.app(spec);
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        TerrariumConfig config = app.configStore().load().config();
        io.terrarium.events.InProcessEvents.openUntilExit(config, app.json());
        RestoreService service = new RestoreService(app.lxd(), app.zfs(), app.datasets(config), config.lxd().project(),
                app.paths().runDir(), app.lxdImport());
        RestorePlan plan;
        try {
            plan = service.plan(instance, which == null ? null : which.at, which == null ? null : which.snapshot, asNew);
        } catch (RestoreException e) {
            err.println("ERROR: " + e.getMessage());
            err.flush();
            return ExitCodes.FAILURE;
        }
        plan.describe().forEach(out::println);
        out.flush();
        Integer refused = confirm(exactCommand(plan));
        if (refused != null) {
            return refused;
        }
        long t0 = System.nanoTime();
        try {
            service.execute(plan, line -> {
                out.println(line);
                out.flush();
            });
        } catch (RestoreException e) {
            io.terrarium.events.Events.current().publish(io.terrarium.events.Event.restore(plan.instance(), "local", false, e.getMessage(), java.util.Map.of("snapshot", plan.snapshot().name())));
            err.println("ERROR: " + e.getMessage());
            err.flush();
            return ExitCodes.FAILURE;
        }
        long ms = (System.nanoTime() - t0) / 1_000_000;
        io.terrarium.events.Events.current().publish(io.terrarium.events.Event.restore(plan.instance(), "local", true, "restored " + plan.instance() + " to " + plan.snapshot().name() + (plan.inPlace() ? " in place" : " as " + plan.asNew()), java.util.Map.of("snapshot", plan.snapshot().name(), "duration_ms", ms)));
        if (plan.inPlace()) {
            String leaf = plan.asideDataset().substring(plan.asideDataset().lastIndexOf('/') + 1);
            out.println("restored " + plan.instance() + " to " + plan.snapshot().name() + " in " + ms + " ms"
                    + (plan.running() ? "; running again" : "; left stopped"));
            out.println("the state before the restore (and " + plan.newer().size() + " newer snapshot(s)) is kept as "
                    + plan.asideDataset() + " (not mounted); when the restore is good, remove it with"
                    + " `terrariumctl backup aside remove " + leaf + "`");
        } else {
            out.println("restored " + plan.instance() + "@" + plan.snapshot().name() + " as new instance " + plan.asNew()
                    + " in " + ms + " ms; it is stopped and has no proxy routes. Start it with `lxc start " + plan.asNew() + "`");
        }
        out.flush();
        return ExitCodes.OK;
    }

    /**
     * Asks on the terminal unless --yes. @return {@code null} to go on, else the exit code (2: no terminal
     * and no --yes, the exact command is printed; 1: the operator said no)
     */
    Integer confirm(String exactCommand) {
        if (yes) {
            return null;
        }
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        Console console = System.console();
        if (console == null) {
            err.println("ERROR: refusing to restore without confirmation: no terminal to ask on and --yes not given. To run it:");
            err.println("  " + exactCommand);
            err.flush();
            return ExitCodes.USAGE;
        }
        String answer = console.readLine("Proceed? [y/N] ");
        if (answer == null || !answer.strip().toLowerCase(java.util.Locale.ROOT).matches("y|yes")) {
            out.println("aborted; nothing changed");
            out.flush();
            return ExitCodes.FAILURE;
        }
        return null;
    }

    /** The command that carries out exactly this plan (the chosen snapshot by name) with --yes. */
    static String exactCommand(RestorePlan plan) {
        List<String> a = new ArrayList<>(List.of("terrariumctl", "backup", "restore", "--instance", plan.instance(),
                "--snapshot", plan.snapshot().name()));
        if (plan.asNew() != null) {
            a.add("--as-new");
            a.add(plan.asNew());
        }
        a.add("--yes");
        return String.join(" ", a);
    }
}
