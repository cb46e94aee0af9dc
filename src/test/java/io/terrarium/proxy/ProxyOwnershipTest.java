package io.terrarium.proxy;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static io.terrarium.proxy.ProxyPlannerTest.report;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Issue 14 items 2 and 3 on the pure core: one owner per host name (kept across stops, released
 * by the label or {@code proxy release}), reserved names, wildcards only under the admin's bases,
 * a forced name-hash collision, and the public-port policy — each refused for the offending
 * instance only, every other route unchanged.
 */
class ProxyOwnershipTest {
    /** The admin's configuration: base example.com with its admin hosts, wildcards under apps.example.com. */
    static final ProxySettings ADMIN = ProxySettings.defaults()
            .withOauth2ProxyUrl("http://127.0.0.1:4180")
            .withDnsProvider("cloudflare")
            .withReservedHosts(Set.of("example.com", "manage.example.com", "auth.example.com", "lxd.example.com"))
            .withWildcardBases(Set.of("apps.example.com"));

    static ProxyInstance inst(String name, boolean running, int minute, String label) {
        return new ProxyInstance(name, running, Instant.parse("2026-01-01T00:00:00Z").plusSeconds(60L * minute), null, label);
    }

    @AfterEach
    void fullHashes() {
        TraefikNames.hashChars = TraefikNames.HASH_CHARS;
    }

    private static ProxyPlan plan(Map<String, String> owners, ProxyInstance... instances) {
        return ProxyPlanner.plan(List.of(instances), ADMIN, Map.of(), Set.of(), owners, p -> false);
    }

    @Test
    void pathOnAnotherInstancesHostIsRefusedAndTheOwnerHearsOfIt() {
        ProxyPlan p = plan(Map.of(),
                inst("a", true, 1, "https://a.example.com"),
                inst("b", true, 2, "https://a.example.com/api, https://b.example.com"));
        assertThat(report(p, "b").published()).extracting(ProxyRoute::source).containsExactly("https://b.example.com");
        assertThat(report(p, "b").errors()).singleElement().asString()
                .startsWith("instance \"b\": route \"https://a.example.com/api\": host a.example.com is owned by a");
        assertThat(report(p, "a").published()).extracting(ProxyRoute::source).containsExactly("https://a.example.com");
        assertThat(report(p, "a").contested()).singleElement().asString().contains("also claimed by b");
        assertThat(TraefikDynamicRenderer.render(p, ADMIN)).doesNotContain("/api");
    }

    @Test
    void stoppedOwnerKeepsItsHostUntilItsLabelStopsNamingIt() {
        ProxyPlan first = plan(Map.of(), inst("a", true, 1, "https://a.example.com"));
        assertThat(first.owners()).containsExactly(Map.entry("a.example.com", "a"));
        // a stops; b (created later or earlier: it does not matter) tries to take the host
        ProxyPlan stopped = plan(first.owners(),
                inst("a", false, 1, "https://a.example.com"),
                inst("b", true, 0, "https://a.example.com, https://b.example.com"));
        assertThat(report(stopped, "b").published()).extracting(ProxyRoute::source).containsExactly("https://b.example.com");
        assertThat(report(stopped, "b").errors()).singleElement().asString().contains("host a.example.com is owned by a");
        assertThat(stopped.owners()).containsEntry("a.example.com", "a");
        // a starts again: it still owns the host and publishes it
        ProxyPlan restarted = plan(stopped.owners(),
                inst("a", true, 1, "https://a.example.com"),
                inst("b", true, 0, "https://a.example.com, https://b.example.com"));
        assertThat(report(restarted, "a").published()).hasSize(1);
        // a's label stops naming the host: released, b takes it
        ProxyPlan relabelled = plan(restarted.owners(),
                inst("a", false, 1, "https://other.example.com"),
                inst("b", true, 0, "https://a.example.com, https://b.example.com"));
        assertThat(report(relabelled, "b").published()).hasSize(2);
        assertThat(relabelled.owners()).containsEntry("a.example.com", "b");
    }

    @Test
    void releasedHostGoesToTheRunningClaimant() {
        Map<String, String> owners = Map.of("a.example.com", "a");
        ProxyPlan p = plan(Map.of(), // proxy release removed a.example.com from the owners
                inst("a", false, 1, "https://a.example.com"),
                inst("b", true, 2, "https://a.example.com"));
        assertThat(report(p, "b").published()).hasSize(1);
        assertThat(plan(owners, inst("a", false, 1, "https://a.example.com"), inst("b", true, 2, "https://a.example.com"))
                .owners()).containsEntry("a.example.com", "a");
    }

