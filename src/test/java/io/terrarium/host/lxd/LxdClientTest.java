package io.terrarium.host.lxd;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.terrarium.testing.RecordingCommandRunner;
import io.terrarium.testing.RecordingCommandRunner.Reply;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class LxdClientTest {

    @Test
    void getIsAPlainQueryAndParsesTheMetadata() {
        var runner = new RecordingCommandRunner(c -> Reply.ok("{\"environment\":{\"server_version\":\"5.0.2\"}}"));
        var lxd = LxdClient.local(runner, new ObjectMapper());
        assertThat(lxd.get("/1.0").path("environment").path("server_version").asText()).isEqualTo("5.0.2");
        assertThat(runner.calls()).containsExactly(List.of("lxc", "query", "/1.0"));
    }

    @Test
    void patchPassesMethodAndJsonBodyAsSeparateArguments() {
        var runner = new RecordingCommandRunner(c -> Reply.ok(""));
        var lxd = LxdClient.local(runner, new ObjectMapper());
        lxd.patch("/1.0/projects/terrarium-system", Map.of("config", Map.of("user.k", "a b")));
        assertThat(runner.calls()).containsExactly(List.of("lxc", "query", "--request", "PATCH", "--data",
                "{\"config\":{\"user.k\":\"a b\"}}", "/1.0/projects/terrarium-system"));
    }

    @Test
    void putPostAndDeleteWaitForTheBackgroundOperation() {
        var runner = new RecordingCommandRunner(c -> Reply.ok(""));
        var lxd = LxdClient.local(runner, new ObjectMapper());
        lxd.put("/1.0/instances/web", Map.of("config", Map.of()));
        lxd.post("/1.0/instances/web/state", Map.of("action", "stop"));
        lxd.delete("/1.0/instances/old");
        assertThat(runner.calls()).allSatisfy(argv -> assertThat(argv).contains("--wait"));
    }

    @Test
    void remotesArePrefixed() {
        var lxd = new LxdClient(new RecordingCommandRunner(c -> Reply.ok("{}")), new ObjectMapper(), "backup", Duration.ofSeconds(5));
        assertThat(lxd.argv("GET", "/1.0/instances", null)).containsExactly("query", "backup:/1.0/instances");
    }

    @Test
    void notFoundIsReportedAsSuch() {
        var lxd = LxdClient.local(new RecordingCommandRunner(c -> Reply.fail(1, "Error: Project not found\n")), new ObjectMapper());
        assertThatThrownBy(() -> lxd.get("/1.0/projects/nope"))
                .isInstanceOf(LxdException.class)
                .hasMessage("LXD GET /1.0/projects/nope failed: Error: Project not found")
                .satisfies(e -> assertThat(((LxdException) e).notFound()).isTrue());
    }

    @Test
    void aMissingDaemonIsUnreachable() {
        var lxd = LxdClient.local(new RecordingCommandRunner(c -> Reply.fail(1,
                "Error: Get \"http://unix.socket/1.0\": dial unix /var/lib/lxd/unix.socket: connect: no such file or directory")), new ObjectMapper());
        assertThatThrownBy(() -> lxd.get("/1.0")).isInstanceOf(LxdException.class)
                .satisfies(e -> assertThat(((LxdException) e).unreachable()).isTrue());
    }

    @Test
    void rejectsPathsOutsideTheApiAndOversizedBodies() {
        var lxd = LxdClient.local(new RecordingCommandRunner(c -> Reply.ok("")), new ObjectMapper());
        assertThatThrownBy(() -> lxd.get("/etc/passwd")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> lxd.put("/1.0/x", Map.of("v", "x".repeat(LxdClient.MAX_BODY_BYTES))))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("limit");
    }
}
