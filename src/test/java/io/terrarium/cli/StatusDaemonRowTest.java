package io.terrarium.cli;

import io.terrarium.daemon.DaemonInfo;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The daemon row of {@code status} for real processes: one that listens on the recorded port and is
 * stopped (kill -STOP), and a stopped one that does not own the port (a stale runtime file).
 */
class StatusDaemonRowTest {
    /** The runtime file the rows name (not read: the row's {@link DaemonInfo} is given). */
    private static final Path RUNTIME_FILE = Path.of("/run/terrarium/daemon.json");

    private final List<Process> started = new ArrayList<>();

    @AfterEach
    void killAll() throws Exception {
        for (Process p : started) {
            p.destroyForcibly();
            p.waitFor(5, TimeUnit.SECONDS);
        }
    }

    /** The input that showed it (hD, session 10): a daemon under kill -STOP was "unreachable (HttpTimeoutException)" after 5 s. */
    @Test
    void aStoppedDaemonIsCalledStoppedWithHowToResumeIt() throws Exception {
        Process p = start("python3", "-c", "import socket,time\n"
                + "s=socket.socket(); s.bind(('127.0.0.1',0)); s.listen(1)\n"
                + "print(s.getsockname()[1], flush=True); time.sleep(60)");
        int port = Integer.parseInt(new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8)).readLine().strip());
        stop(p);
        long t0 = System.nanoTime();
        Map<String, Object> row = StatusCommand.daemonRow(new DaemonInfo(p.pid(), "127.0.0.1", port, Instant.now(), "9.9.9"), RUNTIME_FILE);
        long ms = (System.nanoTime() - t0) / 1_000_000;
        assertEquals("error", row.get("state"));
        String detail = (String) row.get("detail");
        assertTrue(detail.startsWith("pid " + p.pid() + " is stopped (kill -STOP or Ctrl-Z)"), detail);
        assertTrue(detail.contains("kill -CONT " + p.pid() + " resumes it"), detail);
        assertFalse(detail.contains("/observe/health"), detail);
        assertTrue(ms < 4_000, "answered without waiting for the health request's timeout: " + ms + " ms");
    }

    /**
     * Tester, session 10: a daemon held by a debugger ({@code gdb -p}, state {@code t}) was not called
     * stopped; kill -CONT does not resume it, so the row names the tracer instead. A real gdb (skipped
     * where gdb is not installed).
     */
    @Test
    void aDaemonUnderADebuggerIsCalledStoppedWithItsTracer() throws Exception {
        org.junit.jupiter.api.Assumptions.assumeTrue(io.terrarium.testing.TracedListener.available(), "gdb is not installed");
        try (var traced = io.terrarium.testing.TracedListener.start()) {
            long t0 = System.nanoTime();
            Map<String, Object> row = StatusCommand.daemonRow(new DaemonInfo(traced.pid(), "127.0.0.1", traced.port(), Instant.now(), "9.9.9"), RUNTIME_FILE);
            long ms = (System.nanoTime() - t0) / 1_000_000;
            assertEquals("error", row.get("state"));
            assertEquals("pid " + traced.pid() + " is stopped under a debugger or tracer (pid " + traced.gdbPid() + ", gdb): it answers"
                    + " nothing and runs no job until resumed; continuing or detaching that debugger (kill -CONT does not) resumes it,"
                    + " version 9.9.9", row.get("detail"));
            assertTrue(ms < 4_000, "answered without waiting for the health request's timeout: " + ms + " ms");
        }
    }

    /** Tester, session 10: a stale runtime file naming a Ctrl-Z'd process that is not the daemon. */
    @Test
    void aStoppedProcessThatDoesNotOwnThePortIsNotCalledTheDaemon() throws Exception {
        Process p = start("sleep", "60");
        stop(p);
        Map<String, Object> row = StatusCommand.daemonRow(new DaemonInfo(p.pid(), "127.0.0.1", closedPort(), Instant.now(), "9.9.9"), RUNTIME_FILE);
        assertEquals("error", row.get("state"));
        String detail = (String) row.get("detail");
        assertTrue(detail.startsWith("the runtime file " + RUNTIME_FILE + " names pid " + p.pid() + " (sleep), which does not listen"
                + " on the management port "), detail);
        assertFalse(detail.contains("stopped") || detail.contains("kill -CONT") || detail.contains("the daemon ("), detail);
    }

    /**
     * Tester, session 11: a stale runtime file naming a live, unrelated process (a running {@code sleep})
     * made {@code status} say "the daemon (pid S) does not listen on its management port"; the row names
     * the file, the pid with its command name, and how to tell a stale file and what to do.
     */
    @Test
    void aLiveUnrelatedProcessIsNamedWithTheRuntimeFileAndHowToTellItIsStale() throws Exception {
        Process p = start("sleep", "300");
        int port = closedPort();
        Map<String, Object> row = StatusCommand.daemonRow(new DaemonInfo(p.pid(), "127.0.0.1", port, Instant.now(), "9.9.9"), RUNTIME_FILE);
        assertEquals("error", row.get("state"));
        assertEquals("the runtime file " + RUNTIME_FILE + " names pid " + p.pid() + " (sleep), which does not listen on the management"
                + " port " + port + ": if no Terrarium daemon runs (`systemctl status terrarium`, `pgrep -af 'terrarium.jar daemon'`),"
                + " that file is stale: remove it (`rm " + RUNTIME_FILE + "`) and run this command again; if the daemon runs,"
                + " check `journalctl -u terrarium`", row.get("detail"));
    }

    /** The same honesty when the port is held, by another process than the pid the runtime file names (here this JVM). */
    @Test
    void aPortHeldByAnotherProcessIsNotBlamedOnTheNamedPid() throws Exception {
        Process p = start("sleep", "300");
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            Map<String, Object> row = StatusCommand.daemonRow(new DaemonInfo(p.pid(), "127.0.0.1", s.getLocalPort(), Instant.now(), "9.9.9"),
                    RUNTIME_FILE);
            assertEquals("error", row.get("state"));
            String detail = (String) row.get("detail");
            assertTrue(detail.startsWith("management port " + s.getLocalPort() + " is held by a process other than pid " + p.pid()
                    + " (sleep), which the runtime file " + RUNTIME_FILE + " names: refusing to send the management credentials there;"
                    + " find that process with `ss -ltnp 'sport = :" + s.getLocalPort() + "'`; if no Terrarium daemon runs"), detail);
            assertFalse(detail.contains("the daemon ("), detail);
        }
    }

    private Process start(String... argv) throws Exception {
        Process p = new ProcessBuilder(argv).redirectError(ProcessBuilder.Redirect.DISCARD).start();
        started.add(p);
        return p;
    }

    private static void stop(Process p) throws Exception {
        assertEquals(0, new ProcessBuilder("kill", "-STOP", String.valueOf(p.pid())).start().waitFor());
        Path stat = Path.of("/proc", String.valueOf(p.pid()), "stat");
        for (int i = 0; i < 100; i++) {
            String s = Files.readString(stat);
            if (s.charAt(s.lastIndexOf(')') + 2) == 'T') {
                return;
            }
            Thread.sleep(20);
        }
        throw new AssertionError("process " + p.pid() + " never stopped");
    }

    private static int closedPort() throws Exception {
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }
}
