package io.terrarium.proxy;

import static io.terrarium.proxy.TraefikChecks.assertGolden;
import static io.terrarium.proxy.TraefikChecks.assertValidDynamic;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class TraefikDynamicRendererTest {

    static final ProxySettings SETTINGS = ProxyLabelParserTest.SETTINGS;

    static ProxyInstance running(String name, int minute, String label) {
        return ProxyPlannerTest.running(name, minute, label);
    }

    static String render(List<ProxyInstance> instances, ProxySettings settings) {
        ProxyPlan plan = ProxyPlanner.plan(instances, settings, Map.of());
        String yaml = TraefikDynamicRenderer.render(plan, settings);
        assertValidDynamic(yaml);
        return yaml;
    }

    @Test
    void emptyPlanRendersTheMinimalValidDocument() {
        String yaml = render(List.of(), SETTINGS);
        assertGolden("dynamic-empty.yml", yaml);
    }

    @Test
    void c10_explicitHostAndAnchoredEscapedWildcardRules() {
        String yaml = render(List.of(
                running("app", 1, "https://app.example.com:8080"),
                running("apps", 2, "https://*.apps.example.com:3000")), SETTINGS);
        assertGolden("dynamic-c10.yml", yaml);
        JsonNode doc = TraefikChecks.parse(yaml);
        List<String> rules = new ArrayList<>();
        doc.path("http").path("routers").forEach(r -> rules.add(r.path("rule").asText()));
        assertThat(rules).contains("Host(`app.example.com`)", "HostRegexp(`^[^.]+\\.apps\\.example\\.com$`)");
        assertThat(rules).noneMatch(r -> r.contains(","));
    }

    @Test
    void c11_onlyTheGoodInstanceIsRoutedAndIdenticalInputGivesIdenticalBytes() {
        List<ProxyInstance> instances = List.of(
                running("web", 1, "https://web.example.com:8080"),
                running("broken", 0, "https://bad host:80@nosuch"),
                running("noproxy", 2, null));
        String first = render(instances, SETTINGS);
        String second = render(List.of(instances.get(2), instances.get(0), instances.get(1)), SETTINGS);
        assertThat(second).isEqualTo(first);
        assertGolden("dynamic-c11.yml", first);
        assertThat(first).doesNotContain("broken", "noproxy", "{}", "[]");
    }

    @Test
    void c12_authRouteGetsSigninThenForwardAuthAndAHigherPriorityOauth2Router() {
        String yaml = render(List.of(running("app", 1, "https://app.example.com:8080@auth:devops,admins,devops")), SETTINGS);
        assertGolden("dynamic-c12.yml", yaml);
        JsonNode http = TraefikChecks.parse(yaml).path("http");
        JsonNode secure = null;
        JsonNode oauth2 = null;
        for (Iterator<Map.Entry<String, JsonNode>> it = http.path("routers").fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            if (e.getKey().endsWith("-secure")) {
                secure = e.getValue();
            } else if (e.getKey().startsWith("terrarium-oauth2-")) {
                oauth2 = e.getValue();
            }
        }
        assertThat(secure).isNotNull();
        assertThat(oauth2).isNotNull();
        assertThat(secure.path("middlewares").get(0).asText()).isEqualTo(TraefikDynamicRenderer.SIGNIN_MIDDLEWARE);
        String forwardAuth = secure.path("middlewares").get(1).asText();
        JsonNode fa = http.path("middlewares").path(forwardAuth).path("forwardAuth");
        assertThat(fa.path("address").asText()).isEqualTo("http://127.0.0.1:4180/oauth2/auth?allowed_groups=admins,devops");
        assertThat(fa.path("trustForwardHeader").asBoolean()).isTrue();
        assertThat(oauth2.path("rule").asText()).isEqualTo("Host(`app.example.com`) && PathPrefix(`/oauth2/`)");
        assertThat(oauth2.path("middlewares").isMissingNode()).isTrue();
        assertThat(oauth2.path("priority").asInt()).isGreaterThan(secure.path("priority").asInt());
    }

    @Test
    void c13_oneRouterPerEntrypointForTcpAndUdp() {
        String yaml = render(List.of(
                running("pg1", 1, "tcp://5432:5432"),
                running("pg2", 2, "tcp://5432:5432"),
                running("dns1", 3, "udp://53:53"),
                running("dns2", 4, "udp://53:53")), SETTINGS);
        assertGolden("dynamic-c13.yml", yaml);
        JsonNode doc = TraefikChecks.parse(yaml);
        assertThat(doc.path("tcp").path("routers").size()).isEqualTo(1);
        assertThat(doc.path("udp").path("routers").size()).isEqualTo(1);
        assertThat(yaml).doesNotContain("pg2", "dns2");
    }

    @Test
    void c14_fortyHostsAndTheirWildcardShareOneDomainsEntryOnTheDnsResolver() {
        List<ProxyInstance> instances = new ArrayList<>();
        for (int i = 1; i <= 40; i++) {
            instances.add(running(String.format("app%02d", i), i, String.format("https://app%02d.apps.example.com:8080", i)));
        }
        instances.add(running("apps", 0, "https://*.apps.example.com:3000"));
        instances.add(running("site", 0, "https://example.com"));
        JsonNode routers = TraefikChecks.parse(render(instances, SETTINGS)).path("http").path("routers");
        Set<String> domainEntries = new HashSet<>();
        int wildcardCertRouters = 0;
        for (Iterator<Map.Entry<String, JsonNode>> it = routers.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            JsonNode tls = e.getValue().path("tls");
            if (tls.isMissingNode()) {
                continue;
            }
            if (e.getValue().path("rule").asText().contains("apps")) {
                assertThat(tls.path("certResolver").asText()).isEqualTo("letsencrypt-dns");
                domainEntries.add(tls.path("domains").toString());
                wildcardCertRouters++;
            } else {
                assertThat(tls.toString()).isEqualTo("{\"certResolver\":\"letsencrypt\"}");
            }
        }
        assertThat(wildcardCertRouters).isEqualTo(41);
        assertThat(domainEntries).containsExactly("[{\"main\":\"apps.example.com\",\"sans\":[\"*.apps.example.com\"]}]");
    }

    @Test
    void c14_withoutDnsProviderTheWildcardIsRejectedAndExplicitHostsUseHttpChallenge() {
        ProxySettings noDns = ProxyLabelParserTest.NO_DNS;
        ProxyPlan plan = ProxyPlanner.plan(List.of(
                running("apps", 0, "https://*.apps.example.com"),
                running("app01", 1, "https://app01.apps.example.com")), noDns, Map.of());
        assertThat(plan.errors()).singleElement().asString().contains("configure a DNS-01 provider");
        String yaml = TraefikDynamicRenderer.render(plan, noDns);
        assertValidDynamic(yaml);
        assertThat(yaml).doesNotContain("letsencrypt-dns", "HostRegexp");
    }

    @Test
    void mixedRoutesMatchTheGoldenFile() {
        List<ProxyInstance> instances = List.of(
                running("shop", 1, "https://shop.example.com:9000/api/, http://shop.example.com:9000/static"),
                running("portal", 2, "https://*.apps.example.com:3000@auth:ops~login.apps.example.com\n"
                        + "https://portal.example.com@auth"),
                running("db", 3, "tcp://5432:5432"),
                running("dns", 4, "udp://53:5353"));
        assertThat(ProxyPlanner.plan(instances, SETTINGS, Map.of()).errors()).isEmpty();
        String yaml = render(instances, SETTINGS);
        assertGolden("dynamic-mixed.yml", yaml);
    }

    @Test
    void namesAreStableWhenALabelsRoutesAreReordered() {
        String a = render(List.of(running("x", 1, "https://a.example.com, tcp://5432:5432, https://b.example.com/p@auth:g")), SETTINGS);
        String b = render(List.of(running("x", 1, "https://b.example.com/p@auth:g\ntcp://5432:5432\nhttps://a.example.com")), SETTINGS);
        assertThat(b).isEqualTo(a);
    }

    @Test
    void explicitHostOutranksWildcardAndLongerPathOutranksShorter() {
        JsonNode routers = TraefikChecks.parse(render(List.of(
                running("w", 1, "https://*.apps.example.com/x/y/z/long"),
                running("e", 2, "https://one.apps.example.com, https://one.apps.example.com/api")), SETTINGS)).path("http").path("routers");
        int wildcard = 0;
        int explicit = 0;
        int path = 0;
        for (JsonNode r : routers) {
            String rule = r.path("rule").asText();
            int prio = r.path("priority").asInt();
            if (rule.startsWith("HostRegexp")) {
                wildcard = prio;
            } else if (rule.contains("/api")) {
                path = prio;
            } else {
                explicit = prio;
            }
        }
        assertThat(wildcard).isLessThan(explicit);
        assertThat(explicit).isLessThan(path);
    }

    @Test
    void schemaCheckCatchesMisspeltKeys() {
        assertThat(TraefikChecks.schemaErrors("http:\n  routers:\n    r:\n      entrypoints: [web]\n      rule: \"Host(`a.example.com`)\"\n      service: s\n", true))
                .isNotEmpty();
        assertThat(TraefikChecks.schemaErrors("http:\n  middlewares:\n    m:\n      forwardAuth:\n        adress: x\n", true))
                .isNotEmpty();
        assertThat(TraefikChecks.schemaErrors("entryPoints:\n  web:\n    adress: \":80\"\n", false)).isNotEmpty();
        assertThat(TraefikChecks.schemaErrors("certificatesResolvers:\n  le:\n    acme:\n      httpChalenge: {}\n", false)).isNotEmpty();
        assertThat(TraefikChecks.schemaErrors("entryPoints:\n  web:\n    address: \":80\"\n", false)).isEmpty();
    }

    @Test
    void ruleCheckerRejectsV2MultiValueMatchersAndUnanchoredRegexps() {
        assertThat(TraefikChecks.ruleProblems("Host(`a.example.com`, `b.example.com`)")).isNotEmpty();
        assertThat(TraefikChecks.ruleProblems("HostRegexp(`{sub:[a-z]+}.example.com`)")).isNotEmpty();
        assertThat(TraefikChecks.ruleProblems("HostRegexp(`^[^.]+.example\\.com$`)")).isNotEmpty();
        assertThat(TraefikChecks.ruleProblems("HostRegexp(`[^.]+\\.example\\.com`)")).isNotEmpty();
        assertThat(TraefikChecks.ruleProblems("Host(`a.example.com`) && PathPrefix(`/api`)")).isEmpty();
        assertThat(TraefikChecks.ruleProblems("HostSNI(`*`)")).isEmpty();
    }

    @Test
    void renderingIsIndependentOfCreationOrderTies() {
        Instant t = Instant.parse("2026-01-01T00:00:00Z");
        String a = render(List.of(new ProxyInstance("b", true, t, null, "https://b.example.com"),
                new ProxyInstance("a", true, t, null, "https://a.example.com")), SETTINGS);
        String b = render(List.of(new ProxyInstance("a", true, t, null, "https://a.example.com"),
                new ProxyInstance("b", true, t, null, "https://b.example.com")), SETTINGS);
        assertThat(a).isEqualTo(b);
    }
}
