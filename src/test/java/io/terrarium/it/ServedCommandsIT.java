package io.terrarium.it;

import io.terrarium.cli.served.ServedProtocol;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

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
        try {
            return HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/observe/health"))
                    .timeout(Duration.ofSeconds(2)).build(), HttpResponse.BodyHandlers.ofString()).body();
        } catch (Exception e) {
            return "";
        }
    }

    /** The served client alone (no fallback): what the daemon answered, or exit 222 when it did not. */
    private Terrariumctl.Result client(Path jar, String... args) throws Exception {
        return clientTagged(jar, "client", args);
    }

    /** As {@link #client(Path, String...)}, with its output in files named after {@code tag} (concurrent runs). */
    private Terrariumctl.Result clientTagged(Path jar, String tag, String... args) throws Exception {
        List<String> argv = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", jar.toString(), "io.terrarium.cli.served.ServedClient"));
        argv.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(argv);
        pb.environment().putAll(trm.env);
        Path out = dir.resolve(tag + ".out");
        Path err = dir.resolve(tag + ".err");
        Process p = pb.redirectOutput(out.toFile()).redirectError(err.toFile()).start();
        assertThat(p.waitFor(120, TimeUnit.SECONDS)).isTrue();
        return new Terrariumctl.Result(p.exitValue(), Files.readString(out, StandardCharsets.UTF_8), Files.readString(err, StandardCharsets.UTF_8));
    }

    private Terrariumctl.Result inJvm(String... args) throws Exception {
        trm.env.put("TERRARIUM_SERVED", "0");
        try {
            return trm.run(args);
        } finally {
            trm.env.remove("TERRARIUM_SERVED");
        }
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
        // a command outside the allow-list is refused (the launcher then runs it as before)
        var run = client(JAR, "jobs", "run", "host-facts");
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
}
