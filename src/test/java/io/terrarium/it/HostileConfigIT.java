package io.terrarium.it;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Issue 14 item 5 on real LXD: a configuration written straight into the LXD project with
 * {@code lxc project set terrarium-system user.terrarium.config_b64 …} (what anyone with write access
 * to that project can do) must not make the root daemon or CLI run a command or hand a root file to a
 * tool. Each hostile document is refused with an error that says why, and nothing runs.
 */
class HostileConfigIT {
    private static final String MAC = "user.terrarium.config_mac";

    @TempDir
    Path dir;

    private String saved;
    private String savedMac;
    private Terrariumctl trm;
    private Path marker;

    @BeforeEach
    void save() throws Exception {
        Terrariumctl.sh("lxc", "query", "/1.0"); // LXD must be up (scripts/devhost.sh up)
        saved = StoredConfig.rawValue();
        savedMac = Terrariumctl.sh("lxc", "project", "get", "terrarium-system", MAC).strip();
        trm = new Terrariumctl(dir);
        marker = dir.resolve("pwned");
    }

    @AfterEach
    void restore() throws Exception {
        StoredConfig.restore(saved);
        if (savedMac.isEmpty()) {
            Terrariumctl.sh("lxc", "project", "unset", "terrarium-system", MAC);
        } else {
            Terrariumctl.sh("lxc", "project", "set", "terrarium-system", MAC, savedMac);
        }
    }

    private String proxyFiles() {
        return "proxy:\n  dynamic_file: " + dir.resolve("traefik/dynamic/terrarium.yml") + "\n  static_file: "
                + dir.resolve("traefik/traefik.yml") + "\n  ufw: false\n";
    }

    @Test
    void eachRootPathInADocumentWrittenWithLxcIsRefusedSayingWhyAndNothingRuns() throws Exception {
        String secrets = dir.resolve("etc/secrets") + "/";
        Map<String, String[]> hostile = new LinkedHashMap<>();
        hostile.put("reload command", new String[]{proxyFiles() + "  reload_command: [sh, -c, 'touch " + marker + "']\n",
                "proxy.reload_command: [sh, -c, touch " + marker + "] is not one of the allowed commands"});
        hostile.put("syncoid key outside the secrets directory", new String[]{
                "backups:\n  syncoid:\n    ssh_key: '/root/.ssh/id_ed25519 -oProxyCommand=touch " + marker + "'\n",
                "backups.syncoid.ssh_key: \"/root/.ssh/id_ed25519 -oProxyCommand=touch " + marker + "\" must be a file under " + secrets});
        hostile.put("DNS-01 LD_PRELOAD", new String[]{"dns:\n  provider: cloudflare\n  env:\n    LD_PRELOAD: /tmp/evil.so\n",
                "dns.env.LD_PRELOAD: \"LD_PRELOAD\" is not a variable lego documents for provider cloudflare"});
        hostile.put("DNS-01 proxy variable", new String[]{"dns:\n  provider: cloudflare\n  env:\n    HTTPS_PROXY: http://203.0.113.9:3128\n",
                "dns.env.HTTPS_PROXY: \"HTTPS_PROXY\" is not a variable lego documents for provider cloudflare"});
        hostile.put("DNS-01 credential file outside the secrets directory", new String[]{
                "dns:\n  provider: cloudflare\n  env_files:\n    CF_DNS_API_TOKEN: /etc/shadow\n",
                "dns.env_files.CF_DNS_API_TOKEN: \"/etc/shadow\" must be a file under " + secrets});
        hostile.put("DNS-01 exec provider", new String[]{"dns:\n  provider: exec\n  env:\n    EXEC_PATH: /bin/sh\n",
                "dns.provider: \"exec\" is refused"});
        hostile.put("SASL password file", new String[]{"events:\n  kafka:\n    bootstrap_servers: ['127.0.0.1:9092']\n    topic: t\n"
                + "    security_protocol: SASL_SSL\n    sasl_mechanism: PLAIN\n    sasl_username: u\n    sasl_password_file: /root/.ssh/id_rsa\n",
                "events.kafka.sasl_password_file: \"/root/.ssh/id_rsa\" must be a file under " + secrets});
        hostile.put("OIDC client secret file", new String[]{"idp:\n  mode: oidc\n  issuer: https://login.example.com\n  client_id: t\n"
                + "  client_secret_file: /etc/ssh/ssh_host_ed25519_key\n",
                "idp.client_secret_file: \"/etc/ssh/ssh_host_ed25519_key\" must be a file under " + secrets});
        for (var e : hostile.entrySet()) {
            StoredConfig.setYaml("version: 1\n" + e.getValue()[0]);
            var sync = trm.run("proxy", "sync");
            assertThat(sync.exit()).as(e.getKey() + ": " + sync.all()).isEqualTo(1);
            assertThat(sync.err()).as(e.getKey()).contains(e.getValue()[1]);
            var show = trm.run("config", "show");
            assertThat(show.exit()).as(e.getKey()).isEqualTo(1);
            assertThat(show.err()).as(e.getKey()).contains(e.getValue()[1]);
        }
        assertThat(marker).doesNotExist();
        assertThat(dir.resolve("traefik")).doesNotExist();
    }

    @Test
    void onASignedHostAnyDocumentWrittenWithLxcIsRefusedBeforeItIsRead() throws Exception {
        Path good = dir.resolve("good.yaml");
        Files.writeString(good, "version: 1\ninstallation_id: it-hostile-0001\n" + proxyFiles() + "  reload_command: []\n");
        var imp = trm.run("config", "import", "--file", good.toString());
        assertThat(imp.exit()).as(imp.all()).isZero();
        Path key = dir.resolve("etc/secrets/config-hmac.key");
        assertThat(key).exists();
        assertThat(Terrariumctl.sh("lxc", "project", "get", "terrarium-system", MAC)).startsWith("hmac-sha256:");
        assertThat(trm.run("config", "show").exit()).isZero();

        // a document that every value check accepts, but that terrariumctl did not write
        StoredConfig.setYaml("version: 1\ninstallation_id: it-hostile-0001\n" + proxyFiles()
                + "  reload_command: [systemctl, restart, traefik]\ndomains:\n  base: attacker.example.com\n");
        var sync = trm.run("proxy", "sync");
        assertThat(sync.exit()).as(sync.all()).isEqualTo(1);
        assertThat(sync.err()).contains("the stored configuration's signature (" + MAC + ") does not match this host's key " + key)
                .contains("changed outside terrariumctl (e.g. with `lxc project set`)");
        assertThat(dir.resolve("traefik")).doesNotExist();

        // removing the signature does not help either
        Terrariumctl.sh("lxc", "project", "unset", "terrarium-system", MAC);
        var show = trm.run("config", "show");
        assertThat(show.exit()).isEqualTo(1);
        assertThat(show.err()).contains("carries no signature");

        // the operator's way back: import a trusted file, which is signed again
        var again = trm.run("config", "import", "--file", good.toString());
        assertThat(again.exit()).as(again.all()).isZero();
        var ok = trm.run("config", "show");
        assertThat(ok.exit()).as(ok.all()).isZero();
        assertThat(ok.out()).contains("it-hostile-0001").doesNotContain("attacker.example.com");
    }
}
