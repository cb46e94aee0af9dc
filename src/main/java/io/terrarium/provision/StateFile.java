package io.terrarium.provision;

import io.terrarium.config.TerrariumConfig;
import io.terrarium.proxy.ProxySettings;

import java.net.URI;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;

/**
 * The state (vars) file Ansible applies: {@code ansible-playbook … -e @state.json}. A pure function
 * of the stored configuration and the secrets directory. Keys are the roles' own variables
 * (role-prefixed, documented in each role's {@code meta/argument_specs.yml}); what the
 * configuration does not set is left out so the role defaults apply. Secrets appear only as file
 * paths, never as values (DESIGN.md §3).
 */
public final class StateFile {
    /** Version of the state file layout. */
    public static final int VERSION = 1;

    private StateFile() {
    }

    /**
     * The variables, sorted by name.
     *
     * @param c          the stored configuration
     * @param secretsDir root-only secrets directory (e.g. {@code /etc/terrarium/secrets})
     */
    public static Map<String, Object> vars(TerrariumConfig c, Path secretsDir) {
        Map<String, Object> v = new TreeMap<>();
        v.put("terrarium_state_version", VERSION);
        v.put("zfs_pool", c.zfs().pool());
        v.put("lxd_zfs_pool", c.zfs().pool());
        v.put("lxd_network", c.lxd().network());
        v.put("lxd_storage_pool", c.lxd().storagePool());
        TerrariumConfig.Proxy p = c.proxy();
        v.put("traefik_config_dir", parent(p.staticFile()));
        v.put("traefik_dynamic_dir", parent(p.dynamicFile()));
        v.put("traefik_acme_storage", ProxySettings.defaults().acmeStorage());
        // Two oauth2-proxy gates (issue 14 item 4): the admin one for the admin hosts only, the
        // tenants' one for @auth labels; each with its own port, cookie and secret, host-only cookies.
        if (!p.oauth2ProxyUrl().isBlank()) {
            v.put("oauth2_proxy_listen", listen(p.oauth2ProxyUrl()));
        }
        if (p.oauth2ProxyUrl().isBlank() || p.tenantAuthUrl().isBlank()) {
            v.put("oauth2_proxy_tenant_service", false);
        } else {
            v.put("oauth2_proxy_tenant_listen", listen(p.tenantAuthUrl()));
        }
        TerrariumConfig.Domains d = c.domains();
        java.util.List<String> adminHosts = java.util.stream.Stream.of(d.manageHost(), d.proxyHost(), d.lxdHost(), d.authHost())
                .filter(h -> h != null && !h.isBlank()).distinct().sorted().toList();
        v.put("oauth2_proxy_admin_hosts", adminHosts);
        put(v, "idp_auth_host", d.authHost());
        // secrets: paths only
        v.put("oauth2_proxy_cookie_secret_file", secretsDir.resolve("oauth2-proxy.env").toString());
        v.put("oauth2_proxy_tenant_cookie_secret_file", secretsDir.resolve("oauth2-proxy-tenant.env").toString());
        TerrariumConfig.Idp idp = c.idp();
        String clientSecret = idp.clientSecretFile() != null ? idp.clientSecretFile()
                : secretsDir.resolve("oidc-client-secret").toString();
        v.put("oauth2_proxy_client_secret_file", clientSecret);
        v.put("idp_oidc_client_secret_file", clientSecret);
        v.put("idp_mode", idp.mode());
        v.put("idp_admin_group", idp.adminGroup());
        put(v, "idp_oidc_issuer", idp.issuer());
        put(v, "idp_oidc_client_id", idp.clientId());
        TerrariumConfig.Storage st = c.storage();
        v.put("zfs_storage_mode", st.mode());
        put(v, "zfs_storage_source", st.source());
        v.put("zfs_storage_file", st.file());
        v.put("zfs_storage_size", st.size());
        // DNS-01: the provider code, plain variables, and secret variables as file paths only
        put(v, "traefik_dns_provider", c.dnsProvider());
        v.put("traefik_dns_env", new TreeMap<>(c.dns().env()));
        v.put("traefik_dns_env_files", new TreeMap<>(c.dns().envFiles()));
        v.put("idp_zitadel_masterkey_file", secretsDir.resolve("zitadel-masterkey").toString());
        v.put("backups_syncoid_key", secretsDir.resolve("syncoid_ed25519").toString());
        return v;
    }

    private static String listen(String url) {
        URI u = URI.create(url);
        return u.getHost() + ":" + (u.getPort() > 0 ? u.getPort() : 80);
    }

    private static String parent(String file) {
        Path parent = Path.of(file).getParent();
        return parent == null ? "/" : parent.toString();
    }

    private static void put(Map<String, Object> v, String key, String value) {
        if (value != null && !value.isBlank()) {
            v.put(key, value);
        }
    }
}
