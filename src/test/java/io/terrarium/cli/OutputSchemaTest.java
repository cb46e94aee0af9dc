package io.terrarium.cli;

import com.fasterxml.jackson.databind.JsonNode;
import io.terrarium.App;
import io.terrarium.config.TerrariumPaths;
import io.terrarium.jobs.JobResult;
import io.terrarium.testing.FakeLxdProjects;
import io.terrarium.testing.RecordingCommandRunner;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * One output switch: every list and status command (and every command that prints a job result)
 * takes {@code -o/--output table|json|yaml} and has a JSON schema in docs/schemas/ listed in
 * docs/output.md; the schemas load, reject what they should, and accept what the commands print.
 * OutputSchemaIT runs each command on the development host and validates its real output.
 */
class OutputSchemaTest {
    @TempDir
    Path dir;

    private static List<CommandLine> all() {
        List<CommandLine> out = new ArrayList<>();
        collect(TerrariumCommand.commandLine(new App(TerrariumPaths.from(Map.of()), new RecordingCommandRunner(c -> null))), out);
        return out;
    }

    private static void collect(CommandLine c, List<CommandLine> all) {
        all.add(c);
        c.getSubcommands().forEach((name, s) -> {
            if (name.equals(s.getCommandName()) && s.getParent() == c) {
                collect(s, all);
            }
        });
    }

    private static String path(CommandLine c) {
        return c.getCommandSpec().qualifiedName(" ").replaceFirst("^terrariumctl ?", "");
    }

    @Test
    void everyListAndStatusCommandTakesTheOutputOptionAndHasADocumentedSchema() throws Exception {
        String doc = Files.readString(Path.of("docs/output.md"));
        List<String> withOutput = new ArrayList<>();
        for (CommandLine c : all()) {
            String path = path(c);
            boolean lists = c.getCommandName().equals("list") || c.getCommandName().equals("status");
            CommandLine.Model.OptionSpec o = c.getCommandSpec().findOption("-o");
            if (lists) {
                assertThat(o).as("%s takes -o", path).isNotNull();
            }
            if (o == null) {
                continue;
            }
            assertThat(c.getCommandSpec().findOption("--output")).as(path).isSameAs(o);
            if (path.equals("config show")) {
                continue; // prints the configuration model (docs/configuration.md), yaml or json
            }
            withOutput.add(path);
            assertThat(o.completionCandidates()).as(path).containsExactly("table", "json", "yaml");
            String schema = OutputSchemas.BY_COMMAND.get(path);
            assertThat(schema).as("schema of %s", path).isNotNull();
            assertThat(Path.of("docs/schemas", schema)).isRegularFile();
            assertThat(doc).as("docs/output.md names %s and its schema", path).contains("`" + path + "`").contains(schema);
            OutputSchemas.schema(schema);
        }
        assertThat(withOutput).containsExactlyInAnyOrderElementsOf(OutputSchemas.BY_COMMAND.keySet());
    }

    @Test
    void theHiddenFormatAliasIsKeptOnEveryCommandWithOutput() {
        for (CommandLine c : all()) {
            CommandLine.Model.OptionSpec o = c.getCommandSpec().findOption("-o");
            if (o != null) {
                CommandLine.Model.OptionSpec alias = c.getCommandSpec().findOption("--format");
                assertThat(alias).as(path(c)).isNotNull();
                assertThat(alias.hidden()).as(path(c)).isTrue();
            }
        }
    }

    private String run(String... args) {
        App app = new App(TerrariumPaths.from(Map.of("TERRARIUM_ETC_DIR", dir.resolve("etc").toString(),
                "TERRARIUM_RUN_DIR", dir.resolve("run").toString(), "TERRARIUM_STATE_DIR", dir.resolve("state").toString())),
                new RecordingCommandRunner(new FakeLxdProjects()));
        if (args[0].equals("seed")) {
            app.results().save(new JobResult("snapshot", JobResult.Status.OK, "1 snapshot(s) taken", "schedule",
                    Instant.parse("2026-12-06T10:00:00.123Z"), 1234, "daemon pid 7", Map.of("errors", List.of())));
            return "";
        }
        CommandLine cl = TerrariumCommand.commandLine(app);
        StringWriter out = new StringWriter();
        cl.setOut(new PrintWriter(out));
        cl.setErr(new PrintWriter(new StringWriter()));
        assertThat(cl.execute(args)).as(String.join(" ", args)).isZero();
        return out.toString();
    }

    @Test
    void jobsListAndProxyListJsonValidateAgainstTheirSchemas() throws Exception {
        run("seed");
        run("jobs", "pause", "s3-export");
        JsonNode jobs = App.jsonMapper().readTree(run("jobs", "list", "-o", "json"));
        assertThat(OutputSchemas.problems("jobs-list.schema.json", jobs)).isEmpty();
        JsonNode proxy = App.jsonMapper().readTree(run("proxy", "list", "-o", "json"));
        assertThat(OutputSchemas.problems("proxy-list.schema.json", proxy)).isEmpty();
    }

    @Test
    void theSchemasRejectWhatTheyShould() throws Exception {
        var json = App.jsonMapper();
        assertThat(OutputSchemas.problems("status.schema.json", json.readTree(
                "[{\"component\":\"daemon\",\"state\":\"fine\",\"detail\":\"x\"}]"))).isNotEmpty();
        assertThat(OutputSchemas.problems("jobs-list.schema.json", json.readTree("[{\"job\":\"snapshot\"}]"))).isNotEmpty();
        assertThat(OutputSchemas.problems("job-result.schema.json", json.readTree(
                "{\"job\":\"snapshot\",\"status\":\"DONE\",\"summary\":\"\",\"trigger\":\"cli\",\"started_at\":\"2026-12-06T10:00:00Z\","
                        + "\"duration_ms\":1,\"ran_in\":\"daemon pid 1\"}"))).isNotEmpty();
        // an aside without its used bytes, inside a backup list: the cross-file $ref is followed
        assertThat(OutputSchemas.problems("backup-list.schema.json", json.readTree(
                "{\"local\":[{\"instance\":\"web\",\"dataset\":\"p/c/web\",\"snapshots\":[],\"asides\":[{\"name\":\"a\"}]}]}"))).isNotEmpty();
        assertThat(OutputSchemas.problems("backup-list.schema.json", json.readTree(
                "{\"local\":[{\"instance\":\"web\",\"dataset\":\"p/c/web\",\"snapshots\":[{\"name\":\"s\",\"created\":\"2026-12-06T10:00:00Z\","
                        + "\"used_bytes\":0}],\"asides\":[]}]}"))).isEmpty();
    }

    @Test
    void aJobResultAsTheCliPrintsItValidates() throws Exception {
        JobResult r = new JobResult("snapshot", JobResult.Status.FAILED, "sanoid failed", "cli",
                Instant.parse("2026-12-06T10:00:00.5Z"), 250, "in-process pid 42", Map.of("errors", List.of("zfs snapshot failed")));
        StringWriter out = new StringWriter();
        JobOutput.print(new PrintWriter(out), Format.json, r, null);
        assertThat(OutputSchemas.problems("job-result.schema.json", App.jsonMapper().readTree(out.toString()))).isEmpty();
    }
}
