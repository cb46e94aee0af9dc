package io.terrarium.proxy;

import static io.terrarium.proxy.TraefikChecks.assertValidDynamic;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.terrarium.config.TerrariumConfig;
import io.terrarium.proxy.sync.ProxySettingsMapper;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * Issue 14 item 4: tenants' {@code @auth} routes go through the tenants' oauth2-proxy, the admin
 * hosts through the admin one, and no tenant router ever reaches the admin gate (whose cookie is
 * the admin session).
 */
class TenantGateRenderTest {
    static final String ADMIN = "http://127.0.0.1:4180";
    static final String TENANT = "http://127.0.0.1:4181";
    static final Set<String> ADMIN_HOSTS = Set.of("auth.example.com", "lxd.example.com", "manage.example.com", "proxy.example.com");
    static final ProxySettings SETTINGS = ProxyLabelParserTest.SETTINGS.withOauth2ProxyUrl(TENANT)
            .withReservedPorts(Set.of(4180, 4181, 876))
            .withReservedHosts(ADMIN_HOSTS)
            .withAdminGate(ADMIN, ADMIN_HOSTS);
    static final ProxySettings WITH_DASHBOARD = SETTINGS.withDashboardHost("proxy.example.com");

    static JsonNode render(ProxySettings settings, ProxyInstance... instances) {
        ProxyPlan plan = ProxyPlanner.plan(List.of(instances), settings, Map.of());
        String yaml = TraefikDynamicRenderer.render(plan, settings);
        assertValidDynamic(yaml);
        return TraefikChecks.parse(yaml);
    }

    /** Every service and middleware name a router uses, plus the services its middlewares call. */
    static List<String> reaches(JsonNode http, JsonNode router) {
        List<String> names = new ArrayList<>();
        names.add(router.path("service").asText());
        for (JsonNode m : router.path("middlewares")) {
            names.add(m.asText());
            JsonNode def = http.path("middlewares").path(m.asText());
            names.add(def.path("errors").path("service").asText());
            names.add(def.path("forwardAuth").path("address").asText());
        }
        return names;
    }

    @Test
    void aTenantAuthRouteUsesTheTenantGateAndNeverTheAdminOne() {
        JsonNode http = render(SETTINGS,
                ProxyPlannerTest.running("app", 1, "https://app.example.com:8080@auth:devops"),
                ProxyPlannerTest.running("open", 2, "https://open.example.com@auth"),
                ProxyPlannerTest.running("portal", 3, "https://*.apps.example.com:3000@auth:ops~login.apps.example.com")).path("http");
        int tenantRouters = 0;
        for (Iterator<Map.Entry<String, JsonNode>> it = http.path("routers").fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            String rule = e.getValue().path("rule").asText();
            if (ADMIN_HOSTS.stream().anyMatch(h -> rule.contains("`" + h + "`"))) {
                continue;
            }
            tenantRouters++;
            assertThat(reaches(http, e.getValue())).as(e.getKey())
                    .noneMatch(n -> n.startsWith(ADMIN) || n.startsWith("terrarium-admin"));
        }
        assertThat(tenantRouters).isEqualTo(3 * 2 + 3 + 1); // secure+redirect per route, /oauth2/ per host, callback host

        JsonNode app = http.path("routers").get(TraefikDynamicRenderer.routerBase("app",
                new HttpRoute("", "https", "app.example.com", false, 8080, "/", null)) + "-secure");
        assertThat(app.path("middlewares").get(0).asText()).isEqualTo("terrarium-tenant-signin");
        String forward = app.path("middlewares").get(1).asText();
        assertThat(forward).startsWith("terrarium-tenant-auth-");
        assertThat(http.path("middlewares").path(forward).path("forwardAuth").path("address").asText())
                .isEqualTo(TENANT + "/oauth2/auth?allowed_groups=devops");
        assertThat(http.path("middlewares").path("terrarium-tenant-signin").path("errors").path("service").asText())
                .isEqualTo("terrarium-tenant-gate");
        assertThat(http.path("services").path("terrarium-tenant-gate").path("loadBalancer").path("servers").get(0).path("url").asText())
                .isEqualTo(TENANT);
        JsonNode callback = http.path("routers").get(TraefikDynamicRenderer.oauth2RouterName("websecure", "login.apps.example.com"));
        assertThat(callback.path("service").asText()).isEqualTo("terrarium-tenant-gate");
    }

