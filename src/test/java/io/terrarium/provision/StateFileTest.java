package io.terrarium.provision;

import io.terrarium.host.ansible.AnsiblePlaybook;

import io.terrarium.App;
import io.terrarium.config.ConfigCodec;
import io.terrarium.config.TerrariumConfig;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import static org.assertj.core.api.Assertions.assertThat;

class StateFileTest {
    static final Path SECRETS = Path.of("/etc/terrarium/secrets");

    @Test
    void fullSampleMapsToTheRolesVariablesWithSecretsByPathOnly() throws Exception {
        TerrariumConfig c = new ConfigCodec().parse(Files.readString(Path.of("config/samples/full.yaml")), "full.yaml");
        Map<String, Object> expected = new TreeMap<>();
        expected.put("terrarium_state_version", 1);
        expected.put("zfs_pool", "terrarium");
        expected.put("lxd_zfs_pool", "terrarium");
        expected.put("lxd_network", "terrarium-ovn");
        expected.put("lxd_storage_pool", "default");
        expected.put("traefik_config_dir", "/etc/traefik");
        expected.put("traefik_dynamic_dir", "/etc/traefik/dynamic");
        expected.put("traefik_acme_storage", "/etc/traefik/acme.json");
        expected.put("oauth2_proxy_listen", "127.0.0.1:4180");
        expected.put("oauth2_proxy_tenant_listen", "127.0.0.1:4181");
        expected.put("oauth2_proxy_admin_hosts", List.of("auth.example.com", "lxd.example.com", "manage.example.com", "proxy.example.com"));
        expected.put("oauth2_proxy_tenant_cookie_secret_file", "/etc/terrarium/secrets/oauth2-proxy-tenant.env");
        expected.put("idp_auth_host", "auth.example.com");
        expected.put("oauth2_proxy_cookie_secret_file", "/etc/terrarium/secrets/oauth2-proxy.env");
        expected.put("oauth2_proxy_client_secret_file", "/etc/terrarium/secrets/oidc-client-secret");
        expected.put("idp_oidc_client_secret_file", "/etc/terrarium/secrets/oidc-client-secret");
        expected.put("idp_zitadel_masterkey_file", "/etc/terrarium/secrets/zitadel-masterkey");
        expected.put("backups_syncoid_key", "/etc/terrarium/secrets/syncoid_ed25519");
        expected.put("idp_mode", "oidc");
        expected.put("idp_admin_group", "terrarium-admins");
        expected.put("idp_oidc_issuer", "https://login.example.com/realms/ops");
        expected.put("idp_oidc_client_id", "terrarium");
        expected.put("zfs_storage_mode", "disk");
        expected.put("zfs_storage_source", "/dev/disk/by-id/nvme-SAMSUNG_MZQL2960HCJR-00A07_S64FNE0R123456");
        expected.put("zfs_storage_file", "/var/lib/terrarium/zfs/terrarium.img");
        expected.put("zfs_storage_size", "64G");
        expected.put("traefik_dns_provider", "cloudflare");
        expected.put("traefik_dns_env", new TreeMap<>(Map.of("CLOUDFLARE_PROPAGATION_TIMEOUT", "180")));
        expected.put("traefik_dns_env_files", new TreeMap<>(Map.of("CF_DNS_API_TOKEN", "/etc/terrarium/secrets/dns-cf_dns_api_token")));
        Map<String, Object> vars = StateFile.vars(c, SECRETS);
        assertThat(vars).containsExactlyEntriesOf(expected);
        String json = App.jsonMapper().writeValueAsString(vars);
        assertThat(json).doesNotContain("AKIAEXAMPLEKEY").doesNotContain("s3-secret-key");
    }

    @Test
    void unsetDomainsAndNoGateLeaveTheRoleDefaults() {
        TerrariumConfig c = TerrariumConfig.defaults()
                .withProxy(new TerrariumConfig.Proxy(null, null, null, null, "", null, null, null, null));
        Map<String, Object> vars = StateFile.vars(c, SECRETS);
        assertThat(vars).doesNotContainKeys("oauth2_proxy_cookie_domain", "oauth2_proxy_auth_host", "idp_auth_host", "oauth2_proxy_listen",
                "oauth2_proxy_tenant_listen");
        assertThat(vars).containsEntry("oauth2_proxy_tenant_service", false).containsEntry("oauth2_proxy_admin_hosts", List.of());
        assertThat(vars.keySet()).allMatch(k -> List.of("terrarium", "zfs", "lxd", "traefik", "oauth2_proxy", "idp", "backups")
                .stream().anyMatch(role -> k.startsWith(role + "_")));
    }

    @Test
    void playbookArgvRunsLocallyWithTheStateFileAndSkipsHardeningUnlessAsked() {
        AnsiblePlaybook a = new AnsiblePlaybook("ansible-playbook");
        Path site = Path.of("/opt/terrarium/current/ansible/site.yml");
        Path state = Path.of("/var/lib/terrarium/state.json");
        assertThat(a.command(site, state, false, false).argv()).containsExactly("ansible-playbook", "-i", "localhost,", "-c", "local",
                "/opt/terrarium/current/ansible/site.yml", "-e", "@/var/lib/terrarium/state.json", "--skip-tags", "hardening");
        assertThat(a.command(site, state, true, true).argv()).containsExactly("ansible-playbook", "-i", "localhost,", "-c", "local",
                "/opt/terrarium/current/ansible/site.yml", "-e", "@/var/lib/terrarium/state.json", "--check", "--diff");
        assertThat(a.command(site, state, true, false, List.of("zfs"), List.of(Path.of("/tmp/once.json"))).argv())
                .containsExactly("ansible-playbook", "-i", "localhost,", "-c", "local", "/opt/terrarium/current/ansible/site.yml",
                        "-e", "@/var/lib/terrarium/state.json", "-e", "@/tmp/once.json", "--tags", "zfs");
        assertThat(a.command(site, state, false, false).timeout()).isEqualTo(AnsiblePlaybook.TIMEOUT);
    }
}
