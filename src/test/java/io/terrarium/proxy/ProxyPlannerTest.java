package io.terrarium.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;

class ProxyPlannerTest {

    static final ProxySettings SETTINGS = ProxyLabelParserTest.SETTINGS;

    static ProxyInstance running(String name, int createdMinute, String label) {
        return new ProxyInstance(name, true, Instant.parse("2026-01-01T00:00:00Z").plusSeconds(60L * createdMinute), null, label);
    }

    static InstanceReport report(ProxyPlan plan, String name) {
        return plan.instances().stream().filter(r -> r.name().equals(name)).findFirst().orElseThrow();
    }

    @Test
    void c11_badLabelIsReportedForItsInstanceAndNeverBlocksOthers() {
        ProxyPlan plan = ProxyPlanner.plan(List.of(
                running("web", 1, "https://web.example.com:8080"),
                running("broken", 0, "https://bad host:80@nosuch"),
                running("noproxy", 2, null)), SETTINGS, Map.of());
        assertThat(report(plan, "web").status()).isEqualTo(InstanceStatus.OK);
        assertThat(report(plan, "web").published()).hasSize(1);
        assertThat(report(plan, "broken").status()).isEqualTo(InstanceStatus.ERROR);
        assertThat(report(plan, "broken").published()).isEmpty();
        assertThat(plan.errors()).containsExactly("instance \"broken\": route \"https://bad host:80@nosuch\": host \"bad host\" "
                + "is not a valid DNS name (letters, digits, '-' and '.' only)");
        assertThat(report(plan, "noproxy").status()).isEqualTo(InstanceStatus.NO_LABEL);
        assertThat(plan.bridgePorts()).containsExactly(Map.entry(new BackendKey("web", "tcp", 8080), 18081));
        assertThat(plan.hasErrors()).isTrue();
    }

    @Test
    void c13_secondClaimOfPublicPortIsRejected() {
        ProxyPlan plan = ProxyPlanner.plan(List.of(
                running("pg2", 5, "tcp://5432:5432"),
                running("pg1", 1, "tcp://5432:5432"),
                running("dns2", 2, "udp://53:53"),
                running("dns1", 3, "udp://53:53")), SETTINGS, Map.of());
        assertThat(plan.publicPorts()).containsExactly(
                new PublicPort("tcp", 5432, "pg1"), new PublicPort("udp", 53, "dns2"));
        assertThat(report(plan, "pg2").status()).isEqualTo(InstanceStatus.CONFLICT);
        assertThat(report(plan, "pg2").errors()).containsExactly("instance \"pg2\": route \"tcp://5432:5432\": public port "
                + "5432/tcp already published by pg1 (created earlier; the earliest-created instance keeps a claim)");
        assertThat(report(plan, "dns1").errors()).containsExactly("instance \"dns1\": route \"udp://53:53\": public port "
                + "53/udp already published by dns2 (created earlier; the earliest-created instance keeps a claim)");
    }

    @Test
    void oneOwnerPerHostNameSoNoOtherInstancePublishesAnyPathOnIt() {
        ProxyPlan plan = ProxyPlanner.plan(List.of(
                running("a", 1, "https://app.example.com/api"),
                running("b", 2, "http://app.example.com/api/"),
                running("c", 3, "https://app.example.com/other")), SETTINGS, Map.of());
        assertThat(report(plan, "b").errors()).containsExactly("instance \"b\": route \"http://app.example.com/api/\": "
                + "host app.example.com is owned by a (one owner per host name: only a publishes paths on it, also while it is "
                + "stopped, until its label stops naming it or an admin runs `terrariumctl proxy release app.example.com`)");
        assertThat(report(plan, "c").status()).isEqualTo(InstanceStatus.CONFLICT);
        assertThat(report(plan, "c").published()).isEmpty();
        assertThat(report(plan, "a").published()).hasSize(1);
        assertThat(report(plan, "a").contested()).containsExactly(
                "instance \"a\": host app.example.com also claimed by b (route \"http://app.example.com/api/\", refused: a owns it)",
                "instance \"a\": host app.example.com also claimed by c (route \"https://app.example.com/other\", refused: a owns it)");
        assertThat(plan.owners()).containsExactly(Map.entry("app.example.com", "a"));
    }

    @Test
    void loserKeepsItsOtherRoutes() {
        ProxyPlan plan = ProxyPlanner.plan(List.of(
                running("old", 1, "https://app.example.com"),
                running("new", 2, "https://app.example.com, https://new.example.com")), SETTINGS, Map.of());
        assertThat(report(plan, "new").status()).isEqualTo(InstanceStatus.CONFLICT);
        assertThat(report(plan, "new").published()).extracting(ProxyRoute::source).containsExactly("https://new.example.com");
    }

