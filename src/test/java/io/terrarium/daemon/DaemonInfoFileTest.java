package io.terrarium.daemon;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.terrarium.cli.served.ServedProtocol;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

/** What reads the daemon's runtime file ({@code daemon.json}) makes of a file that is not a regular one. */
class DaemonInfoFileTest {
    /**
     * Tester, session 11: a FIFO at {@code daemon.json} made {@code status} (served and in its own JVM)
     * wait forever for a writer. Both readers — the CLI's JVM and the launcher's client — now take
     * anything but a regular file for "no runtime file", at once.
     */
    @Test
    void aFifoInPlaceOfTheRuntimeFileIsNoDaemonAndNoWait(@TempDir Path run) throws Exception {
        Path fifo = run.resolve("daemon.json");
        Process mk = new ProcessBuilder("mkfifo", fifo.toString()).start();
        assertThat(mk.waitFor()).isZero();
        assertThat(Files.isRegularFile(fifo)).isFalse();
        assertThat(Files.exists(fifo)).isTrue();
        assertTimeoutPreemptively(Duration.ofSeconds(5), () -> {
            assertThat(DaemonInfo.read(fifo, new ObjectMapper().findAndRegisterModules())).isNull();
            assertThat(ServedProtocol.daemonStopped(Map.of("TERRARIUM_RUN_DIR", run.toString()))).isFalse();
        });
    }
}
