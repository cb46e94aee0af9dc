package io.terrarium.cli;

import com.fasterxml.jackson.databind.JsonNode;
import io.terrarium.App;
import io.terrarium.config.TerrariumPaths;
import io.terrarium.jobs.JobResult;
import io.terrarium.testing.FakeJolokia;
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
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** {@code jobs list|pause|resume|run} in-process: columns, the pause file, unknown job ids. */
class JobsCommandTest {
    @TempDir
    Path dir;

    private final FakeLxdProjects lxd = new FakeLxdProjects();

    private record Run(int exit, String out, String err) {
    }

    private App app() {
        return new App(TerrariumPaths.from(Map.of("TERRARIUM_ETC_DIR", dir.resolve("etc").toString(),
                "TERRARIUM_RUN_DIR", dir.resolve("run").toString(), "TERRARIUM_STATE_DIR", dir.resolve("state").toString())),
                new RecordingCommandRunner(lxd));
    }

    private Run run(String... args) {
        CommandLine cl = TerrariumCommand.commandLine(app());
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        cl.setOut(new PrintWriter(out));
        cl.setErr(new PrintWriter(err));
        int code = cl.execute(args);
        return new Run(code, out.toString(), err.toString());
    }

    @Test
    void listShowsStateScheduleNextRunLastResultDurationAndLastSuccess() throws Exception {
        App app = app();
        Instant okAt = Instant.parse("2026-12-06T10:00:00Z");
        app.results().save(new JobResult("snapshot", JobResult.Status.OK, "2 snapshot(s) taken", "schedule", okAt, 1234, "daemon pid 1", null));
        app.results().save(new JobResult("snapshot", JobResult.Status.FAILED, "sanoid failed", "schedule",
                Instant.parse("2026-12-06T10:15:00Z"), 250, "daemon pid 1", null));

        Run t = run("jobs", "list");
        assertThat(t.exit()).as(t.err()).isZero();
        String header = t.out().lines().findFirst().orElseThrow();
        assertThat(header).startsWith("JOB").contains("STATE", "SCHEDULE", "NEXT RUN UTC", "LAST RESULT", "LAST RUN UTC",
                "DURATION", "LAST SUCCESS UTC");
        String snapshot = t.out().lines().filter(l -> l.startsWith("snapshot ")).findFirst().orElseThrow();
        // no daemon in this test: nothing fires the schedule
        assertThat(snapshot).contains("no-daemon", "0 */15 * * * ?", "FAILED", "2026-12-06 10:15:00", "0.25 s", "2026-12-06 10:00:00");

        JsonNode rows = App.jsonMapper().readTree(run("jobs", "list", "-o", "json").out());
        JsonNode s = null;
        for (JsonNode r : rows) {
            if (r.path("job").asText().equals("snapshot")) {
                s = r;
            }
        }
        assertThat(s).isNotNull();
        assertThat(s.path("last_result").asText()).isEqualTo("FAILED");
        assertThat(s.path("last_duration_seconds").asDouble()).isEqualTo(0.25);
        assertThat(s.path("last_success").asText()).isEqualTo("2026-12-06T10:00:00Z");
        Instant next = Instant.parse(s.path("next_run").asText());
        assertThat(next).isAfter(Instant.now().minusSeconds(1)).isBefore(Instant.now().plusSeconds(15 * 60 + 1));
        assertThat(next.atZone(java.time.ZoneOffset.UTC).getMinute() % 15).isZero();
        assertThat(s.path("paused_since").isNull()).isTrue();
    }

