package io.terrarium.proxy;

import java.util.Collections;
import java.util.Objects;
import java.util.Set;
import java.util.SortedSet;
import java.util.TreeSet;

/**
 * Everything the pure proxy logic needs to know about the host's configuration.
 *
 * <p>Immutable. Start from {@link #defaults()} and derive variants with the {@code with…}
 * methods; the config layer builds one from the stored Terrarium config.
 *
 * @param reservedPublicPorts   public ports no {@code tcp://}/{@code udp://} label may claim (for
 *                              both protocols): always contains 22, 80 and 443; the caller adds
 *                              Terrarium's own ports (Jolokia, oauth2-proxy, …)
 * @param dnsProvider           the lego DNS-01 provider name Traefik uses for wildcard certificates
 *                              (e.g. {@code cloudflare}), or {@code null} when none is configured
 * @param httpResolver          name of the HTTP-01 certificate resolver ({@code letsencrypt})
 * @param dnsResolver           name of the DNS-01 certificate resolver ({@code letsencrypt-dns})
 * @param webEntrypoint         plain HTTP entrypoint name, port 80 ({@code web})
 * @param websecureEntrypoint   HTTPS entrypoint name, port 443 ({@code websecure})
 * @param oauth2ProxyUrl        base URL of the <em>tenants'</em> oauth2-proxy gate as Traefik reaches it
 *                              ({@code proxy.tenant_auth_url}), without trailing slash (e.g.
 *                              {@code http://127.0.0.1:4181}), or {@code null}
 *                              when no gate is configured ({@code @auth} labels are then rejected)
 * @param bridgePortFirst       first host loopback port of the internal bridge range (inclusive)
 * @param bridgePortLast        last host loopback port of the internal bridge range (inclusive)
 * @param acmeEmail             ACME account e-mail, or {@code null}
 * @param acmeStorage           path of Traefik's ACME storage file
 * @param dynamicDirectory      directory Traefik's file provider watches
 * @param logLevel              Traefik log level ({@code INFO}, {@code DEBUG}, …)
 * @param reservedHosts         host names no label may claim (lower case): every {@code domains.*}
 *                              host of the configuration (the base itself, manage, proxy, lxd,
 *                              auth); a label naming one is rejected
 * @param wildcardBases         bases under which {@code *.<name>} labels are allowed ({@code proxy.wildcard_bases});
 *                              a wildcard must be {@code *.<b>} or {@code *.<x>.<b>} for one of them;
 *                              empty: no wildcard is allowed
 * @param publicPortFirst       first public TCP/UDP port a label may ask for ({@code proxy.public_port_first},
 *                              default 1024: privileged ports are refused)
 * @param publicPortLast        last one ({@code proxy.public_port_last}, default 65535)
 * @param adminAuthUrl          base URL of the <em>admin</em> oauth2-proxy gate ({@code proxy.oauth2_proxy_url}),
 *                              or {@code null}; only the admin hosts reach it, never a tenant route
 *                              ({@code oauth2ProxyUrl} above is the tenants' gate, issue 14 item 4)
 * @param adminHosts            the admin hosts (manage, proxy, lxd, auth; lower case) on which the
 *                              renderer publishes the admin gate's {@code /oauth2/} endpoints
 * @param dashboardHost         the Traefik dashboard's host ({@code domains.proxy}, lower case), or
 *                              {@code null}: with an admin gate, its {@code /dashboard/} and
 *                              {@code /api/} pages are routed to {@code api@internal} behind the
 *                              admin gate; never without one
 */
