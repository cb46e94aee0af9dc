package io.terrarium.console;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class JolokiaForwardTest {
    @Test
    void aPostFromAnotherOriginInTheOperatorsBrowserIsRefused() {
        assertThat(JolokiaForward.crossSite("https://evil.example", "cross-site", "http", "127.0.0.1:43121"))
                .contains("cross-site");
        assertThat(JolokiaForward.crossSite("http://127.0.0.1:9999", null, "http", "127.0.0.1:43121"))
                .contains("another origin").contains("http://127.0.0.1:9999");
        assertThat(JolokiaForward.crossSite("null", null, "http", "127.0.0.1:43121")).isNotNull(); // sandboxed iframe / file:
    }

    @Test
    void hawtiosOwnRequestsAndNonBrowserClientsPass() {
        assertThat(JolokiaForward.crossSite("http://127.0.0.1:43121", "same-origin", "http", "127.0.0.1:43121")).isNull();
        assertThat(JolokiaForward.crossSite(null, null, "http", "127.0.0.1:43121")).isNull();
        assertThat(JolokiaForward.crossSite(null, "none", "http", "localhost:43121")).isNull();
    }
}