    @Test
    void aDamagedOrUnreadableLastResultIsNamedNotShownAsNeverRan() throws Exception {
        // session 7's tester: `status` said "never ran" for a job whose result file could not be read
        Path jobs = Files.createDirectories(dir.resolve("state/jobs"));
        Files.writeString(jobs.resolve("snapshot.json"), "{\"job\": \"snapshot\", \"status\": ");
        Files.createDirectories(jobs.resolve("proxy-sync.json")); // a directory: reading it fails with an I/O error

        Run t = run("jobs", "list");
        assertThat(t.exit()).as(t.err()).isZero();
        assertThat(t.out().lines().filter(l -> l.startsWith("snapshot ")).findFirst().orElseThrow()).contains("UNREADABLE");
        assertThat(t.err()).contains("WARNING: job snapshot: last result unreadable: " + jobs.resolve("snapshot.json")
                + " is damaged (not a job result at line 1, column ").contains("the job's next run replaces it");
        assertThat(t.err()).contains("WARNING: job proxy-sync: last result unreadable: cannot read " + jobs.resolve("proxy-sync.json"));
        assertThat(t.err().lines().filter(l -> l.startsWith("WARNING: ")).count()).as(t.err()).isEqualTo(2);

        JsonNode rows = App.jsonMapper().readTree(run("jobs", "list", "-o", "json").out());
        assertThat(OutputSchemas.problems("jobs-list.schema.json", rows)).isEmpty();
        for (JsonNode r : rows) {
            String job = r.path("job").asText();
            assertThat(r.path("last_result").isNull()).as(job).isTrue();
            assertThat(r.path("last_result_error").isNull()).as(job).isEqualTo(!job.equals("snapshot") && !job.equals("proxy-sync"));
        }

        Run status = run("status"); // exit 1: the fake LXD has no server; the job rows are printed all the same
        String row = status.out().lines().filter(l -> l.contains("job snapshot")).findFirst().orElseThrow(() -> new AssertionError(status));
        assertThat(row).contains("warn", "last result unreadable: " + jobs.resolve("snapshot.json") + " is damaged").doesNotContain("never ran");
        assertThat(status.out().lines().filter(l -> l.contains("job host-facts")).findFirst().orElseThrow()).contains("never ran");

        // the next run replaces a damaged file
        App app = app();
        app.results().save(new JobResult("snapshot", JobResult.Status.OK, "1 snapshot(s) taken", "cli", Instant.parse("2026-12-07T06:00:00Z"), 10, "test", null));
        assertThat(app.results().lastProblem("snapshot")).isNull();
        assertThat(run("jobs", "list").err()).doesNotContain("job snapshot");
    }

    @Test
    void pauseIsAFileThatListStatusAndRunShowAndResumeRemoves() throws Exception {
        Run p = run("jobs", "pause", "s3-export");
        assertThat(p.exit()).as(p.err()).isZero();
        assertThat(p.out()).contains("job s3-export paused at ").contains("jobs resume s3-export");
        Path file = dir.resolve("state/jobs/s3-export.paused");
        assertThat(file).isRegularFile();
        Instant since = Instant.parse(App.jsonMapper().readTree(file.toFile()).path("paused_at").asText());

        Run again = run("jobs", "pause", "s3-export");
        assertThat(again.exit()).isZero();
        assertThat(again.out()).contains("already paused (since " + since + ")");

        JsonNode rows = App.jsonMapper().readTree(run("jobs", "list", "--output", "json").out());
        for (JsonNode r : rows) {
            if (r.path("job").asText().equals("s3-export")) {
                assertThat(r.path("state").asText()).isEqualTo("paused");
                assertThat(r.path("next_run").isNull()).isTrue();
                assertThat(r.path("paused_since").asText()).isEqualTo(since.toString());
            } else {
                assertThat(r.path("state").asText()).as(r.toString()).isEqualTo("no-daemon");
            }
        }
        Run runIt = run("jobs", "run", "s3-export");
        assertThat(runIt.err()).contains("note: job s3-export is paused since " + since);

        Run r = run("jobs", "resume", "s3-export");
        assertThat(r.exit()).isZero();
        assertThat(r.out()).contains("job s3-export resumed");
        assertThat(file).doesNotExist();
        assertThat(run("jobs", "resume", "s3-export").out()).contains("job s3-export was not paused");
    }

