package io.terrarium.it;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.terrarium.testing.KafkaBroker;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The real daemon (packaged launcher, stored configuration in LXD) with {@code events.kafka}
 * pointing at a real Kafka 3.9.1 broker the test starts: a CLI trigger's job run reaches the topic
 * keyed by the job, and the daemon's metrics count it as published.
 */
class DaemonEventsIT {
    @TempDir
    Path dir;

    @Test
    void aJobRunInTheDaemonIsPublishedToKafka() throws Exception {
        String saved = StoredConfig.rawValue();
        String topic = "terrarium.events.daemon-it";
        Process daemon = null;
        try (KafkaBroker broker = KafkaBroker.launch(Duration.ofSeconds(120))) {
            // Replace (never append) the events section: a configuration stored by an earlier
            // command already has one, and a second "events:" key is invalid YAML (CI, session 3).
            String current = StoredConfig.yaml();
            var yaml = new ObjectMapper(new YAMLFactory());
            ObjectNode root = current == null || current.isBlank()
                    ? yaml.createObjectNode().put("version", 1) : (ObjectNode) yaml.readTree(current);
            ObjectNode kafka = root.putObject("events").putObject("kafka");
            kafka.putArray("bootstrap_servers").add(broker.bootstrap());
            kafka.put("topic", topic).put("delivery_timeout_seconds", 10);
            StoredConfig.setYaml(yaml.writeValueAsString(root));
            Terrariumctl trm = new Terrariumctl(dir);
            int port = Terrariumctl.freePort();
            Path log = dir.resolve("daemon.log");
            daemon = trm.builder("daemon", "--port", String.valueOf(port)).redirectErrorStream(true)
                    .redirectOutput(log.toFile()).start();
            long deadline = System.nanoTime() + Duration.ofSeconds(90).toNanos();
            while (!Files.exists(dir.resolve("run/daemon.json"))) {
                assertThat(daemon.isAlive()).as("daemon died: %s", Files.readString(log)).isTrue();
                assertThat(System.nanoTime()).as("daemon up within 90 s").isLessThan(deadline);
                Thread.sleep(100);
            }
            var r = trm.run("jobs", "run", "host-facts");
            assertThat(r.exit()).as(r.all()).isZero();

            Properties p = new Properties();
            p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrap());
            p.put(ConsumerConfig.GROUP_ID_CONFIG, "it-" + UUID.randomUUID());
            p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
            JsonNode event = null;
            try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(p, new StringDeserializer(), new StringDeserializer())) {
                consumer.subscribe(List.of(topic));
                long until = System.nanoTime() + Duration.ofSeconds(60).toNanos();
                while (event == null && System.nanoTime() < until) {
                    for (ConsumerRecord<String, String> rec : consumer.poll(Duration.ofMillis(500))) {
                        if ("host-facts".equals(rec.key())) {
                            event = new ObjectMapper().readTree(rec.value());
                        }
                    }
                }
            }
            assertThat(event).as("job.run event of host-facts on %s; daemon log:\n%s", topic, Files.readString(log)).isNotNull();
            assertThat(event.path("type").asText()).isEqualTo("job.run");
            assertThat(event.path("status").asText()).isEqualTo("OK");
            assertThat(event.path("details").path("trigger").asText()).isEqualTo("cli");
            assertThat(event.path("details").path("ran_in").asText()).isEqualTo("daemon pid " + daemon.pid());
            String metrics = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                    URI.create("http://127.0.0.1:" + port + "/observe/metrics")).header("Authorization",
                    io.terrarium.daemon.ManagementCredentials.read(dir.resolve("etc/secrets/management.properties")).authorizationHeader())
                    .build(), HttpResponse.BodyHandlers.ofString()).body();
            assertThat(metrics).contains("terrarium_events_published_total");
        } finally {
            if (daemon != null && daemon.isAlive()) {
                daemon.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
            StoredConfig.restore(saved);
        }
    }
}
