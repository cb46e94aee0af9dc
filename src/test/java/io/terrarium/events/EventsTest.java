package io.terrarium.events;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.terrarium.App;
import io.terrarium.config.TerrariumConfig;
import io.terrarium.jobs.JobResult;
import org.apache.camel.CamelContext;
import org.apache.camel.impl.DefaultCamelContext;
import org.apache.camel.component.kafka.KafkaConfiguration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/** The event schema, its documented examples, the pure event builders and the publisher's bounds. */
class EventsTest {
    private static final ObjectMapper JSON = App.jsonMapper();

    private static JsonNode json(Event e) throws Exception {
        return JSON.readTree(JSON.writeValueAsString(e.from("tr1", "k3x9q2mfa8")));
    }

    @Test
    void everyDocumentedExampleValidatesAgainstTheSchema() throws Exception {
        String doc = Files.readString(Path.of("docs/events.md"));
        Matcher m = Pattern.compile("```json\\n(.*?)\\n```", Pattern.DOTALL).matcher(doc);
        List<String> types = new ArrayList<>();
        while (m.find()) {
            JsonNode ex = JSON.readTree(m.group(1));
            assertThat(EventSchema.problems(ex)).as(m.group(1)).isEmpty();
            types.add(ex.path("type").asText());
        }
        assertThat(types).containsExactly("job.run", "backup.export", "backup.restore", "proxy.route");
    }

    @Test
    void everyEventBuilderWritesSchemaValidJson() throws Exception {
        JobResult r = new JobResult("s3-export", JobResult.Status.WARNING, "1 dataset(s) exported", "schedule",
                Instant.parse("2026-12-06T11:00:00Z"), 4411, "daemon pid 812", Map.of("errors", List.of()));
        Map<String, Object> row = new LinkedHashMap<>();
        row.put("instance", "web");
        row.put("dataset", "terrarium/containers/web");
        row.put("status", "failed");
        Map<String, Object> okRow = new LinkedHashMap<>(row);
        okRow.put("status", "ok");
        okRow.put("kind", "full");
        Map<String, Object> tidyRow = new LinkedHashMap<>(okRow);
        tidyRow.put("retention_error", "cannot delete chain 1");
        List<Event> all = new ArrayList<>(List.of(Event.jobRun(r), Event.export("web", row), Event.export("web", okRow),
                Event.export("web", tidyRow),
                Event.restore("web", "s3", false, "restore from S3 failed", Map.of("restore_point", "20261206T110000Z")),
                Event.restore("db", "local", true, "restored db", Map.of("snapshot", "autosnap_x", "duration_ms", 12L)),
                Event.verification("web", "OK", "web: 3 restore point(s) verified", Map.of("instance", "web"))));
        all.addAll(ProxyRouteChanges.between(List.of(), List.of(route("blog", "https://blog.example.com", "tcp:127.0.0.1:18081"))));
        for (Event e : all) {
            JsonNode n = json(e);
            assertThat(EventSchema.problems(n)).as(n.toString()).isEmpty();
            assertThat(n.path("host").asText()).isEqualTo("tr1");
        }
        assertThat(all).extracting(Event::key).containsExactly("s3-export", "web", "web", "web", "web", "db", "web", "blog");
        assertThat(all).extracting(Event::status).containsExactly("WARNING", "FAILED", "OK", "WARNING", "FAILED", "OK", "OK", "OK");
        assertThat(json(all.get(0)).path("details").path("duration_ms").asLong()).isEqualTo(4411);
    }

    @Test
    void theSchemaRejectsAnEventWithoutKeyOrWithAnUnknownType() throws Exception {
        JsonNode ok = json(Event.verification("web", "OK", "fine", Map.of()));
        assertThat(EventSchema.problems(ok)).isEmpty();
        com.fasterxml.jackson.databind.node.ObjectNode noKey = ok.deepCopy();
        noKey.remove("key");
        assertThat(EventSchema.problems(noKey)).isNotEmpty();
        com.fasterxml.jackson.databind.node.ObjectNode badType = ok.deepCopy();
        badType.put("type", "backup.deleted");
        assertThat(EventSchema.problems(badType)).isNotEmpty();
        com.fasterxml.jackson.databind.node.ObjectNode noInstance = ok.deepCopy();
        noInstance.remove("instance");
        assertThat(EventSchema.problems(noInstance)).isNotEmpty();
    }

