package io.terrarium.cli;

import io.terrarium.App;
import io.terrarium.restore.AsideCopies;
import io.terrarium.restore.RestoreException;
import io.terrarium.config.TerrariumConfig;
import io.terrarium.host.exec.CommandFailedException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.io.Console;
import java.io.PrintWriter;
import java.util.Locale;
import java.util.concurrent.Callable;

/**
 * {@code terrariumctl backup aside remove NAME [--yes]}: prints the plan, asks on a terminal (or takes
 * {@code --yes}; without a terminal and without it: exit 2 and the exact command), releases
 * Terrarium's holds, destroys the aside copy with its snapshots. Exit 1 when NAME is not an aside copy
 * below this host's containers datasets, when a hold of someone else is on it, or when zfs fails.
 */
@Command(name = "remove", description = {"Remove one aside copy (its snapshots go with it): Terrarium's own holds are released first,",
        "then `zfs destroy -r`. NAME is the name `aside list` shows (or the full dataset name). Anything that is not",
        "an aside copy is refused, as is an aside copy with a hold that is not Terrarium's; nothing is changed then.",
        "The plan is printed first. Without a terminal, --yes is required (otherwise exit 2 and the exact command is printed)."},
        footerHeading = "%nExamples:%n",
        footer = {"  terrariumctl backup aside remove web.pre-restore-20260131T121500Z",
                "  terrariumctl backup aside remove terrarium/containers/web.pre-restore-20260131T121500Z --yes"})
public final class BackupAsideRemoveCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    VerbosityOption verbosity;

    @Parameters(index = "0", paramLabel = "NAME", description = "The aside copy (see `backup aside list`).")
    String name;

    @Option(names = {"-y", "--yes"}, description = "Do not ask for confirmation.")
    boolean yes;

    @Override
    public Integer call() {
        App app = TerrariumCommand.app(spec);
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        TerrariumConfig config = app.configStore().load().config();
        AsideCopies asides = new AsideCopies(app.zfs());
        AsideCopies.Removal removal;
        try {
            removal = asides.planRemoval(name, BackupAsideCommand.roots(app, config));
        } catch (RestoreException e) {
            err.println("ERROR: " + e.getMessage());
            err.flush();
            return ExitCodes.FAILURE;
        }
        removal.describe().forEach(out::println);
        out.flush();
        if (!yes) {
            Console console = System.console();
            if (console == null) {
                err.println("ERROR: refusing to remove without confirmation: no terminal to ask on and --yes not given. To run it:");
                err.println("  terrariumctl backup aside remove " + removal.aside().dataset() + " --yes");
                err.flush();
                return ExitCodes.USAGE;
            }
            String answer = console.readLine("Remove it? [y/N] ");
            if (answer == null || !answer.strip().toLowerCase(Locale.ROOT).matches("y|yes")) {
                out.println("aborted; nothing changed");
                out.flush();
                return ExitCodes.FAILURE;
            }
        }
        try {
            asides.remove(removal);
        } catch (RestoreException e) {
            err.println("ERROR: " + e.getMessage());
            err.flush();
            return ExitCodes.FAILURE;
        } catch (CommandFailedException e) {
            err.println("ERROR: removing " + removal.aside().dataset() + " failed: " + e.getMessage());
            err.flush();
            return ExitCodes.FAILURE;
        }
        out.println("removed " + removal.aside().dataset() + (removal.ourHolds().isEmpty() ? ""
                : " (released Terrarium's hold on " + removal.ourHolds().size() + " snapshot(s))")
                + (removal.unlisted().isEmpty() ? "" : " (released Terrarium's hold where set on " + removal.unlisted().size() + " snapshot(s))"));
        out.flush();
        return ExitCodes.OK;
    }
}
