package io.terrarium.proxy.sync;

import io.terrarium.proxy.InstanceStatus;
import io.terrarium.proxy.ProxyInstance;
import io.terrarium.proxy.ProxyPlan;
import io.terrarium.proxy.ProxyPlanner;
import io.terrarium.proxy.ProxySettings;
import io.terrarium.proxy.PublicPort;
import io.terrarium.proxy.TraefikStaticRenderer;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;

import static org.assertj.core.api.Assertions.assertThat;

/** The decisions of the fallback after a failed Traefik restart, apart from files and systemd. */
class StaticFallbackTest {

    @Test
    void listenersAreTheEntrypointSocketsOfTheRenderedStaticFileWithTcpAsDefault() throws Exception {
        String yaml = TraefikStaticRenderer.render(ProxySettings.defaults(), List.of(
                new PublicPort("tcp", 5432, "pg1"), new PublicPort("udp", 5353, "dns")));
        assertThat(StaticFallback.listeners(yaml)).containsExactly("443/tcp", "5353/udp", "5432/tcp", "80/tcp");
        assertThat(StaticFallback.listeners("entryPoints:\n  a: {address: \"0.0.0.0:8443\"}\n  b: {address: \":bad\"}\n"))
                .containsExactly("8443/tcp");
        assertThat(StaticFallback.listeners("")).isEmpty();
    }

    @Test
    void onlySocketsNewInTheRejectedFileAreAttributedEachToTheInstanceThatClaimedIt() {
        var rejected = new TreeSet<>(List.of("80/tcp", "443/tcp", "5432/tcp", "6000/tcp", "7000/udp"));
        var good = new TreeSet<>(List.of("80/tcp", "443/tcp", "5432/tcp"));
        var claims = List.of(new PublicPort("tcp", 5432, "pg1"), new PublicPort("tcp", 6000, "app"),
                new PublicPort("udp", 7000, "game"));
        var blamed = StaticFallback.attribute(rejected, good, claims);
        assertThat(blamed.keySet()).containsExactly("6000/tcp", "7000/udp");
        assertThat(blamed.get("6000/tcp").instance()).isEqualTo("app");
        assertThat(blamed.get("7000/udp").instance()).isEqualTo("game");
    }

    @Test
    void aFailedSettingsChangeWithoutNewEntrypointsBlamesNoInstance() {
        var same = new TreeSet<>(List.of("80/tcp", "443/tcp", "5432/tcp"));
        assertThat(StaticFallback.attribute(same, same, List.of(new PublicPort("tcp", 5432, "pg1")))).isEmpty();
        // a new socket that no label asked for (not a published port) is not put on anyone
        assertThat(StaticFallback.attribute(new TreeSet<>(List.of("8080/tcp")), new TreeSet<>(), List.of())).isEmpty();
    }

    @Test
    void quarantinedPortDropsOnlyThatRouteOfThatInstanceWithTheReason() {
        ProxyPlan plan = ProxyPlanner.plan(List.of(
                new ProxyInstance("app", true, Instant.parse("2026-01-01T00:00:00Z"), null, "https://app.example.com:8080,tcp://6000:6000"),
                new ProxyInstance("pg1", true, Instant.parse("2026-01-02T00:00:00Z"), null, "tcp://5432:5432")),
                ProxySettings.defaults(), Map.of());
        Map<String, Map<String, String>> q = new TreeMap<>(Map.of("6000/tcp", Map.of("app", "is quarantined: test")));
        ProxyPlan after = StaticFallback.withoutPorts(plan, q);
        var app = after.instances().stream().filter(r -> r.name().equals("app")).findFirst().orElseThrow();
        assertThat(app.status()).isEqualTo(InstanceStatus.CONFLICT);
        assertThat(app.published()).extracting(r -> r.source()).containsExactly("https://app.example.com:8080");
        assertThat(app.errors()).containsExactly("instance \"app\": route \"tcp://6000:6000\": public port 6000/tcp is quarantined: test");
        assertThat(after.publicPorts()).containsExactly(new PublicPort("tcp", 5432, "pg1"));
        assertThat(after.instances().stream().filter(r -> r.name().equals("pg1")).findFirst().orElseThrow())
                .isEqualTo(plan.instances().get(1));
        assertThat(after.bridgePorts()).isEqualTo(plan.bridgePorts());
        // a quarantine of another instance on that port changes nothing
        assertThat(StaticFallback.withoutPorts(plan, Map.of("6000/tcp", Map.of("other", "x")))).isEqualTo(plan);
    }

