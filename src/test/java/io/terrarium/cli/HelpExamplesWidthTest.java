package io.terrarium.cli;

import io.terrarium.App;
import io.terrarium.config.TerrariumPaths;
import io.terrarium.testing.RecordingCommandRunner;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Issue 15 item 8: long examples were wrapped by picocli at the help width, the rest of a command
 * landing unindented on the next line (or a comment cut off from its command). Every line of every
 * help page fits the width, so nothing is wrapped; a long example continues with {@code \} on an
 * indented line, as in a shell.
 */
class HelpExamplesWidthTest {
    @Test
    void noHelpLineIsWiderThanTheHelpWidthSoNothingIsWrapped() {
        CommandLine root = TerrariumCommand.commandLine(new App(TerrariumPaths.from(Map.of()),
                new RecordingCommandRunner(c -> RecordingCommandRunner.Reply.ok(""))));
        List<String> tooLong = new ArrayList<>();
        collect(root, tooLong);
        assertThat(tooLong).isEmpty();
    }

    /**
     * Tester (session 5): continuations were cut wherever the width ran out, so an option stood at
     * the end of one line and its value alone on the next ({@code --ssh-key \} / {@code /root/…}).
     * An example's line never ends with an option that takes a value.
     */
    @Test
    void noExampleLineEndsWithAnOptionWhoseValueIsOnTheNextLine() {
        CommandLine root = TerrariumCommand.commandLine(new App(TerrariumPaths.from(Map.of()),
                new RecordingCommandRunner(c -> RecordingCommandRunner.Reply.ok(""))));
        java.util.Set<String> takesValue = new java.util.HashSet<>();
        options(root, takesValue);
        assertThat(takesValue).contains("--ssh-key", "--endpoint", "--as-new");
        List<String> cut = new ArrayList<>();
        footers(root, takesValue, cut);
        assertThat(cut).isEmpty();
    }

    private static void options(CommandLine c, java.util.Set<String> out) {
        for (CommandLine.Model.OptionSpec o : c.getCommandSpec().options()) {
            if (o.arity().min() > 0) {
                out.addAll(List.of(o.names()));
            }
        }
        c.getSubcommands().values().forEach(s -> options(s, out));
    }

    private static void footers(CommandLine c, java.util.Set<String> takesValue, List<String> out) {
        for (String f : c.getCommandSpec().usageMessage().footer()) {
            for (String line : String.format(f).split("\n")) {
                String t = line.strip();
                if (t.endsWith(" \\")) {
                    String[] words = t.substring(0, t.length() - 2).strip().split(" +");
                    if (takesValue.contains(words[words.length - 1])) {
                        out.add(c.getCommandSpec().qualifiedName() + ": " + line);
                    }
                }
            }
        }
        c.getSubcommands().values().forEach(s -> footers(s, takesValue, out));
    }

    private static void collect(CommandLine c, List<String> out) {
        int width = Math.min(100, c.getUsageHelpWidth()); // docs/reference is rendered at 100
        for (String f : c.getCommandSpec().usageMessage().footer()) {
            for (String line : String.format(f).split("\n")) {
                if (line.length() > width) {
                    out.add(c.getCommandSpec().qualifiedName() + ": " + line.length() + " > " + width + ": " + line);
                }
            }
        }
        c.getSubcommands().values().forEach(s -> collect(s, out));
    }
}
