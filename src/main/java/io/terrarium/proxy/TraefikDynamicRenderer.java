package io.terrarium.proxy;

import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * Renders a {@link ProxyPlan} as the Traefik v3 dynamic configuration file for the file provider
 * (default {@code /etc/traefik/dynamic/terrarium-lxc.yml}). Pure: same plan and settings, same
 * bytes. Keys are sorted, names are deterministic ({@link TraefikNames}), and no empty map or
 * list appears anywhere (a section without entries is left out).
 *
 * <h2>What each route produces</h2>
 * <ul>
 *   <li>{@code https://}: a router on the websecure entrypoint with {@code tls.certResolver} (the
 *       HTTP-01 resolver), and a router on the web entrypoint with the same rule whose only job is
 *       the permanent HTTP→HTTPS {@code redirectScheme} middleware (service {@code noop@internal}).</li>
 *   <li>{@code http://}: one router on the web entrypoint.</li>
 *   <li>Wildcards: rule {@code HostRegexp(`^[^.]+\.<escaped base>$`)} (one label, dots escaped,
 *       anchored: Traefik v3 HostRegexp takes a Go regexp) and, for HTTPS, the DNS-01 resolver with
 *       {@code tls.domains} main {@code <base>} and SAN {@code *.<base>}. With a DNS-01 provider
 *       configured, explicit HTTPS hosts one label under a published wildcard base share that
 *       same {@code tls.domains} entry, so Traefik requests one certificate, not one per host
 *       (case C14: Let's Encrypt rate limits).</li>
 *   <li>Path prefix: {@code && PathPrefix(`/api`)}.</li>
 *   <li>{@code @auth}: middlewares in this order: {@value #SIGNIN_MIDDLEWARE} ({@code errors}: a
 *       401 becomes the tenants' gate's {@code /oauth2/sign_in?rd={url}} page), then a
 *       {@code forwardAuth} to {@code <tenant gate>/oauth2/auth?allowed_groups=<a,b>} with
 *       {@code trustForwardHeader} and the {@code X-Auth-Request-User/Email/Groups} response
 *       headers; plus a router {@code <host matcher> && PathPrefix(`/oauth2/`)} to the
 *       {@value #OAUTH2_SERVICE} service without auth, at a higher priority (and one for the
 *       wildcard's callback host). Case C12. Every tenant object points at the <em>tenants'</em>
 *       oauth2-proxy ({@link ProxySettings#oauth2ProxyUrl()}), never at the admin gate (issue 14
 *       item 4: the admin session cookie must never be needed, nor accepted, on a tenant host).</li>
 *   <li>Admin hosts ({@link ProxySettings#adminHosts()}, when an admin gate is set): a router
 *       {@code Host(`<admin host>`) && PathPrefix(`/oauth2/`)} on websecure to the
 *       {@value #ADMIN_SERVICE} service (the admin gate's sign-in and callback on each admin host,
 *       whose cookie is host-only), and the middlewares {@value #ADMIN_SIGNIN_MIDDLEWARE} and
 *       {@value #ADMIN_AUTH_MIDDLEWARE} that an admin host's routers use
 *       ({@code terrarium-admin-auth@file}).</li>
 *   <li>Admin hosts' pages, behind the admin gate (middlewares {@value #ADMIN_SIGNIN_MIDDLEWARE},
 *       {@value #ADMIN_AUTH_MIDDLEWARE}, in that order): only what has a backend today — the Traefik
 *       dashboard on {@link ProxySettings#dashboardHost()} (routers {@value #ADMIN_DASHBOARD_ROUTER}
 *       {@code Host(`<proxy host>`) && PathPrefix(`/dashboard`)} and {@code …-api} with
 *       {@code PathPrefix(`/api`)} to {@value #DASHBOARD_SERVICE}, {@code …-root} redirecting
 *       {@code Path(`/`)} to {@code /dashboard/} (middleware {@value #DASHBOARD_ROOT_MIDDLEWARE}, after
 *       the gate's two), plus an HTTP→HTTPS redirect router). The manage host (the
 *       Hawtio console runs only on demand, {@code terrariumctl console}, on loopback) and the LXD UI
 *       host (LXD 5.0 ships no UI and its HTTPS API is not exposed) have no backend yet; the auth
 *       host fronts the IdP, which must stay reachable without the admin gate (everyone signs in
 *       there) and has no route yet (docs/security.md "Sign-in cookies").</li>
 *   <li>Services: {@code loadBalancer.servers[].url = http://127.0.0.1:<bridge port>}, one per
 *       backend.</li>
 *   <li>{@code tcp://}: a TCP router {@code HostSNI(`*`)} on entrypoint {@code tcp-<port>} to a TCP
 *       service {@code 127.0.0.1:<bridge port>}; {@code udp://}: one UDP router on
 *       {@code udp-<port>}. The planner guarantees one router per entrypoint (case C13).</li>
 * </ul>
 *
 * <h2>Priorities</h2>
 * Traefik's default priority is the rule length, which would let a long wildcard regexp beat an
 * explicit host. Routers therefore carry explicit priorities: wildcard {@value #PRIORITY_WILDCARD}
 * + path length, explicit host {@value #PRIORITY_HOST} + path length, {@code /oauth2/} routers
 * {@value #PRIORITY_OAUTH2} (paths are at most 1000 characters, so tiers never overlap).
 *
 * <h2>Empty plan</h2>
 * The document always contains the shared {@value #REDIRECT_MIDDLEWARE} middleware, so an empty
 * plan renders a small valid, non-empty document instead of {@code {}}.
 *
 * <p>Rules use Traefik v3 syntax only: one value per matcher, matchers joined with {@code &&}
 * (Traefik v3 routers doc; v3 rejects the v2 form {@code Host(`a`, `b`)}, case C10).
 */
public final class TraefikDynamicRenderer {

    /** First lines of every rendered file. */
    public static final String HEADER = "# Generated by terrariumctl proxy sync from the user.proxy labels of LXD instances.\n"
            + "# Do not edit: the next sync replaces this file.\n";

    /** Shared HTTP→HTTPS redirect middleware (redirectScheme, permanent). */
    public static final String REDIRECT_MIDDLEWARE = "terrarium-redirect-https";
    /** Shared errors middleware sending a 401 to the tenants' gate's sign-in page. */
    public static final String SIGNIN_MIDDLEWARE = "terrarium-tenant-signin";
    /** Service for the tenants' oauth2-proxy gate ({@code proxy.tenant_auth_url}). */
    public static final String OAUTH2_SERVICE = "terrarium-tenant-gate";
    /** Service for the admin oauth2-proxy gate ({@code proxy.oauth2_proxy_url}); only admin hosts use it. */
    public static final String ADMIN_SERVICE = "terrarium-admin-gate";
    /** Errors middleware sending a 401 on an admin host to the admin gate's sign-in page. */
    public static final String ADMIN_SIGNIN_MIDDLEWARE = "terrarium-admin-signin";
    /** forwardAuth middleware of the admin gate (its own configuration admits the admin group only). */
    public static final String ADMIN_AUTH_MIDDLEWARE = "terrarium-admin-auth";
    /** Router of the Traefik dashboard's pages on the dashboard host, behind the admin gate. */
    public static final String ADMIN_DASHBOARD_ROUTER = "terrarium-admin-dashboard";
    /**
     * redirectRegex middleware sending the dashboard host's {@code /} to {@code /dashboard/} (302, as
     * Traefik's own dashboard entrypoint does; Traefik v3 "RedirectRegex" middleware doc: regex on the
     * full request URL, {@code ${1}} replacement).
     */
    public static final String DASHBOARD_ROOT_MIDDLEWARE = "terrarium-admin-to-dashboard";
    /** Traefik's built-in service of the dashboard and its API (Traefik v3 "Dashboard" doc). */
    public static final String DASHBOARD_SERVICE = "api@internal";
    /** Traefik's built-in service for routers that only redirect. */
    public static final String NOOP_SERVICE = "noop@internal";
    /** Headers oauth2-proxy returns and forwardAuth copies into the upstream request. */
    public static final List<String> AUTH_RESPONSE_HEADERS =
            List.of("X-Auth-Request-Email", "X-Auth-Request-Groups", "X-Auth-Request-User");

    static final int PRIORITY_WILDCARD = 10_000;
    static final int PRIORITY_HOST = 20_000;
    static final int PRIORITY_OAUTH2 = 30_000;

    private TraefikDynamicRenderer() {
    }

    /**
     * The file content: {@link #HEADER} then the YAML of {@link #tree}.
     *
     * @throws IllegalStateException if two objects would get the same name (never expected)
     */
    public static String render(ProxyPlan plan, ProxySettings settings) {
        return SortedYaml.write(HEADER, tree(plan, settings));
    }

    /** The document as nested sorted maps and lists (strings, integers, booleans). */
    public static Map<String, Object> tree(ProxyPlan plan, ProxySettings settings) {
        Builder b = new Builder(settings);
        Set<String> wildcardCertBases = new HashSet<>();
        if (settings.dnsProviderConfigured()) {
            for (InstanceReport report : plan.instances()) {
                for (ProxyRoute route : report.published()) {
                    if (route instanceof HttpRoute h && h.wildcard() && h.https()) {
                        wildcardCertBases.add(h.baseDomain());
                    }
                }
            }
        }
        for (InstanceReport report : plan.instances()) {
            for (ProxyRoute route : report.published()) {
                int bridge = plan.bridgePort(report.name(), route);
                if (route instanceof HttpRoute h) {
                    b.http(report.name(), h, bridge, wildcardCertBases);
                } else {
                    b.l4(report.name(), (L4Route) route, bridge);
                }
            }
        }
        b.adminHosts();
        return b.document();
    }

    /**
     * The plan minus the instances whose Traefik object names would clash with an earlier
     * instance's (instances in name order; the first one keeps the name): each such instance loses
     * its routes with an error naming the clash, and every other route is rendered as before. With
     * 64-bit hashes ({@link TraefikNames}) a clash is not expected; this keeps one from ever failing
     * the whole render (issue 14 item 2).
     */
    public static ProxyPlan withoutNameClashes(ProxyPlan plan, ProxySettings settings) {
        Map<String, String> identityOf = new HashMap<>();
        Map<String, String> failed = new TreeMap<>();
        for (InstanceReport report : plan.instances()) {
            Map<String, String> mine = new HashMap<>();
            String clash = null;
            for (ProxyRoute route : report.published()) {
                for (Map.Entry<String, String> e : names(report.name(), route, settings).entrySet()) {
                    String had = identityOf.get(e.getKey());
                    String mineHad = mine.putIfAbsent(e.getKey(), e.getValue());
                    if ((had != null && !had.equals(e.getValue())) || (mineHad != null && !mineHad.equals(e.getValue()))) {
                        clash = e.getKey();
                        break;
                    }
                }
                if (clash != null) {
                    break;
                }
            }
            if (clash == null) {
                identityOf.putAll(mine);
            } else {
                failed.put(report.name(), "Traefik object name \"" + clash + "\" clashes with another route's "
                        + "(hash collision); this instance's routes are withdrawn — rename a host or path to change it");
            }
        }
        return plan.withdraw(failed);
    }

    /** Every Traefik object name a route creates → the exact identity the name stands for. */
    private static Map<String, String> names(String instance, ProxyRoute route, ProxySettings s) {
        Map<String, String> n = new TreeMap<>();
        if (route instanceof HttpRoute h) {
            n.put("svc:" + serviceName(instance, "tcp", h.containerPort()), "backend|" + instance + "|tcp|" + h.containerPort());
            String base = routerBase(instance, h);
            String id = "http|" + instance + "|" + h.host() + "|" + h.pathPrefix();
            n.put("rt:" + base + (h.https() ? "-secure" : "-web"), id + "|" + h.scheme());
            if (h.https()) {
                n.put("rt:" + base + "-redirect", id + "|redirect");
            }
            if (h.auth() != null) {
                String ep = h.https() ? s.websecureEntrypoint() : s.webEntrypoint();
                n.put("rt:" + oauth2RouterName(ep, h.host()), "oauth2|" + ep + "|" + h.host());
                if (h.auth().callbackHost() != null) {
                    n.put("rt:" + oauth2RouterName(ep, h.auth().callbackHost()), "oauth2|" + ep + "|" + h.auth().callbackHost());
                }
                if (!h.auth().groups().isEmpty()) {
                    n.put("mw:" + authMiddlewareName(h.auth().groups()), "groups|" + String.join(",", h.auth().groups()));
                }
            }
        } else {
            L4Route l4 = (L4Route) route;
            n.put(l4.protocol() + "svc:" + serviceName(instance, l4.protocol(), l4.containerPort()),
                    "backend|" + instance + "|" + l4.protocol() + "|" + l4.containerPort());
            n.put(l4.protocol() + "rt:" + l4RouterName(instance, l4), l4.protocol() + "|" + l4.publicPort() + "|" + instance);
        }
        return n;
    }

    static String serviceName(String instance, String protocol, int containerPort) {
        return TraefikNames.name(instance + "-" + containerPort, "backend|" + instance + "|" + protocol + "|" + containerPort);
    }

    static String routerBase(String instance, HttpRoute h) {
        return TraefikNames.name(instance + "-" + h.host().replace("*", "wildcard") + h.pathPrefix(),
                "http|" + instance + "|" + h.host() + "|" + h.pathPrefix());
    }

    static String l4RouterName(String instance, L4Route l4) {
        return TraefikNames.name(instance + "-" + l4.protocol() + "-" + l4.publicPort(),
                l4.protocol() + "|" + l4.publicPort() + "|" + instance);
    }

    static String adminRouterName(String host) {
        return "terrarium-admin-oauth2-" + TraefikNames.name(host, "admin-oauth2|" + host);
    }

    static String oauth2RouterName(String entrypoint, String host) {
        return "terrarium-oauth2-" + TraefikNames.name(host.replace("*", "wildcard") + "-" + entrypoint,
                "oauth2|" + entrypoint + "|" + host);
    }

    static String authMiddlewareName(List<String> groups) {
        return groups.isEmpty() ? "terrarium-tenant-auth-any"
                : "terrarium-tenant-auth-" + TraefikNames.name(String.join("-", groups), "groups|" + String.join(",", groups));
    }

    /** Traefik v3 host matcher: {@code Host(`h`)}, or the anchored one-label HostRegexp for {@code *.<base>}. */
    public static String hostMatcher(String host) {
        if (host.startsWith("*.")) {
            return "HostRegexp(`^[^.]+\\." + host.substring(2).replace(".", "\\.") + "$`)";
        }
        return "Host(`" + host + "`)";
    }

    private static final class Builder {
        private final ProxySettings s;
        private final Map<String, Object> routers = new TreeMap<>();
        private final Map<String, Object> services = new TreeMap<>();
        private final Map<String, Object> middlewares = new TreeMap<>();
        private final Map<String, Object> tcpRouters = new TreeMap<>();
        private final Map<String, Object> tcpServices = new TreeMap<>();
        private final Map<String, Object> udpRouters = new TreeMap<>();
        private final Map<String, Object> udpServices = new TreeMap<>();

        Builder(ProxySettings settings) {
            this.s = settings;
            middlewares.put(REDIRECT_MIDDLEWARE, map("redirectScheme", map("permanent", true, "scheme", "https")));
        }

        void http(String instance, HttpRoute h, int bridge, Set<String> wildcardCertBases) {
            String service = serviceName(instance, "tcp", h.containerPort());
            services.putIfAbsent(service, map("loadBalancer",
                    map("servers", List.of(map("url", "http://127.0.0.1:" + bridge)))));
            String rule = hostMatcher(h.host()) + ("/".equals(h.pathPrefix()) ? "" : " && PathPrefix(`" + h.pathPrefix() + "`)");
            int priority = (h.wildcard() ? PRIORITY_WILDCARD : PRIORITY_HOST) + h.pathPrefix().length();
            String base = routerBase(instance, h);
            String entrypoint = h.https() ? s.websecureEntrypoint() : s.webEntrypoint();
            Map<String, Object> tls = h.https() ? tls(h.host(), wildcardCertBases) : null;

            Map<String, Object> router = new TreeMap<>();
            router.put("entryPoints", List.of(entrypoint));
            router.put("rule", rule);
            router.put("priority", priority);
            router.put("service", service);
            if (tls != null) {
                router.put("tls", tls);
            }
            if (h.auth() != null) {
                router.put("middlewares", List.of(SIGNIN_MIDDLEWARE, forwardAuth(h.auth().groups())));
                oauth2Router(entrypoint, h.host(), tls);
                if (h.auth().callbackHost() != null) {
                    oauth2Router(entrypoint, h.auth().callbackHost(),
                            h.https() ? tls(h.auth().callbackHost(), wildcardCertBases) : null);
                }
            }
            putUnique(routers, base + (h.https() ? "-secure" : "-web"), router);
            if (h.https()) {
                putUnique(routers, base + "-redirect", map("entryPoints", List.of(s.webEntrypoint()),
                        "middlewares", List.of(REDIRECT_MIDDLEWARE), "priority", priority,
                        "rule", rule, "service", NOOP_SERVICE));
            }
        }

        void l4(String instance, L4Route l4, int bridge) {
            String service = serviceName(instance, l4.protocol(), l4.containerPort());
            String name = l4RouterName(instance, l4);
            Map<String, Object> lb = map("loadBalancer",
                    map("servers", List.of(map("address", "127.0.0.1:" + bridge))));
            if ("tcp".equals(l4.protocol())) {
                tcpServices.putIfAbsent(service, lb);
                putUnique(tcpRouters, name, map("entryPoints", List.of(l4.entrypoint()), "rule", "HostSNI(`*`)",
                        "service", service));
            } else {
                udpServices.putIfAbsent(service, lb);
                putUnique(udpRouters, name, map("entryPoints", List.of(l4.entrypoint()), "service", service));
            }
        }

        private Map<String, Object> tls(String host, Set<String> wildcardCertBases) {
            String base = null;
            if (host.startsWith("*.")) {
                base = host.substring(2);
            } else {
                int dot = host.indexOf('.');
                if (wildcardCertBases.contains(host.substring(dot + 1))) {
                    base = host.substring(dot + 1);
                }
            }
            if (base == null) {
                return map("certResolver", s.httpResolver());
            }
            return map("certResolver", s.dnsResolver(),
                    "domains", List.of(map("main", base, "sans", List.of("*." + base))));
        }

        private String forwardAuth(List<String> groups) {
            middlewares.putIfAbsent(SIGNIN_MIDDLEWARE, map("errors", map("query", "/oauth2/sign_in?rd={url}",
                    "service", OAUTH2_SERVICE, "status", List.of("401"))));
            services.putIfAbsent(OAUTH2_SERVICE, map("loadBalancer",
                    map("servers", List.of(map("url", s.oauth2ProxyUrl())))));
            String joined = String.join(",", groups);
            String name = authMiddlewareName(groups);
            String address = s.oauth2ProxyUrl() + "/oauth2/auth" + (groups.isEmpty() ? "" : "?allowed_groups=" + joined);
            middlewares.putIfAbsent(name, map("forwardAuth", map("address", address,
                    "authResponseHeaders", AUTH_RESPONSE_HEADERS, "trustForwardHeader", true)));
            return name;
        }

        private void oauth2Router(String entrypoint, String host, Map<String, Object> tls) {
            String name = oauth2RouterName(entrypoint, host);
            Map<String, Object> router = new TreeMap<>();
            router.put("entryPoints", List.of(entrypoint));
            router.put("rule", hostMatcher(host) + " && PathPrefix(`/oauth2/`)");
            router.put("priority", PRIORITY_OAUTH2);
            router.put("service", OAUTH2_SERVICE);
            if (tls != null) {
                router.put("tls", tls);
            }
            routers.putIfAbsent(name, router);
        }

        /** The admin gate's endpoints on every admin host, and its middlewares; nothing without an admin gate. */
        void adminHosts() {
            if (s.adminAuthUrl() == null) {
                return;
            }
            services.put(ADMIN_SERVICE, map("loadBalancer", map("servers", List.of(map("url", s.adminAuthUrl())))));
            middlewares.put(ADMIN_SIGNIN_MIDDLEWARE, map("errors", map("query", "/oauth2/sign_in?rd={url}",
                    "service", ADMIN_SERVICE, "status", List.of("401"))));
            middlewares.put(ADMIN_AUTH_MIDDLEWARE, map("forwardAuth", map("address", s.adminAuthUrl() + "/oauth2/auth",
                    "authResponseHeaders", AUTH_RESPONSE_HEADERS, "trustForwardHeader", true)));
            for (String host : s.adminHosts()) {
                putUnique(routers, adminRouterName(host), map("entryPoints", List.of(s.websecureEntrypoint()),
                        "priority", PRIORITY_OAUTH2, "rule", hostMatcher(host) + " && PathPrefix(`/oauth2/`)",
                        "service", ADMIN_SERVICE, "tls", map("certResolver", s.httpResolver())));
            }
            String dashboard = s.dashboardHost();
            if (dashboard != null) {
                // Traefik v3 "Dashboard" doc: both /api and /dashboard must reach api@internal (one
                // router each, so every rule stays a plain && chain)
                for (String path : List.of("/dashboard", "/api")) {
                    putUnique(routers, ADMIN_DASHBOARD_ROUTER + ("/api".equals(path) ? "-api" : ""),
                            map("entryPoints", List.of(s.websecureEntrypoint()),
                                    "middlewares", List.of(ADMIN_SIGNIN_MIDDLEWARE, ADMIN_AUTH_MIDDLEWARE),
                                    "priority", PRIORITY_HOST + path.length(),
                                    "rule", hostMatcher(dashboard) + " && PathPrefix(`" + path + "`)",
                                    "service", DASHBOARD_SERVICE, "tls", map("certResolver", s.httpResolver())));
                }
                // Traefik answers its own dashboard entrypoint's "/" with a redirect to /dashboard/; without
                // this router https://<proxy host>/ was a 404. Behind the gate like the pages (an anonymous
                // visitor is sent to sign in first, and learns nothing from where the page lives).
                putUnique(routers, ADMIN_DASHBOARD_ROUTER + "-root", map("entryPoints", List.of(s.websecureEntrypoint()),
                        "middlewares", List.of(ADMIN_SIGNIN_MIDDLEWARE, ADMIN_AUTH_MIDDLEWARE, DASHBOARD_ROOT_MIDDLEWARE),
                        "priority", PRIORITY_HOST + 1,
                        "rule", hostMatcher(dashboard) + " && Path(`/`)",
                        "service", NOOP_SERVICE, "tls", map("certResolver", s.httpResolver())));
                middlewares.put(DASHBOARD_ROOT_MIDDLEWARE, map("redirectRegex",
                        map("regex", "^(https?://[^/]+)/(\\?.*)?$", "replacement", "${1}/dashboard/${2}", "permanent", false)));
                putUnique(routers, ADMIN_DASHBOARD_ROUTER + "-redirect", map("entryPoints", List.of(s.webEntrypoint()),
                        "middlewares", List.of(REDIRECT_MIDDLEWARE), "priority", PRIORITY_HOST,
                        "rule", hostMatcher(dashboard), "service", NOOP_SERVICE));
            }
        }

        Map<String, Object> document() {
            Map<String, Object> doc = new TreeMap<>();
            putSection(doc, "http", routers, services, middlewares);
            putSection(doc, "tcp", tcpRouters, tcpServices, Map.of());
            putSection(doc, "udp", udpRouters, udpServices, Map.of());
            return doc;
        }

        private static void putSection(Map<String, Object> doc, String key, Map<String, Object> routers,
                                       Map<String, Object> services, Map<String, Object> middlewares) {
            Map<String, Object> section = new TreeMap<>();
            if (!routers.isEmpty()) {
                section.put("routers", routers);
            }
            if (!services.isEmpty()) {
                section.put("services", services);
            }
            if (!middlewares.isEmpty()) {
                section.put("middlewares", middlewares);
            }
            if (!section.isEmpty()) {
                doc.put(key, section);
            }
        }

        private static void putUnique(Map<String, Object> target, String name, Object value) {
            if (target.putIfAbsent(name, value) != null) {
                throw new IllegalStateException("two Traefik objects named " + name);
            }
        }
    }

    /** A sorted map from alternating keys and values. */
    static Map<String, Object> map(Object... kv) {
        Map<String, Object> m = new TreeMap<>();
        for (int i = 0; i < kv.length; i += 2) {
            m.put((String) kv[i], kv[i + 1]);
        }
        return m;
    }
}
