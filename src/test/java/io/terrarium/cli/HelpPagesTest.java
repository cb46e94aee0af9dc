package io.terrarium.cli;

import io.terrarium.App;
import io.terrarium.config.TerrariumPaths;
import io.terrarium.testing.RecordingCommandRunner;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;
import picocli.CommandLine.Help;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The launcher prints {@link HelpPages} instead of starting a JVM, so each page must be byte for
 * byte what the JVM prints for {@code WORDS… --help}, {@code -h}, {@code help WORDS…} and (root) no
 * arguments — plain, and with the styles picocli uses on a terminal. DistIT runs the launcher itself.
 */
class HelpPagesTest {
    private static CommandLine tree() {
        return TerrariumCommand.commandLine(new App(TerrariumPaths.from(Map.of()), new RecordingCommandRunner(c -> null)));
    }

    /** Every command's word path below the root ({@code [backup, restore]}), the root as the empty path. */
    private static List<List<String>> paths(CommandLine cl, List<String> at, List<List<String>> all) {
        all.add(at);
        cl.getSubcommands().forEach((word, sub) -> {
            if (sub.getParent() == cl && word.equals(sub.getCommandName()) && !"help".equals(word)) {
                List<String> next = new ArrayList<>(at);
                next.add(word);
                paths(sub, next, all);
            }
        });
        return all;
    }

    /** One tree per style, reused (picocli resets its parse state on every execute). */
    private final Map<Help.Ansi, CommandLine> roots = new java.util.EnumMap<>(Help.Ansi.class);

    private String run(Help.Ansi ansi, List<String> args) {
        CommandLine root = roots.computeIfAbsent(ansi, a -> {
            CommandLine cl = tree();
            cl.setColorScheme(Help.defaultColorScheme(a));
            return cl;
        });
        StringWriter out = new StringWriter();
        root.setOut(new PrintWriter(out, true));
        StringWriter err = new StringWriter();
        root.setErr(new PrintWriter(err, true));
        int code = root.execute(args.toArray(String[]::new));
        assertThat(code).as("exit code of %s (stderr: %s)", args, err).isZero();
        return out.toString();
    }

    @Test
    void everyPageIsWhatTheJvmPrintsForHelpPlainAndStyled() {
        Map<String, String> pages = HelpPages.render(tree());
        List<List<String>> paths = paths(tree(), List.of(), new ArrayList<>());
        assertThat(paths).hasSizeGreaterThan(40);
        assertThat(pages).hasSize(2 * paths.size());
        for (List<String> path : paths) {
            String stem = String.join("-", new ArrayList<>(List.of("terrariumctl")) {{ addAll(path); }});
            List<String> help = new ArrayList<>(path);
            help.add("--help");
            assertThat(pages.get(stem + HelpPages.PLAIN)).as("plain page of %s", path).isEqualTo(run(Help.Ansi.OFF, help));
            assertThat(pages.get(stem + HelpPages.ANSI)).as("styled page of %s", path).isEqualTo(run(Help.Ansi.ON, help));
        }
    }

    @Test
    void theOtherHelpFormsPrintTheSamePage() {
        Map<String, String> pages = HelpPages.render(tree());
        assertThat(run(Help.Ansi.OFF, List.of())).isEqualTo(pages.get("terrariumctl.txt"));
        assertThat(run(Help.Ansi.OFF, List.of("-h"))).isEqualTo(pages.get("terrariumctl.txt"));
        assertThat(run(Help.Ansi.OFF, List.of("help"))).isEqualTo(pages.get("terrariumctl.txt"));
        assertThat(run(Help.Ansi.OFF, List.of("help", "backup", "restore"))).isEqualTo(pages.get("terrariumctl-backup-restore.txt"));
        assertThat(run(Help.Ansi.OFF, List.of("jobs", "run", "-h"))).isEqualTo(pages.get("terrariumctl-jobs-run.txt"));
        assertThat(run(Help.Ansi.ON, List.of("help", "backup", "restore"))).isEqualTo(pages.get("terrariumctl-backup-restore.ansi"));
        // the styled page really is styled, the plain one not
        assertThat(pages.get("terrariumctl-backup-restore.ansi")).contains("\u001b[");
        assertThat(pages.get("terrariumctl-backup-restore.txt")).doesNotContain("\u001b");
    }
}
