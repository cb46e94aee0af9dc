package io.terrarium.host.lxd;

import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Issue 13 item 3: a hostile {@code backup.yaml} (the {@code container} section LXD writes into
 * every instance volume) planted in the bucket. The import used to create the instance with every
 * key and device it found.
 */
class ImportAllowlistTest {
    static final String HOSTILE = """
            container:
              name: web
              type: container
              architecture: x86_64
              profiles: [default]
              config:
                security.privileged: "true"
                security.idmap.isolated: "true"
                raw.lxc: "lxc.apparmor.profile=unconfined"
                raw.idmap: "both 0 0"
                linux.kernel_modules: "overlay"
                limits.cpu: "2"
                user.proxy: "web.example.net:80"
                volatile.last_state.idmap: "[]"
              devices:
                root: {type: disk, pool: default, path: /}
                hostroot: {type: disk, source: /, path: /mnt/host}
                data: {type: disk, pool: default, source: webdata, path: /srv}
                kmsg: {type: unix-char, source: /dev/kmsg, path: /dev/kmsg}
                sock: {type: proxy, listen: "tcp:0.0.0.0:2222", connect: "unix:/run/docker.sock"}
                terrarium-proxy-80: {type: proxy, listen: "tcp:127.0.0.1:8080", connect: "tcp:127.0.0.1:80"}
                eth0: {type: nic, network: lxdbr0, name: eth0}
              expanded_config:
                security.privileged: "true"
              expanded_devices:
                root: {type: disk, pool: default, path: /}
                hostroot: {type: disk, source: /, path: /mnt/host}
            """;

    static ObjectNode container() throws Exception {
        return (ObjectNode) new YAMLMapper().readTree(HOSTILE).path("container");
    }

    @Test
    void aHostileBackupYamlLosesPrivilegeRawIdmapHostPathsDeviceNodesAndProxiesAndSaysWhat() throws Exception {
        ObjectNode c = container();
        List<String> dropped = ImportAllowlist.filter(c);
        assertThat(dropped).containsExactlyInAnyOrder(
                "config security.privileged=true", "config security.idmap.isolated=true",
                "config raw.lxc=lxc.apparmor.profile=unconfined", "config raw.idmap=both 0 0", "config linux.kernel_modules=overlay",
                "device hostroot (disk device with host path /)", "device kmsg (unix-char device)", "device sock (proxy device)");
        assertThat(c.path("config").fieldNames()).toIterable()
                .containsExactlyInAnyOrder("limits.cpu", "user.proxy", "volatile.last_state.idmap");
        assertThat(c.path("devices").fieldNames()).toIterable().containsExactlyInAnyOrder("root", "data", "eth0");
        assertThat(c.path("expanded_config").has("security.privileged")).isFalse();
        assertThat(c.path("expanded_devices").fieldNames()).toIterable().containsExactly("root");
    }

    @Test
    void theZfsDriverImportAdjustsTheImportedInstanceBeforeItEverStartsUnlessTrusted() throws Exception {
        List<String> dropped = new ArrayList<>();
        ObjectNode put = LxdBackupImport.adjusted(container(), false, false, dropped);
        assertThat(put).isNotNull();
        assertThat(put.path("config").has("raw.lxc")).isFalse();
        assertThat(put.path("devices").has("hostroot")).isFalse();
        assertThat(put.path("devices").has("root")).isTrue();
        assertThat(dropped).hasSize(8);

        List<String> trusted = new ArrayList<>();
        ObjectNode kept = LxdBackupImport.adjusted(container(), false, true, trusted);
        assertThat(trusted).isEmpty();
        assertThat(kept.path("config").path("raw.lxc").asText()).isEqualTo("lxc.apparmor.profile=unconfined");
        assertThat(kept.path("devices").has("hostroot")).isTrue();
        assertThat(kept.path("devices").has("terrarium-proxy-80")).as("Terrarium's own proxies always go").isFalse();
    }
}
