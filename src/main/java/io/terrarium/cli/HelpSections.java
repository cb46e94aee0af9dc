package io.terrarium.cli;

import picocli.CommandLine;
import picocli.CommandLine.Help;
import picocli.CommandLine.Help.Column;
import picocli.CommandLine.Help.TextTable;
import picocli.CommandLine.Model.CommandSpec;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * How commands are summarised in help: a subcommand list shows each command's whole first sentence
 * (picocli's default list shows the first description <em>line</em>, which cut long descriptions
 * mid-sentence), and the man pages' NAME line uses the same sentence. Pure apart from the
 * {@link CommandLine} it configures.
 */
public final class HelpSections {
    private HelpSections() {
    }

    /**
     * The first sentence of a command's description: the description lines joined with spaces, cut
     * after the first ". " (or kept whole when there is none); the command's header when it has one.
     *
     * @param spec a command
     * @return the summary, without format specifiers ({@code %n}), never {@code null}
     */
    public static String summary(CommandSpec spec) {
        String[] header = spec.usageMessage().header();
        String text = header.length > 0 ? String.join(" ", header) : String.join(" ", spec.usageMessage().description());
        text = text.replace("%n", " ").replaceAll("\\s+", " ").strip();
        int end = text.indexOf(". ");
        return end < 0 ? text : text.substring(0, end + 1);
    }

    /**
     * Replaces the command-list section of {@code cl} and all its subcommands with one that lists
     * each subcommand's {@link #summary} wrapped to the usage width.
     *
     * @param cl the root command line
     */
    public static void install(CommandLine cl) {
        cl.getHelpSectionMap().put(CommandLine.Model.UsageMessageSpec.SECTION_KEY_COMMAND_LIST, HelpSections::commandList);
        for (CommandLine sub : cl.getSubcommands().values()) {
            if (sub.getParent() == cl) {
                install(sub);
            }
        }
    }

    private static String commandList(Help help) {
        Map<String, Help> subs = help.subcommands();
        if (subs.isEmpty()) {
            return "";
        }
        int nameWidth = 0;
        List<String[]> rows = new ArrayList<>();
        for (Map.Entry<String, Help> e : subs.entrySet()) {
            CommandSpec spec = e.getValue().commandSpec();
            if (spec.usageMessage().hidden()) {
                continue;
            }
            String names = String.join(", ", spec.names());
            if (!e.getKey().equals(spec.name())) {
                continue; // an alias: listed with its command
            }
            nameWidth = Math.max(nameWidth, names.length());
            rows.add(new String[]{names, summary(spec)});
        }
        int width = help.commandSpec().usageMessage().width();
        int first = Math.min(nameWidth + 4, width / 3);
        TextTable table = TextTable.forColumns(help.colorScheme(),
                new Column(first, 2, Column.Overflow.SPAN),
                new Column(Math.max(20, width - first), 1, Column.Overflow.WRAP));
        for (String[] r : rows) {
            table.addRowValues(help.colorScheme().commandText(r[0]), help.colorScheme().text(r[1]));
        }
        return table.toString();
    }
}
