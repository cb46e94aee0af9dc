package io.terrarium.cli;

import io.terrarium.App;
import io.terrarium.config.TerrariumPaths;
import io.terrarium.testing.FakeLxdProjects;
import io.terrarium.testing.RecordingCommandRunner;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Tester, session 10: as a user who is not root, {@code status} said the host facts were "not collected
 * yet" and {@code proxy list} that "no proxy sync has run yet", although both files exist — root's
 * only (0600). Tests run as root, who reads every file; so the commands run in a JVM started by
 * {@code setpriv} without the capabilities that let root read another user's files
 * ({@code CAP_DAC_OVERRIDE}, {@code CAP_DAC_READ_SEARCH}), on files owned by another user (nobody)
 * with mode 0600: the kernel refuses the read as it does for a non-root user and a root-only file.
 * The job rows too (hH, session 11): the job state's directory is 0700, so such a user cannot tell
 * whether a job ran or is paused; its rows said so already ("permission denied" for each file), now
 * in the same wording, naming the directory. About 2 s (one JVM).
 */
class RootOnlyFilesTest {
    @TempDir
    Path dir;

    /** The commands in this JVM, with the paths of its environment and the LXD faked (no LXD call reaches a host). */
    public static void main(String[] args) {
        App app = new App(TerrariumPaths.fromEnvironment(), new RecordingCommandRunner(new FakeLxdProjects()));
        int status = TerrariumCommand.commandLine(app).execute("status");
        System.out.println("--- exit " + status);
        System.out.flush();
        System.exit(TerrariumCommand.commandLine(app).execute("proxy", "list"));
    }

    @Test
    void filesThatExistButMayNotBeReadAreNamedWithWhatToDo() throws Exception {
        Path state = Files.createDirectories(dir.resolve("state"));
        Path facts = state.resolve("host-facts.json");
        Path routes = state.resolve("proxy-state.json");
        Files.writeString(facts, "{}");
        Files.writeString(routes, "{\"routes\": []}");
        // the job state: a directory of mode 0700 (JobResultStore), holding a result and a pause
        Path jobs = Files.createDirectories(state.resolve("jobs"));
        Path snapshot = jobs.resolve("snapshot.json");
        Files.writeString(snapshot, "{\"job\":\"snapshot\",\"status\":\"OK\",\"summary\":\"1 snapshot\",\"trigger\":\"timer\","
                + "\"started_at\":\"2026-12-07T10:00:00Z\",\"duration_ms\":5,\"ran_in\":\"daemon pid 1\"}");
        Files.writeString(jobs.resolve("replicate.paused"), "{\"job\":\"replicate\",\"paused_at\":\"2026-12-07T10:00:00Z\"}");
        for (Path f : List.of(facts, routes, snapshot, jobs.resolve("replicate.paused"))) {
            Files.setPosixFilePermissions(f, java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"));
            Files.setAttribute(f, "unix:uid", 65534); // nobody's, as the real files are root's to a user who is not root
        }
        Files.setPosixFilePermissions(jobs, java.nio.file.attribute.PosixFilePermissions.fromString("rwx------"));
        Files.setAttribute(jobs, "unix:uid", 65534);
        List<String> argv = new ArrayList<>(List.of("setpriv", "--inh-caps=-dac_override,-dac_read_search",
                "--bounding-set=-dac_override,-dac_read_search",
                Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-XX:TieredStopAtLevel=1",
                "-cp", System.getProperty("java.class.path"), RootOnlyFilesTest.class.getName()));
        ProcessBuilder pb = new ProcessBuilder(argv).redirectErrorStream(true);
        pb.environment().keySet().removeIf(k -> k.startsWith("TERRARIUM_") || k.startsWith("LXD_"));
        pb.environment().putAll(Map.of("TERRARIUM_ETC_DIR", dir.resolve("etc").toString(),
                "TERRARIUM_RUN_DIR", dir.resolve("run").toString(), "TERRARIUM_STATE_DIR", state.toString()));
        Process p = pb.start();
        String all = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        int exit = p.exitValue();

        String hint = ": permission denied (the file is root's only: run terrariumctl as root, e.g. with sudo)";
        String factsRow = all.lines().filter(l -> l.startsWith("host facts")).findFirst().orElseThrow(() -> new AssertionError(all));
        assertThat(factsRow).contains("warn", "cannot read host facts " + facts + hint).doesNotContain("not collected");
        assertThat(all).contains("ERROR: cannot read the routes of the last proxy sync " + routes + hint)
                .doesNotContain("no proxy sync has run yet");
        assertThat(exit).as(all).isEqualTo(ExitCodes.FAILURE);
        // hH: the job rows say the job state is root's only, never "never ran" (snapshot ran, replicate is paused)
        String jobsHint = "last result unreadable: cannot read the job state (results, pauses) in " + jobs
                + ": permission denied (the directory is root's only: run terrariumctl as root, e.g. with sudo)";
        List<String> jobRows = all.lines().filter(l -> l.startsWith("job ")).toList();
        assertThat(jobRows).as(all).hasSize(JobIds.ALL.size()).allSatisfy(row -> assertThat(row).contains("warn", jobsHint)
                .doesNotContain("never ran"));

        // the same files, readable (this JVM keeps root's capabilities): the commands read them
        App app = new App(TerrariumPaths.from(Map.of("TERRARIUM_STATE_DIR", state.toString())), new RecordingCommandRunner(c -> null));
        assertThat(app.proxyState().stateOrThrow()).isNotNull();
        assertThat(io.terrarium.host.facts.HostFactsJob.readOrThrow(facts, app.json())).isNotNull();
        assertThat(app.results().last("snapshot")).isNotNull();
        assertThat(app.results().pausedSince("replicate")).isNotNull();
    }
}
