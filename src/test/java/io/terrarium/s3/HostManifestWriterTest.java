package io.terrarium.s3;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.terrarium.s3.HostManifest;
import io.terrarium.s3.HostManifestCodec;
import io.terrarium.config.ConfigCodec;
import io.terrarium.config.TerrariumConfig;
import io.terrarium.host.lxd.LxdClient;
import io.terrarium.testing.RecordingCommandRunner;
import io.terrarium.testing.RecordingCommandRunner.Reply;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

import static org.assertj.core.api.Assertions.assertThat;

class HostManifestWriterTest {
    static final String YAML = "version: 1\ninstallation_id: inst-0001\nlxd:\n  project: web\ns3:\n  enabled: true\n  provider: generic\n"
            + "  endpoint: http://127.0.0.1:9\n  region: us-east-1\n  bucket: bkt\n  prefix: pre/\n  access_key: AK\n"
            + "  secret_key_file: /etc/terrarium/secrets/s3-secret-key\n";
    final Map<String, String> lxd = new TreeMap<>(Map.of(
            "/1.0/instances?recursion=1&project=web", """
                    [{"name":"a","type":"container","status":"Running","profiles":["default","extra"],"config":{"user.proxy":"https://a.example.com"},
                      "devices":{},"expanded_devices":{"root":{"type":"disk","path":"/","pool":"fast"},"eth0":{"type":"nic","network":"terrarium-ovn"},
                      "eth1":{"type":"nic","nictype":"macvlan","parent":"eth0"}}},
                     {"name":"b","type":"container","status":"Stopped","profiles":["default"],"config":{},"devices":{"eth2":{"type":"nic","network":"lxdbr-x"}},
                      "expanded_devices":{"root":{"type":"disk","path":"/","pool":"fast"},"eth2":{"type":"nic","network":"lxdbr-x"}}}]""",
            "/1.0/profiles/default?project=web", "{\"name\":\"default\",\"config\":{},\"devices\":{},\"used_by\":[\"/1.0/instances/a\"]}",
            "/1.0/profiles/extra?project=web", "{\"name\":\"extra\",\"config\":{\"limits.cpu\":\"1\"},\"devices\":{},\"used_by\":[]}",
            "/1.0/networks/terrarium-ovn?project=web", "{\"name\":\"terrarium-ovn\",\"type\":\"bridge\",\"managed\":true,\"config\":{\"ipv4.address\":\"10.1.1.1/24\"},\"used_by\":[]}",
            "/1.0/networks/lxdbr-x?project=web", "{\"name\":\"lxdbr-x\",\"type\":\"bridge\",\"managed\":false,\"config\":{}}",
            "/1.0/storage-pools/fast", "{\"name\":\"fast\",\"driver\":\"zfs\",\"config\":{\"source\":\"tank/lxd\"},\"status\":\"Created\"}",
            "/1.0/projects/web", "{\"name\":\"web\",\"config\":{\"features.profiles\":\"true\"},\"used_by\":[]}"));
    final RecordingCommandRunner runner = new RecordingCommandRunner(c -> {
        String body = lxd.get(c.args().get(c.args().size() - 1));
        return body == null ? Reply.fail(1, "Error: not found") : Reply.ok(body);
    });
    final TerrariumConfig config = new ConfigCodec().parse(YAML, "test");
    final Clock clock = Clock.fixed(Instant.parse("2026-12-06T11:00:00.123Z"), ZoneOffset.UTC);

    HostManifestWriter writer(HostManifestWriter.StoreFactory stores) {
        return new HostManifestWriter(config, new ConfigCodec(), LxdClient.local(runner, new ObjectMapper()), stores, clock);
    }

    @Test
    void buildsFromLxdOnlyWhatTheInstancesUseAndWhoRan() {
        HostManifest m = writer(null).build("inst-0001", Set.of("a"));
        assertThat(m.project()).isEqualTo("web");
        assertThat(m.createdAt()).isEqualTo(Instant.parse("2026-12-06T11:00:00Z"));
        assertThat(m.instances()).extracting(i -> i.name() + " running=" + i.running() + " exported=" + i.exported())
                .containsExactly("a running=true exported=true", "b running=false exported=false");
        assertThat(m.profiles()).extracting(p -> p.path("name").asText()).containsExactly("default", "extra");
        assertThat(m.profile("extra").has("used_by")).as("only writable fields").isFalse();
        assertThat(m.networks()).as("unmanaged lxdbr-x and the macvlan NIC are not LXD objects to recreate")
                .extracting(n -> n.path("name").asText()).containsExactly("terrarium-ovn");
        assertThat(m.storagePools()).singleElement().satisfies(p -> assertThat(p.path("driver").asText()).isEqualTo("zfs"));
        assertThat(m.projectConfig().path("config").path("features.profiles").asText()).isEqualTo("true");
        assertThat(m.config()).contains("secret_key_file: /etc/terrarium/secrets/s3-secret-key");
        assertThat(m.instances().get(0).config()).containsEntry("user.proxy", "https://a.example.com");
        assertThat(runner.calls()).allSatisfy(a -> assertThat(a).doesNotContain("--request"));
    }

    @Test
    void writeStoresItUnderTheHostFolderAndKeepsTheNewest48() throws Exception {
        Map<String, byte[]> objects = new TreeMap<>();
        for (int i = 0; i < HostManifestWriter.KEEP + 2; i++) {
            objects.put(String.format("pre/inst-0001/_host/manifests/2025%04dT000000Z.json", i), new byte[1]);
        }
        HostManifestWriter.Store store = new HostManifestWriter.Store() {
            @Override
            public void put(String key, byte[] body) {
                objects.put(key, body);
            }

            @Override
            public List<String> list(String prefix) {
                return objects.keySet().stream().filter(k -> k.startsWith(prefix)).toList();
            }

            @Override
            public void delete(String key) {
                objects.remove(key);
            }

            @Override
            public void close() {
            }
        };
        Map<String, Object> details = new LinkedHashMap<>();
        List<String> errors = new ArrayList<>();
        assertThat(writer(s -> store).write(config.s3(), "inst-0001", List.of("a"), details, errors)).isTrue();
        String key = "pre/inst-0001/_host/manifests/20261206T110000Z.json";
        assertThat(details.get("host_manifest")).asString().contains("key=" + key).contains("instances=2").contains("profiles=2");
        assertThat(errors).isEmpty();
        assertThat(new HostManifestCodec().read(objects.get(key), key).instances()).hasSize(2);
        assertThat(objects).hasSize(HostManifestWriter.KEEP).containsKey(key).doesNotContainKey("pre/inst-0001/_host/manifests/20250002T000000Z.json");
    }

    @Test
    void aFailureIsReportedInTheDetailsNotThrown() {
        Map<String, Object> details = new LinkedHashMap<>();
        List<String> errors = new ArrayList<>();
        boolean ok = writer(s -> {
            throw new IOException("secret file /etc/terrarium/secrets/s3-secret-key is missing");
        }).write(config.s3(), "inst-0001", List.of(), details, errors);
        assertThat(ok).isFalse();
        assertThat(errors).containsExactly("host manifest not written: secret file /etc/terrarium/secrets/s3-secret-key is missing");
        assertThat(details.get("host_manifest")).asString().contains("error=host manifest not written");
    }
}
