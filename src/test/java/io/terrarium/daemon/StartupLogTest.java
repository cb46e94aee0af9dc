package io.terrarium.daemon;

import io.terrarium.TerrariumTestAccess;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** Issue 15 item 7: the start-up log claimed 0.0.0.0:8765 while the socket was bound to 127.0.0.1. */
class StartupLogTest {
    static final String SUMMARY_LOGGER = "org.slf4j.simpleLogger.log.org.apache.camel.component.platform.http.main.MainHttpServerUtil";

    @Test
    void theStartedLineNamesTheRealBindAddressAndEveryEndpoint() {
        assertThat(TerrariumDaemon.startedLine("1.2.3", 42, "127.0.0.1", 8765)).isEqualTo(
                "terrarium daemon 1.2.3 up: pid 42, management listening on 127.0.0.1:8765 (http://127.0.0.1:8765/observe/health,"
                        + " http://127.0.0.1:8765/observe/metrics, http://127.0.0.1:8765/observe/jolokia)");
        assertThat(TerrariumDaemon.startedLine("1", 1, "::1", 9)).contains("http://[::1]:9/observe/health");
    }

    @Test
    void camelsWildcardEndpointSummaryIsNotLoggedByTheDaemon() {
        String before = System.clearProperty(SUMMARY_LOGGER);
        try {
            TerrariumTestAccess.configureLogging(new String[]{"daemon"});
            assertThat(System.getProperty(SUMMARY_LOGGER)).isEqualTo("warn");
        } finally {
            if (before == null) {
                System.clearProperty(SUMMARY_LOGGER);
            } else {
                System.setProperty(SUMMARY_LOGGER, before);
            }
        }
    }
}