    @Test
    void reservedHostsAreNeverClaimable() {
        for (String label : List.of("https://example.com", "http://manage.example.com/x", "https://auth.example.com",
                "https://LXD.example.com:8443")) {
            ProxyPlan p = plan(Map.of(), inst("t", true, 1, label), inst("ok", true, 2, "https://ok.example.com"));
            assertThat(report(p, "t").published()).as(label).isEmpty();
            assertThat(report(p, "t").errors()).singleElement().asString().contains("is reserved for Terrarium itself");
            assertThat(report(p, "ok").published()).hasSize(1);
        }
        // a wildcard that would match an admin host, and an @auth callback on one
        ProxySettings wide = ADMIN.withWildcardBases(Set.of("example.com"));
        assertThat(ProxyLabelParser.validate("t", "https://*.example.com", wide)).singleElement().asString()
                .contains("would match the reserved host \"auth.example.com\"");
        assertThat(ProxyLabelParser.validate("t", "https://*.apps.example.com@auth~auth.example.com", ADMIN)).isNotEmpty();
    }

    @Test
    void wildcardOutsideTheAdminsBasesIsRefused() {
        ProxyPlan p = plan(Map.of(),
                inst("w", true, 1, "https://*.evil.example.org"),
                inst("ok", true, 2, "https://*.apps.example.com, https://*.x.apps.example.com"));
        assertThat(report(p, "w").errors()).singleElement().asString()
                .contains("wildcard host \"*.evil.example.org\" is not under a base the admin allows for wildcards (proxy.wildcard_bases: apps.example.com)");
        assertThat(report(p, "ok").published()).hasSize(2);
        assertThat(ProxyLabelParser.validate("w", "http://*.apps.example.com", ProxySettings.defaults())).singleElement().asString()
                .contains("none configured: proxy.wildcard_bases is empty");
    }

    @Test
    void forcedNameHashCollisionWithdrawsOnlyTheLaterInstance() {
        TraefikNames.hashChars = 0; // names are then their slugs alone: "a" + "b-c.example.com" and "a-b" + "c.example.com" clash
        ProxyPlan p = plan(Map.of(),
                inst("a", true, 1, "https://b-c.example.com"),
                inst("a-b", true, 2, "https://c.example.com"),
                inst("z", true, 3, "https://z.example.com"));
        ProxyPlan checked = TraefikDynamicRenderer.withoutNameClashes(p, ADMIN);
        assertThat(report(checked, "a").published()).hasSize(1);
        assertThat(report(checked, "z").published()).hasSize(1);
        assertThat(report(checked, "a-b").published()).isEmpty();
        assertThat(report(checked, "a-b").errors()).singleElement().asString()
                .startsWith("instance \"a-b\": Traefik object name \"").contains("clashes with another route's (hash collision)");
        String yaml = TraefikDynamicRenderer.render(checked, ADMIN); // no exception: the render never fails
        assertThat(yaml).contains("Host(`b-c.example.com`)", "Host(`z.example.com`)").doesNotContain("Host(`c.example.com`)");
        TraefikNames.hashChars = TraefikNames.HASH_CHARS;
        assertThat(TraefikNames.hash("x")).hasSize(16); // 64 bits
    }

    @Test
    void privilegedReservedOutOfRangeAndBusyPortsAreRefusedForThatInstanceOnly() {
        ProxySettings s = ADMIN.withReservedPorts(Set.of(8765)).withPublicPortRange(1024, 40000);
        for (String label : List.of("udp://53:53", "tcp://443:443", "tcp://8765:1", "tcp://40001:1", "tcp://1023:1")) {
            ProxyPlan p = ProxyPlanner.plan(List.of(inst("t", true, 1, label), inst("ok", true, 2, "tcp://5432:5432")),
                    s, Map.of(), Set.of(), Map.of(), x -> false);
            assertThat(report(p, "t").published()).as(label).isEmpty();
            assertThat(report(p, "ok").published()).as(label).hasSize(1);
            assertThat(p.publicPorts()).extracting(PublicPort::port).containsExactly(5432);
        }
        assertThat(ProxyLabelParser.validate("t", "udp://53:53", s)).singleElement().asString()
                .contains("outside the allowed range 1024-40000 (privileged ports below 1024 are refused");
        // a port a host program already listens on (sshd on 2222, say)
        ProxyPlan busy = ProxyPlanner.plan(List.of(inst("t", true, 1, "tcp://2222:22, https://t.example.com"),
                        inst("ok", true, 2, "tcp://5432:5432")), s, Map.of(), Set.of(), Map.of(),
                port -> port.port() == 2222 && port.protocol().equals("tcp"));
        assertThat(report(busy, "t").errors()).singleElement().asString()
                .contains("public port 2222/tcp is in use by another program on the host");
        assertThat(report(busy, "t").published()).extracting(ProxyRoute::source).containsExactly("https://t.example.com");
        assertThat(busy.publicPorts()).extracting(PublicPort::port).containsExactly(5432);
    }
}
