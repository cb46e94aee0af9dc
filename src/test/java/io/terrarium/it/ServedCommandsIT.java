package io.terrarium.it;

import io.terrarium.cli.served.ServedProtocol;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Issue 16 item 4: the read-only commands answered by the running daemon over its CLI socket print
 * exactly what the CLI's own JVM prints — stdout, stderr and exit code — against the real daemon,
 * LXD, zfs pool and stored configuration of the development host; the socket is root's only, and
 * what is not served (another build, a loose directory mode) falls back to the same output.
 */
class ServedCommandsIT {
    private static final Path JAR = Path.of("target/dist/lib/terrarium.jar").toAbsolutePath();

    @TempDir
    static Path dir;

    private static Terrariumctl trm;
    private static Process daemon;
    private static int port;

    /**
     * One daemon for the class. Its jobs are paused once proxy-sync has run (the daemon runs it at
     * start and every minute), so the stored results — which status and jobs list print — stay the
     * same between the two runs of a comparison.
     */
    @BeforeAll
    static void start() throws Exception {
        trm = new Terrariumctl(dir);
        port = Terrariumctl.freePrivilegedPort();
        Path log = dir.resolve("daemon.log");
        daemon = trm.builder("daemon", "--port", String.valueOf(port)).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        long deadline = System.nanoTime() + Duration.ofSeconds(90).toNanos();
        while (!health().contains("UP") || !Files.exists(dir.resolve("run/cli/cli.sock"))
                || !Files.exists(dir.resolve("state/jobs/proxy-sync.json"))) {
            assertThat(daemon.isAlive()).as("daemon died: %s", Files.readString(log)).isTrue();
            assertThat(System.nanoTime()).as("daemon up with its CLI socket and a first proxy-sync within 90 s").isLessThan(deadline);
            Thread.sleep(100);
        }
        var list = trm.run("jobs", "list", "-o", "json");
        var ids = java.util.regex.Pattern.compile("\"job\" : \"([a-z0-9-]+)\"").matcher(list.out()).results().map(m -> m.group(1)).toList();
        assertThat(ids).as(list.all()).contains("proxy-sync", "snapshot");
        for (String id : ids) {
            var r = trm.run("jobs", "pause", id);
            assertThat(r.exit()).as(r.all()).isZero();
        }
    }