    /**
     * Tester, session 10: {@code jobs run} of a paused job printed "note: … running it now because you asked"
     * and then "ERROR: … not started" when the daemon did not take the run. The note now comes once the
     * daemon has taken it. The "daemon" is a Jolokia stand-in on an HTTP server of this JVM (so the runtime
     * file's pid owns the port, as the listener check demands); it either drops the request for its deadline,
     * as a daemon resumed after kill -STOP does, or takes it and answers its result.
     */
    @Test
    void thePausedNoteIsPrintedOnlyOnceTheDaemonTookTheRun() throws Exception {
        run("jobs", "pause", "host-facts");
        String result = App.jsonMapper().writeValueAsString(new JobResult("host-facts", JobResult.Status.OK, "facts collected",
                "cli", Instant.parse("2026-12-07T15:00:00Z"), 12, "daemon pid 1", null));
        for (boolean drop : new boolean[]{true, false}) {
            try (FakeJolokia daemon = new FakeJolokia(op -> drop ? FakeJolokia.dropped("host-facts") : Map.of("status", 200, "value",
                    op.equals("submitBefore") ? "run-1" : op.equals("progress") ? "{\"events\":[],\"last\":0,\"finished\":true}" : result))) {
                daemon.registerAsDaemon(app());
                Run r = run("jobs", "run", "host-facts");
                if (drop) {
                    assertThat(r.exit()).as(r.err()).isEqualTo(1);
                    assertThat(r.err()).startsWith("ERROR: the daemon (pid " + ProcessHandle.current().pid()
                            + ") read the request after its deadline").contains("did not start job host-facts").doesNotContain("note:");
                } else {
                    assertThat(r.exit()).as(r.err()).isZero();
                    assertThat(r.err()).startsWith("note: job host-facts is paused since ")
                            .contains("(the pause skips its scheduled runs, not this one you asked for)");
                    assertThat(r.out()).contains("host-facts: OK");
                }
            }
        }
    }

    @Test
    void anUnknownJobIsBadUsageListingTheJobsWithoutAStackTrace() {
        for (String verb : new String[]{"pause", "resume", "run"}) {
            Run r = run("jobs", verb, "nosuch-job");
            assertThat(r.exit()).as(verb).isEqualTo(2);
            assertThat(r.err()).as(verb).startsWith("ERROR: unknown job \"nosuch-job\"; jobs are: host-facts, proxy-sync, snapshot")
                    .doesNotContain("Exception").doesNotContain("\tat ");
        }
        assertThat(Files.exists(dir.resolve("state/jobs/nosuch-job.paused"))).isFalse();
    }

    /**
     * Tester, session 11: {@code --timeout=99999999999} printed "ERROR: java.lang.ArithmeticException: long
     * overflow" (exit 1) while the job ran in the daemon, and {@code --timeout=9223372036} said at once
     * "still running after 9223372036 s" of a job that ended in under 1 s. Both are usage errors now, on
     * every command with a {@code --timeout}, said before the daemon is asked anything (one is running:
     * it must take no run); the largest allowed value waits for the daemon's result as any other.
     */
    @Test
    void aTimeoutOutsideItsRangeIsBadUsageAndTheLargestAllowedOneWaitsForTheResult() throws Exception {
        String result = App.jsonMapper().writeValueAsString(new JobResult("host-facts", JobResult.Status.OK, "facts collected",
                "cli", Instant.parse("2026-12-07T15:00:00Z"), 12, "daemon pid 1", null));
        java.util.List<String> asked = new java.util.concurrent.CopyOnWriteArrayList<>();
        try (FakeJolokia daemon = new FakeJolokia(op -> {
            asked.add(op);
            return Map.of("status", 200, "value", op.equals("submitBefore") ? "run-1"
                    : op.equals("progress") ? "{\"events\":[],\"last\":0,\"finished\":true}" : result);
        })) {
            daemon.registerAsDaemon(app());
            for (String[] args : new String[][]{{"jobs", "run", "host-facts", "--timeout=99999999999"},
                    {"jobs", "run", "host-facts", "--timeout=9223372036"}, {"jobs", "run", "host-facts", "--timeout=315360001"},
                    {"jobs", "run", "host-facts", "--timeout=0"}, {"proxy", "sync", "--timeout=9223372036"}}) {
                Run r = run(args);
                assertThat(r.exit()).as(String.join(" ", args) + ": " + r.err()).isEqualTo(2);
                assertThat(r.err()).as(String.join(" ", args)).startsWith("ERROR: --timeout must be 1–315360000 s (10 years): the"
                        + " wait's deadline is counted in nanoseconds, which a long holds for 292 years only (got "
                        + args[args.length - 1].substring("--timeout=".length()) + ")")
                        .doesNotContain("Exception").doesNotContain("still running");
            }
            assertThat(asked).as("the daemon was asked nothing").isEmpty();
            Run r = run("jobs", "run", "host-facts", "--timeout=315360000");
            assertThat(r.exit()).as(r.err()).isZero();
            assertThat(r.out()).contains("host-facts: OK");
            assertThat(asked).contains("submitBefore");
        }
        assertThat(run("jobs", "run", "--help").out()).contains("1–315360000 s (10 years); a run in the daemon goes on after it.");
    }

