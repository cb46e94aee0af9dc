package io.terrarium.it;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;

/** The daemon refuses to start on an invalid stored configuration and says why. */
class DaemonConfigIT {
    @TempDir
    Path dir;

    @Test
    void refusesToStartOnAnInvalidStoredConfiguration() throws Exception {
        String saved = StoredConfig.rawValue();
        try {
            StoredConfig.setYaml("version: 1\ndaemon:\n  management_host: 0.0.0.0\n");
            var r = new Terrariumctl(dir).run(Duration.ofSeconds(60), "daemon", "--port", String.valueOf(Terrariumctl.freePort()));
            assertThat(r.exit()).isEqualTo(1);
            assertThat(r.err()).contains("refusing to start")
                    .contains("daemon.management_host: \"0.0.0.0\" must be a loopback address");
        } finally {
            StoredConfig.restore(saved);
        }
    }
}