    @Test
    void equalCreationTimeIsDecidedByName() {
        ProxyPlan plan = ProxyPlanner.plan(List.of(
                running("zeta", 1, "tcp://5432:5432"),
                running("alpha", 1, "tcp://5432:5432"),
                new ProxyInstance("unknown", true, null, null, "tcp://5432:5432")), SETTINGS, Map.of());
        assertThat(plan.publicPorts()).containsExactly(new PublicPort("tcp", 5432, "alpha"));
        assertThat(report(plan, "unknown").status()).isEqualTo(InstanceStatus.CONFLICT);
    }

    @Test
    void stoppedAndOptedOutInstancesPublishNothingAndClaimNothing() {
        ProxyPlan plan = ProxyPlanner.plan(List.of(
                new ProxyInstance("stopped", false, Instant.EPOCH, null, "https://app.example.com"),
                new ProxyInstance("infra", true, Instant.EPOCH, "system", "https://app.example.com"),
                new ProxyInstance("quiet", true, Instant.EPOCH, " No-Proxy ", "tcp://5432:5432"),
                running("young", 9, "https://app.example.com, tcp://5432:5432")), SETTINGS, Map.of());
        assertThat(report(plan, "stopped").status()).isEqualTo(InstanceStatus.STOPPED);
        assertThat(report(plan, "infra").status()).isEqualTo(InstanceStatus.OPTED_OUT);
        assertThat(report(plan, "quiet").status()).isEqualTo(InstanceStatus.OPTED_OUT);
        assertThat(report(plan, "young").status()).isEqualTo(InstanceStatus.OK);
        assertThat(ProxyPlanner.isOptedOut("web")).isFalse();
        assertThat(ProxyPlanner.isOptedOut(null)).isFalse();
    }

    @Test
    void planDoesNotDependOnInputOrder() {
        List<ProxyInstance> instances = new ArrayList<>();
        for (int i = 0; i < 30; i++) {
            instances.add(running("i" + i, i % 7, "https://h" + (i % 5) + ".example.com:" + (8000 + i) + ", tcp://" + (5000 + i % 4) + ":22"));
        }
        ProxyPlan reference = ProxyPlanner.plan(instances, SETTINGS, Map.of());
        Random random = new Random(42);
        for (int round = 0; round < 5; round++) {
            List<ProxyInstance> shuffled = new ArrayList<>(instances);
            Collections.shuffle(shuffled, random);
            assertThat(ProxyPlanner.plan(shuffled, SETTINGS, Map.of())).isEqualTo(reference);
        }
    }

    @Test
    void bridgePortsAreStickyAndNewBackendsGetTheLowestFreePort() {
        ProxyPlan first = ProxyPlanner.plan(List.of(
                running("a", 1, "https://a.example.com:8080, https://a2.example.com:8080, tcp://5432:8080"),
                running("b", 2, "https://b.example.com:80"),
                running("c", 3, "udp://53:53")), SETTINGS, Map.of());
        assertThat(first.bridgePorts()).containsExactly(
                Map.entry(new BackendKey("a", "tcp", 8080), 18081),
                Map.entry(new BackendKey("b", "tcp", 80), 18082),
                Map.entry(new BackendKey("c", "udp", 53), 18083));
        // a goes away, a new instance "aa" appears (sorts before b): b and c keep their ports, aa gets the freed one.
        ProxyPlan second = ProxyPlanner.plan(List.of(
                running("aa", 4, "https://aa.example.com"),
                running("b", 2, "https://b.example.com:80"),
                running("c", 3, "udp://53:53")), SETTINGS, first.bridgePorts());
        assertThat(second.bridgePorts()).containsExactly(
                Map.entry(new BackendKey("aa", "tcp", 80), 18081),
                Map.entry(new BackendKey("b", "tcp", 80), 18082),
                Map.entry(new BackendKey("c", "udp", 53), 18083));
    }

    @Test
    void busyHostPortsAreSkippedAndAFullRangeIsAnErrorOfThatInstanceOnly() {
        ProxySettings tiny = SETTINGS.withBridgeRange(20000, 20001);
        ProxyPlan plan = ProxyPlanner.plan(List.of(
                running("a", 1, "https://a.example.com"),
                running("b", 2, "https://b.example.com"),
                running("c", 3, "https://c.example.com")), tiny, Map.of(), Set.of(20000));
        assertThat(plan.bridgePorts()).containsExactly(Map.entry(new BackendKey("a", "tcp", 80), 20001));
        assertThat(report(plan, "c").status()).isEqualTo(InstanceStatus.ERROR);
        assertThat(report(plan, "b").errors()).containsExactly("instance \"b\": route \"https://b.example.com\": "
                + "no free internal bridge port in 20000-20001 (widen the bridge port range)");
    }

    @Test
    void previousPortOutsideTheRangeIsReassigned() {
        ProxyPlan plan = ProxyPlanner.plan(List.of(running("a", 1, "https://a.example.com")), SETTINGS,
                Map.of(new BackendKey("a", "tcp", 80), 9999));
        assertThat(plan.bridgePorts()).containsExactly(Map.entry(new BackendKey("a", "tcp", 80), 18081));
    }
}
