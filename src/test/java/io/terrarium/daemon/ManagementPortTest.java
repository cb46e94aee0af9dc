package io.terrarium.daemon;

import org.junit.jupiter.api.Test;

import java.io.IOException;

import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Issue 14 item 7: the daemon refuses a configured management port that a local user could bind first. */
class ManagementPortTest {
    @Test
    void acceptsAPrivilegedPort() {
        assertThatCode(() -> TerrariumDaemon.checkPrivilegedPort(876, false, 1024)).doesNotThrowAnyException();
    }

    @Test
    void refusesAConfiguredUnprivilegedPortNamingTheSysctl() {
        assertThatThrownBy(() -> TerrariumDaemon.checkPrivilegedPort(8765, false, 1024))
                .isInstanceOf(IOException.class)
                .hasMessage("management port 8765 is not privileged (net.ipv4.ip_unprivileged_port_start = 1024): any local user"
                        + " could bind it before the daemon; choose daemon.management_port below 1024 or raise the sysctl back to 1024");
    }

    @Test
    void refusesAPrivilegedPortWhenTheKernelLoweredTheLimit() {
        // sysctl net.ipv4.ip_unprivileged_port_start=0 (some container setups) makes every port bindable by anyone
        assertThatThrownBy(() -> TerrariumDaemon.checkPrivilegedPort(876, false, 0)).hasMessageContaining("is not privileged");
    }

    @Test
    void anExplicitPortOverrideOnlyWarns() {
        assertThatCode(() -> TerrariumDaemon.checkPrivilegedPort(40123, true, 1024)).doesNotThrowAnyException();
    }

    /**
     * The live value as the kernel gives it to {@code sysctl -n}: on this development machine
     * {@code Files.readString} of the procfs file returned "1" for "1024", so the default port 876
     * was refused and the README's main command could not start the daemon.
     */
    @Test
    void readsTheKernelsValueWhole() throws Exception {
        Process p = new ProcessBuilder("sysctl", "-n", "net.ipv4.ip_unprivileged_port_start").redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes()).strip();
        org.junit.jupiter.api.Assumptions.assumeTrue(p.waitFor() == 0, "sysctl not available: " + out);
        org.assertj.core.api.Assertions.assertThat(TerrariumDaemon.unprivilegedPortStart()).isEqualTo(Integer.parseInt(out));
    }
}