    @AfterAll
    static void stop() throws Exception {
        if (daemon != null && daemon.isAlive()) {
            daemon.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
    }

    private static String health() {
        return Terrariumctl.health(port);
    }

    /** The served client alone (no fallback): what the daemon answered, or exit 222 when it did not. */
    private Terrariumctl.Result client(Path jar, String... args) throws Exception {
        return clientTagged(jar, "client", args);
    }

    /** As {@link #client(Path, String...)}, with its output in files named after {@code tag} (concurrent runs). */
    private Terrariumctl.Result clientTagged(Path jar, String tag, String... args) throws Exception {
        return result(clientProcess(jar, tag, args), tag);
    }

    /** Starts the served client alone; its output goes to files named after {@code tag}. */
    private Process clientProcess(Path jar, String tag, String... args) throws Exception {
        return trm.servedClient(jar, dir, tag, args);
    }

    private Terrariumctl.Result result(Process p, String tag) throws Exception {
        return Terrariumctl.result(p, dir, tag, Duration.ofSeconds(120));
    }

    private Terrariumctl.Result inJvm(String... args) throws Exception {
        return trm.runInOwnJvm(Duration.ofMinutes(2), args);
    }

    /**
     * The one part of the output that depends on when it is printed: {@code status} says how long
     * ago each job ran ("49 s ago"); the two runs are seconds apart.
     */
    private static Terrariumctl.Result timeless(Terrariumctl.Result r) {
        return new Terrariumctl.Result(r.exit(), r.out().replaceAll("[0-9]+ (s|min|h) ago", "N ago"), r.err());
    }

    @Test
    void servedCommandsPrintExactlyWhatTheClisOwnJvmPrints() throws Exception {
        String instance = Terrariumctl.sh("lxc", "list", "--project", System.getenv().getOrDefault("TERRARIUM_DEV_PROJECT", "default"),
                "--format", "csv", "-c", "n").lines().findFirst().orElse("web");
        List<String[]> commands = List.of(
                new String[]{"status"},
                new String[]{"status", "-o", "json"},
                new String[]{"jobs", "list"},
                new String[]{"jobs", "list", "-o", "yaml"},
                new String[]{"backup", "list", "--source", "local"},
                new String[]{"backup", "list", "--source=local", "--instance", instance, "-o", "json"},
                // exit 1 with an ERROR line on stderr
                new String[]{"backup", "list", "--source", "local", "--instance", "no-such-instance"});
        for (String[] c : commands) {
            var served = client(JAR, c);
            assertThat(served.exit()).as("served by the daemon: %s (%s)", String.join(" ", c), served.all())
                    .isNotEqualTo(ServedProtocol.NOT_SERVED_EXIT);
            var own = inJvm(c);
            assertThat(timeless(served)).as(String.join(" ", c)).isEqualTo(timeless(own));
            // and through the launcher, which picks the socket by itself
            assertThat(timeless(trm.run(c))).as("launcher: " + String.join(" ", c)).isEqualTo(timeless(own));
        }
        assertThat(client(JAR, "backup", "list", "--source", "local", "--instance", "no-such-instance").err())
                .startsWith("ERROR: instance \"no-such-instance\" does not exist");
        assertThat(client(JAR, "status").out()).contains("daemon").contains("pid " + daemon.pid());
    }

    @Test
    void concurrentServedCommandsEachGetTheirOwnOutput() throws Exception {
        var jobs = client(JAR, "jobs", "list", "-o", "json");
        var backups = client(JAR, "backup", "list", "--source", "local", "-o", "yaml");
        List<CompletableFuture<Terrariumctl.Result>> runs = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            String[] c = i % 2 == 0 ? new String[]{"jobs", "list", "-o", "json"} : new String[]{"backup", "list", "--source", "local", "-o", "yaml"};
            int n = i;
            runs.add(CompletableFuture.supplyAsync(() -> {
                try {
                    return clientTagged(JAR, "c" + n, c);
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            }));
        }
        for (int i = 0; i < runs.size(); i++) {
            var r = runs.get(i).get(180, TimeUnit.SECONDS);
            assertThat(r.exit()).isNotEqualTo(ServedProtocol.NOT_SERVED_EXIT);
            assertThat(r).isEqualTo(i % 2 == 0 ? jobs : backups);
        }
    }

    @Test
    void anotherBuildOrALooseDirectoryIsNotServedAndTheLauncherPrintsTheSameAnyway() throws Exception {
        // a client of another build (an update replaced the jar, the daemon still runs the old one)
        Path other = Files.copy(JAR, dir.resolve("terrarium-next.jar"), StandardCopyOption.COPY_ATTRIBUTES);
        Files.setLastModifiedTime(other, java.nio.file.attribute.FileTime.fromMillis(System.currentTimeMillis() + 60_000));
        var next = client(other, "jobs", "list");
        assertThat(next.exit()).isEqualTo(ServedProtocol.NOT_SERVED_EXIT);
        assertThat(next.all()).isEmpty();
        // a socket directory that others may enter: the client does not use it, the CLI answers
        Path cli = dir.resolve("run/cli");
        Files.setPosixFilePermissions(cli, PosixFilePermissions.fromString("rwxr-x--x"));
        try {
            var refused = client(JAR, "jobs", "list");
            assertThat(refused.exit()).isEqualTo(ServedProtocol.NOT_SERVED_EXIT);
            assertThat(refused.all()).isEmpty();
            assertThat(trm.run("jobs", "list")).isEqualTo(inJvm("jobs", "list"));
        } finally {
            Files.setPosixFilePermissions(cli, PosixFilePermissions.fromString("rwx------"));
        }
        // a command outside the allow-list is refused (the launcher then runs it as before): an export of
        // chosen instances runs in the CLI's own process
        var run = client(JAR, "backup", "export", "--instance", "no-such-instance");
        assertThat(run.exit()).isEqualTo(ServedProtocol.NOT_SERVED_EXIT);
        assertThat(run.all()).isEmpty();
        assertThat(daemon.isAlive()).isTrue();
    }

    @Test
    void aLocalUserCannotConnectToTheSocket() throws Exception {
        // open the test's own 0700 temp dirs down to run/, so only the product's modes decide
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
        Files.setPosixFilePermissions(dir.resolve("run"), PosixFilePermissions.fromString("rwxr-xr-x"));
        Path socket = dir.resolve("run/cli/cli.sock");
        Process p = new ProcessBuilder("runuser", "-u", "nobody", "--", "/usr/bin/python3", "-c",
                "import socket\ns=socket.socket(socket.AF_UNIX)\ntry:\n s.connect('" + socket + "');print('connected')\n"
                        + "except OSError as e:\n print('refused',e.errno)").redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
        assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(out).isEqualTo("refused 13"); // EACCES: the directory is 0700 root
        // the daemon still serves root
        assertThat(client(JAR, "jobs", "list").exit()).isZero();
    }

    // ---- job triggers, streamed (issue 16 item 4: trigger overhead) ----

    /**
     * What differs between two runs of the same job: its duration, timestamps and the pool's
     * allocation (host-facts reads {@code zpool list}, which other writers move).
     */
    private static Terrariumctl.Result runless(Terrariumctl.Result r) {
        return new Terrariumctl.Result(r.exit(), runless(r.out()), runless(r.err()));
    }

    private static String runless(String s) {
        return s.replaceAll("in [0-9]+ ms", "in N ms").replaceAll("\"duration_ms\" : [0-9]+", "\"duration_ms\" : N")
                .replaceAll("[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:.]+Z", "TIME").replaceAll("\"(alloc|free)\" : \"[^\"]*\"", "\"$1\" : X");
    }

    private static Set<Long> daemonChildren() {
        return daemon.toHandle().children().map(ProcessHandle::pid).collect(Collectors.toSet());
    }

    /**
     * Stops (SIGSTOP) the first child process the daemon starts that is not in {@code before}: a
     * command of the job just triggered, so the job stays running until {@link #resume}. This is how
     * a long job is had without a test-only job.
     */
    private static long holdNextChild(Set<Long> before) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (System.nanoTime() < deadline) {
            for (ProcessHandle c : daemon.toHandle().children().toList()) {
                if (!before.contains(c.pid()) && new ProcessBuilder("kill", "-STOP", String.valueOf(c.pid())).start().waitFor() == 0) {
                    if (stopped(c.pid())) {
                        return c.pid();
                    }
                    resume(c.pid());
                }
            }
            Thread.sleep(5);
        }
        throw new AssertionError("the daemon started no job command within 60 s");
    }

