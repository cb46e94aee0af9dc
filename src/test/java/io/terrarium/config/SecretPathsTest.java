package io.terrarium.config;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class SecretPathsTest {
    private final ConfigCodec codec = new ConfigCodec();

    private java.util.List<String> problems(String yaml) {
        try {
            return ConfigValidator.validate(codec.parse("version: 1\n" + yaml, "t"));
        } catch (ConfigException e) {
            return java.util.List.of(e.getMessage());
        }
    }

    /** Accepted before (found by the new-user test): a path that only looks like it names a secret file. */
    @Test
    void secretPathsWithDotDotOrDotSegmentsAreRefusedNamingTheKey() {
        assertThat(String.join("\n", problems("s3:\n  secret_key_file: /root/../etc/shadow\n")))
                .contains("s3.secret_key_file: \"/root/../etc/shadow\" must be an absolute path without '.' or '..' parts");
        assertThat(String.join("\n", problems("events:\n  kafka:\n    bootstrap_servers: [k.example.com:9092]\n    topic: t\n"
                + "    security_protocol: SASL_SSL\n    sasl_mechanism: PLAIN\n    sasl_username: u\n"
                + "    sasl_password_file: /etc/terrarium/secrets/..\n")))
                .contains("events.kafka.sasl_password_file: \"/etc/terrarium/secrets/..\" must be a file under /etc/terrarium/secrets/");
    }

    @Test
    void plainPathsPassAndEverySegmentIsChecked() {
        assertThat(ConfigValidator.plainPath("/etc/terrarium/secrets/s3-secret-key")).isTrue();
        assertThat(ConfigValidator.plainPath("/etc/terrarium/secrets/./x")).isFalse();
        assertThat(ConfigValidator.plainPath("/etc//terrarium/x")).isFalse();
        assertThat(ConfigValidator.plainPath("/etc/terrarium/..")).isFalse();
        assertThat(ConfigValidator.plainPath("/etc/terrarium/secrets/..hidden")).isTrue();
    }
}
