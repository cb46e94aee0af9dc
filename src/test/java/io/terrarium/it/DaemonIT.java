package io.terrarium.it;

import io.terrarium.daemon.JolokiaClient;
import io.terrarium.daemon.ManagementCredentials;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The daemon for real: started by the packaged launcher, health UP on loopback, a CLI trigger that
 * runs inside it (visible in its log and in the route's JMX counters), a second trigger while the
 * job runs rejected, Jolokia closed without the login, graceful stop on SIGTERM.
 */
class DaemonIT {
    @TempDir
    Path dir;

    private Terrariumctl trm;
    private Process daemon;
    private Path log;
    private int port;
    private String squatAttempt;

    /** Runs a command as the unprivileged user {@code nobody} ({@code runuser}, util-linux) and returns its output. */
    private static String asNobody(String... command) throws Exception {
        java.util.List<String> argv = new java.util.ArrayList<>(java.util.List.of("runuser", "-u", "nobody", "--"));
        argv.addAll(java.util.List.of(command));
        Process p = new ProcessBuilder(argv).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
        return out.strip();
    }

    @BeforeEach
    void start() throws Exception {
        trm = new Terrariumctl(dir);
        // a slow sanoid (first on PATH) makes host-facts take seconds, so a second trigger lands during the run
        Path bin = Files.createDirectories(dir.resolve("bin"));
        Path slow = bin.resolve("sanoid");
        Files.writeString(slow, "#!/bin/sh\nsleep 10\nexec /usr/sbin/sanoid \"$@\"\n");
        Files.setPosixFilePermissions(slow, PosixFilePermissions.fromString("rwxr-xr-x"));
        trm.env.put("PATH", bin + ":" + System.getenv("PATH"));
        port = Terrariumctl.freePrivilegedPort();
        // issue 14 item 7: before the daemon starts, a local user cannot take its management port
        squatAttempt = asNobody("/usr/bin/python3", "-c",
                "import socket,sys\ns=socket.socket()\ntry:\n s.bind(('127.0.0.1'," + port + "));s.listen(1);print('bound')\n"
                        + "except OSError as e:\n print('refused',e.errno)");
        log = dir.resolve("daemon.log");
        daemon = trm.builder("daemon", "--port", String.valueOf(port)).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        // ready = health UP and the runtime file written (the CLI finds the daemon through it)
        while (!health().contains("UP") || !Files.exists(dir.resolve("run/daemon.json"))) {
            assertThat(daemon.isAlive()).as("daemon died: %s", Files.readString(log)).isTrue();
            assertThat(System.nanoTime()).as("health UP within 60 s").isLessThan(deadline);
            Thread.sleep(100);
        }
    }

    @AfterEach
    void stop() throws Exception {
        if (daemon != null && daemon.isAlive()) {
            daemon.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
    }

    private String health() {
        try {
            return HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/observe/health"))
                    .timeout(Duration.ofSeconds(2)).build(), HttpResponse.BodyHandlers.ofString()).body();
        } catch (Exception e) {
            return "";
        }
    }

    @Test
    void cliTriggerRunsInsideTheDaemonAndASecondTriggerIsRejected() throws Exception {
        var first = CompletableFuture.supplyAsync(() -> call("jobs", "run", "host-facts"));
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (!Files.readString(log).contains("job host-facts started (trigger: cli)")) {
            assertThat(System.nanoTime()).as("first trigger reached the daemon").isLessThan(deadline);
            Thread.sleep(50);
        }
        var second = trm.run("jobs", "run", "host-facts");
        assertThat(second.exit()).as(second.all()).isEqualTo(1);
        assertThat(second.out()).contains("host-facts: REJECTED").contains("already running");

        var r = first.get(60, TimeUnit.SECONDS);
        assertThat(r.exit()).as(r.all()).isZero();
        assertThat(r.out()).contains("host-facts: OK").contains("(daemon pid " + daemon.pid() + ", trigger cli)")
                .contains("sanoid 2.1.0").contains("lxd 5.0");
        String daemonLog = Files.readString(log);
        assertThat(daemonLog).contains("job host-facts finished OK").contains("job host-facts rejected: already running");

        var creds = ManagementCredentials.read(dir.resolve("etc/secrets/management.properties"));
        var jolokia = new JolokiaClient("http://127.0.0.1:" + port, creds);
        assertThat(jolokia.read(JolokiaClient.routeMBean("host-facts"), "ExchangesCompleted").asLong()).isGreaterThanOrEqualTo(2);
        assertThat(jolokia.read(JolokiaClient.routeMBean("host-facts"), "RouteId").asText()).isEqualTo("host-facts");

        String metrics = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/observe/metrics"))
                .header("Authorization", ManagementCredentials.read(dir.resolve("etc/secrets/management.properties"),
                        ManagementCredentials.VIEWER).authorizationHeader())
                .build(), HttpResponse.BodyHandlers.ofString()).body();
        assertThat(metrics).contains("terrarium_job_status{job=\"host-facts\"} 0.0").contains("terrarium_job_rejected{job=\"host-facts\"} 1.0")
                // alertable: timestamps of the last run and success, HELP texts, the JVM's own metrics (docs/monitoring.md)
                .containsPattern("terrarium_job_last_success_timestamp_seconds\\{job=\"host-facts\"} 1\\.[0-9]+E9")
                .containsPattern("terrarium_job_duration_seconds\\{job=\"host-facts\"} [0-9]+\\.[0-9]+")
                .contains("# HELP terrarium_job_last_success_timestamp_seconds Start of the job's last OK or WARNING run")
                .contains("jvm_memory_used_bytes{").contains("jvm_gc_").contains("process_uptime_seconds");

        var status = trm.run("status", "--format", "json");
        assertThat(status.out()).contains("\"component\" : \"daemon\"").contains("UP").contains("\"component\" : \"job host-facts\"");
    }

    @Test
    void aLocalUserCanNeitherSquatTheManagementPortNorReadMetricsInfoOrJobResults() throws Exception {
        // EACCES (13): the port is privileged; the daemon, run as root, bound it afterwards
        assertThat(squatAttempt).isEqualTo("refused 13");
        assertThat(daemon.isAlive()).isTrue();
        var r = trm.run("jobs", "run", "host-facts");
        assertThat(r.exit()).as(r.all()).isZero();
        Path result = dir.resolve("state/jobs/host-facts.json");
        assertThat(result).exists();
        // the test's state directory lives in a 0700 temp dir: open the path down to jobs/ so only the product's modes decide
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
        Files.setPosixFilePermissions(dir.resolve("state"), PosixFilePermissions.fromString("rwxr-xr-x"));
        assertThat(asNobody("cat", result.toString())).contains("Permission denied");
        assertThat(asNobody("ls", dir.resolve("state/jobs").toString())).contains("Permission denied");
        String curl = "curl -s -o /dev/null -w %{http_code} http://127.0.0.1:" + port;
        assertThat(asNobody("sh", "-c", curl + "/observe/metrics")).isEqualTo("401");
        assertThat(asNobody("sh", "-c", curl + "/observe/info")).isEqualTo("401");
        assertThat(asNobody("sh", "-c", curl + "/observe/jolokia/version")).isEqualTo("401");
        assertThat(asNobody("sh", "-c", curl + "/observe/health")).isEqualTo("200");
        assertThat(asNobody("cat", dir.resolve("etc/secrets/management.properties").toString())).contains("Permission denied");
        // with a login (even the read-only one) metrics answer
        var viewer = ManagementCredentials.read(dir.resolve("etc/secrets/management.properties"), ManagementCredentials.VIEWER);
        var info = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/observe/info"))
                .header("Authorization", viewer.authorizationHeader()).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(info.statusCode()).as(info.body()).isEqualTo(200);
    }

    @Test
    void jolokiaIsClosedWithoutTheLoginAndDeniesJvmDiagnostics() throws Exception {
        String body = "{\"type\":\"exec\",\"mbean\":\"org.apache.camel:context=terrarium,type=context,name=\\\"terrarium\\\"\","
                + "\"operation\":\"requestBody(java.lang.String,java.lang.Object)\",\"arguments\":[\"exec:id\",\"\"]}";
        var resp = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/observe/jolokia"))
                .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(resp.statusCode()).isEqualTo(401);

        Path secrets = dir.resolve("etc/secrets/management.properties");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(secrets))).isEqualTo("rw-------");
        var jolokia = new JolokiaClient("http://127.0.0.1:" + port, ManagementCredentials.read(secrets));
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> jolokia.read("com.sun.management:type=DiagnosticCommand", "MBeanInfo"))
                .hasMessageContaining("403");
        assertThat(Files.readString(log)).doesNotContain(ManagementCredentials.read(secrets).password());
    }

    @Test
    void jolokiaRefusesRequestBodyToAnExecEndpointAndLogsWhoRanWhichOperation() throws Exception {
        Path secrets = dir.resolve("etc/secrets/management.properties");
        Path marker = dir.resolve("exec-ran");
        var admin = ManagementCredentials.read(secrets);
        // the exact attack of issue 12: with the operator login, requestBody("exec:touch …") on the context MBean
        String attack = "{\"type\":\"exec\",\"mbean\":\"" + JolokiaClient.contextMBean().replace("\"", "\\\"") + "\","
                + "\"operation\":\"requestBody(java.lang.String,java.lang.Object)\",\"arguments\":[\"exec:touch?args=" + marker + "\",\"\"]}";
        var resp = post(admin, attack);
        assertThat(resp.statusCode()).as(resp.body()).isEqualTo(403);
        assertThat(resp.body()).contains("requestBody").contains("not allowed");
        assertThat(marker).doesNotExist();

        // the operator may stop and start a route: allowed, and logged with who, what and when
        var jolokia = new JolokiaClient("http://127.0.0.1:" + port, admin);
        jolokia.exec(JolokiaClient.routeMBean("host-facts"), "stop()", java.util.List.of(), Duration.ofSeconds(30));
        assertThat(jolokia.read(JolokiaClient.routeMBean("host-facts"), "State").asText()).isEqualTo("Stopped");
        jolokia.exec(JolokiaClient.routeMBean("host-facts"), "start()", java.util.List.of(), Duration.ofSeconds(30));
        assertThat(jolokia.read(JolokiaClient.routeMBean("host-facts"), "State").asText()).isEqualTo("Started");

        // the read-only login reads, but cannot run operations, not even the job MBean
        var watcher = ManagementCredentials.read(secrets, ManagementCredentials.VIEWER);
        var viewer = new JolokiaClient("http://127.0.0.1:" + port, watcher);
        assertThat(viewer.read(JolokiaClient.routeMBean("host-facts"), "RouteId").asText()).isEqualTo("host-facts");
        org.assertj.core.api.Assertions.assertThatThrownBy(() ->
                        viewer.exec(JolokiaClient.routeMBean("host-facts"), "stop()", java.util.List.of(), Duration.ofSeconds(30)))
                .hasMessageContaining("403").hasMessageContaining("read-only login");
        org.assertj.core.api.Assertions.assertThatThrownBy(() ->
                        viewer.exec(io.terrarium.daemon.JobControl.OBJECT_NAME, "submit", java.util.List.of("host-facts"), Duration.ofSeconds(30)))
                .hasMessageContaining("403");
        assertThat(viewer.read(JolokiaClient.routeMBean("host-facts"), "State").asText()).isEqualTo("Started");

        String daemonLog = Files.readString(log);
        assertThat(daemonLog).containsPattern(" INFO audit - jolokia exec " + java.util.regex.Pattern.quote(JolokiaClient.routeMBean("host-facts"))
                + " stop\\(\\) args=\\[\\] by terrarium@127.0.0.1 at 20\\d\\d-");
        assertThat(daemonLog).contains("jolokia refused for terrarium@127.0.0.1").contains("requestBody");
        assertThat(daemonLog).contains("jolokia refused for watcher@127.0.0.1");
        assertThat(daemonLog).doesNotContain(admin.password()).doesNotContain(watcher.password());
    }

    private HttpResponse<String> post(ManagementCredentials creds, String body) throws Exception {
        return HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/observe/jolokia"))
                .header("Authorization", creds.authorizationHeader())
                .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void stopsGracefullyOnSigtermAndRemovesItsRuntimeFile() throws Exception {
        Path runtime = dir.resolve("run/daemon.json");
        assertThat(runtime).exists();
        Terrariumctl.sh("kill", "-TERM", String.valueOf(daemon.pid()));
        assertThat(daemon.waitFor(40, TimeUnit.SECONDS)).isTrue();
        assertThat(daemon.exitValue()).isIn(0, 143);
        assertThat(runtime).doesNotExist();
        assertThat(Files.readString(log)).contains("terrarium daemon stopping");
        // with no daemon, the CLI runs the same route in-process
        var r = trm.run("jobs", "run", "host-facts");
        assertThat(r.out()).contains("(in-process pid ");
    }

    private Terrariumctl.Result call(String... args) {
        try {
            return trm.run(args);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
