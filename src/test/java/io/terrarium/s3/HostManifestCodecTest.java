package io.terrarium.s3;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

public class HostManifestCodecTest {
    static final ObjectMapper M = new ObjectMapper();

    public static ObjectNode obj(String json) {
        try {
            return (ObjectNode) M.readTree(json);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    public static HostManifest sample() {
        return new HostManifest(1, "inst-1", Instant.parse("2026-12-06T11:00:00Z"), "1.2.3", "version: 1\ninstallation_id: inst-1\n",
                "web-project", obj("{\"name\":\"web-project\",\"config\":{\"features.profiles\":\"false\"}}"),
                List.of(obj("{\"name\":\"extra\",\"config\":{\"user.a\":\"1\"},\"devices\":{}}")),
                List.of(obj("{\"name\":\"terrarium-ovn\",\"type\":\"bridge\",\"config\":{\"ipv4.address\":\"10.0.0.1/24\"}}")),
                List.of(obj("{\"name\":\"default\",\"driver\":\"zfs\",\"config\":{\"source\":\"tank/lxd\"}}")),
                List.of(new HostManifest.Instance("web", "container", "Running", true, true, List.of("default", "extra"),
                        Map.of("user.proxy", "https://web.example.com"), Map.of("root", Map.of("type", "disk", "path", "/", "pool", "default")))));
    }

    @Test
    void roundTripKeepsEveryField() throws Exception {
        HostManifestCodec c = new HostManifestCodec();
        byte[] bytes = c.write(sample());
        String text = new String(bytes, StandardCharsets.UTF_8);
        assertThat(text).contains("\"format_version\" : 1").contains("\"storage_pools\"").contains("\"project_config\"")
                .contains("\"running\" : true");
        assertThat(c.read(bytes, "k")).isEqualTo(sample());
    }

    @Test
    void refusesANewerFormatSayingToUpgrade() {
        String text = new String(new HostManifestCodec().write(sample()), StandardCharsets.UTF_8)
                .replace("\"format_version\" : 1", "\"format_version\" : 2").replace("\"project\"", "\"new_field\" : 1,\n  \"project\"");
        assertThatThrownBy(() -> new HostManifestCodec().read(text.getBytes(StandardCharsets.UTF_8), "p/i/_host/manifests/x.json"))
                .isInstanceOf(ManifestException.class)
                .hasMessage("host manifest p/i/_host/manifests/x.json has format version 2, newer than the 1 this terrariumctl reads;"
                        + " upgrade terrariumctl on this host and retry");
    }

    @Test
    void rejectsUnknownKeysMissingVersionAndNamesOutsideLxdsCharacterSet() {
        HostManifestCodec c = new HostManifestCodec();
        String text = new String(c.write(sample()), StandardCharsets.UTF_8);
        assertThatThrownBy(() -> c.read(text.replace("\"terrarium_version\"", "\"surprise\" : 1,\n  \"terrarium_version\"")
                .getBytes(StandardCharsets.UTF_8), "k")).isInstanceOf(ManifestException.class).hasMessageContaining("surprise");
        assertThatThrownBy(() -> c.read("{\"installation_id\":\"x\"}".getBytes(StandardCharsets.UTF_8), "k"))
                .isInstanceOf(ManifestException.class).hasMessage("host manifest k has no valid format_version");
        assertThatThrownBy(() -> c.read(text.replace("\"name\" : \"extra\"", "\"name\" : \"../etc\"").getBytes(StandardCharsets.UTF_8), "k"))
                .isInstanceOf(ManifestException.class).hasMessageContaining("profiles[].name \"../etc\" is not an LXD name");
        assertThatThrownBy(() -> c.read("400\r\n{}".getBytes(StandardCharsets.UTF_8), "k"))
                .as("an aws-chunked body stored verbatim starts with a number").isInstanceOf(ManifestException.class)
                .hasMessage("host manifest k is not a JSON object");
        assertThatThrownBy(() -> c.read("not json".getBytes(StandardCharsets.UTF_8), "k"))
                .isInstanceOf(ManifestException.class).hasMessageStartingWith("host manifest k is not JSON");
    }

    @Test
    void hostManifestKeysSitInAFolderNoInstanceCanHave() {
        ExportKeys k = new ExportKeys("pre/", "inst-1");
        assertThat(k.hostManifest(Instant.parse("2026-12-06T11:00:00Z"))).isEqualTo("pre/inst-1/_host/manifests/20261206T110000Z.json");
        assertThatThrownBy(() -> k.instanceDir(ExportKeys.HOST_DIR)).isInstanceOf(IllegalArgumentException.class);
    }
}
