package io.terrarium.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.util.List;
import java.util.concurrent.Callable;

/**
 * {@code help [COMMAND…]}: the usage of the command at that path — {@code terrariumctl help backup
 * restore} shows {@code backup restore}'s page (picocli's built-in help command reads only the first
 * word and showed {@code backup}'s). An unknown word is a usage error (exit 2) that lists the
 * commands at that level. Replaces every built-in help subcommand ({@link #replaceBuiltIns}).
 */
@Command(name = "help", helpCommand = true, description = "Show the help of a command: help [COMMAND [SUBCOMMAND…]].")
public final class PathHelpCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Parameters(paramLabel = "COMMAND", arity = "0..*", description = "the command path, e.g. backup restore")
    List<String> path = List.of();

    @Override
    public Integer call() {
        CommandLine at = spec.commandLine().getParent();
        StringBuilder walked = new StringBuilder(at.getCommandSpec().qualifiedName());
        for (String word : path) {
            CommandLine next = at.getSubcommands().get(word);
            if (next == null) {
                printError(spec, "unknown command '" + word + "' under '" + walked + "'; commands are: "
                        + String.join(", ", at.getSubcommands().keySet()));
                return 2;
            }
            at = next;
            walked.append(' ').append(word);
        }
        at.usage(spec.commandLine().getOut(), at.getColorScheme());
        return 0;
    }

    /**
     * Replaces picocli's built-in {@link CommandLine.HelpCommand} wherever it is registered in the
     * tree below (and including) {@code cl} with this command.
     *
     * @param cl a command line
     */
    public static void replaceBuiltIns(CommandLine cl) {
        CommandLine help = cl.getSubcommands().get("help");
        if (help != null && help.getCommand() instanceof CommandLine.HelpCommand) {
            cl.getCommandSpec().removeSubcommand("help");
            cl.addSubcommand("help", new PathHelpCommand());
        }
        for (CommandLine sub : cl.getSubcommands().values()) {
            if (sub.getParent() == cl && !"help".equals(sub.getCommandName())) {
                replaceBuiltIns(sub);
            }
        }
    }

    private static void printError(CommandSpec spec, String line) {
        spec.commandLine().getErr().println("ERROR: " + line);
        spec.commandLine().getErr().flush();
    }
}