    @Test
    void anUnknownJobWithANewlineIsEchoedOnOneLine() {
        Run r = run("jobs", "pause", "x\nERROR: forged");
        assertThat(r.exit()).isEqualTo(2);
        assertThat(r.err().lines()).hasSize(1);
        assertThat(r.err()).contains("unknown job \"x\\nERROR: forged\"");
    }

    @Test
    void outputAndTheHiddenFormatAliasBothSelectJson() {
        assertThat(run("jobs", "list", "-o", "json").out()).startsWith("[");
        assertThat(run("jobs", "list", "--output=yaml").out()).startsWith("- job: \"host-facts\"");
        assertThat(run("jobs", "list", "--format", "json").out()).startsWith("[");
        assertThat(run("jobs", "list", "--help").out()).contains("-o, --output=table|json|yaml").doesNotContain("--format");
    }

    /**
     * Tester, session 10: with the daemon stopped (kill -STOP) `jobs list` showed its jobs as scheduled,
     * with a next run it will not make, and said nothing. The "daemon" here is a real process that owns
     * the runtime file's port (as the listener check demands), stopped for the test.
     */
    @Test
    void listWarnsThatAStoppedDaemonRunsNothingOnItsSchedule() throws Exception {
        Process p = new ProcessBuilder("python3", "-c", "import socket,time\n"
                + "s=socket.socket(); s.bind(('127.0.0.1',0)); s.listen(1)\n"
                + "print(s.getsockname()[1], flush=True); time.sleep(60)").redirectError(ProcessBuilder.Redirect.DISCARD).start();
        try {
            int port = Integer.parseInt(new java.io.BufferedReader(new java.io.InputStreamReader(p.getInputStream(),
                    java.nio.charset.StandardCharsets.UTF_8)).readLine().strip());
            App app = app();
            Files.createDirectories(app.paths().daemonFile().getParent());
            new io.terrarium.daemon.DaemonInfo(p.pid(), "127.0.0.1", port, Instant.now(), "test").write(app.paths().daemonFile(), app.json());
            assertThat(run("jobs", "list").err()).as("running: no warning").doesNotContain("WARNING");
            assertThat(new ProcessBuilder("kill", "-STOP", String.valueOf(p.pid())).start().waitFor()).isZero();
            Path stat = Path.of("/proc", String.valueOf(p.pid()), "stat");
            for (int i = 0; i < 100 && Files.readString(stat).charAt(Files.readString(stat).lastIndexOf(')') + 2) != 'T'; i++) {
                Thread.sleep(20);
            }
            Run t = run("jobs", "list");
            assertThat(t.exit()).as(t.err()).isZero();
            assertThat(t.err()).isEqualTo("WARNING: the daemon (pid " + p.pid() + ") is stopped (kill -STOP or Ctrl-Z): no job runs on"
                    + " its schedule until `kill -CONT " + p.pid() + "` resumes it" + System.lineSeparator());
        } finally {
            p.destroyForcibly();
            p.waitFor(5, java.util.concurrent.TimeUnit.SECONDS);
        }
    }
}
