package io.terrarium.cli;

import io.terrarium.App;
import io.terrarium.config.TerrariumPaths;
import io.terrarium.daemon.DaemonInfo;
import io.terrarium.testing.FakeLxdProjects;
import io.terrarium.testing.RecordingCommandRunner;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Tester, session 11: with a root daemon running, a user who is not root ran {@code jobs run host-facts}
 * ({@code proxy sync}, {@code backup snapshot} and {@code jobs run nosuchjob} too) and got
 * "ERROR: /proc/&lt;daemonpid&gt;/fd", exit 1: the listener check may not read another user's
 * {@code /proc/<pid>/fd}. For real: the runtime file names a process of another user (a {@code sleep}
 * as nobody) and its port is held (by this JVM); the commands run in a JVM started by {@code setpriv}
 * without the capabilities that let root see another user's files and processes
 * ({@code CAP_DAC_OVERRIDE}, {@code CAP_DAC_READ_SEARCH}, {@code CAP_SYS_PTRACE}), so the kernel refuses
 * {@code /proc/<pid>/fd} as it does to a user who is not root. About 2 s (one JVM).
 */
class NonRootTriggerTest {
    @TempDir
    Path dir;

    /** The commands in this JVM, with the paths of its environment and the LXD faked (no LXD call reaches a host). */
    public static void main(String[] args) {
        for (List<String> argv : List.of(List.of("jobs", "run", "host-facts"), List.of("proxy", "sync"), List.of("backup", "snapshot"),
                List.of("jobs", "run", "nosuchjob"))) {
            App app = new App(TerrariumPaths.fromEnvironment(), new RecordingCommandRunner(new FakeLxdProjects()));
            System.err.println("--- " + String.join(" ", argv));
            System.err.flush();
            int status = TerrariumCommand.commandLine(app).execute(argv.toArray(String[]::new));
            System.err.println("--- exit " + status);
            System.err.flush();
        }
        System.exit(0);
    }

    @Test
    void aTriggerThatMayNotCheckTheDaemonSaysItNeedsRootAndAnUnknownJobIsBadUsage() throws Exception {
        Process other = new ProcessBuilder("setpriv", "--reuid=nobody", "--regid=nogroup", "--clear-groups", "sleep", "300")
                .redirectErrorStream(true).start();
        try (ServerSocket port = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            Path run = Files.createDirectories(dir.resolve("run"));
            Path daemonFile = run.resolve("daemon.json");
            new DaemonInfo(other.pid(), "127.0.0.1", port.getLocalPort(), Instant.now(), "9.9.9").write(daemonFile, App.jsonMapper());
            waitForComm(other.pid(), "sleep");

            ProcessBuilder pb = new ProcessBuilder("setpriv", "--inh-caps=-dac_override,-dac_read_search,-sys_ptrace",
                    "--bounding-set=-dac_override,-dac_read_search,-sys_ptrace",
                    Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-XX:TieredStopAtLevel=1",
                    "-cp", System.getProperty("java.class.path"), NonRootTriggerTest.class.getName()).redirectErrorStream(true);
            pb.environment().keySet().removeIf(k -> k.startsWith("TERRARIUM_") || k.startsWith("LXD_"));
            pb.environment().putAll(Map.of("TERRARIUM_ETC_DIR", dir.resolve("etc").toString(),
                    "TERRARIUM_SECRETS_DIR", dir.resolve("etc/secrets").toString(),
                    "TERRARIUM_RUN_DIR", run.toString(), "TERRARIUM_STATE_DIR", dir.resolve("state").toString()));
            Process p = pb.start();
            String all = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();

            String needsRoot = "ERROR: triggering a job needs root: the runtime file " + daemonFile + " names pid " + other.pid()
                    + " (sleep), a process of nobody's whose open files this user may not see, and the daemon's management"
                    + " credentials are root's only; run terrariumctl as root, e.g. with sudo";
            for (String cmd : List.of("jobs run host-facts", "proxy sync", "backup snapshot")) {
                assertThat(section(all, cmd)).as(all).contains(needsRoot).contains("--- exit 1").doesNotContain("/fd");
            }
            assertThat(section(all, "jobs run nosuchjob")).as(all)
                    .contains("ERROR: unknown job \"nosuchjob\"; jobs are: host-facts, proxy-sync, snapshot").contains("--- exit 2")
                    .doesNotContain("needs root");
            assertThat(all).doesNotContain("Exception");
        } finally {
            other.destroyForcibly();
            other.waitFor(5, TimeUnit.SECONDS);
        }
    }

    /** The output of one command of {@link #main}, from its {@code ---} line to its exit. */
    private static String section(String all, String cmd) {
        int from = all.indexOf("--- " + cmd + "\n");
        assertThat(from).as(all).isNotNegative();
        int to = all.indexOf("--- exit ", from);
        return all.substring(from, all.indexOf('\n', to) + 1);
    }

    /** Waits until setpriv has become {@code comm} (its exec), at most 5 s. */
    private static void waitForComm(long pid, String comm) throws Exception {
        Path f = Path.of("/proc", String.valueOf(pid), "comm");
        for (int i = 0; i < 100 && !Files.readString(f).strip().equals(comm); i++) {
            Thread.sleep(50);
        }
    }
}
