package io.terrarium.config;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.terrarium.host.lxd.LxdClient;
import io.terrarium.testing.FakeLxdProjects;
import io.terrarium.testing.RecordingCommandRunner;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Base64;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The stored configuration as untrusted input: signature checks and the limits on root-effective keys. */
class StoredConfigTrustTest {
    @TempDir
    Path dir;

    private final FakeLxdProjects lxd = new FakeLxdProjects();

    private Path secrets() {
        return dir.resolve("secrets");
    }

    private LxdConfigStore store() {
        return new LxdConfigStore(LxdClient.local(new RecordingCommandRunner(lxd), new ObjectMapper()),
                new ConfigCodec(secrets().toString()), dir.resolve("config.lock"), new ConfigSignature(secrets()));
    }

    /** What `lxc project set terrarium-system user.terrarium.config_b64 …` does. */
    private void writeWithLxc(String yaml) {
        lxd.projects.get("terrarium-system").put(LxdConfigStore.KEY,
                Base64.getEncoder().encodeToString(yaml.getBytes(StandardCharsets.UTF_8)));
    }

    @Test
    void installCreatesARootOnlyKeyAndEveryLaterWriteIsSignedAndVerified() throws Exception {
        store().updateAndSign(c -> c.withEmails(new TerrariumConfig.Emails("ops@example.com", null)));
        Path key = secrets().resolve(ConfigSignature.KEY_FILE);
        assertThat(Files.getPosixFilePermissions(key)).isEqualTo(PosixFilePermissions.fromString("rw-------"));
        assertThat(Files.readString(key)).matches("[0-9a-f]{64}");
        assertThat(lxd.projects.get("terrarium-system").get(ConfigSignature.MAC_KEY)).startsWith("hmac-sha256:");
        store().update(c -> c.withDomains(new TerrariumConfig.Domains("example.com", null, null, null, null)));
        assertThat(store().load().config().domains().base()).isEqualTo("example.com");
    }

    @Test
    void aDocumentChangedWithLxcProjectSetIsRefusedSayingWhyAndHowToRecover() {
        store().updateAndSign(c -> c.withEmails(new TerrariumConfig.Emails("ops@example.com", null)));
        writeWithLxc("version: 1\nemails:\n  admin: evil@example.com\n");
        assertThatThrownBy(() -> store().load())
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("signature (user.terrarium.config_mac) does not match this host's key " + secrets().resolve("config-hmac.key"))
                .hasMessageContaining("changed outside terrariumctl (e.g. with `lxc project set`)")
                .hasMessageContaining("terrariumctl config import");
        assertThatThrownBy(() -> store().update(c -> c)).isInstanceOf(ConfigException.class);
    }

    @Test
    void aDocumentWithoutSignatureIsRefusedOnceTheHostHasAKey() {
        store().updateAndSign(c -> c);
        lxd.projects.get("terrarium-system").remove(ConfigSignature.MAC_KEY);
        assertThatThrownBy(() -> store().load()).hasMessageContaining("carries no signature");
    }

    @Test
    void aSignatureCopiedFromAnotherDocumentDoesNotValidateThisOne() {
        store().updateAndSign(c -> c.withEmails(new TerrariumConfig.Emails("ops@example.com", null)));
        String mac = lxd.projects.get("terrarium-system").get(ConfigSignature.MAC_KEY);
        writeWithLxc(store().readDocument().replace("ops@example.com", "evil@example.com"));
        assertThat(lxd.projects.get("terrarium-system").get(ConfigSignature.MAC_KEY)).isEqualTo(mac);
        assertThatThrownBy(() -> store().load()).hasMessageContaining("does not match");
    }

    @Test
    void configImportReplacesATamperedDocumentAndSignsIt() {
        store().updateAndSign(c -> c.withEmails(new TerrariumConfig.Emails("ops@example.com", null)));
        String id = store().load().config().installationId();
        writeWithLxc("version: 1\n");
        assertThatThrownBy(() -> store().replace("version: 1\n", "f.yaml")).hasMessageContaining("has no installation_id");
        store().replace("version: 1\ninstallation_id: " + id + "\nemails:\n  admin: ops@example.com\n", "f.yaml");
        assertThat(store().load().config().emails().admin()).isEqualTo("ops@example.com");
    }

    @Test
    void aHostWithoutKeyAcceptsUnsignedDocumentsAndWritesNoSignature() {
        store().update(c -> c.withEmails(new TerrariumConfig.Emails("ops@example.com", null)));
        assertThat(Files.exists(secrets().resolve(ConfigSignature.KEY_FILE))).isFalse();
        assertThat(lxd.projects.get("terrarium-system")).doesNotContainKey(ConfigSignature.MAC_KEY);
        writeWithLxc("version: 1\nemails:\n  admin: other@example.com\n");
        assertThat(store().load().config().emails().admin()).isEqualTo("other@example.com");
    }

