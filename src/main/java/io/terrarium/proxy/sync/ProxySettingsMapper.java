package io.terrarium.proxy.sync;

import io.terrarium.config.TerrariumConfig;
import io.terrarium.proxy.ProxySettings;

import java.net.URI;
import java.nio.file.Path;
import java.util.Set;
import java.util.TreeSet;

/** Builds the pure core's {@link ProxySettings} from the stored configuration. */
public final class ProxySettingsMapper {
    private ProxySettingsMapper() {
    }

    /**
     * Maps {@code proxy.*}, {@code emails.acme} and the reserved ports.
     *
     * <p>Reserved host names (issue 14): every {@code domains.*} host (base, manage, proxy, lxd,
     * auth); wildcard labels only under {@code proxy.wildcard_bases}; public ports only within
     * {@code proxy.public_port_first}–{@code public_port_last} (default 1024–65535).
     *
     * <p>Reserved public ports: 22, 80, 443 (always), {@code daemon.management_port}, and the ports
     * of {@code proxy.oauth2_proxy_url} (admin gate, 4180 by default) and {@code proxy.tenant_auth_url}
     * (tenants' gate, 4181) — a label may not publish Terrarium's own listeners.
     * {@code @auth} labels go to the tenants' gate; {@code oauth2_proxy_url: ""} or
     * {@code tenant_auth_url: ""} means no tenant gate ({@code @auth} labels are then rejected).
     * The admin gate serves the admin hosts ({@code domains.manage/proxy/lxd/auth}) only (issue 14
     * item 4); the Traefik dashboard is published on {@code domains.proxy} behind it. The watched directory is the dynamic file's directory.
     *
     * @throws IllegalArgumentException when the bridge range is invalid (the config validator
     *                                  reports that first)
     */
    public static ProxySettings settings(TerrariumConfig c) {
        TerrariumConfig.Proxy p = c.proxy();
        Set<Integer> reserved = new TreeSet<>(ProxySettings.ALWAYS_RESERVED);
        reserved.add(c.daemon().managementPort());
        String adminGate = p.oauth2ProxyUrl().isBlank() ? null : p.oauth2ProxyUrl();
        String gate = adminGate == null || p.tenantAuthUrl().isBlank() ? null : p.tenantAuthUrl();
        for (String g : new String[] {adminGate, gate}) {
            if (g != null) {
                try {
                    URI u = URI.create(g);
                    reserved.add(u.getPort() > 0 ? u.getPort() : "https".equals(u.getScheme()) ? 443 : 80);
                } catch (IllegalArgumentException ignored) {
                    // invalid URLs are reported by ConfigValidator
                }
            }
        }
        Path dyn = Path.of(p.dynamicFile());
        ProxySettings d = ProxySettings.defaults();
        TreeSet<String> reservedHosts = new TreeSet<>();
        TreeSet<String> adminHosts = new TreeSet<>();
        TerrariumConfig.Domains dom = c.domains();
        for (String h : java.util.Arrays.asList(dom.manageHost(), dom.proxyHost(), dom.lxdHost(), dom.authHost())) {
            if (h != null && !h.isBlank()) {
                adminHosts.add(h.strip().toLowerCase(java.util.Locale.ROOT));
            }
        }
        for (String h : java.util.Arrays.asList(dom.base(), dom.manage(), dom.proxy(), dom.lxd(), dom.auth())) {
            if (h != null && !h.isBlank()) {
                reservedHosts.add(h.strip().toLowerCase(java.util.Locale.ROOT));
            }
        }
        reservedHosts.addAll(adminHosts); // manage.<base> & co. also when only the base is set
        return new ProxySettings(new TreeSet<>(reserved), c.dnsProvider(), d.httpResolver(), d.dnsResolver(),
                d.webEntrypoint(), d.websecureEntrypoint(), gate, p.bridgePortFirst(), p.bridgePortLast(),
                c.emails().acmeAddress(), d.acmeStorage(),
                dyn.getParent() == null ? d.dynamicDirectory() : dyn.getParent().toString(), d.logLevel(),
                reservedHosts, new TreeSet<>(p.wildcardBases()), p.publicPortFirst(), p.publicPortLast(),
                adminGate, adminHosts, dom.proxyHost() == null || dom.proxyHost().isBlank() ? null
                        : dom.proxyHost().strip().toLowerCase(java.util.Locale.ROOT));
    }
}
