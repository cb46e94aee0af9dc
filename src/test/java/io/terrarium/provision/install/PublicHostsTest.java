package io.terrarium.provision.install;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class PublicHostsTest {
    @Test
    void servicesGetDashedIpTraefikMeNames() {
        var d = PublicHosts.forIp("203.0.113.7");
        assertThat(d.base()).isEqualTo("203-0-113-7.traefik.me");
        assertThat(d.manageHost()).isEqualTo("manage.203-0-113-7.traefik.me");
        assertThat(d.proxyHost()).isEqualTo("proxy.203-0-113-7.traefik.me");
        assertThat(d.lxdHost()).isEqualTo("lxd.203-0-113-7.traefik.me");
        assertThat(d.authHost()).isEqualTo("auth.203-0-113-7.traefik.me");
    }

    @Test
    void onlyDottedQuadsAreAccepted() {
        assertThatThrownBy(() -> PublicHosts.forIp("256.1.1.1")).hasMessage("\"256.1.1.1\" is not an IPv4 address (traefik.me names need one)");
        assertThatThrownBy(() -> PublicHosts.forIp("2001:db8::1")).isInstanceOf(IllegalArgumentException.class);
    }
}
