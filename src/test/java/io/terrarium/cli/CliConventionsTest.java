package io.terrarium.cli;

import io.terrarium.App;
import io.terrarium.config.TerrariumPaths;
import io.terrarium.testing.FakeLxdProjects;
import io.terrarium.testing.RecordingCommandRunner;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** Issue 15 item 8: error prefixes, streams and the top-level help's exit codes. */
class CliConventionsTest {
    @TempDir
    Path dir;

    private record Run(int exit, String out, String err) {
    }

    private Run run(String... args) {
        App app = new App(TerrariumPaths.from(Map.of("TERRARIUM_ETC_DIR", dir.resolve("etc").toString(),
                "TERRARIUM_SECRETS_DIR", dir.resolve("etc/secrets").toString(),
                "TERRARIUM_RUN_DIR", dir.resolve("run").toString(), "TERRARIUM_STATE_DIR", dir.resolve("state").toString())),
                new RecordingCommandRunner(new FakeLxdProjects()));
        CommandLine cl = TerrariumCommand.commandLine(app);
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        cl.setOut(new PrintWriter(out));
        cl.setErr(new PrintWriter(err));
        return new Run(cl.execute(args), out.toString(), err.toString());
    }

    @Test
    void picocliUsageErrorsCarryTheErrorPrefixAndExitTwo() {
        Run missing = run("jobs", "run");
        assertThat(missing.exit()).isEqualTo(2);
        assertThat(missing.err()).startsWith("ERROR: Missing required parameter: 'JOB'\nUsage: terrariumctl jobs run");
        assertThat(missing.out()).isEmpty();
        Run unknown = run("status", "--bogus");
        assertThat(unknown.exit()).isEqualTo(2);
        assertThat(unknown.err()).startsWith("ERROR: Unknown option: '--bogus'");
        // tester, session 5: picocli's group messages printed "ERROR: Error: …"; `help nosuch` printed "Error: …"
        Run exclusive = run("backup", "restore", "--at", "x", "--snapshot", "y");
        assertThat(exclusive.exit()).isEqualTo(2);
        assertThat(exclusive.err()).startsWith("ERROR: --at=FRAGMENT, --snapshot=NAME are mutually exclusive");
        Run help = run("help", "nosuch");
        assertThat(help.exit()).isEqualTo(2);
        assertThat(help.err()).startsWith("ERROR: unknown command 'nosuch' under 'terrariumctl'");
    }

    /**
     * Tester (session 5): {@code set emails} and {@code set syncoid} offered a {@code --yes} they never
     * needed; only the sections a route depends on (domains, dns, idp) can withdraw one.
     */
    @Test
    void onlyTheSetCommandsThatCanWithdrawARouteOfferYes() {
        CommandLine set = TerrariumCommand.commandLine(new App(TerrariumPaths.from(Map.of()),
                new RecordingCommandRunner(new FakeLxdProjects()))).getSubcommands().get("set");
        java.util.Set<String> withYes = new java.util.TreeSet<>();
        set.getSubcommands().forEach((name, c) -> {
            if (c.getCommandSpec().findOption("--yes") != null) {
                withYes.add(name);
            }
        });
        assertThat(withYes).containsExactly("dns", "domains", "idp");
        Run r = run("set", "emails", "--yes", "ops@example.com");
        assertThat(r.exit()).isEqualTo(2);
        assertThat(r.err()).startsWith("ERROR: Unknown option: '--yes'");
    }

    @Test
    void backupKeyShowWithoutAKeyReportsOnStderr() {
        Run r = run("backup", "key", "show");
        assertThat(r.exit()).isEqualTo(1);
        assertThat(r.out()).isEmpty();
        assertThat(r.err()).startsWith("ERROR: no backup key: S3 exports are not encrypted");
    }

    @Test
    void topLevelHelpPrintsTheExitCodesOnce() {
        String help = run("--help").out();
        assertThat(help.split("Exit codes", -1)).hasSize(2);
        assertThat(help).contains("  2   bad usage").contains("`trm` is the same program.");
    }
}