public record ProxySettings(
        SortedSet<Integer> reservedPublicPorts,
        String dnsProvider,
        String httpResolver,
        String dnsResolver,
        String webEntrypoint,
        String websecureEntrypoint,
        String oauth2ProxyUrl,
        int bridgePortFirst,
        int bridgePortLast,
        String acmeEmail,
        String acmeStorage,
        String dynamicDirectory,
        String logLevel,
        SortedSet<String> reservedHosts,
        SortedSet<String> wildcardBases,
        int publicPortFirst,
        int publicPortLast,
        String adminAuthUrl,
        SortedSet<String> adminHosts,
        String dashboardHost) {

    /** Default first allowed public port: 1024, so privileged ports (below 1024) are refused. */
    public static final int DEFAULT_PUBLIC_PORT_FIRST = 1024;

    /** The settings without host-name policy and with the default public range (see the canonical constructor). */
    public ProxySettings(SortedSet<Integer> reservedPublicPorts, String dnsProvider, String httpResolver,
                         String dnsResolver, String webEntrypoint, String websecureEntrypoint, String oauth2ProxyUrl,
                         int bridgePortFirst, int bridgePortLast, String acmeEmail, String acmeStorage,
                         String dynamicDirectory, String logLevel) {
        this(reservedPublicPorts, dnsProvider, httpResolver, dnsResolver, webEntrypoint, websecureEntrypoint,
                oauth2ProxyUrl, bridgePortFirst, bridgePortLast, acmeEmail, acmeStorage, dynamicDirectory, logLevel,
                null, null, DEFAULT_PUBLIC_PORT_FIRST, 65535, null, null, null);
    }

    /** The settings without an admin gate (see the canonical constructor). */
    public ProxySettings(SortedSet<Integer> reservedPublicPorts, String dnsProvider, String httpResolver,
                         String dnsResolver, String webEntrypoint, String websecureEntrypoint, String oauth2ProxyUrl,
                         int bridgePortFirst, int bridgePortLast, String acmeEmail, String acmeStorage,
                         String dynamicDirectory, String logLevel, SortedSet<String> reservedHosts,
                         SortedSet<String> wildcardBases, int publicPortFirst, int publicPortLast) {
        this(reservedPublicPorts, dnsProvider, httpResolver, dnsResolver, webEntrypoint, websecureEntrypoint,
                oauth2ProxyUrl, bridgePortFirst, bridgePortLast, acmeEmail, acmeStorage, dynamicDirectory, logLevel,
                reservedHosts, wildcardBases, publicPortFirst, publicPortLast, null, null, null);
    }

    /** Ports that can never be published by a label: SSH and Traefik's own web/websecure. */
    public static final Set<Integer> ALWAYS_RESERVED = Set.of(22, 80, 443);

    /**
     * Validates and normalises: the reserved set always includes {@link #ALWAYS_RESERVED}, a
     * trailing slash is stripped from the oauth2-proxy URL, blank optional strings become null.
     *
     * @throws IllegalArgumentException if the bridge range is empty or outside 1024–65535
     */
    public ProxySettings {
        TreeSet<Integer> reserved = new TreeSet<>(ALWAYS_RESERVED);
        if (reservedPublicPorts != null) {
            reserved.addAll(reservedPublicPorts);
        }
        reservedPublicPorts = Collections.unmodifiableSortedSet(reserved);
        dnsProvider = blankToNull(dnsProvider);
        oauth2ProxyUrl = blankToNull(oauth2ProxyUrl);
        while (oauth2ProxyUrl != null && oauth2ProxyUrl.endsWith("/")) {
            oauth2ProxyUrl = oauth2ProxyUrl.substring(0, oauth2ProxyUrl.length() - 1);
        }
        acmeEmail = blankToNull(acmeEmail);
        adminAuthUrl = blankToNull(adminAuthUrl);
        while (adminAuthUrl != null && adminAuthUrl.endsWith("/")) {
            adminAuthUrl = adminAuthUrl.substring(0, adminAuthUrl.length() - 1);
        }
        adminHosts = Collections.unmodifiableSortedSet(adminHosts == null ? new TreeSet<>() : new TreeSet<>(adminHosts));
        dashboardHost = blankToNull(dashboardHost);
        if (dashboardHost != null && !adminHosts.contains(dashboardHost)) {
            throw new IllegalArgumentException("the dashboard host " + dashboardHost + " is not one of the admin hosts " + adminHosts);
        }
        Objects.requireNonNull(httpResolver, "httpResolver");
        Objects.requireNonNull(dnsResolver, "dnsResolver");
        Objects.requireNonNull(webEntrypoint, "webEntrypoint");
        Objects.requireNonNull(websecureEntrypoint, "websecureEntrypoint");
        Objects.requireNonNull(acmeStorage, "acmeStorage");
        Objects.requireNonNull(dynamicDirectory, "dynamicDirectory");
        Objects.requireNonNull(logLevel, "logLevel");
        reservedHosts = Collections.unmodifiableSortedSet(reservedHosts == null ? new TreeSet<>() : new TreeSet<>(reservedHosts));
        wildcardBases = Collections.unmodifiableSortedSet(wildcardBases == null ? new TreeSet<>() : new TreeSet<>(wildcardBases));
        if (publicPortFirst < 1 || publicPortLast > 65535 || publicPortFirst > publicPortLast) {
            throw new IllegalArgumentException("public port range " + publicPortFirst + "-" + publicPortLast
                    + " must be a non-empty range within 1-65535");
        }
        if (bridgePortFirst < 1024 || bridgePortLast > 65535 || bridgePortFirst > bridgePortLast) {
            throw new IllegalArgumentException("bridge port range " + bridgePortFirst + "-" + bridgePortLast
                    + " must be a non-empty range within 1024-65535");
        }
    }

    /**
     * The defaults of DESIGN.md §5 / issue 3: resolvers {@code letsencrypt} and
     * {@code letsencrypt-dns}, entrypoints {@code web}/{@code websecure}, bridge range 18081–18999,
     * no DNS-01 provider, no oauth2-proxy, storage {@code /etc/traefik/acme.json}, dynamic
     * directory {@code /etc/traefik/dynamic}, log level {@code INFO}.
     */
    public static ProxySettings defaults() {
        return new ProxySettings(new TreeSet<>(ALWAYS_RESERVED), null, "letsencrypt", "letsencrypt-dns",
                "web", "websecure", null, 18081, 18999, null, "/etc/traefik/acme.json",
                "/etc/traefik/dynamic", "INFO");
    }

    /** True when a DNS-01 provider is configured, so HTTPS wildcard hosts can get certificates. */
    public boolean dnsProviderConfigured() {
        return dnsProvider != null;
    }

    /** True when an oauth2-proxy gate is configured, so {@code @auth} routes can be published. */
    public boolean authConfigured() {
        return oauth2ProxyUrl != null;
    }

    /** A copy with this DNS-01 provider ({@code null}: none). */
    public ProxySettings withDnsProvider(String provider) {
        return new ProxySettings(reservedPublicPorts, provider, httpResolver, dnsResolver, webEntrypoint,
                websecureEntrypoint, oauth2ProxyUrl, bridgePortFirst, bridgePortLast, acmeEmail, acmeStorage,
                dynamicDirectory, logLevel, reservedHosts, wildcardBases, publicPortFirst, publicPortLast, adminAuthUrl, adminHosts, dashboardHost);
    }

    /** A copy with this oauth2-proxy base URL ({@code null}: no gate). */
    public ProxySettings withOauth2ProxyUrl(String url) {
        return new ProxySettings(reservedPublicPorts, dnsProvider, httpResolver, dnsResolver, webEntrypoint,
                websecureEntrypoint, url, bridgePortFirst, bridgePortLast, acmeEmail, acmeStorage,
                dynamicDirectory, logLevel, reservedHosts, wildcardBases, publicPortFirst, publicPortLast, adminAuthUrl, adminHosts, dashboardHost);
    }

    /** A copy whose reserved public ports are {@link #ALWAYS_RESERVED} plus {@code extra}. */
    public ProxySettings withReservedPorts(Set<Integer> extra) {
        return new ProxySettings(new TreeSet<>(extra), dnsProvider, httpResolver, dnsResolver, webEntrypoint,
                websecureEntrypoint, oauth2ProxyUrl, bridgePortFirst, bridgePortLast, acmeEmail, acmeStorage,
                dynamicDirectory, logLevel, reservedHosts, wildcardBases, publicPortFirst, publicPortLast, adminAuthUrl, adminHosts, dashboardHost);
    }

    /** A copy with this bridge port range (inclusive). */
    public ProxySettings withBridgeRange(int first, int last) {
        return new ProxySettings(reservedPublicPorts, dnsProvider, httpResolver, dnsResolver, webEntrypoint,
                websecureEntrypoint, oauth2ProxyUrl, first, last, acmeEmail, acmeStorage, dynamicDirectory,
                logLevel, reservedHosts, wildcardBases, publicPortFirst, publicPortLast, adminAuthUrl, adminHosts, dashboardHost);
    }

    /** A copy with this ACME account e-mail. */
    public ProxySettings withAcmeEmail(String email) {
        return new ProxySettings(reservedPublicPorts, dnsProvider, httpResolver, dnsResolver, webEntrypoint,
                websecureEntrypoint, oauth2ProxyUrl, bridgePortFirst, bridgePortLast, email, acmeStorage,
                dynamicDirectory, logLevel, reservedHosts, wildcardBases, publicPortFirst, publicPortLast, adminAuthUrl, adminHosts, dashboardHost);
    }

    /** A copy with these reserved host names (lower case). */
    public ProxySettings withReservedHosts(Set<String> hosts) {
        return new ProxySettings(reservedPublicPorts, dnsProvider, httpResolver, dnsResolver, webEntrypoint,
                websecureEntrypoint, oauth2ProxyUrl, bridgePortFirst, bridgePortLast, acmeEmail, acmeStorage,
                dynamicDirectory, logLevel, new TreeSet<>(hosts), wildcardBases, publicPortFirst, publicPortLast, adminAuthUrl, adminHosts, dashboardHost);
    }

    /** A copy with these wildcard bases (lower case). */
    public ProxySettings withWildcardBases(Set<String> bases) {
        return new ProxySettings(reservedPublicPorts, dnsProvider, httpResolver, dnsResolver, webEntrypoint,
                websecureEntrypoint, oauth2ProxyUrl, bridgePortFirst, bridgePortLast, acmeEmail, acmeStorage,
                dynamicDirectory, logLevel, reservedHosts, new TreeSet<>(bases), publicPortFirst, publicPortLast, adminAuthUrl, adminHosts, dashboardHost);
    }

    /** A copy with this allowed public port range (inclusive). */
    public ProxySettings withPublicPortRange(int first, int last) {
        return new ProxySettings(reservedPublicPorts, dnsProvider, httpResolver, dnsResolver, webEntrypoint,
                websecureEntrypoint, oauth2ProxyUrl, bridgePortFirst, bridgePortLast, acmeEmail, acmeStorage,
                dynamicDirectory, logLevel, reservedHosts, wildcardBases, first, last, adminAuthUrl, adminHosts, dashboardHost);
    }

    /**
     * A copy with the admin gate: its base URL ({@code null}: none) and the admin hosts whose
     * {@code /oauth2/} endpoints go to it (the dashboard host is kept only if still among them).
     */
    public ProxySettings withAdminGate(String url, Set<String> hosts) {
        return new ProxySettings(reservedPublicPorts, dnsProvider, httpResolver, dnsResolver, webEntrypoint,
                websecureEntrypoint, oauth2ProxyUrl, bridgePortFirst, bridgePortLast, acmeEmail, acmeStorage,
                dynamicDirectory, logLevel, reservedHosts, wildcardBases, publicPortFirst, publicPortLast, url,
                new TreeSet<>(hosts), dashboardHost != null && hosts.contains(dashboardHost) ? dashboardHost : null);
    }

    /**
     * A copy whose Traefik dashboard is published on {@code host} (one of the admin hosts, behind
     * the admin gate); {@code null}: not published.
     *
     * @throws IllegalArgumentException when {@code host} is not an admin host
     */
    public ProxySettings withDashboardHost(String host) {
        return new ProxySettings(reservedPublicPorts, dnsProvider, httpResolver, dnsResolver, webEntrypoint,
                websecureEntrypoint, oauth2ProxyUrl, bridgePortFirst, bridgePortLast, acmeEmail, acmeStorage,
                dynamicDirectory, logLevel, reservedHosts, wildcardBases, publicPortFirst, publicPortLast, adminAuthUrl,
                adminHosts, host);
    }

    /** True when {@code host} (lower case, explicit) is a reserved name. */
    public boolean reservedHost(String host) {
        return reservedHosts.contains(host);
    }

    /** The configured base {@code base} lies under (itself or a parent), or {@code null}. */
    public String wildcardBaseOf(String base) {
        for (String b : wildcardBases) {
            if (base.equals(b) || base.endsWith("." + b)) {
                return b;
            }
        }
        return null;
    }

    private static String blankToNull(String s) {
        return s == null || s.isBlank() ? null : s.trim();
    }
}