    @Test
    void adminHostsGetTheAdminGatesEndpointsAndMiddlewaresOnly() {
        JsonNode http = render(SETTINGS, ProxyPlannerTest.running("app", 1, "https://app.example.com@auth")).path("http");
        for (String host : ADMIN_HOSTS) {
            JsonNode r = http.path("routers").get(TraefikDynamicRenderer.adminRouterName(host));
            assertThat(r).as(host).isNotNull();
            assertThat(r.path("rule").asText()).isEqualTo("Host(`" + host + "`) && PathPrefix(`/oauth2/`)");
            assertThat(r.path("service").asText()).isEqualTo("terrarium-admin-gate");
            assertThat(r.path("entryPoints").get(0).asText()).isEqualTo("websecure");
            assertThat(r.path("tls").path("certResolver").asText()).isEqualTo("letsencrypt");
        }
        assertThat(http.path("services").path("terrarium-admin-gate").path("loadBalancer").path("servers").get(0).path("url").asText())
                .isEqualTo(ADMIN);
        assertThat(http.path("middlewares").path("terrarium-admin-auth").path("forwardAuth").path("address").asText())
                .isEqualTo(ADMIN + "/oauth2/auth");
        assertThat(http.path("middlewares").path("terrarium-admin-signin").path("errors").path("service").asText())
                .isEqualTo("terrarium-admin-gate");
        // the gates are two different processes: no object is shared
        assertThat(TraefikDynamicRenderer.ADMIN_SERVICE).isNotEqualTo(TraefikDynamicRenderer.OAUTH2_SERVICE);
        assertThat(TraefikDynamicRenderer.ADMIN_SIGNIN_MIDDLEWARE).isNotEqualTo(TraefikDynamicRenderer.SIGNIN_MIDDLEWARE);
    }

    @Test
    void theDashboardHostsPagesGoThroughTheAdminGateToTraefiksApi() {
        JsonNode http = render(WITH_DASHBOARD, ProxyPlannerTest.running("app", 1, "https://app.example.com@auth")).path("http");
        for (String[] page : new String[][]{{"terrarium-admin-dashboard", "/dashboard"}, {"terrarium-admin-dashboard-api", "/api"}}) {
            JsonNode r = http.path("routers").path(page[0]);
            assertThat(r.path("rule").asText()).isEqualTo("Host(`proxy.example.com`) && PathPrefix(`" + page[1] + "`)");
            assertThat(r.path("service").asText()).isEqualTo("api@internal");
            assertThat(r.path("middlewares").toString()).isEqualTo("[\"terrarium-admin-signin\",\"terrarium-admin-auth\"]");
            assertThat(r.path("entryPoints").toString()).isEqualTo("[\"websecure\"]");
            assertThat(r.path("tls").path("certResolver").asText()).isEqualTo("letsencrypt");
            // the gate's own /oauth2/ router on that host outranks the pages (sign-in is not behind itself)
            assertThat(http.path("routers").path(TraefikDynamicRenderer.adminRouterName("proxy.example.com")).path("priority").asInt())
                    .isGreaterThan(r.path("priority").asInt());
        }
        // https://proxy.<base>/ was a 404 (session 7's known limit): it now redirects to the dashboard, behind the gate
        JsonNode root = http.path("routers").path("terrarium-admin-dashboard-root");
        assertThat(root.path("rule").asText()).isEqualTo("Host(`proxy.example.com`) && Path(`/`)");
        assertThat(root.path("entryPoints").toString()).isEqualTo("[\"websecure\"]");
        assertThat(root.path("middlewares").toString())
                .isEqualTo("[\"terrarium-admin-signin\",\"terrarium-admin-auth\",\"terrarium-admin-to-dashboard\"]");
        assertThat(root.path("service").asText()).isEqualTo("noop@internal");
        JsonNode toDashboard = http.path("middlewares").path("terrarium-admin-to-dashboard").path("redirectRegex");
        java.util.regex.Matcher m = java.util.regex.Pattern.compile(toDashboard.path("regex").asText()).matcher("https://proxy.example.com/");
        assertThat(m.matches()).isTrue();
        assertThat(toDashboard.path("replacement").asText().replace("${1}", m.group(1)).replace("${2}", "")).isEqualTo("https://proxy.example.com/dashboard/");
        java.util.regex.Matcher q = java.util.regex.Pattern.compile(toDashboard.path("regex").asText()).matcher("https://proxy.example.com/?refresh=1");
        assertThat(q.matches()).as("a query string keeps the redirect").isTrue();
        assertThat(toDashboard.path("replacement").asText().replace("${1}", q.group(1)).replace("${2}", q.group(2)))
                .isEqualTo("https://proxy.example.com/dashboard/?refresh=1");
        assertThat(java.util.regex.Pattern.compile(toDashboard.path("regex").asText()).matcher("https://proxy.example.com/api/rawdata").matches())
                .as("only / is redirected").isFalse();
        assertThat(toDashboard.path("permanent").asBoolean()).isFalse();
        JsonNode redirect = http.path("routers").path("terrarium-admin-dashboard-redirect");
        assertThat(redirect.path("rule").asText()).isEqualTo("Host(`proxy.example.com`)");
        assertThat(redirect.path("entryPoints").toString()).isEqualTo("[\"web\"]");
        assertThat(redirect.path("middlewares").toString()).isEqualTo("[\"terrarium-redirect-https\"]");
        assertThat(redirect.path("service").asText()).isEqualTo("noop@internal");
        // manage, lxd and auth have no backend yet: only their /oauth2/ routers exist
        for (String host : List.of("manage.example.com", "lxd.example.com", "auth.example.com")) {
            List<String> on = new ArrayList<>();
            http.path("routers").fields().forEachRemaining(e -> {
                if (e.getValue().path("rule").asText().contains("`" + host + "`")) {
                    on.add(e.getKey());
                }
            });
            assertThat(on).as(host).containsExactly(TraefikDynamicRenderer.adminRouterName(host));
        }
    }

