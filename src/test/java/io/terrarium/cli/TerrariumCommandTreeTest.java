package io.terrarium.cli;

import io.terrarium.App;
import io.terrarium.config.TerrariumPaths;
import io.terrarium.testing.RecordingCommandRunner;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@link TerrariumCommand#commandLine(App, String[])} builds only the invoked branch: the branch must
 * behave exactly as in the whole tree (same help pages, same errors and exit codes), and the commands
 * that reach other commands get the whole tree.
 */
class TerrariumCommandTreeTest {
    private static App app() {
        return new App(TerrariumPaths.from(Map.of()), new RecordingCommandRunner(c -> null));
    }

    private static List<String> topLevel(CommandLine cl) {
        return cl.getSubcommands().keySet().stream().toList();
    }

    @Test
    void aCommandGetsOnlyItsBranchAndTheCommandsThatReachOthersGetTheWholeTree() {
        assertThat(topLevel(TerrariumCommand.commandLine(app(), new String[]{"status"}))).containsExactly("status");
        assertThat(topLevel(TerrariumCommand.commandLine(app(), new String[]{"-vv", "--verbose", "jobs", "list"}))).containsExactly("jobs");
        assertThat(topLevel(TerrariumCommand.commandLine(app(), new String[]{"backup", "restore", "web"}))).containsExactly("backup");
        List<String> whole = topLevel(TerrariumCommand.commandLine(app()));
        assertThat(whole).hasSize(TerrariumCommand.COMMANDS.size()).contains("status", "set", "reconfigure", "help");
        for (String[] args : new String[][]{{}, {"set", "s3", "--enable"}, {"completion", "bash"}, {"help", "backup"},
                {"-h", "status"}, {"--version"}, {"nosuch"}, {"-x", "status"}}) {
            assertThat(topLevel(TerrariumCommand.commandLine(app(), args))).as(String.join(" ", args)).isEqualTo(whole);
        }
    }

    @Test
    void everyBranchPrintsTheSameHelpAsInTheWholeTree() {
        Map<String, String> whole = HelpPages.render(TerrariumCommand.commandLine(app()));
        int compared = 0;
        for (Class<?> c : TerrariumCommand.COMMANDS) {
            String name = c.getAnnotation(CommandLine.Command.class).name();
            CommandLine branch = TerrariumCommand.commandLine(app(), new String[]{name});
            if (branch.getSubcommands().size() != 1) {
                continue; // a command that gets the whole tree
            }
            Map<String, String> pages = new TreeMap<>(HelpPages.render(branch));
            pages.remove("terrariumctl.txt");
            pages.remove("terrariumctl.ansi");
            assertThat(pages).as(name).isNotEmpty();
            for (Map.Entry<String, String> p : pages.entrySet()) {
                assertThat(p.getValue()).as(p.getKey()).isEqualTo(whole.get(p.getKey()));
                compared++;
            }
        }
        assertThat(compared).isGreaterThan(60);
    }

    @Test
    void errorsAndExitCodesAreTheSameInABranch() {
        for (String[] args : new String[][]{{"status", "--bogus"}, {"backup", "nosuch"}, {"jobs", "run"}, {"jobs", "run", "nosuch-job"},
                {"config", "check", "/nonexistent/terrarium.yaml"}}) {
            assertThat(run(TerrariumCommand.commandLine(app(), args), args)).as(String.join(" ", args))
                    .isEqualTo(run(TerrariumCommand.commandLine(app()), args));
        }
    }

    private static String run(CommandLine cl, String[] args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        cl.setOut(new PrintWriter(out, true));
        cl.setErr(new PrintWriter(err, true));
        int code = cl.execute(args);
        return code + "\n" + out + "\n" + err;
    }
}
