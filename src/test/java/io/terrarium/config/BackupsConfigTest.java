package io.terrarium.config;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class BackupsConfigTest {
    private final ConfigCodec codec = new ConfigCodec();

    @Test
    void defaultsAreTheDocumentedPolicy() {
        var b = codec.parse("version: 1\n", "t").backups();
        assertThat(b.sanoidConf()).isEqualTo("/etc/sanoid/sanoid.conf");
        var p = b.policy();
        assertThat(new int[]{p.frequently(), p.hourly(), p.daily(), p.monthly(), p.yearly(), p.frequentPeriod()})
                .containsExactly(4, 24, 14, 3, 0, 15);
        assertThat(b.syncoid().enabled()).isFalse();
        assertThat(b.syncoid().sshPort()).isEqualTo(22);
    }

    @Test
    void enabledSyncoidNeedsTargetDatasetAndKeyAndValidValues() {
        assertThatThrownBy(() -> codec.parse("""
                version: 1
                backups:
                  policy:
                    frequent_period: 7
                  syncoid:
                    enabled: true
                    target: not-a-target
                    ssh_port: 70000
                """, "t"))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("backups.policy.frequent_period: 7")
                .hasMessageContaining("backups.syncoid.target: \"not-a-target\" must be user@host")
                .hasMessageContaining("backups.syncoid.target_dataset: required")
                .hasMessageContaining("backups.syncoid.ssh_key: required")
                .hasMessageContaining("backups.syncoid.ssh_port: 70000");
    }

    @Test
    void unknownBackupKeysAreRejected() {
        assertThatThrownBy(() -> codec.parse("version: 1\nbackups:\n  syncoid:\n    password: x\n", "t"))
                .hasMessageContaining("unknown key \"password\"");
    }

    @Test
    void roundTripsSyncoidSettings() {
        var c = codec.parse("""
                version: 1
                backups:
                  syncoid:
                    enabled: true
                    target: backup@mirror.example.com
                    target_dataset: tank/terrarium
                    ssh_key: /etc/terrarium/secrets/syncoid_ed25519
                """, "t");
        assertThat(codec.parse(codec.write(c), "t")).isEqualTo(c);
    }
}
