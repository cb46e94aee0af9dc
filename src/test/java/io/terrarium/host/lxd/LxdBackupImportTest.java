package io.terrarium.host.lxd;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class LxdBackupImportTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    private static JsonNode instance() throws Exception {
        return JSON.readTree("""
                {"name":"web","architecture":"x86_64","description":"d","ephemeral":false,"profiles":["default","tiny"],
                 "status":"Stopped","stateful":false,
                 "config":{"limits.cpu":"1","user.proxy":"https://web.example.test:80","volatile.uuid":"u-1",
                           "volatile.eth0.hwaddr":"00:16:3e:00:00:01","volatile.eth0.host_name":"veth1",
                           "volatile.cloud-init.instance-id":"ci-1","volatile.idmap.base":"0","volatile.base_image":"abc"},
                 "devices":{"terrarium-proxy-1a2b":{"type":"proxy","listen":"tcp:127.0.0.1:18000"},
                            "data":{"type":"disk","source":"/srv","path":"/srv"}}}""");
    }

    @Test
    void indexYamlDescribesAnOptimizedZfsContainerBackupWithoutSnapshots() {
        assertThat(LxdBackupImport.indexYaml("web-old", "default")).isEqualTo("""
                name: web-old
                backend: zfs
                pool: default
                snapshots: []
                optimized: true
                optimized_header: false
                type: container
                """);
    }

    @Test
    void importReadsTheBodyFromStdinNeverFromArgv() {
        assertThat(LxdBackupImport.importArgs("web-old", "default", "prod"))
                .containsExactly("import", "-q", "--project", "prod", "--storage", "default", "/dev/stdin", "web-old");
    }

    @Test
    void asNewDropsIdentityKeysProxyLabelAndProxyDevicesButKeepsTheRest() throws Exception {
        ObjectNode put = LxdBackupImport.adjusted(instance(), true);
        assertThat(put).isNotNull();
        List<String> keys = iterate(put.get("config").fieldNames());
        assertThat(keys).containsExactlyInAnyOrder("limits.cpu", "volatile.idmap.base", "volatile.base_image");
        assertThat(iterate(put.get("devices").fieldNames())).containsExactly("data");
        assertThat(put.get("profiles").toString()).isEqualTo("[\"default\",\"tiny\"]");
        assertThat(put.has("status")).isFalse();
        assertThat(put.has("name")).isFalse();
    }

    @Test
    void disasterRecoveryKeepsIdentityAndLabelAndDropsOnlyProxyDevices() throws Exception {
        ObjectNode put = LxdBackupImport.adjusted(instance(), false);
        assertThat(put).isNotNull();
        assertThat(put.get("config").get("volatile.uuid").asText()).isEqualTo("u-1");
        assertThat(put.get("config").get("user.proxy").asText()).isEqualTo("https://web.example.test:80");
        assertThat(iterate(put.get("devices").fieldNames())).containsExactly("data");
    }

    @Test
    void withTheAllowlistARestoreOntoANewHostStillPutsTheConfigWithoutItsProxyDevice() throws Exception {
        // the allowlist removed terrarium-proxy-* without listing it, so "nothing changed" skipped the
        // PUT and the device stayed (RestoreLxdZfsIT in the guest, session 4)
        JsonNode onlyProxy = JSON.readTree("""
                {"config":{"user.proxy":"https://lz.example.test:80"},"devices":{"terrarium-proxy-it":{"type":"proxy",
                 "listen":"tcp:127.0.0.1:18979","connect":"tcp:127.0.0.1:80","bind":"host"}},"profiles":["default"]}""");
        List<String> dropped = new java.util.ArrayList<>();
        ObjectNode put = LxdBackupImport.adjusted(onlyProxy, false, false, dropped);
        assertThat(put).as("a PUT without the proxy device").isNotNull();
        assertThat(put.get("devices").size()).isZero();
        assertThat(dropped).as("proxy devices are not reported: proxy sync recreates them").isEmpty();
        assertThat(put.get("config").get("user.proxy").asText()).isEqualTo("https://lz.example.test:80");
    }

    @Test
    void nothingToAdjustGivesNoPut() throws Exception {
        JsonNode plain = JSON.readTree("{\"config\":{\"limits.cpu\":\"1\"},\"devices\":{}}");
        assertThat(LxdBackupImport.adjusted(plain, true)).isNull();
    }

    @Test
    void rejectsNamesThatCouldReachTheToolAsFlagsOrPaths() {
        assertThatThrownBy(() -> LxdBackupImport.indexYaml("-x", "default")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> LxdBackupImport.indexYaml("web\nbackend: dir", "default"))
                .isInstanceOf(IllegalArgumentException.class);
        LxdBackupImport imp = new LxdBackupImport(c -> {
            throw new AssertionError("no command may run for bad input");
        }, null);
        assertThatThrownBy(() -> imp.importSnapshot("tank/containers/web", "web", "default", "default", List.of(), false, l -> { }))
                .hasMessageContaining("not a valid snapshot");
        assertThatThrownBy(() -> imp.importSnapshot("tank/c/web@s", "web", "default", "default", List.of("-R"), false, l -> { }))
                .hasMessageContaining("-R");
    }

    private static List<String> iterate(java.util.Iterator<String> it) {
        List<String> l = new java.util.ArrayList<>();
        it.forEachRemaining(l::add);
        return l;
    }
}
