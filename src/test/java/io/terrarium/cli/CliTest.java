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
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

class CliTest {
    @TempDir
    Path dir;

    private final FakeLxdProjects lxd = new FakeLxdProjects();

    private record Run(int exit, String out, String err) {
    }

    private Run run(String... args) {
        App app = new App(TerrariumPaths.from(Map.of("TERRARIUM_ETC_DIR", dir.resolve("etc").toString(),
                "TERRARIUM_RUN_DIR", dir.resolve("run").toString(), "TERRARIUM_STATE_DIR", dir.resolve("state").toString())),
                new RecordingCommandRunner(lxd));
        CommandLine cl = io.terrarium.cli.TerrariumCommand.commandLine(app);
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        cl.setOut(new PrintWriter(out));
        cl.setErr(new PrintWriter(err));
        int code = cl.execute(args);
        return new Run(code, out.toString(), err.toString());
    }

    @Test
    void everyCommandsHelpShowsExamples() {
        CommandLine root = TerrariumCommand.commandLine(new App(TerrariumPaths.from(Map.of()), new RecordingCommandRunner(c -> null)));
        List<CommandLine> all = new ArrayList<>();
        collect(root, all);
        assertThat(all).hasSizeGreaterThanOrEqualTo(12);
        for (CommandLine c : all) {
            if (c.getCommandName().equals("help")) {
                continue;
            }
            assertThat(c.getUsageMessage()).as("help of %s", c.getCommandSpec().qualifiedName())
                    .contains("Examples:").contains("  terrariumctl ");
        }
    }

    private static void collect(CommandLine c, List<CommandLine> all) {
        all.add(c);
        c.getSubcommands().values().forEach(s -> collect(s, all));
    }

    @Test
    void helpWorksOnEverySubcommandEvenWithRequiredArgumentsMissing() {
        for (String[] args : new String[][]{{"status", "--help"}, {"backup", "restore", "--help"}, {"set", "domains", "-h"},
                {"proxy", "validate", "--help"}, {"jobs", "run", "--help"}}) {
            Run r = run(args);
            assertThat(r.exit()).as(String.join(" ", args)).isZero();
            assertThat(r.out()).as(String.join(" ", args)).startsWith("Usage: terrariumctl ").contains("Examples:");
            assertThat(r.err()).isEmpty();
        }
        assertThat(run("status", "--version").out()).startsWith("terrariumctl ");
    }

    @Test
    void aTimeoutBelowOneSecondIsBadUsage() {
        Run r = run("jobs", "run", "host-facts", "--timeout", "-5");
        assertThat(r.exit()).isEqualTo(2);
        assertThat(r.err()).contains("--timeout must be 1–315360000 s (10 years)").contains("(got -5)");
    }

    @Test
    void configCheckNamesFilesThatAreNotUtf8OrAreDirectories() throws Exception {
        Path latin1 = dir.resolve("latin1.yaml");
        Files.write(latin1, "# caf\u00e9\nversion: 1\n".getBytes(java.nio.charset.StandardCharsets.ISO_8859_1));
        Run r = run("config", "check", latin1.toString());
        assertThat(r.exit()).isEqualTo(1);
        assertThat(r.err()).contains(latin1 + " is not UTF-8 text");
        Run d = run("config", "check", dir.toString());
        assertThat(d.exit()).isEqualTo(1);
        assertThat(d.err()).contains(dir + " is a directory");
    }

    @Test
    void exportSaysWhenItCreatesADirectoryAndRefusesADirectoryTarget() {
        run("set", "domains", "--no-apply", "example.com");
        Run missing = run("config", "export", "--file", dir.resolve("nonexistent/dir/x.yaml").toString());
        assertThat(missing.exit()).isZero();
        assertThat(missing.err()).contains("note: created directory " + dir.resolve("nonexistent/dir"));
        Run isDir = run("config", "export", "--file", dir.toString());
        assertThat(isDir.exit()).isEqualTo(1);
        assertThat(isDir.err()).contains("is a directory");
    }

    @Test
    void proxyListInJsonBeforeTheFirstSyncIsAnEmptyList() {
        Run r = run("proxy", "list", "--format", "json");
        assertThat(r.exit()).isZero();
        assertThat(r.out().strip()).isEqualTo("[ ]");
    }

    @Test
    void configShowTakesTheFormatOption() {
        run("set", "domains", "--no-apply", "example.com");
        Run r = run("config", "show", "--format", "json");
        assertThat(r.exit()).isZero();
        assertThat(r.out()).contains("\"base\" : \"example.com\"");
    }

