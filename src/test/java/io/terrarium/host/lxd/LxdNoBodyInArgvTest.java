package io.terrarium.host.lxd;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.terrarium.testing.RecordingCommandRunner;
import io.terrarium.testing.RecordingCommandRunner.Reply;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Issue 14 item 6 leftovers: storage-pool keys and, on an {@code lxd.remote}, instance configs never
 * travel in argv (every local user can read a process's argv in /proc).
 */
class LxdNoBodyInArgvTest {
    static final String INSTANCE = """
            {"name":"web","config":{"environment.DB_PASSWORD":"hunter2-secret","user.cloud-init":"#cloud-config\\npassword: s3"},
             "devices":{"eth0":{"type":"nic","network":"lxdbr0"},
                        "terrarium-proxy-tcp-80":{"type":"proxy","listen":"tcp:127.0.0.1:18081","connect":"tcp:127.0.0.1:80","bind":"host"}}}
            """;

    static RecordingCommandRunner runner() {
        return new RecordingCommandRunner(c -> c.argv().contains("query") ? Reply.ok(INSTANCE) : Reply.ok(""));
    }

    static void assertNoSecretOrBody(List<List<String>> calls) {
        for (List<String> argv : calls) {
            assertThat(argv).as(String.join(" ", argv)).doesNotContain("--data", "--request")
                    .noneMatch(a -> a.contains("hunter2") || a.contains("cloud-config") || a.contains("environment."));
        }
    }

    @Test
    void aDeviceRemovalOnARemoteUsesLxcsDeviceVerbNotAPutOfTheConfig() {
        RecordingCommandRunner r = runner();
        LxdInstances instances = new LxdInstances(new LxdClient(r, new ObjectMapper(), "edge", Duration.ofSeconds(5)), "tenants");
        instances.removeDevices("web", Set.of("terrarium-proxy-tcp-80", "not-there"));
        assertThat(r.calls()).containsExactly(
                List.of("lxc", "query", "edge:/1.0/instances/web?project=tenants"),
                List.of("lxc", "config", "device", "remove", "edge:web", "terrarium-proxy-tcp-80", "--project", "tenants"));
        assertNoSecretOrBody(r.calls());
    }

    @Test
    void aDeviceAddOnARemoteReplacesAnExistingOneThroughTheCliWithOnlyTheDevicesKeys() {
        RecordingCommandRunner r = runner();
        LxdInstances instances = new LxdInstances(new LxdClient(r, new ObjectMapper(), "edge", Duration.ofSeconds(5)), "tenants");
        Map<String, Map<String, String>> devices = new TreeMap<>();
        devices.put("terrarium-proxy-tcp-80", Map.of("type", "proxy", "listen", "tcp:127.0.0.1:18082",
                "connect", "tcp:127.0.0.1:80", "bind", "host"));
        devices.put("terrarium-proxy-tcp-443", Map.of("type", "proxy", "listen", "tcp:127.0.0.1:18083",
                "connect", "tcp:127.0.0.1:443", "bind", "host"));
        instances.putDevices("web", devices);
        assertThat(r.calls()).containsExactly(
                List.of("lxc", "query", "edge:/1.0/instances/web?project=tenants"),
                List.of("lxc", "config", "device", "add", "edge:web", "terrarium-proxy-tcp-443", "proxy", "bind=host",
                        "connect=tcp:127.0.0.1:443", "listen=tcp:127.0.0.1:18083", "--project", "tenants"),
                List.of("lxc", "config", "device", "remove", "edge:web", "terrarium-proxy-tcp-80", "--project", "tenants"),
                List.of("lxc", "config", "device", "add", "edge:web", "terrarium-proxy-tcp-80", "proxy", "bind=host",
                        "connect=tcp:127.0.0.1:80", "listen=tcp:127.0.0.1:18082", "--project", "tenants"));
        assertNoSecretOrBody(r.calls());
    }

    @Test
    void aDeviceKeyThatIsNotAnLxdKeyIsRefusedBeforeAnyCommand() {
        LxdClient c = new LxdClient(runner(), new ObjectMapper(), "edge", Duration.ofSeconds(5));
        assertThatThrownBy(() -> c.deviceArgv("p", "web", "d", Map.of("type", "proxy", "--data", "x")))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("--data is not an LXD device key");
        assertThatThrownBy(() -> c.deviceArgv("p", "web", "d", Map.of("listen", "tcp:1.2.3.4:80")))
                .hasMessageContaining("has no type");
    }

    @Test
    void theLocalQueryTransportKeepsItsEtagGuardedPutAndIsNotARemote() {
        LxdClient local = LxdClient.local(runner(), new ObjectMapper());
        assertThat(local.remoteOverCli()).isFalse();
        assertThat(new LxdClient(runner(), new ObjectMapper(), "edge", Duration.ofSeconds(5)).remoteOverCli()).isTrue();
    }

    @Test
    void aStoragePoolIsNeverCreatedWithItsKeysInArgv() {
        RecordingCommandRunner r = runner();
        LxdEditor withoutSocket = new LxdEditor(r, LxdClient.local(r, new ObjectMapper()));
        Map<String, String> cfg = Map.of("source", "tank/lxd", "zfs.pool_name", "tank", "volatile.initial_source", "/dev/sdb");
        assertThatThrownBy(() -> withoutSocket.createPool("default", "zfs", cfg))
                .isInstanceOf(LxdException.class).hasMessageContaining("needs LXD's unix socket")
                .hasMessageNotContaining("tank/lxd");
        assertThatThrownBy(() -> new LxdEditor(r).createPool("default", "zfs", cfg)).isInstanceOf(LxdException.class);
        assertThat(r.calls()).isEmpty();

        assertThat(LxdEditor.poolRequest("default", "zfs", cfg)).isEqualTo(Map.of("name", "default", "driver", "zfs",
                "config", Map.of("source", "tank/lxd", "zfs.pool_name", "tank")));
        assertThatThrownBy(() -> LxdEditor.poolRequest("default", "zfs", Map.of("Bad Key", "x")))
                .hasMessageContaining("config key Bad Key is not an LXD key");
    }
}