    private static Map<String, Object> route(String instance, String route, String bridge) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("instance", instance);
        m.put("route", route);
        m.put("public", route + "/");
        m.put("bridge", bridge);
        m.put("auth", null);
        m.put("status", "ok");
        m.put("reason", null);
        return m;
    }

    @Test
    void proxyRouteChangesAreAddedChangedAndRemovedRoutesOnly() {
        Map<String, Object> error = new LinkedHashMap<>(route("bad", null, null));
        error.put("status", "error");
        List<Map<String, Object>> before = List.of(route("a", "https://a.example.com", "tcp:127.0.0.1:18081"),
                route("b", "https://b.example.com", "tcp:127.0.0.1:18082"),
                route("c", "https://c.example.com", "tcp:127.0.0.1:18083"));
        List<Map<String, Object>> after = List.of(route("a", "https://a.example.com", "tcp:127.0.0.1:18081"),
                route("b", "https://b.example.com", "tcp:127.0.0.1:18090"),
                route("d", "tcp://2222:22", "tcp:127.0.0.1:18084"), error);
        List<Event> ev = ProxyRouteChanges.between(before, after);
        assertThat(ev).extracting(e -> e.instance() + " " + e.details().get("change") + " " + e.details().get("route"))
                .containsExactly("b changed https://b.example.com", "c removed https://c.example.com", "d added tcp://2222:22");
        assertThat(ProxyRouteChanges.between(after, after)).isEmpty();
        assertThat(ProxyRouteChanges.between(null, List.of(error))).isEmpty();
    }

    @Test
    void aRefusedClaimIsReportedOnceToTheClaimantAndToTheOwner() throws Exception {
        Map<String, Object> refused = new LinkedHashMap<>(route("b", null, null));
        refused.put("status", "conflict");
        refused.put("reason", "instance \"b\": route \"https://a.example.com/api\": host a.example.com is owned by a (…)");
        Map<String, Object> contested = new LinkedHashMap<>(route("a", null, null));
        contested.put("status", "contested");
        contested.put("reason", "instance \"a\": host a.example.com also claimed by b (route \"https://a.example.com/api\", refused: a owns it)");
        List<Map<String, Object>> after = List.of(route("a", "https://a.example.com", "tcp:127.0.0.1:18081"), refused, contested);
        List<Event> ev = ProxyRouteChanges.between(List.of(route("a", "https://a.example.com", "tcp:127.0.0.1:18081")), after);
        assertThat(ev).extracting(e -> e.key() + " " + e.status() + " " + e.details().get("change"))
                .containsExactly("a WARNING contested", "b FAILED refused");
        for (Event e : ev) {
            assertThat(EventSchema.problems(json(e))).isEmpty();
        }
        assertThat(ProxyRouteChanges.between(after, after)).isEmpty();
    }

    @Test
    void jobRunEventsKnowOnlyTheJobsDirectEndpoints() {
        JobRunEvents n = new JobRunEvents(Set.of("s3-export", "proxy-sync"), JSON);
        assertThat(n.job("direct://s3-export")).isEqualTo("s3-export");
        assertThat(n.job("direct:proxy-sync")).isEqualTo("proxy-sync");
        assertThat(n.job("direct://job-submit")).isNull();
        assertThat(n.job("seda://s3-export")).isNull();
        assertThat(n.job(null)).isNull();
    }

    private static TerrariumConfig.Kafka kafka(String protocol, String mech, String user, String file, int deliveryS, int queue) {
        return new TerrariumConfig.Kafka(List.of("k1.example.com:9092", "[fd00::5]:9093"), "terrarium.events", null,
                protocol, mech, user, file, deliveryS, queue);
    }

    @Test
    void clientSettingsBoundEveryWaitByTheDeliveryTimeout() throws Exception {
        KafkaConfiguration c = KafkaEvents.configuration(kafka(null, null, null, null, 20, 10));
        assertThat(c.getBrokers()).isEqualTo("k1.example.com:9092,[fd00::5]:9093");
        assertThat(c.getDeliveryTimeoutMs()).isEqualTo(20_000);
        assertThat(c.getRequestTimeoutMs()).isEqualTo(20_000);
        assertThat(c.getMaxBlockMs()).isEqualTo(20_000);
        assertThat(c.getSecurityProtocol()).isEqualTo("PLAINTEXT");
        assertThat(c.getSaslJaasConfig()).isNull();
        KafkaConfiguration longer = KafkaEvents.configuration(kafka(null, null, null, null, 120, 10));
        assertThat(longer.getRequestTimeoutMs()).isEqualTo(30_000);
        assertThat(longer.getDeliveryTimeoutMs()).isEqualTo(120_000);
    }

    @Test
    void saslPasswordIsReadFromItsFileIntoTheJaasLineOnly(@TempDir Path dir) throws Exception {
        Path f = dir.resolve("kafka-password");
        Files.writeString(f, "p\"a\\ss\n");
        KafkaConfiguration c = KafkaEvents.configuration(kafka("SASL_SSL", "SCRAM-SHA-512", "terrarium", f.toString(), 60, 10));
        assertThat(c.getSaslMechanism()).isEqualTo("SCRAM-SHA-512");
        assertThat(c.getSaslJaasConfig()).isEqualTo("org.apache.kafka.common.security.scram.ScramLoginModule required "
                + "username=\"terrarium\" password=\"p\\\"a\\\\ss\";");
        assertThat(KafkaEvents.jaas("PLAIN", "u", f)).startsWith("org.apache.kafka.common.security.plain.PlainLoginModule required");
    }

    @Test
    void aFullQueueRefusesAtOnceAndCountsInsteadOfBlockingOrThrowing() throws Exception {
        // nothing listens on 127.0.0.1:1: the route's one consumer waits for metadata (max.block.ms = 1 s)
        TerrariumConfig.Kafka k = new TerrariumConfig.Kafka(List.of("127.0.0.1:1"), "t", null, null, null, null, null, 1, 2);
        KafkaEvents events = new KafkaEvents(k, null, "h", JSON);
        try (CamelContext ctx = new DefaultCamelContext()) {
            ctx.disableJMX();
            events.addTo(ctx);
            ctx.start();
            assertThat(ctx.getEndpoints()).extracting(org.apache.camel.Endpoint::getEndpointUri)
                    .noneMatch(u -> u.contains("password") || u.contains("jaas"));
            long t0 = System.nanoTime();
            for (int i = 0; i < 20; i++) {
                events.publish(Event.verification("web", "OK", "n" + i, Map.of()));
            }
            long ms = (System.nanoTime() - t0) / 1_000_000;
            assertThat(ms).as("20 publishes with the broker unreachable (ms)").isLessThan(2000);
            assertThat(events.failed()).as("refused by the full queue at once").isGreaterThanOrEqualTo(20 - 2 - 1);
            long deadline = System.nanoTime() + 30_000_000_000L;
            while (events.failed() < 20 && System.nanoTime() < deadline) {
                Thread.sleep(100);
            }
            assertThat(events.failed()).as("every event counted, none lost silently").isEqualTo(20);
            assertThat(events.published()).isZero();
        }
    }
}