    @Test
    void badUsageExitsTwo() {
        assertThat(run("no-such-command").exit()).isEqualTo(2);
        assertThat(run("set", "domains", "--no-apply").exit()).isEqualTo(2);
        assertThat(run("status", "--format", "xml").exit()).isEqualTo(2);
    }

    @Test
    void setDomainsStoresAndConfigShowPrintsIt() {
        Run set = run("set", "domains", "--no-apply", "Example.COM");
        assertThat(set.exit()).isZero();
        assertThat(set.out()).contains("base example.com, manage manage.example.com");
        Run show = run("config", "show");
        assertThat(show.out()).contains("domains:\n  base: example.com\n");
    }

    @Test
    void anInvalidValueExitsOneAndStoresNothing() {
        Run r = run("set", "emails", "--no-apply", "not-an-address");
        assertThat(r.exit()).isEqualTo(1);
        assertThat(r.err()).contains("ERROR: new configuration: emails.admin: \"not-an-address\" is not a valid e-mail address");
        assertThat(lxd.projects).isEmpty();
    }

    @Test
    void exportWritesAnOwnerOnlyFileThatCheckAccepts() throws Exception {
        run("set", "domains", "--no-apply", "example.com");
        Path f = dir.resolve("out/config.yaml");
        Run r = run("config", "export", "--file", f.toString());
        assertThat(r.exit()).isZero();
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(f))).isEqualTo("rw-------");
        Run check = run("config", "check", f.toString());
        assertThat(check.exit()).isZero();
        assertThat(check.out()).isEqualTo(f + ": valid\n");
    }

    /** Tester (session 5): `config import/export` take --file, `config check` refused it ("Unknown option"). */
    @Test
    void checkTakesTheFileAsImportAndExportSpellItButNotTwice() throws Exception {
        Path f = dir.resolve("spelled.yaml");
        Files.writeString(f, "version: 1\n");
        Run check = run("config", "check", "--file", f.toString());
        assertThat(check.exit()).as(check.err()).isZero();
        assertThat(check.out()).isEqualTo(f + ": valid\n");
        Run both = run("config", "check", "--file", f.toString(), f.toString());
        assertThat(both.exit()).isEqualTo(2);
        assertThat(both.err()).startsWith("ERROR: give the file once: either FILE or --file PATH, not both");
        assertThat(both.out()).isEmpty();
    }

    /** New-user test (session 6): the file name was echoed raw, escape sequences and line breaks included. */
    @Test
    void checkPrintsAHostileFileNameEscaped() throws Exception {
        Path f = dir.resolve("x\u001b[31mred\nOK.yaml");
        Files.writeString(f, "version: 1\n");
        Run check = run("config", "check", f.toString());
        assertThat(check.exit()).isZero();
        assertThat(check.out()).isEqualTo(dir + "/x\\u001B[31mred\\nOK.yaml: valid\n").doesNotContain("\u001b");
    }

    /** Tester (issue 15): an explicit management_port 8765 silently became 876. */
    @Test
    void checkWarnsThatAnExplicitOldDefaultManagementPortIsReadAsTheNewOne() throws Exception {
        Path f = dir.resolve("old-port.yaml");
        Files.writeString(f, "version: 1\ndaemon:\n  management_port: 8765\n");
        Run check = run("config", "check", f.toString());
        assertThat(check.exit()).isZero();
        assertThat(check.out()).isEqualTo(f + ": valid\n");
        assertThat(check.err()).startsWith("WARNING: " + f + ": line 3, column 3: daemon.management_port 8765 (the old default) is read as 876");
    }

    /** Tester (issue 15): --accept-unauthenticated was silently ignored with --source local. */
    @Test
    void restoreRefusesAnS3OnlyOptionWithALocalSourceAsBadUsage() throws Exception {
        Run r = run("backup", "restore", "--instance", "web", "--accept-unauthenticated", "--yes");
        assertThat(r.exit()).isEqualTo(2);
        assertThat(r.err()).contains("--accept-unauthenticated apply only to --source s3");
        assertThat(r.out()).isEmpty();
    }

    @Test
    void importOfABrokenFileKeepsTheStoredConfiguration() throws Exception {
        run("set", "domains", "--no-apply", "example.com");
        String before = lxd.projects.get("terrarium-system").get("user.terrarium.config_b64");
        Path bad = dir.resolve("bad.yaml");
        Files.writeString(bad, "version: 1\ndomains:\n  base: example.com\n  extra: nope\n");
        Run r = run("config", "import", "--file", bad.toString());
        assertThat(r.exit()).isEqualTo(1);
        assertThat(r.err()).contains("line 4, column 3: unknown key \"extra\" in \"domains\"");
        assertThat(lxd.projects.get("terrarium-system").get("user.terrarium.config_b64")).isEqualTo(before);
    }

    @Test
    void tableOutputIsAligned() {
        String t = Output.table(List.of(Output.row("component", "lxd", "state", "ok"), Output.row("component", "zfs pool", "state", "error")));
        assertThat(t).isEqualTo("COMPONENT  STATE\nlxd        ok\nzfs pool   error\n");
    }

    @Test
    void verbosityFlagsSetTheLogLevel() {
        System.clearProperty("org.slf4j.simpleLogger.defaultLogLevel");
        io.terrarium.TerrariumTestAccess.configureLogging(new String[]{"-vv", "status"});
        assertThat(System.getProperty("org.slf4j.simpleLogger.defaultLogLevel")).isEqualTo("debug");
        System.clearProperty("org.slf4j.simpleLogger.defaultLogLevel");
        System.clearProperty("terrarium.debug");
    }

    @Test
    void proxyValidateAcceptsAGoodLabelAndNamesEveryProblem() {
        Run ok = run("proxy", "validate", "https://app.example.com:8080@auth:admins,devops");
        assertThat(ok.exit()).as(ok.err()).isZero();
        assertThat(ok.out()).isEqualTo("ok: https://app.example.com:8080@auth:admins,devops  →  https://app.example.com to container port 8080, behind the sign-in gate for groups admins,devops\n");
        Run bad = run("proxy", "validate", "tcp://4180:80", "--instance", "pg1");
        assertThat(bad.exit()).isEqualTo(1);
        assertThat(bad.err()).startsWith("ERROR: instance \"pg1\": route \"tcp://4180:80\": public port 4180/tcp is reserved");
    }

    /** Tester, session 10 (left open): a damaged state file said "no proxy sync has run yet", as if none had. */
    @Test
    void proxyListNamesADamagedStateFileWithWhatRewritesIt() throws Exception {
        Path f = Files.createDirectories(dir.resolve("state")).resolve(io.terrarium.proxy.sync.ProxyStateStore.STATE);
        Files.writeString(f, "{\"routes\": [");
        Run r = run("proxy", "list");
        assertThat(r.exit()).isEqualTo(1);
        assertThat(r.out()).isEmpty();
        assertThat(r.err()).isEqualTo("ERROR: " + f + " is damaged (not the routes of the last proxy sync at line 1, column 13):"
                + " the next proxy sync (terrariumctl proxy sync) rewrites it\n");
    }

    @Test
    void proxyListWithoutASyncSaysSo() {
        Run r = run("proxy", "list");
        assertThat(r.exit()).isZero();
        assertThat(r.err()).contains("no proxy sync has run yet: terrariumctl proxy sync");
    }

    @Test
    void proxyListWarnsAboutAnUnreadableQuarantineFileNamingItAndWhatToDo() throws Exception {
        io.terrarium.proxy.sync.ProxyStateStore store = new io.terrarium.proxy.sync.ProxyStateStore(dir.resolve("state"), App.jsonMapper());
        store.saveState(new io.terrarium.proxy.sync.ProxyStateStore.State(false, List.of()));
        java.nio.file.Files.writeString(store.quarantineFile(), "{garbage");
        Run r = run("proxy", "list");
        assertThat(r.exit()).isZero();
        assertThat(r.err()).contains("warning: the proxy quarantine " + store.quarantineFile() + " cannot be read: ")
                .contains("does not change the Traefik static file nor publish a new public TCP/UDP port")
                .contains("`terrariumctl reconfigure`, which removes it");
    }

    @Test
    void helpWalksTheWholeCommandPath() {
        Run r = run("help", "backup", "restore");
        assertThat(r.exit()).isZero();
        assertThat(r.out()).startsWith("Usage: terrariumctl backup restore ");
        Run nested = run("backup", "help", "restore");
        assertThat(nested.out()).startsWith("Usage: terrariumctl backup restore ");
    }

    @Test
    void helpOfAnUnknownCommandIsAUsageErrorListingTheCommandsAtThatLevel() {
        Run r = run("help", "backup", "nosuch");
        assertThat(r.exit()).isEqualTo(2);
        assertThat(r.err()).contains("unknown command 'nosuch' under 'terrariumctl backup'")
                .contains("list, snapshot, replicate, export, verify, restore");
    }

    @Test
    void commandListsShowWholeFirstSentencesNeverACutLine() {
        Run r = run("backup", "--help");
        // the description line of restore used to end at "(--source s3)," in the list
        assertThat(r.out().replaceAll("\\s+", " "))
                .contains("restore Restore an instance from a local snapshot (--source local, the default) or from S3"
                        + " (--source s3), in place or as a new instance. ");
    }
}