    /** Whether the process is stopped (state T in /proc/PID/stat): a zombie not yet reaped takes the signal too, and holds nothing. */
    private static boolean stopped(long pid) throws InterruptedException {
        for (int i = 0; i < 20; i++) { // the signal is delivered asynchronously
            try {
                String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
                String state = stat.substring(stat.lastIndexOf(')') + 2);
                if (state.startsWith("T")) {
                    return true;
                }
                if (state.startsWith("Z")) {
                    return false;
                }
            } catch (IOException | RuntimeException e) {
                return false;
            }
            Thread.sleep(5);
        }
        return false;
    }

    private static void resume(long pid) throws Exception {
        new ProcessBuilder("kill", "-CONT", String.valueOf(pid)).start().waitFor();
    }

    private static int finished(String job) throws Exception {
        String log = Files.readString(dir.resolve("daemon.log"));
        return log.split("job " + job + " finished ", -1).length - 1;
    }

    private static void awaitFinished(String job, int count) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(120).toNanos();
        while (finished(job) < count) {
            assertThat(System.nanoTime()).as("job %s finished %d times", job, count).isLessThan(deadline);
            Thread.sleep(50);
        }
    }

    @Test
    void aServedTriggerPrintsWhatTheJvmPathPrintsForOkJsonAndUnknownJobs() throws Exception {
        List<String[]> commands = List.of(
                new String[]{"jobs", "run", "host-facts"},
                new String[]{"jobs", "run", "host-facts", "-o", "json"},
                new String[]{"jobs", "run", "no-such-job"});
        for (String[] c : commands) {
            String what = String.join(" ", c);
            var served = client(JAR, c);
            assertThat(served.exit()).as("served: %s (%s)", what, served.all()).isNotEqualTo(ServedProtocol.NOT_SERVED_EXIT);
            var launcher = trm.run(c);
            var jvm = inJvm(c);
            assertThat(runless(served)).as(what).isEqualTo(runless(jvm));
            assertThat(runless(launcher)).as("launcher: " + what).isEqualTo(runless(jvm));
        }
        var ok = client(JAR, "jobs", "run", "host-facts");
        assertThat(ok.exit()).as(ok.all()).isZero();
        // recorded as a CLI trigger, run inside the daemon, as through Jolokia
        assertThat(ok.out()).contains("host-facts: OK").contains("(daemon pid " + daemon.pid() + ", trigger cli)").contains("lxd 5.0");
        assertThat(ok.err()).startsWith("note: job host-facts is paused since ");
        var unknown = client(JAR, "jobs", "run", "no-such-job");
        assertThat(unknown.exit()).isEqualTo(2);
        assertThat(unknown.err()).startsWith("ERROR: unknown job \"no-such-job\"; jobs are: ").contains("host-facts");
        assertThat(Files.readString(dir.resolve("state/jobs/host-facts.json"))).contains("\"trigger\":\"cli\"");
    }

    @Test
    void rejectedAndExpiredTimeoutPrintWhatTheJvmPathPrintsAndStatusIsServedWhileAJobRuns() throws Exception {
        int done = finished("host-facts");
        Set<Long> before = daemonChildren();
        Process first = clientProcess(JAR, "first", "jobs", "run", "host-facts");
        long held = holdNextChild(before);
        try {
            // the job is running: a second trigger is REJECTED, served and in the JVM alike
            var served = client(JAR, "jobs", "run", "host-facts");
            assertThat(served.exit()).as(served.all()).isEqualTo(1);
            assertThat(served.out()).contains("host-facts: REJECTED");
            assertThat(runless(trm.run("jobs", "run", "host-facts"))).isEqualTo(runless(served));
            assertThat(runless(inJvm("jobs", "run", "host-facts"))).isEqualTo(runless(served));
            // a long trigger holds none of the two workers of the read-only commands
            var status = client(JAR, "status");
            assertThat(status.exit()).as(status.all()).isNotEqualTo(ServedProtocol.NOT_SERVED_EXIT);
        } finally {
            resume(held);
        }
        var r = result(first, "first");
        assertThat(r.exit()).as(r.all()).isZero();
        assertThat(r.out()).contains("host-facts: OK");
        awaitFinished("host-facts", done + 1);

        // --timeout expires while the job runs: the same error on both paths, the job goes on
        Terrariumctl.Result[] expired = new Terrariumctl.Result[2];
        for (int i = 0; i < 2; i++) {
            Set<Long> now = daemonChildren();
            boolean servedPath = i == 0;
            var run = CompletableFuture.supplyAsync(() -> {
                try {
                    return servedPath ? client(JAR, "jobs", "run", "host-facts", "--timeout", "1")
                            : inJvm("jobs", "run", "host-facts", "--timeout", "1");
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            });
            long h = holdNextChild(now);
            try {
                expired[i] = run.get(120, TimeUnit.SECONDS);
            } finally {
                resume(h);
            }
            awaitFinished("host-facts", done + 2 + i);
        }
        assertThat(expired[0].exit()).as(expired[0].all()).isEqualTo(1);
        assertThat(expired[0].err()).contains("ERROR: job host-facts still running after 1 s; it goes on in the daemon");
        assertThat(expired[0]).isEqualTo(expired[1]);
    }

    @Test
    void aKilledClientLeavesItsJobRunningAndTheDaemonFreesItsThread() throws Exception {
        int done = finished("host-facts");
        Set<Long> before = daemonChildren();
        Process client = clientProcess(JAR, "killed", "jobs", "run", "host-facts");
        long held = holdNextChild(before);
        try {
            client.destroyForcibly().waitFor(10, TimeUnit.SECONDS); // kill -9 mid-run
            long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
            // the next heartbeat (≤ 2 s) finds the client gone: the waiting thread stops, the job does not
            while (!Files.readString(dir.resolve("daemon.log")).contains("the client of [jobs, run, host-facts] went away")) {
                assertThat(System.nanoTime()).as("the daemon noticed the killed client").isLessThan(deadline);
                Thread.sleep(100);
            }
            assertThat(finished("host-facts")).isEqualTo(done);
        } finally {
            resume(held);
        }
        awaitFinished("host-facts", done + 1);
        assertThat(Files.readString(dir.resolve("state/jobs/host-facts.json"))).contains("\"status\":\"OK\"").contains("\"trigger\":\"cli\"");
        assertThat(client(JAR, "jobs", "list").exit()).isZero();
    }

    @Test
    void aDaemonStoppedMidRunIsGivenUpAfterTenSecondsOfSilence() throws Exception {
        int done = finished("host-facts");
        Set<Long> before = daemonChildren();
        Process client = clientProcess(JAR, "stopped", "jobs", "run", "host-facts");
        long held = holdNextChild(before);
        long t0;
        try {
            Thread.sleep(500); // the client has its STREAMED answer by now
            new ProcessBuilder("kill", "-STOP", String.valueOf(daemon.pid())).start().waitFor();
            t0 = System.nanoTime();
            var r = result(client, "stopped");
            long ms = (System.nanoTime() - t0) / 1_000_000;
            assertThat(r.exit()).as(r.all()).isEqualTo(1);
            assertThat(r.err()).contains("ERROR: the daemon said nothing for 10 s (stopped or hung?) while running this command");
            assertThat(ms).isBetween(7_000L, 20_000L);
        } finally {
            new ProcessBuilder("kill", "-CONT", String.valueOf(daemon.pid())).start().waitFor();
            resume(held);
        }
        awaitFinished("host-facts", done + 1);
    }

    private static int logged(String text) throws IOException {
        return Files.readString(dir.resolve("daemon.log")).split(java.util.regex.Pattern.quote(text), -1).length - 1;
    }

    private static long exchanges(io.terrarium.daemon.JolokiaClient jolokia, String route) throws IOException {
        return jolokia.read(io.terrarium.daemon.JolokiaClient.routeMBean(route), "ExchangesTotal").asLong();
    }

    /**
     * Tester (session 8): with the daemon stopped (kill -STOP) the kernel still accepts the CLI's
     * connections and keeps its requests. The CLI gave up and said the trigger failed, and the
     * daemon, once resumed, ran the job anyway from the queued request. Now each request carries its
     * client's deadline, and the resumed daemon drops both queued requests — one on the CLI socket, as
     * a client that connected just before the stop sends it, and a Jolokia {@code submitBefore} like the
     * CLI's JVM sends — with a line in its log, no run and no exchange on the route. The launcher's own
     * client asks the stopped daemon nothing (tester, session 10: it waited its 10 s of silence first),
     * and the CLI's JVM sees the stopped daemon and says so at once (not after 30 s more of Jolokia).
     * A trigger after the resume runs as usual. ~7 s: a CLI JVM, Jolokia's 3 s here.
     */
    @Test
    void aTriggerQueuedInAStoppedDaemonNeverRunsOnceItsClientGaveUp() throws Exception {
        var jolokia = new io.terrarium.daemon.JolokiaClient("http://127.0.0.1:" + port,
                io.terrarium.daemon.ManagementCredentials.read(dir.resolve("etc/secrets/management.properties")));
        int done = finished("host-facts");
        int started = logged("job host-facts started");
        long before = exchanges(jolokia, "host-facts");
        String socketDrop = "CLI socket: dropped [jobs, run, host-facts]: the client's deadline passed ";
        String jolokiaDrop = "dropped a run of host-facts (trigger cli): the client's deadline passed ";
        int socketDrops = logged(socketDrop);
        int jolokiaDrops = logged(jolokiaDrop);
        long[] jolokiaDeadline = new long[1]; // the Jolokia request's, asked about after the resume
        new ProcessBuilder("kill", "-STOP", String.valueOf(daemon.pid())).start().waitFor();
        java.nio.channels.SocketChannel queued = java.nio.channels.SocketChannel.open(java.net.StandardProtocolFamily.UNIX);
        try {
            assertThat(stopped(daemon.pid())).isTrue();
            long t0 = System.nanoTime();
            var r = trm.run(Duration.ofSeconds(90), "jobs", "run", "host-facts"); // the launcher: its client, then the CLI's JVM
            long ms = (System.nanoTime() - t0) / 1_000_000;
            assertThat(r.exit()).as(r.all()).isEqualTo(1);
            assertThat(r.err()).contains("ERROR: the daemon (pid " + daemon.pid() + ") is stopped (kill -STOP or Ctrl-Z): job host-facts"
                    + " was not started, and will not start when the daemon resumes; `kill -CONT " + daemon.pid() + "` resumes it");
            // tester, session 10: the served client waited its 10 s of silence first; now it asks a stopped daemon nothing
            assertThat(ms).as("no wait for the served client's 10 s, nor for Jolokia").isLessThan(9_000L);
            // what a client that connected just before the daemon was stopped sends: queued by the kernel
            queued.connect(java.net.UnixDomainSocketAddress.of(dir.resolve("run/cli/cli.sock")));
            java.nio.ByteBuffer request = java.nio.ByteBuffer.wrap(ServedProtocol.encode(new ServedProtocol.Request("queued", false, 0,
                    "UTF-8", "UTF-8", java.util.Map.of(), List.of("jobs", "run", "host-facts"), System.currentTimeMillis() + 3_000)));
            while (request.hasRemaining()) {
                queued.write(request);
            }
            queued.shutdownOutput();
            // what the CLI's JVM sends to a daemon that is hung rather than stopped: queued by the kernel alike
            long deadline = System.currentTimeMillis() + 3_000;
            jolokiaDeadline[0] = deadline;
            assertThatThrownBy(() -> jolokia.exec(io.terrarium.daemon.JobControl.OBJECT_NAME, "submitBefore",
                    List.of("host-facts", "cli", deadline), Duration.ofSeconds(3))).isInstanceOf(java.net.http.HttpTimeoutException.class);
            assertThat(logged(socketDrop)).as("nothing is read while stopped").isEqualTo(socketDrops);
        } finally {
            new ProcessBuilder("kill", "-CONT", String.valueOf(daemon.pid())).start().waitFor();
        }
        try (queued) {
            long wait = System.nanoTime() + Duration.ofSeconds(20).toNanos();
            while (logged(socketDrop) == socketDrops || logged(jolokiaDrop) == jolokiaDrops) {
                assertThat(System.nanoTime()).as("the resumed daemon logs both dropped requests: %s",
                        Files.readString(dir.resolve("daemon.log"))).isLessThan(wait);
                Thread.sleep(100);
            }
        }
        assertThat(logged(socketDrop)).isEqualTo(socketDrops + 1);
        assertThat(logged(jolokiaDrop)).isEqualTo(jolokiaDrops + 1);
        Thread.sleep(1_000); // a run would have started by now
        assertThat(logged("job host-facts started")).as("no run started").isEqualTo(started);
        assertThat(finished("host-facts")).isEqualTo(done);
        assertThat(exchanges(jolokia, "host-facts")).as("no exchange on the route").isEqualTo(before);
        assertThat(jolokia.read(io.terrarium.daemon.JobControl.OBJECT_NAME, "RunsPending").asInt()).isZero();
        // hH, session 11: asked afterwards, the daemon says it started no run for that request, and never will
        assertThat(jolokia.exec(io.terrarium.daemon.JobControl.OBJECT_NAME, "takenBefore", List.of("host-facts", "cli", jolokiaDeadline[0]),
                Duration.ofSeconds(5)).asText()).isEmpty();

        // resumed: a trigger runs as usual, served by the daemon
        var ok = trm.run("jobs", "run", "host-facts");
        assertThat(ok.exit()).as(ok.all()).isZero();
        assertThat(ok.out()).contains("host-facts: OK").contains("(daemon pid " + daemon.pid() + ", trigger cli)");
        awaitFinished("host-facts", done + 1);
        assertThat(exchanges(jolokia, "host-facts")).isEqualTo(before + 1);
    }
}
