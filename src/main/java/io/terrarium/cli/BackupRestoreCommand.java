package io.terrarium.cli;

import io.terrarium.App;
import io.terrarium.backup.RestoreException;
import io.terrarium.backup.RestorePlan;
import io.terrarium.backup.RestoreService;
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
@Command(name = "restore", description = {"Restore an instance from a local snapshot, in place or as a new instance.",
        "In place: stop gracefully, `zfs rollback -r` (newer snapshots are destroyed), start again if it ran.",
        "As new (--as-new NEW): `zfs send | zfs receive` into a new dataset and a new, stopped instance NEW",
        "without user.proxy and terrarium-proxy-* devices; the original is untouched.",
        "The plan is printed first. Without a terminal, --yes is required (otherwise exit 2 and the exact command is printed)."},
        footerHeading = "%nExamples:%n",
        footer = {"  terrariumctl backup restore --instance web",
                "  terrariumctl backup restore --instance web --at 2026-01-31_12:15 --yes",
                "  terrariumctl backup restore --instance web --snapshot autosnap_2026-01-31_12:15:00_frequently --as-new web-restored --yes"})
public final class BackupRestoreCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    VerbosityOption verbosity;

    @Option(names = "--instance", required = true, paramLabel = "NAME", description = "Instance to restore.")
    String instance;

    static final class Which {
        @Option(names = "--at", paramLabel = "FRAGMENT", description = "Newest snapshot whose name or UTC time contains FRAGMENT (e.g. 2026-01-31_12:15).")
        String at;
        @Option(names = "--snapshot", paramLabel = "NAME", description = "Exactly this snapshot (see `backup list`).")
        String snapshot;
    }

    @ArgGroup(exclusive = true)
    Which which;

    @Option(names = "--as-new", paramLabel = "NEW", description = "Restore into a new instance NEW instead of in place.")
    String asNew;

    @Option(names = {"-y", "--yes"}, description = "Do not ask for confirmation.")
    boolean yes;

    @Override
    public Integer call() {
        App app = TerrariumCommand.app(spec);
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        TerrariumConfig config = app.configStore().load().config();
        RestoreService service = new RestoreService(app.lxd(), app.zfs(), app.datasets(config), config.lxd().project(),
                app.paths().runDir());
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
        if (!yes) {
            Console console = System.console();
            if (console == null) {
                err.println("ERROR: refusing to restore without confirmation: no terminal to ask on and --yes not given. To run it:");
                err.println("  " + exactCommand(plan));
                err.flush();
                return ExitCodes.USAGE;
            }
            String answer = console.readLine("Proceed? [y/N] ");
            if (answer == null || !answer.strip().toLowerCase(java.util.Locale.ROOT).matches("y|yes")) {
                out.println("aborted; nothing changed");
                out.flush();
                return ExitCodes.FAILURE;
            }
        }
        long t0 = System.nanoTime();
        try {
            service.execute(plan, line -> {
                out.println(line);
                out.flush();
            });
        } catch (RestoreException e) {
            err.println("ERROR: " + e.getMessage());
            err.flush();
            return ExitCodes.FAILURE;
        }
        long ms = (System.nanoTime() - t0) / 1_000_000;
        if (plan.inPlace()) {
            out.println("restored " + plan.instance() + " to " + plan.snapshot().name() + " in " + ms + " ms; "
                    + plan.newer().size() + " newer snapshot(s) destroyed" + (plan.running() ? "; running again" : "; left stopped"));
        } else {
            out.println("restored " + plan.instance() + "@" + plan.snapshot().name() + " as new instance " + plan.asNew()
                    + " in " + ms + " ms; it is stopped and has no proxy routes. Start it with `lxc start " + plan.asNew() + "`");
        }
        out.flush();
        return ExitCodes.OK;
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
