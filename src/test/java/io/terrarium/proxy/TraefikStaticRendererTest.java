package io.terrarium.proxy;

import static io.terrarium.proxy.TraefikChecks.assertGolden;
import static io.terrarium.proxy.TraefikChecks.assertValidStatic;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class TraefikStaticRendererTest {

    @Test
    void withoutPortsOrDnsProviderOnlyWebWebsecureAndHttpChallenge() {
        String yaml = TraefikStaticRenderer.render(ProxySettings.defaults(), List.of());
        assertValidStatic(yaml);
        assertGolden("static-minimal.yml", yaml);
    }

    @Test
    void c13_publishedPortsBecomeEntrypointsAndDnsResolverAppearsWhenConfigured() {
        ProxySettings settings = ProxyLabelParserTest.SETTINGS.withAcmeEmail("ops@example.com");
        String yaml = TraefikStaticRenderer.render(settings, List.of(
                new PublicPort("udp", 53, "dns1"), new PublicPort("tcp", 5432, "pg1")));
        assertValidStatic(yaml);
        assertGolden("static-ports-dns.yml", yaml);
    }

    @Test
    void sameSetOfPortsGivesSameBytesWhoeverPublishesThem() {
        ProxySettings s = ProxySettings.defaults();
        assertThat(TraefikStaticRenderer.render(s, List.of(new PublicPort("tcp", 5432, "a"))))
                .isEqualTo(TraefikStaticRenderer.render(s, List.of(new PublicPort("tcp", 5432, "b"))));
        assertThat(TraefikStaticRenderer.render(s, List.of(new PublicPort("tcp", 5432, "a"))))
                .isNotEqualTo(TraefikStaticRenderer.render(s, List.of(new PublicPort("tcp", 5433, "a"))));
    }
}
