package io.terrarium.cli;

import io.terrarium.daemon.DaemonInfo;
import org.junit.jupiter.api.Test;

import java.net.ServerSocket;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The daemon row of {@code status} for a daemon process that is stopped, and one that is not. */
class StatusDaemonRowTest {

    /** The input that showed it (hD, session 10): a daemon under kill -STOP was "unreachable (HttpTimeoutException)" after 5 s. */
    @Test
    void aStoppedDaemonIsCalledStoppedWithHowToResumeIt() throws Exception {
        Process p = new ProcessBuilder("sleep", "60").start();
        try {
            assertEquals(0, new ProcessBuilder("kill", "-STOP", String.valueOf(p.pid())).start().waitFor());
            waitForState(p.pid(), 'T');
            DaemonInfo d = new DaemonInfo(p.pid(), "127.0.0.1", closedPort(), Instant.now(), "9.9.9");
            Map<String, Object> row = StatusCommand.daemonRow(d);
            assertEquals("error", row.get("state"));
            String detail = (String) row.get("detail");
            assertTrue(detail.startsWith("pid " + p.pid() + " is stopped (kill -STOP or Ctrl-Z)"), detail);
            assertTrue(detail.contains("kill -CONT " + p.pid() + " resumes it"), detail);
            assertFalse(detail.contains("/observe/health"), detail);
        } finally {
            p.destroyForcibly();
            p.waitFor(5, TimeUnit.SECONDS);
        }
    }

    @Test
    void aRunningProcessThatDoesNotAnswerIsUnreachableNotStopped() throws Exception {
        Process p = new ProcessBuilder("sleep", "60").start();
        try {
            DaemonInfo d = new DaemonInfo(p.pid(), "127.0.0.1", closedPort(), Instant.now(), "9.9.9");
            Map<String, Object> row = StatusCommand.daemonRow(d);
            assertEquals("error", row.get("state"));
            String detail = (String) row.get("detail");
            assertTrue(detail.contains("/observe/health: unreachable ("), detail);
            assertFalse(detail.contains("stopped"), detail);
        } finally {
            p.destroyForcibly();
            p.waitFor(5, TimeUnit.SECONDS);
        }
    }

    private static int closedPort() throws Exception {
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    private static void waitForState(long pid, char state) throws Exception {
        java.nio.file.Path stat = java.nio.file.Path.of("/proc", String.valueOf(pid), "stat");
        for (int i = 0; i < 100; i++) {
            String s = java.nio.file.Files.readString(stat);
            if (s.charAt(s.lastIndexOf(')') + 2) == state) {
                return;
            }
            Thread.sleep(20);
        }
        throw new AssertionError("process " + pid + " never reached state " + state);
    }
}