    @Test
    void withoutAnAdminGateTheDashboardIsNotPublished() {
        JsonNode doc = render(WITH_DASHBOARD.withAdminGate(null, ADMIN_HOSTS), ProxyPlannerTest.running("app", 1, "https://app.example.com"));
        assertThat(doc.toString()).doesNotContain("api@internal", "proxy.example.com", "terrarium-admin");
    }

    @Test
    void theDashboardHostMustBeAnAdminHost() {
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> SETTINGS.withDashboardHost("app.example.com"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("app.example.com");
    }

    /**
     * 2,000 random and hostile labels (ProxyFuzzTest's generator, plus labels aimed at the admin
     * hosts: exact, other case, trailing dot, as a callback host, under a wildcard): every router
     * whose rule can match an admin host is one of the renderer's own admin routers, which either
     * is the admin gate's {@code /oauth2/} endpoint or carries the admin gate's middlewares; no other
     * router, middleware or service it uses ever reaches the admin gate.
     */
    @Test
    void aTenantLabelNeverReachesTheAdminGateAndEveryAdminHostRouterIsGated() {
        java.util.Random rnd = new java.util.Random(ProxyFuzzTest.SEED);
        List<String> aimed = List.of("https://manage.example.com", "http://Manage.Example.com/x", "https://proxy.example.com./api",
                "https://proxy.example.com/dashboard@auth", "https://*.example.com@auth", "https://lxd.example.com:8443",
                "https://*.apps.example.com@auth~manage.example.com", "https://auth.example.com@auth~proxy.example.com",
                "https://x.example.com@auth~lxd.example.com", "https://proxy.example.com.evil.org/api");
        java.util.Set<String> adminObjects = java.util.Set.of("terrarium-admin-gate", "terrarium-admin-signin", "terrarium-admin-auth");
        int adminRouters = 0;
        for (int batch = 0; batch < 20; batch++) {
            List<ProxyInstance> instances = new ArrayList<>();
            for (int i = 0; i < 100; i++) {
                String label = rnd.nextInt(4) == 0 ? aimed.get(rnd.nextInt(aimed.size())) : ProxyFuzzTest.label(rnd);
                instances.add(ProxyPlannerTest.running("t" + i, i, label));
            }
            ProxyPlan plan = TraefikDynamicRenderer.withoutNameClashes(ProxyPlanner.plan(instances, WITH_DASHBOARD, Map.of()), WITH_DASHBOARD);
            String yaml = TraefikDynamicRenderer.render(plan, WITH_DASHBOARD);
            assertValidDynamic(yaml);
            JsonNode http = TraefikChecks.parse(yaml).path("http");
            for (Iterator<Map.Entry<String, JsonNode>> it = http.path("routers").fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                JsonNode r = e.getValue();
                String rule = r.path("rule").asText();
                List<String> reached = reaches(http, r);
                boolean adminRouter = e.getKey().startsWith("terrarium-admin-");
                if (!adminRouter) {
                    assertThat(reached).as("batch %d, router %s", batch, e.getKey())
                            .noneMatch(n -> n.startsWith(ADMIN) || adminObjects.contains(n) || n.equals("api@internal"));
                    for (String host : ADMIN_HOSTS) {
                        assertThat(matches(rule, host)).as("batch %d, router %s: %s can match %s", batch, e.getKey(), rule, host).isFalse();
                    }
                    continue;
                }
                adminRouters++;
                assertThat(ADMIN_HOSTS.stream().anyMatch(h -> rule.startsWith("Host(`" + h + "`)"))).as(rule).isTrue();
                boolean endpoint = rule.endsWith(" && PathPrefix(`/oauth2/`)") && r.path("service").asText().equals("terrarium-admin-gate");
                boolean redirect = r.path("service").asText().equals("noop@internal")
                        && r.path("middlewares").toString().equals("[\"terrarium-redirect-https\"]");
                // gated: the gate's two middlewares come first (the dashboard root's redirect runs only after them)
                boolean gated = r.path("middlewares").toString().startsWith("[\"terrarium-admin-signin\",\"terrarium-admin-auth\"");
                assertThat(endpoint || redirect || gated).as("admin router %s is neither the gate's endpoint nor gated", e.getKey()).isTrue();
            }
        }
        assertThat(adminRouters).isEqualTo(20 * (ADMIN_HOSTS.size() + 4));
    }

    /** Whether a rendered rule's host matcher ({@code Host} or the one-label {@code HostRegexp}) accepts {@code host}. */
    static boolean matches(String rule, String host) {
        java.util.regex.Matcher exact = java.util.regex.Pattern.compile("Host\\(`([^`]*)`\\)").matcher(rule);
        while (exact.find()) {
            if (exact.group(1).equalsIgnoreCase(host)) {
                return true;
            }
        }
        java.util.regex.Matcher re = java.util.regex.Pattern.compile("HostRegexp\\(`([^`]*)`\\)").matcher(rule);
        while (re.find()) {
            if (java.util.regex.Pattern.compile(re.group(1), java.util.regex.Pattern.CASE_INSENSITIVE).matcher(host).find()) {
                return true;
            }
        }
        return false;
    }

    @Test
    void aTenantCannotPutAnAuthRouteOrCallbackOnAnAdminHost() {
        ProxyPlan plan = ProxyPlanner.plan(List.of(
                ProxyPlannerTest.running("evil", 1, "https://manage.example.com/x@auth"),
                ProxyPlannerTest.running("evil2", 2, "https://*.apps.example.com@auth~auth.example.com")), SETTINGS, Map.of());
        assertThat(plan.errors()).hasSize(2);
        String yaml = TraefikDynamicRenderer.render(plan, SETTINGS);
        assertThat(yaml).doesNotContain("terrarium-tenant-gate", "evil");
    }

    @Test
    void withoutAnAdminGateNoAdminObjectIsRendered() {
        JsonNode doc = render(SETTINGS.withAdminGate(null, ADMIN_HOSTS), ProxyPlannerTest.running("app", 1, "https://app.example.com@auth"));
        assertThat(doc.toString()).doesNotContain("terrarium-admin", ADMIN);
    }

    @Test
    void theMapperSendsAuthLabelsToTheTenantGateAndReservesBothPorts() {
        TerrariumConfig c = TerrariumConfig.defaults().withDomains(new TerrariumConfig.Domains("example.com", null, null, null, null));
        ProxySettings s = ProxySettingsMapper.settings(c);
        assertThat(s.oauth2ProxyUrl()).isEqualTo(TENANT);
        assertThat(s.adminAuthUrl()).isEqualTo(ADMIN);
        assertThat(s.adminHosts()).containsExactlyElementsOf(new java.util.TreeSet<>(ADMIN_HOSTS));
        assertThat(s.dashboardHost()).isEqualTo("proxy.example.com");
        assertThat(s.reservedHosts()).containsAll(ADMIN_HOSTS).contains("example.com");
        assertThat(s.reservedPublicPorts()).contains(4180, 4181);

        TerrariumConfig noTenantGate = c.withProxy(new TerrariumConfig.Proxy(null, null, null, null, null, null, null, null, null,
                null, null, null, ""));
        assertThat(ProxySettingsMapper.settings(noTenantGate).authConfigured()).isFalse();
        assertThat(ProxySettingsMapper.settings(noTenantGate).adminAuthUrl()).isEqualTo(ADMIN);
        TerrariumConfig noGates = c.withProxy(new TerrariumConfig.Proxy(null, null, null, null, "", null, null, null, null));
        assertThat(ProxySettingsMapper.settings(noGates).authConfigured()).isFalse();
        assertThat(ProxySettingsMapper.settings(noGates).adminAuthUrl()).isNull();
    }

    @Test
    void theTenantGateMayNotBeTheAdminGateNorABadUrl() {
        TerrariumConfig c = TerrariumConfig.defaults().withProxy(new TerrariumConfig.Proxy(null, null, null, null,
                "http://127.0.0.1:4180", null, null, null, null, null, null, null, "http://127.0.0.1:4180/"));
        assertThat(io.terrarium.config.ConfigValidator.validate(c)).anySatisfy(p -> assertThat(p)
                .startsWith("proxy.tenant_auth_url: \"http://127.0.0.1:4180/\" is the admin gate"));
        TerrariumConfig bad = TerrariumConfig.defaults().withProxy(new TerrariumConfig.Proxy(null, null, null, null,
                null, null, null, null, null, null, null, null, "http://u:p@127.0.0.1:4181"));
        assertThat(io.terrarium.config.ConfigValidator.validate(bad)).anySatisfy(p -> assertThat(p)
                .startsWith("proxy.tenant_auth_url: \"http://u:p@127.0.0.1:4181\" must be an http(s) URL"));
        assertThat(io.terrarium.config.ConfigValidator.validate(TerrariumConfig.defaults()))
                .noneMatch(p -> p.contains("auth_url") || p.contains("oauth2_proxy_url"));
    }

    /** New-user test, session 6: the admin gate spelled another way passed as the tenants' gate. */
    @Test
    void theAdminGateSpelledAnotherWayIsStillTheAdminGate() {
        String[][] same = {{"http://127.0.0.1:4180", "http://localhost:4180"}, {"http://127.0.0.1:4180", "http://127.0.0.1:4180/x"},
                {"http://127.0.0.1", "http://127.0.0.1:80"}, {"https://127.0.0.1", "https://localhost:443/"},
                {"http://127.0.0.1:4180", "http://127.0.0.2:4180"}, {"http://127.0.0.1:4180", "http://[::1]:4180"}};
        for (String[] pair : same) {
            TerrariumConfig c = TerrariumConfig.defaults().withProxy(new TerrariumConfig.Proxy(null, null, null, null,
                    pair[0], null, null, null, null, null, null, null, pair[1]));
            assertThat(io.terrarium.config.ConfigValidator.validate(c)).as(pair[1])
                    .anySatisfy(p -> assertThat(p).startsWith("proxy.tenant_auth_url: \"" + pair[1] + "\" is the admin gate"));
        }
        for (String bad : new String[]{"http://127.0.0.1:4180#frag", "http://127.0.0.1:99999", "http://127.0.0.1:876"}) {
            TerrariumConfig c = TerrariumConfig.defaults().withProxy(new TerrariumConfig.Proxy(null, null, null, null,
                    null, null, null, null, null, null, null, null, bad));
            assertThat(io.terrarium.config.ConfigValidator.validate(c)).as(bad)
                    .anySatisfy(p -> assertThat(p).startsWith("proxy.tenant_auth_url: \"" + bad + "\""));
        }
        // a different port on loopback is another gate
        TerrariumConfig ok = TerrariumConfig.defaults().withProxy(new TerrariumConfig.Proxy(null, null, null, null,
                "http://127.0.0.1:4180", null, null, null, null, null, null, null, "http://localhost:4181"));
        assertThat(io.terrarium.config.ConfigValidator.validate(ok)).noneMatch(p -> p.contains("auth_url"));
    }
}
