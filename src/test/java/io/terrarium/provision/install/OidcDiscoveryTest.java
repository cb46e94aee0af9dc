package io.terrarium.provision.install;

import org.junit.jupiter.api.Test;

import java.net.URI;

import static org.assertj.core.api.Assertions.assertThat;

class OidcDiscoveryTest {
    static final String ISSUER = "https://login.example.com/realms/ops";
    static final URI URL = URI.create(ISSUER + OidcDiscovery.WELL_KNOWN);

    static String doc(String issuer) {
        return "{\"issuer\":\"" + issuer + "\",\"authorization_endpoint\":\"a\",\"token_endpoint\":\"t\",\"jwks_uri\":\"j\"}";
    }

    @Test
    void theIssuerMustBeIdentical() {
        assertThat(OidcDiscovery.evaluate(ISSUER, URL, 200, doc(ISSUER))).isEqualTo(new OidcDiscovery.Result(true, "OIDC discovery OK: issuer " + ISSUER));
        assertThat(OidcDiscovery.evaluate(ISSUER, URL, 200, doc(ISSUER + "/")).message()).isEqualTo("the discovery document at " + URL
                + " names issuer \"" + ISSUER + "/\", not \"" + ISSUER + "\"; they must be identical — use --oidc " + ISSUER + "/");
        assertThat(OidcDiscovery.evaluate(ISSUER, URL, 200, "{\"authorization_endpoint\":\"a\"}").message())
                .endsWith("names issuer \"\", not \"" + ISSUER + "\"; they must be identical — use --oidc <the issuer>");
    }

    @Test
    void httpErrorsNonJsonAndMissingEndpointsAreRefused() {
        assertThat(OidcDiscovery.evaluate(ISSUER, URL, 404, "").message()).isEqualTo(URL + " answered HTTP 404; check that --oidc is the issuer URL"
                + " (the discovery document must be at <issuer>/.well-known/openid-configuration)");
        assertThat(OidcDiscovery.evaluate(ISSUER, URL, 200, "<html>").message()).isEqualTo(URL + " did not return JSON; check that --oidc is the issuer URL");
        assertThat(OidcDiscovery.evaluate(ISSUER, URL, 200, "{\"issuer\":\"" + ISSUER + "\",\"authorization_endpoint\":\"a\",\"token_endpoint\":\"t\"}")
                .message()).isEqualTo("the discovery document at " + URL + " has no jwks_uri");
    }

    @Test
    void plainHttpIsOnlyForLoopbackAndNoFetchHappensForABadIssuer() {
        assertThat(OidcDiscovery.check("http://login.example.com").message())
                .isEqualTo("issuer \"http://login.example.com\" uses plain http to a non-loopback host; use https");
        assertThat(OidcDiscovery.check("https://login.example.com/").ok()).isFalse();
    }

    @Test
    void setIdpMessagesNameTheIssuerOptionNotTheInstallOne() {
        var notFound = OidcDiscovery.evaluate(ISSUER, URL, 404, "", "--issuer");
        assertThat(notFound.message()).contains("check that --issuer is the issuer URL").doesNotContain("--oidc");
        var other = OidcDiscovery.evaluate(ISSUER, URL, 200, doc(ISSUER + "/"), "--issuer");
        assertThat(other.message()).contains("use --issuer " + ISSUER + "/").doesNotContain("--oidc");
        assertThat(OidcDiscovery.evaluate(ISSUER, URL, 200, "[]", "--issuer").message()).doesNotContain("--oidc");
    }
}
