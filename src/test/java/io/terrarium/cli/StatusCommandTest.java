package io.terrarium.cli;

import io.terrarium.App;
import io.terrarium.config.AppliedConfig;
import io.terrarium.config.TerrariumPaths;
import io.terrarium.testing.FakeLxdProjects;
import io.terrarium.testing.RecordingCommandRunner;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** What {@code status} prints about the local files it reads (in-process, the LXD faked). */
class StatusCommandTest {
    @TempDir
    Path dir;

    private App app() {
        return new App(TerrariumPaths.from(Map.of("TERRARIUM_ETC_DIR", dir.resolve("etc").toString(),
                "TERRARIUM_RUN_DIR", dir.resolve("run").toString(), "TERRARIUM_STATE_DIR", dir.resolve("state").toString())),
                new RecordingCommandRunner(new FakeLxdProjects()));
    }

    /**
     * Tester, session 10: with an applied copy that no longer validates, {@code status} printed its WARN
     * twice (once for the config row's "pending" check, once more when it built the jobs for their ids:
     * the proxy sync job reads the copy too). Tester, session 11: served by the daemon, that WARN went to
     * the daemon's log and the user saw nothing. Now the config row says it (state warn), once, and no
     * log line repeats it; this process's stderr (slf4j-simple) is captured to count.
     */
    @Test
    void anInvalidAppliedCopyIsWarnedAboutOnce() throws Exception {
        Path copy = Files.createDirectories(dir.resolve("state")).resolve(AppliedConfig.FILE);
        Files.writeString(copy, "version: 1\nno_such_key: 1\n");
        CommandLine cl = TerrariumCommand.commandLine(app());
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        cl.setOut(new PrintWriter(out));
        cl.setErr(new PrintWriter(err));
        ByteArrayOutputStream log = new ByteArrayOutputStream();
        PrintStream before = System.err;
        System.setErr(new PrintStream(log, true, StandardCharsets.UTF_8));
        try {
            cl.execute("status");
        } finally {
            System.setErr(before);
        }
        String all = log.toString(StandardCharsets.UTF_8) + err + out;
        String warning = "the applied configuration " + copy + " is not valid (";
        assertThat(all.split(java.util.regex.Pattern.quote(warning), -1)).as(all).hasSize(2);
        assertThat(out.toString()).as("in the config row").containsPattern("config\\s+warn\\s+.*" + java.util.regex.Pattern.quote(warning));
        assertThat(out.toString()).contains("job proxy-sync").contains("job restore-drill");
    }
    /**
     * Tester, session 10 (left open): a damaged host-facts file (here cut off mid-write) showed as "not
     * collected yet", as if no run had written it. It is named as damaged with what rewrites it — and the
     * next host-facts run does rewrite it (checked here: the job against the faked host).
     */
    @Test
    void damagedHostFactsAreNamedWithWhatRewritesThem() throws Exception {
        App app = app();
        Path facts = Files.createDirectories(dir.resolve("state")).resolve("host-facts.json");
        Files.writeString(facts, "{\"collected_at\": \"2026-12-07T10:00:00Z\", \"lxd\": {");
        assertThat(factsRow(app)).contains("warn", facts + " is damaged (not host facts at line 1, column 50):"
                + " the next host-facts run (terrariumctl jobs run host-facts) rewrites it").doesNotContain("not collected");
        Files.writeString(facts, "");
        assertThat(factsRow(app)).contains(facts + " is damaged (empty): the next host-facts run");

        // the job on a host where no tool answers: it writes what it found, over the damaged file
        new App(TerrariumPaths.from(Map.of("TERRARIUM_STATE_DIR", dir.resolve("state").toString())), new RecordingCommandRunner(c -> null))
                .jobs(io.terrarium.config.TerrariumConfig.defaults()).stream()
                .filter(j -> j.id().equals(io.terrarium.host.facts.HostFactsJob.ID)).findFirst().orElseThrow().run();
        assertThat(factsRow(app)).contains("ok", "collected ").doesNotContain("damaged");
    }

    /** The "host facts" row of {@code status}'s table. */
    private static String factsRow(App app) {
        CommandLine cl = TerrariumCommand.commandLine(app);
        StringWriter out = new StringWriter();
        cl.setOut(new PrintWriter(out));
        cl.setErr(new PrintWriter(new StringWriter()));
        cl.execute("status");
        return out.toString().lines().filter(l -> l.startsWith("host facts")).findFirst().orElseThrow(() -> new AssertionError(out));
    }
}
