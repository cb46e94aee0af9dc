package io.terrarium.config;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** Validation of {@code events.kafka} (docs/configuration.md "The events section"). */
class EventsConfigTest {
    private static List<String> problems(TerrariumConfig.Kafka k) {
        return ConfigValidator.validate(TerrariumConfig.defaults().withEvents(new TerrariumConfig.Events(k)));
    }

    private static TerrariumConfig.Kafka kafka(List<String> servers, String topic, String protocol, String mech, String user,
                                               String file) {
        return new TerrariumConfig.Kafka(servers, topic, null, protocol, mech, user, file, null, null);
    }

    @Test
    void aPlainSectionIsValidAndTakesItsDefaults() {
        TerrariumConfig.Kafka k = kafka(List.of("kafka1.example.com:9092", "10.0.0.5:9092", "[fd00::5]:9092"),
                "terrarium.events", null, null, null, null);
        assertThat(problems(k)).isEmpty();
        assertThat(k.clientId()).isEqualTo("terrarium");
        assertThat(k.deliveryTimeoutSeconds()).isEqualTo(60);
        assertThat(k.queueSize()).isEqualTo(1000);
    }

    @Test
    void noEventsSectionMeansNoKafka() {
        assertThat(TerrariumConfig.defaults().events().kafka()).isNull();
        ConfigCodec codec = new ConfigCodec();
        TerrariumConfig c = codec.parse("version: 1\n", "t");
        assertThat(codec.write(c)).doesNotContain("kafka");
    }

    @Test
    void serversTopicAndSaslAreChecked() {
        assertThat(problems(kafka(List.of(), "t", null, null, null, null)))
                .anyMatch(p -> p.startsWith("events.kafka.bootstrap_servers: required"));
        assertThat(problems(kafka(List.of("kafka:99999", "a b:1"), "bad topic", null, null, null, null)))
                .contains("events.kafka.bootstrap_servers: \"kafka:99999\" is not host:port (e.g. kafka1.example.com:9092, 10.0.0.5:9092, [fd00::5]:9092)")
                .anyMatch(p -> p.startsWith("events.kafka.bootstrap_servers: \"a b:1\""))
                .anyMatch(p -> p.startsWith("events.kafka.topic: \"bad topic\""));
        assertThat(problems(kafka(List.of("k:9092"), "t", "SASL_SSL", null, null, null)))
                .contains("events.kafka.sasl_mechanism: required when security_protocol is SASL_SSL",
                        "events.kafka.sasl_username: required when security_protocol is SASL_SSL",
                        "events.kafka.sasl_password_file: required when security_protocol is SASL_SSL");
        assertThat(problems(kafka(List.of("k:9092"), "t", null, "PLAIN", "u", null)))
                .anyMatch(p -> p.startsWith("events.kafka.sasl_mechanism: only used with security_protocol SASL_PLAINTEXT or SASL_SSL"));
        assertThat(problems(kafka(List.of("k:9092"), "t", "SASL_SSL", "GSSAPI", "u", "/etc/terrarium/secrets/../shadow")))
                .anyMatch(p -> p.startsWith("events.kafka.sasl_mechanism: \"GSSAPI\""))
                .anyMatch(p -> p.startsWith("events.kafka.sasl_password_file: \"/etc/terrarium/secrets/../shadow\" must be a file under"));
        assertThat(problems(kafka(List.of("k:9092"), "t", "SASL_SSL", "SCRAM-SHA-256", "u", "/etc/terrarium/secrets/kafka"))).isEmpty();
    }

    private static List<String> notify(TerrariumConfig.Webhook w, TerrariumConfig.Healthchecks h, java.util.Map<String, String> stale) {
        return ConfigValidator.validate(TerrariumConfig.defaults().withEvents(new TerrariumConfig.Events(null, w, h, stale)));
    }

    @Test
    void notificationsReadTheirUrlsFromSecretFilesAndCheckSlugsAndAges() {
        assertThat(notify(new TerrariumConfig.Webhook("/etc/terrarium/secrets/webhook-url", null),
                new TerrariumConfig.Healthchecks("/etc/terrarium/secrets/hc", "web1-", 5), java.util.Map.of("s3-export", "26h")))
                .isEmpty();
        assertThat(notify(new TerrariumConfig.Webhook("https://hooks.example.com/T0K3N", 0), null, java.util.Map.of()))
                .containsExactly("events.webhook.url_file: \"https://hooks.example.com/T0K3N\" must be a file under /etc/terrarium/secrets/"
                                + " (root-only, 0600; the webhook URL itself never goes in the config)",
                        "events.webhook.timeout_seconds: 0 is outside 1–60");
        assertThat(notify(null, new TerrariumConfig.Healthchecks(null, "Web 1\n", null), java.util.Map.of("snapshot", "1.5h")))
                .containsExactly("events.healthchecks.ping_url_file: required (a file under /etc/terrarium/secrets/ holding the ping URL)",
                        "events.healthchecks.slug_prefix: \"Web 1\\u000a\" may hold only a-z, 0-9, '-' and '_' (at most 64; healthchecks.io slugs)",
                        "events.stale_after.snapshot: \"1.5h\" is not an age (a whole number with m, h or d, e.g. 90m, 26h, 2d; at least 1m)");
        assertThat(notify(null, null, java.util.Map.of("snapshot", "2h")))
                .containsExactly("events.stale_after: set, but there is no webhook or healthchecks to notify (set events.webhook or events.healthchecks)");
    }

    @Test
    void notificationsRoundTripThroughTheStoredYaml() {
        ConfigCodec codec = new ConfigCodec();
        TerrariumConfig c = codec.parse("version: 1\nevents:\n  webhook:\n    url_file: /etc/terrarium/secrets/hook\n"
                + "  stale_after:\n    s3-export: 26h\n", "t");
        assertThat(c.events().webhook().urlFile()).isEqualTo("/etc/terrarium/secrets/hook");
        assertThat(c.events().webhook().timeoutSeconds()).isEqualTo(10);
        assertThat(c.events().staleAfter()).containsExactly(java.util.Map.entry("s3-export", "26h"));
        assertThat(codec.parse(codec.write(c), "t")).isEqualTo(c);
    }
}