    private List<String> problems(String yaml) {
        try {
            new ConfigCodec(secrets().toString()).parse(yaml, "t");
            return List.of();
        } catch (ConfigException e) {
            return List.of(e.getMessage().split("\n"));
        }
    }

    @Test
    void reloadCommandComesFromTheFixedSet() {
        assertThat(problems("version: 1\nproxy:\n  reload_command: [systemctl, restart, traefik]\n")).isEmpty();
        assertThat(problems("version: 1\nproxy:\n  reload_command: []\n")).isEmpty();
        assertThat(String.join("\n", problems("version: 1\nproxy:\n  reload_command: [sh, -c, 'id > /tmp/pwned']\n")))
                .contains("proxy.reload_command: [sh, -c, id > /tmp/pwned] is not one of the allowed commands")
                .contains("[systemctl, restart, traefik]");
    }

    @Test
    void keyAndSecretPathsMustBeFilesDirectlyInTheSecretsDirectory() {
        String s = secrets() + "/";
        assertThat(problems("version: 1\nbackups:\n  syncoid:\n    ssh_key: " + s + "syncoid_ed25519\n")).isEmpty();
        for (String bad : List.of("/root/.ssh/id_ed25519", s + "../shadow", s + "sub/key", s + "Key$(id)", s, "/etc/shadow")) {
            assertThat(String.join("\n", problems("version: 1\nbackups:\n  syncoid:\n    ssh_key: '" + bad + "'\n")))
                    .as(bad).contains("backups.syncoid.ssh_key: \"" + bad + "\" must be a file under " + s);
        }
        assertThat(String.join("\n", problems("version: 1\nidp:\n  mode: oidc\n  issuer: https://login.example.com\n"
                + "  client_id: t\n  client_secret_file: /etc/ssh/ssh_host_ed25519_key\n")))
                .contains("idp.client_secret_file: \"/etc/ssh/ssh_host_ed25519_key\" must be a file under " + s);
        assertThat(String.join("\n", problems("version: 1\nbackups:\n  syncoid:\n    known_hosts: '/etc/x;reboot'\n")))
                .contains("backups.syncoid.known_hosts: \"/etc/x;reboot\" must be an absolute path of letters");
    }

    @Test
    void dnsVariablesComeFromTheProvidersDocumentedList() {
        String s = secrets() + "/";
        assertThat(problems("version: 1\ndns:\n  provider: cloudflare\n  env:\n    CF_API_EMAIL: ops@example.com\n"
                + "  env_files:\n    CF_DNS_API_TOKEN: " + s + "dns-cf_dns_api_token\n")).isEmpty();
        String ld = String.join("\n", problems("version: 1\ndns:\n  provider: cloudflare\n  env:\n    LD_PRELOAD: /tmp/x.so\n    HTTPS_PROXY: http://evil\n"));
        assertThat(ld).contains("dns.env.LD_PRELOAD: \"LD_PRELOAD\" is not a variable lego documents for provider cloudflare (documented: CF_API_EMAIL,")
                .contains("dns.env.HTTPS_PROXY: \"HTTPS_PROXY\" is not a variable lego documents");
        assertThat(String.join("\n", problems("version: 1\ndns:\n  provider: exec\n  env:\n    EXEC_PATH: /bin/sh\n")))
                .contains("dns.provider: \"exec\" is refused: it runs the program named in EXEC_PATH");
        assertThat(String.join("\n", problems("version: 1\ndns:\n  provider: nosuchdns\n")))
                .contains("dns.provider: \"nosuchdns\" is not a lego DNS provider code");
        assertThat(String.join("\n", problems("version: 1\ndns:\n  provider: route53\n  env:\n    AWS_SHARED_CREDENTIALS_FILE: /root/.aws/credentials\n")))
                .contains("dns.env.AWS_SHARED_CREDENTIALS_FILE: \"AWS_SHARED_CREDENTIALS_FILE\" names a file on the host");
        assertThat(String.join("\n", problems("version: 1\ndns:\n  provider: cloudflare\n  env_files:\n    CF_DNS_API_TOKEN: /root/token\n")))
                .contains("dns.env_files.CF_DNS_API_TOKEN: \"/root/token\" must be a file under " + s);
    }

    @Test
    void theGeneratedProviderListHoldsLegosProviders() {
        assertThat(DnsProviders.providers()).hasSizeGreaterThan(150).contains("cloudflare", "route53", "hetzner", "ovh", "digitalocean");
        assertThat(DnsProviders.variables("cloudflare")).contains("CF_DNS_API_TOKEN", "CLOUDFLARE_DNS_API_TOKEN", "CF_API_EMAIL");
    }
}
