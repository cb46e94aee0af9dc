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

    @Test
    void aServerOfDotsAndANullServerAreNamedProblemsNotAcceptedOrACrash() {
        assertThat(problems(kafka(List.of("...:9092", "a..b:9092", "-k:9092"), "t", null, null, null, null)))
                .contains("events.kafka.bootstrap_servers: \"...:9092\" is not host:port (e.g. kafka1.example.com:9092, 10.0.0.5:9092, [fd00::5]:9092)")
                .anyMatch(p -> p.startsWith("events.kafka.bootstrap_servers: \"a..b:9092\""))
                .anyMatch(p -> p.startsWith("events.kafka.bootstrap_servers: \"-k:9092\""));
        // the YAML that once ended in "problem: java.lang.NullPointerException"
        assertThat(problems("version: 1\nevents:\n  kafka:\n    bootstrap_servers: [null]\n    topic: t\n"))
                .containsExactly("t: events.kafka.bootstrap_servers: \"null\" is not host:port (e.g. kafka1.example.com:9092, 10.0.0.5:9092, [fd00::5]:9092)");
    }

    @Test
    void theManageHostMustDifferFromTheProxyHost() {
        assertThat(problems("version: 1\ndomains:\n  base: example.org\n  manage: p.example.org\n  proxy: p.example.org\n"))
                .containsExactly("t: domains.proxy: \"p.example.org\" is also domains.manage; each admin page needs "
                + "its own host name (two Traefik routers with one Host rule shadow each other)");
        assertThat(problems("version: 1\ndomains:\n  base: example.org\n  manage: proxy.example.org\n"))
                .anyMatch(p -> p.startsWith("t: domains.proxy: \"proxy.example.org\" is also domains.manage"));
        assertThat(problems("version: 1\ndomains:\n  base: example.org\n")).isEmpty();
    }

    /** The problems {@code config check} reports for a YAML text (empty when it is valid). */
    private static List<String> problems(String yaml) {
        try {
            new ConfigCodec().parse(yaml, "t");
            return List.of();
        } catch (ConfigException e) {
            return e.problems();
        }
    }

    private static List<String> notify(TerrariumConfig.Webhook w, TerrariumConfig.Healthchecks h, java.util.Map<String, String> stale) {
        return ConfigValidator.validate(TerrariumConfig.defaults().withEvents(new TerrariumConfig.Events(null, w, h, stale)));
    }

    @Test
    void notificationsReadTheirUrlsFromSecretFilesAndCheckSlugsAndAges() {
        assertThat(notify(new TerrariumConfig.Webhook("/etc/terrarium/secrets/webhook-url", null),
                new TerrariumConfig.Healthchecks("/etc/terrarium/secrets/hc", "web1-", 5), java.util.Map.of("s3-export", "26h")))
                .isEmpty();
        // the URL pasted instead of a path: refused without echoing the token (tester, session 4)
        assertThat(notify(new TerrariumConfig.Webhook("https://hooks.example.com/T0K3N", 0), null, java.util.Map.of()))
                .containsExactly("events.webhook.url_file: is a URL, not a file path (value not shown: it may hold a token); put the"
                                + " webhook URL in a file under /etc/terrarium/secrets/ (chmod 600) and name that path",
                        "events.webhook.timeout_seconds: 0 is outside 1–60");
        // the strict secret-file rule of every other secret path: directly in the directory, plain name (tester, session 4)
        for (String bad : new String[]{"/etc/terrarium/secrets/sub/webhook-url", "/etc/terrarium/secrets/x;rm -rf", "/etc/terrarium/secrets/UPPER url"}) {
            assertThat(notify(new TerrariumConfig.Webhook(bad, null), null, java.util.Map.of())).as(bad)
                    .singleElement().satisfies(m -> assertThat(m).startsWith("events.webhook.url_file: \"" + bad + "\" must be a file under"
                            + " /etc/terrarium/secrets/ (directly in it"));
        }
        assertThat(notify(null, new TerrariumConfig.Healthchecks(null, "Web 1\n", null), java.util.Map.of()))
                .containsExactly("events.healthchecks.ping_url_file: required (a file under /etc/terrarium/secrets/ holding the ping URL)",
                        "events.healthchecks.slug_prefix: \"Web 1\\u000a\" may hold only a-z, 0-9, '-' and '_' (at most 64; healthchecks.io slugs)");
        assertThat(notify(new TerrariumConfig.Webhook("/etc/terrarium/secrets/hook", null), null,
                java.util.Map.of("snapshot", "1.5h", "s3-exprot", "26h")))
                .containsExactlyInAnyOrder(
                        "events.stale_after.snapshot: \"1.5h\" is not an age (a whole number of 1–999999 with m, h or d, e.g. 90m, 26h, 2d)",
                        "events.stale_after: unknown job \"s3-exprot\" (known: host-facts, proxy-sync, replicate, s3-export, s3-janitor, s3-verify, snapshot)");
        // staleness notices go to the webhook only: healthchecks alone would accept the setting and do nothing (tester, session 4)
        assertThat(notify(null, new TerrariumConfig.Healthchecks("/etc/terrarium/secrets/hc", null, null), java.util.Map.of("snapshot", "2h")))
                .containsExactly("events.stale_after: set, but there is no events.webhook to send job.stale to (healthchecks.io detects"
                        + " staleness itself: give each check the job's period and a grace time there)");
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