    @Test
    void plannerRefusesAQuarantinedPortForItsInstanceWithTheReasonAndPublishesTheRest() {
        ProxyPlan plan = ProxyPlanner.planRefusing(List.of(
                new ProxyInstance("app", true, Instant.parse("2026-01-01T00:00:00Z"), null, "tcp://6000:6000,tcp://6001:6001")),
                ProxySettings.defaults(), Map.of(), java.util.Set.of(), Map.of(),
                p -> p.port() == 6000 && p.instance().equals("app") ? "is quarantined: because" : null);
        assertThat(plan.errors()).containsExactly("instance \"app\": route \"tcp://6000:6000\": public port 6000/tcp is quarantined: because");
        assertThat(plan.publicPorts()).containsExactly(new PublicPort("tcp", 6001, "app"));
    }

    @Test
    void lastGoodAndRejectedFilesSitNextToTheStaticFileWithAUtcStamp() {
        Path f = Path.of("/etc/traefik/traefik.yml");
        assertThat(StaticFallback.lastGood(f)).isEqualTo(Path.of("/etc/traefik/traefik.yml.last-good"));
        assertThat(StaticFallback.rejected(f, Instant.parse("2026-12-07T02:16:23.5Z")))
                .isEqualTo(Path.of("/etc/traefik/traefik.yml.rejected-20261207T021623Z"));
    }

    @Test
    void quarantineReasonSaysWhatFailedThatTheOldFileIsBackAndWhatToDo() {
        assertThat(StaticFallback.quarantineReason("2026-12-07T02:16:23Z", "unit traefik is failed"))
                .contains("2026-12-07T02:16:23Z").contains("unit traefik is failed")
                .contains("previous static configuration was restored").contains("terrariumctl reconfigure");
        assertThat(StaticFallback.sha256("a")).isEqualTo("ca978112ca1bbdcafac231b39a23dc4da786eff8147c4e72b9807785afee48bb");
    }

    @Test
    void aLastGoodFileMustBeAYamlMappingWithEntrypoints() throws Exception {
        assertThat(StaticFallback.usableListeners("entryPoints:\n  web: {address: \":80\"}\n")).containsExactly("80/tcp");
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> StaticFallback.usableListeners("{garbage: [\n"))
                .isInstanceOf(java.io.IOException.class).hasMessageStartingWith("not YAML: ").hasMessageNotContaining("\n");
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> StaticFallback.usableListeners("garbage"))
                .hasMessage("not a Traefik static file (not a YAML mapping)");
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> StaticFallback.usableListeners("log: {level: INFO}\n"))
                .hasMessage("not a Traefik static file (no entryPoints with an address)");
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> StaticFallback.usableListeners(""))
                .hasMessage("not a Traefik static file (not a YAML mapping)");
    }

    @Test
    void anExistingRejectedCopyWithTheSameBytesIsFound(@org.junit.jupiter.api.io.TempDir Path dir) throws Exception {
        Path sf = dir.resolve("traefik.yml");
        java.nio.file.Files.writeString(dir.resolve("traefik.yml.rejected-20260101T000000Z"), "a: 1\n");
        java.nio.file.Files.writeString(dir.resolve("traefik.yml.rejected-20260102T000000Z"), "a: 2\n");
        assertThat(StaticFallback.existingRejectedCopy(sf, "a: 2\n")).isEqualTo(dir.resolve("traefik.yml.rejected-20260102T000000Z"));
        assertThat(StaticFallback.existingRejectedCopy(sf, "a: 3\n")).isNull();
    }
}
