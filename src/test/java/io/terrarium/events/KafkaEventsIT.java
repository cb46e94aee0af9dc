package io.terrarium.events;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.terrarium.App;
import io.terrarium.config.TerrariumConfig;
import io.terrarium.jobs.Job;
import io.terrarium.jobs.JobResult;
import io.terrarium.routes.JobRoutes;
import io.terrarium.testing.KafkaBroker;
import org.apache.camel.CamelContext;
import org.apache.camel.ProducerTemplate;
import org.apache.camel.impl.DefaultCamelContext;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import java.util.function.Predicate;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Events to a real Kafka 3.9.1 broker (KRaft, a child JVM the test starts and kills; no Docker, no
 * mock), through the production pieces: {@link JobRoutes} with the {@link JobRunEvents} notifier and
 * {@link KafkaEvents} in one CamelContext. Checks key, schema (docs/events.schema.json) and that a
 * broker that is down neither fails nor holds up a job, that every undelivered event is counted
 * and logged, and that events flow again once the broker is back.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class KafkaEventsIT {
    private static final String TOPIC = "terrarium.events.it";
    private static final int DELIVERY_TIMEOUT_S = 3;
    private static final ObjectMapper JSON = App.jsonMapper();

    private static KafkaBroker broker;
    private static CamelContext ctx;
    private static KafkaEvents events;
    private static KafkaConsumer<String, String> consumer;
    private static final List<ConsumerRecord<String, String>> seen = new ArrayList<>();

    /** A job that does nothing and reports OK (the job code is not what is under test). */
    private static final Job JOB = new Job() {
        public String id() {
            return "it-job";
        }

        public String description() {
            return "test job";
        }

        public String defaultSchedule() {
            return "0 0 * * * ?";
        }

        public JobResult run() {
            return new JobResult("it-job", JobResult.Status.OK, "did nothing", null, null, 0, null, Map.of());
        }
    };

    @BeforeAll
    static void startBrokerAndContext() throws Exception {
        broker = KafkaBroker.launch(Duration.ofSeconds(120));
        TerrariumConfig.Kafka k = new TerrariumConfig.Kafka(List.of(broker.bootstrap()), TOPIC, "terrarium-it", null,
                null, null, null, DELIVERY_TIMEOUT_S, 100);
        events = new KafkaEvents(k, "it-installation-1", "it-host", JSON);
        ctx = new DefaultCamelContext();
        ctx.disableJMX();
        JobRoutes routes = new JobRoutes(List.of(JOB), Map.of(), false, JSON, null, "it");
        ctx.addRoutes(routes.errorPolicy());
        ctx.addRoutes(routes);
        events.addTo(ctx);
        ctx.getManagementStrategy().addEventNotifier(new JobRunEvents(java.util.Set.of(JOB.id()), JSON));
        io.terrarium.routes.DevConsoles.loadBeforeStart(ctx); // camel-console 4.17 start race
        ctx.start();
        Events.install(events);
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrap());
        p.put(ConsumerConfig.GROUP_ID_CONFIG, "it-" + UUID.randomUUID());
        p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        consumer = new KafkaConsumer<>(p, new StringDeserializer(), new StringDeserializer());
        consumer.subscribe(List.of(TOPIC));
    }

    @AfterAll
    static void stopAll() throws Exception {
        Events.install(null);
        if (consumer != null) {
            consumer.close(Duration.ofSeconds(2));
        }
        if (ctx != null) {
            ctx.stop();
        }
        if (broker != null) {
            broker.close();
        }
    }

    @Test
    @Order(1)
    void jobRunsAndDomainEventsArriveKeyedAndValidAgainstTheSchema() throws Exception {
        String result = ctx.createProducerTemplate().requestBody("direct:it-job", "cli", String.class);
        assertThat(JSON.readTree(result).path("status").asText()).isEqualTo("OK");
        ConsumerRecord<String, String> run = await(r -> "it-job".equals(r.key()), Duration.ofSeconds(60));
        JsonNode ev = JSON.readTree(run.value());
        assertThat(EventSchema.problems(ev)).isEmpty();
        assertThat(ev.path("type").asText()).isEqualTo("job.run");
        assertThat(ev.path("status").asText()).isEqualTo("OK");
        assertThat(ev.path("summary").asText()).isEqualTo("did nothing");
        assertThat(ev.path("host").asText()).isEqualTo("it-host");
        assertThat(ev.path("installation_id").asText()).isEqualTo("it-installation-1");
        assertThat(ev.path("details").path("trigger").asText()).isEqualTo("cli");

        Map<String, Object> row = new LinkedHashMap<>();
        row.put("instance", "web");
        row.put("dataset", "terrarium/containers/web");
        row.put("status", "ok");
        row.put("kind", "full");
        Event export = Event.export("web", row);
        Events.current().publish(export);
        List<Event> routeChanges = ProxyRouteChanges.between(List.of(), List.of(Map.of("instance", "blog", "route",
                "https://blog.example.com", "public", "https://blog.example.com/", "bridge", "tcp:127.0.0.1:18081",
                "status", "ok")));
        Events.current().publishAll(routeChanges);
        JsonNode ex = JSON.readTree(await(r -> r.value().contains(export.id()), Duration.ofSeconds(30)).value());
        assertThat(EventSchema.problems(ex)).isEmpty();
        assertThat(ex.path("key").asText()).isEqualTo("web");
        assertThat(ex.path("status").asText()).isEqualTo("OK");
        assertThat(ex.path("summary").asText()).isEqualTo("web: exported full");
        ConsumerRecord<String, String> route = await(r -> r.value().contains(routeChanges.get(0).id()), Duration.ofSeconds(30));
        assertThat(route.key()).isEqualTo("blog");
        assertThat(EventSchema.problems(JSON.readTree(route.value()))).isEmpty();
        assertThat(JSON.readTree(route.value()).path("details").path("change").asText()).isEqualTo("added");
        // the producer route counts a delivery after Kafka's acknowledgement reaches it, which can come
        // after the consumer already read the record (seen once in session 8's rehearsal: 2 of 3)
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (events.published() < 3 && System.nanoTime() < deadline) {
            Thread.sleep(50);
        }
        assertThat(events.failed()).isZero();
        assertThat(events.published()).isEqualTo(3);
    }

    @Test
    @Order(2)
    void brokerDownNeitherFailsNorHoldsUpTheJobAndEveryLostEventIsCountedAndLogged() throws Exception {
        broker.stop();
        long failedBefore = events.failed();
        PrintStream err = System.err;
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        System.setErr(new PrintStream(new TeeStream(err, captured), true));
        try {
            ProducerTemplate t = ctx.createProducerTemplate();
            long start = System.nanoTime();
            String result = t.requestBody("direct:it-job", "cli", String.class);
            long tookMs = (System.nanoTime() - start) / 1_000_000;
            assertThat(JSON.readTree(result).path("status").asText()).isEqualTo("OK");
            assertThat(tookMs).as("job run with the broker down (ms)").isLessThan(1000);
            for (int i = 0; i < 5; i++) {
                Events.current().publish(Event.verification("web", "OK", "verified", Map.of()));
            }
            // 1 job run + 5 verifications, each failing after the delivery timeout, none silently
            long deadline = System.nanoTime() + Duration.ofSeconds(DELIVERY_TIMEOUT_S * 10L).toNanos();
            while (events.failed() < failedBefore + 6 && System.nanoTime() < deadline) {
                Thread.sleep(100);
            }
            assertThat(events.failed() - failedBefore).isEqualTo(6);
        } finally {
            System.setErr(err);
        }
        assertThat(captured.toString()).contains("not delivered to Kafka topic " + TOPIC + " within " + DELIVERY_TIMEOUT_S + " s");
    }

    @Test
    @Order(3)
    void eventsFlowAgainWhenTheBrokerIsBack() throws Exception {
        broker.start(Duration.ofSeconds(120));
        long published = events.published();
        String result = ctx.createProducerTemplate().requestBody("direct:it-job", "schedule", String.class);
        assertThat(JSON.readTree(result).path("status").asText()).isEqualTo("OK");
        ConsumerRecord<String, String> run = await(r -> "it-job".equals(r.key())
                && r.value().contains("\"trigger\":\"schedule\""), Duration.ofSeconds(90));
        assertThat(EventSchema.problems(JSON.readTree(run.value()))).isEmpty();
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos(); // the acknowledgement may follow the record
        while (events.published() < published + 1 && System.nanoTime() < deadline) {
            Thread.sleep(50);
        }
        assertThat(events.published()).isEqualTo(published + 1);
    }

    private static ConsumerRecord<String, String> await(Predicate<ConsumerRecord<String, String>> match, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            for (ConsumerRecord<String, String> r : seen) {
                if (match.test(r)) {
                    seen.remove(r);
                    return r;
                }
            }
            consumer.poll(Duration.ofMillis(500)).forEach(seen::add);
        }
        throw new AssertionError("no matching event within " + timeout.toSeconds() + " s; seen: " + seen
                + "\nbroker log:\n" + broker.tail());
    }

    /** Writes to two streams. */
    private static final class TeeStream extends java.io.OutputStream {
        private final java.io.OutputStream a;
        private final java.io.OutputStream b;

        TeeStream(java.io.OutputStream a, java.io.OutputStream b) {
            this.a = a;
            this.b = b;
        }

        @Override
        public void write(int c) throws java.io.IOException {
            a.write(c);
            b.write(c);
        }

        @Override
        public void write(byte[] buf, int off, int len) throws java.io.IOException {
            a.write(buf, off, len);
            b.write(buf, off, len);
        }
    }
}
