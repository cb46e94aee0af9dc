package io.terrarium.daemon;

import io.terrarium.App;
import io.terrarium.config.TerrariumConfig;
import io.terrarium.config.TerrariumPaths;
import io.terrarium.testing.FakeJolokia;
import io.terrarium.testing.RecordingCommandRunner;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * What the CLI says of a daemon that cannot take a trigger: a runtime file naming a live, stopped
 * process that is not the daemon (a stale {@code daemon.json} whose pid now belongs to a Ctrl-Z'd shell
 * job), and a daemon that read the request after its deadline (Jolokia's answer, from a local HTTP
 * server owned by this JVM, so the listener check passes).
 */
class JobTriggerStaleDaemonTest {

    /** Tester, session 10: the CLI said "the daemon (pid N) is stopped … kill -CONT N" about a process that was not the daemon. */
    @Test
    void aStaleRuntimeFileNamingAStoppedProcessIsNotCalledAStoppedDaemon(@TempDir Path dir) throws Exception {
        Process p = new ProcessBuilder("sleep", "60").start();
        try {
            assertEquals(0, new ProcessBuilder("kill", "-STOP", String.valueOf(p.pid())).start().waitFor());
            App app = new App(TerrariumPaths.from(Map.of("TERRARIUM_ETC_DIR", dir.resolve("etc").toString(),
                    "TERRARIUM_RUN_DIR", dir.resolve("run").toString(), "TERRARIUM_STATE_DIR", dir.resolve("state").toString())),
                    new RecordingCommandRunner(c -> null));
            int port;
            try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
                port = s.getLocalPort();
            }
            Files.createDirectories(app.paths().daemonFile().getParent());
            new DaemonInfo(p.pid(), "127.0.0.1", port, Instant.now(), "9.9.9").write(app.paths().daemonFile(), app.json());
            IOException e = assertThrows(IOException.class, () -> new JobTrigger(app)
                    .trigger("host-facts", TerrariumConfig::defaults, Duration.ofSeconds(5)));
            assertTrue(e.getMessage().startsWith("the runtime file " + app.paths().daemonFile() + " names pid " + p.pid()
                    + " (sleep), which does not listen on the management port " + port + ": if no Terrarium daemon runs"), e.getMessage());
            assertFalse(e.getMessage().contains("kill -CONT"), e.getMessage());
        } finally {
            p.destroyForcibly();
            p.waitFor(5, TimeUnit.SECONDS);
        }
    }

    /**
     * Tester, session 10: a daemon held by a debugger ({@code gdb -p}: state {@code t}, "tracing stop")
     * was waited for 30 s like a hung one; it is reported at once, as a kill -STOP'd one is, with what
     * resumes it (not kill -CONT). A real gdb on a process that owns the runtime file's port (skipped
     * where gdb is not installed). About 1 s.
     */
    @Test
    void aDaemonUnderADebuggerIsReportedAtOnceWithItsTracer(@TempDir Path dir) throws Exception {
        org.junit.jupiter.api.Assumptions.assumeTrue(io.terrarium.testing.TracedListener.available(), "gdb is not installed");
        try (var traced = io.terrarium.testing.TracedListener.start()) {
            App app = new App(TerrariumPaths.from(Map.of("TERRARIUM_ETC_DIR", dir.resolve("etc").toString(),
                    "TERRARIUM_RUN_DIR", dir.resolve("run").toString(), "TERRARIUM_STATE_DIR", dir.resolve("state").toString())),
                    new RecordingCommandRunner(c -> null));
            Files.createDirectories(app.paths().daemonFile().getParent());
            new DaemonInfo(traced.pid(), "127.0.0.1", traced.port(), Instant.now(), "9.9.9").write(app.paths().daemonFile(), app.json());
            long t0 = System.nanoTime();
            IOException e = assertThrows(IOException.class, () -> new JobTrigger(app)
                    .trigger("host-facts", TerrariumConfig::defaults, Duration.ofSeconds(60)));
            long ms = (System.nanoTime() - t0) / 1_000_000;
            assertEquals("the daemon (pid " + traced.pid() + ") is stopped under a debugger or tracer (pid " + traced.gdbPid() + ", gdb):"
                    + " job host-facts was not started, and will not start when the daemon resumes; continuing or detaching that"
                    + " debugger (kill -CONT does not) resumes it, then run this command again", e.getMessage());
            assertTrue(ms < 5_000, "reported without waiting for the daemon's answer: " + ms + " ms");
        }
    }

    /** Tester, session 10: a request dropped for its deadline was reported as "did not answer … or stop it and retry". */
    @Test
    void aRequestDroppedForItsDeadlineIsReportedAsNotStartedWithoutBlamingTheEndpoint(@TempDir Path dir) throws Exception {
        try (FakeJolokia daemon = new FakeJolokia(op -> FakeJolokia.dropped("host-facts"))) {
            App app = new App(TerrariumPaths.from(Map.of("TERRARIUM_ETC_DIR", dir.resolve("etc").toString(),
                    "TERRARIUM_SECRETS_DIR", dir.resolve("etc/secrets").toString(),
                    "TERRARIUM_RUN_DIR", dir.resolve("run").toString(), "TERRARIUM_STATE_DIR", dir.resolve("state").toString())),
                    new RecordingCommandRunner(c -> null));
            daemon.registerAsDaemon(app);
            long self = ProcessHandle.current().pid();
            IOException e = assertThrows(IOException.class, () -> new JobTrigger(app)
                    .trigger("host-facts", TerrariumConfig::defaults, Duration.ofSeconds(5)));
            assertEquals("the daemon (pid " + self + ") read the request after its deadline (it was stopped or stalled meanwhile)"
                    + " and did not start job host-facts; run this command again", e.getMessage());
        }
    }
    /**
     * Tester, session 10 (left open): a daemon stopped with kill -STOP after it took the run left the CLI
     * waiting for the result without a word. It says once that the daemon is stopped, that the job goes on
     * when it resumes and what resumes it, sends the stopped daemon no request, and waits on: the result is
     * the one the daemon gives once resumed. A real process (python3's HTTP server as the daemon's Jolokia)
     * under a real kill -STOP. About 2 s.
     */
    @Test
    void aDaemonStoppedWhileTheJobRunsIsNotedOnceAndItsResultStillAwaited(@TempDir Path dir) throws Exception {
        try (io.terrarium.testing.ScriptedJolokia daemon = io.terrarium.testing.ScriptedJolokia.start(dir)) {
            App app = new App(TerrariumPaths.from(Map.of("TERRARIUM_ETC_DIR", dir.resolve("etc").toString(),
                    "TERRARIUM_SECRETS_DIR", dir.resolve("etc/secrets").toString(),
                    "TERRARIUM_RUN_DIR", dir.resolve("run").toString(), "TERRARIUM_STATE_DIR", dir.resolve("state").toString())),
                    new RecordingCommandRunner(c -> null));
            daemon.registerAsDaemon(app);
            java.util.List<String> notes = new java.util.concurrent.CopyOnWriteArrayList<>();
            java.util.concurrent.CountDownLatch taken = new java.util.concurrent.CountDownLatch(1);
            java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newSingleThreadExecutor();
            try {
                var result = pool.submit(() -> new JobTrigger(app).onTaken(taken::countDown).withNotes(notes::add)
                        .trigger("host-facts", TerrariumConfig::defaults, Duration.ofSeconds(60)));
                assertTrue(taken.await(10, TimeUnit.SECONDS), "the scripted daemon took the run");
                daemon.signal("STOP");
                for (int i = 0; i < 100 && notes.isEmpty(); i++) {
                    Thread.sleep(50);
                }
                assertEquals(java.util.List.of("note: the daemon (pid " + daemon.pid() + ") is stopped (kill -STOP or Ctrl-Z) while"
                        + " job host-facts runs in it: the job goes on when the daemon resumes (`kill -CONT " + daemon.pid()
                        + "` resumes it); waiting for its result"), notes);
                daemon.finish(); // the run ends once the daemon resumes
                Thread.sleep(1_000);
                assertFalse(result.isDone(), "still waiting for the stopped daemon");
                assertEquals(1, notes.size(), "one note per stop: " + notes);
                daemon.signal("CONT");
                io.terrarium.jobs.JobResult r = result.get(10, TimeUnit.SECONDS);
                assertEquals(io.terrarium.jobs.JobResult.Status.OK, r.status());
                assertEquals("daemon pid " + daemon.pid(), r.ranIn());
                assertEquals(1, notes.size(), notes.toString());
            } finally {
                pool.shutdownNow();
            }
        }
    }
    /**
     * hH, session 11: a daemon that passes the deadline check, starts the job and then stalls past the
     * CLI's wait before its answer (here: the answer comes 1.5 s after a 1 s wait) made the CLI say the
     * job was "not started". The CLI asks {@code takenBefore} and, told the run id, waits for the run as
     * usual; told "" it says the job was not started; when it cannot be told (a release without the
     * operation here) it says the job may or may not have started and how to find out, not "run this
     * command again". In-JVM Jolokia, serial as the real one. About 5 s.
     */
    @Test
    void aDaemonThatTookTheRunButAnsweredTooLateIsAskedWhatBecameOfIt(@TempDir Path dir) throws Exception {
        long self = ProcessHandle.current().pid();
        String ok = "{\"job\":\"host-facts\",\"status\":\"OK\",\"summary\":\"probed\",\"trigger\":\"cli\","
                + "\"started_at\":\"2026-12-07T16:00:00Z\",\"duration_ms\":5,\"ran_in\":\"daemon pid " + self + "\"}";
        for (String taken : new String[]{"run-1", "", null}) {
            java.util.List<String> ops = new java.util.concurrent.CopyOnWriteArrayList<>();
            try (FakeJolokia daemon = new FakeJolokia(op -> {
                ops.add(op);
                switch (op) {
                    case "submitBefore" -> {
                        try {
                            Thread.sleep(1_500); // took it in time, answers too late
                        } catch (InterruptedException e) {
                            Thread.currentThread().interrupt();
                        }
                        return Map.of("status", 200, "value", "run-1");
                    }
                    case "takenBefore" -> {
                        return taken == null
                                ? Map.of("status", 404, "error", "javax.management.ReflectionException : No operation takenBefore found")
                                : Map.of("status", 200, "value", taken);
                    }
                    case "result" -> {
                        return Map.of("status", 200, "value", ok);
                    }
                    default -> {
                        return Map.of("status", 200, "value", java.util.List.of());
                    }
                }
            })) {
                App app = new App(TerrariumPaths.from(Map.of("TERRARIUM_ETC_DIR", dir.resolve("etc").toString(),
                        "TERRARIUM_SECRETS_DIR", dir.resolve("etc/secrets").toString(),
                        "TERRARIUM_RUN_DIR", dir.resolve("run").toString(), "TERRARIUM_STATE_DIR", dir.resolve("state").toString())),
                        new RecordingCommandRunner(c -> null));
                daemon.registerAsDaemon(app);
                JobTrigger trigger = new JobTrigger(app).withSubmitTimeout(Duration.ofSeconds(1));
                if ("run-1".equals(taken)) {
                    assertEquals(io.terrarium.jobs.JobResult.Status.OK,
                            trigger.trigger("host-facts", TerrariumConfig::defaults, Duration.ofSeconds(10)).status());
                    assertEquals(java.util.List.of("submitBefore", "takenBefore", "result"), ops);
                    continue;
                }
                IOException e = assertThrows(IOException.class, () -> trigger.trigger("host-facts", TerrariumConfig::defaults,
                        Duration.ofSeconds(10)));
                if (taken != null) {
                    assertEquals("the daemon (pid " + self + ") did not answer in time (the CLI waits up to 1 s), and says it did not"
                            + " start job host-facts and will not start it later (the request's deadline passed); check"
                            + " `journalctl -u terrarium` and run this command again", e.getMessage());
                } else {
                    assertEquals("the daemon (pid " + self + ") did not answer (request timed out; the CLI waits up to 1 s): job"
                            + " host-facts may or may not have started (a daemon that took the request just before its deadline runs"
                            + " it; a later one does not), so do not simply run this command again: the daemon's log (`journalctl -u"
                            + " terrarium`) says `job host-facts started (trigger: cli)` if it did, and `terrariumctl jobs list` shows"
                            + " its last run once it ends", e.getMessage());
                }
                assertFalse(ops.contains("result"), ops.toString());
            }
        }
    }
}
