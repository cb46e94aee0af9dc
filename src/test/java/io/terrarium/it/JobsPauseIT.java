package io.terrarium.it;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A paused job on the real daemon (packaged launcher, real LXD, host-facts probing the real
 * tools) scheduled every 2 seconds: paused before the daemon starts, the daemon skips every fire
 * and says so in its log while its health stays UP and {@code jobs list}/{@code status} say
 * paused; after {@code jobs resume} the next fire runs the job. An unknown job id is bad usage
 * listing the jobs, answered by the running daemon without a stack trace.
 */
class JobsPauseIT {
    @TempDir
    Path dir;

    private Process daemon;
    private String savedConfig;
    private boolean configChanged;
    private int port;

    @AfterEach
    void stop() throws Exception {
        if (daemon != null && daemon.isAlive()) {
            daemon.destroy();
            if (!daemon.waitFor(30, TimeUnit.SECONDS)) {
                daemon.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
        }
        if (configChanged) {
            StoredConfig.restore(savedConfig);
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

    private static JsonNode row(JsonNode rows, String key, String value) {
        for (JsonNode r : rows) {
            if (r.path(key).asText().equals(value)) {
                return r;
            }
        }
        throw new AssertionError("no row with " + key + "=" + value + " in " + rows);
    }

    private static void waitFor(Path log, String text, Duration max) throws Exception {
        long deadline = System.nanoTime() + max.toNanos();
        while (!Files.readString(log).contains(text)) {
            assertThat(System.nanoTime()).as("daemon log shows \"%s\" within %s:%n%s", text, max, Files.readString(log)).isLessThan(deadline);
            Thread.sleep(100);
        }
    }

    @Test
    void aPausedJobSkipsItsScheduledRunsAcrossARestartWhileHealthStaysUpAndRunsAgainAfterResume() throws Exception {
        savedConfig = StoredConfig.rawValue();
        YAMLMapper yaml = new YAMLMapper();
        String current = StoredConfig.yaml();
        ObjectNode cfg = current == null ? yaml.createObjectNode().put("version", 1) : (ObjectNode) yaml.readTree(current);
        ((ObjectNode) cfg.with("daemon").with("schedules")).put("host-facts", "0/2 * * * * ?");
        StoredConfig.setYaml(yaml.writeValueAsString(cfg));
        configChanged = true;

        Terrariumctl trm = new Terrariumctl(dir);
        // paused while no daemon runs: the pause is state on disk, read by the daemon that starts later
        var p = trm.run("jobs", "pause", "host-facts");
        assertThat(p.exit()).as(p.all()).isZero();
        assertThat(p.out()).contains("job host-facts paused at ");

        port = Terrariumctl.freePort();
        Path log = dir.resolve("daemon.log");
        daemon = trm.builder("daemon", "--port", String.valueOf(port)).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (!health().contains("UP") || !Files.exists(dir.resolve("run/daemon.json"))) {
            assertThat(daemon.isAlive()).as("daemon died: %s", Files.readString(log)).isTrue();
            assertThat(System.nanoTime()).as("health UP within 60 s").isLessThan(deadline);
            Thread.sleep(100);
        }
        waitFor(log, "job host-facts is paused", Duration.ofSeconds(20));
        Thread.sleep(4500); // two more fires
        String during = Files.readString(log);
        assertThat(during.split("job host-facts is paused", -1).length - 1).as(during).isGreaterThanOrEqualTo(2);
        assertThat(during).doesNotContain("job host-facts started (trigger: schedule)");
        assertThat(health()).contains("UP");

        ObjectMapper json = new ObjectMapper();
        var list = trm.run("jobs", "list", "-o", "json");
        assertThat(list.exit()).as(list.all()).isZero();
        JsonNode hf = row(json.readTree(list.out()), "job", "host-facts");
        assertThat(hf.path("state").asText()).isEqualTo("paused");
        assertThat(hf.path("schedule").asText()).isEqualTo("0/2 * * * * ?");
        assertThat(row(json.readTree(list.out()), "job", "snapshot").path("state").asText()).isEqualTo("scheduled");
        var status = trm.run("status", "-o", "json");
        JsonNode rows = json.readTree(status.out());
        assertThat(row(rows, "component", "daemon").path("detail").asText()).contains("/observe/health: UP");
        assertThat(row(rows, "component", "job host-facts").path("detail").asText()).startsWith("paused since ");
        assertThat(row(rows, "component", "job host-facts").path("state").asText()).isEqualTo("warn");

        var r = trm.run("jobs", "resume", "host-facts");
        assertThat(r.exit()).as(r.all()).isZero();
        waitFor(log, "job host-facts started (trigger: schedule)", Duration.ofSeconds(20));
        waitFor(log, "job host-facts finished OK", Duration.ofSeconds(60));
        JsonNode after = row(json.readTree(trm.run("jobs", "list", "-o", "json").out()), "job", "host-facts");
        assertThat(after.path("state").asText()).isEqualTo("scheduled");
        assertThat(after.path("last_success").isNull()).as(after.toString()).isFalse();
        assertThat(after.path("last_duration_seconds").asDouble()).isGreaterThan(0);

        var unknown = trm.run("jobs", "run", "nosuch-job");
        assertThat(unknown.exit()).as(unknown.all()).isEqualTo(2);
        assertThat(unknown.err().strip()).isEqualTo("ERROR: unknown job \"nosuch-job\"; jobs are: "
                + "host-facts, proxy-sync, snapshot, replicate, s3-janitor, s3-export, s3-verify, restore-drill");
        assertThat(unknown.out()).isEmpty();
    }
}
