package io.terrarium.provision.install;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.terrarium.config.ConfigValidator;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

/**
 * Checks an OpenID Connect provider before its settings are stored: GET
 * {@code <issuer>/.well-known/openid-configuration} (OpenID Connect Discovery 1.0 §4) and require
 * HTTP 200, a JSON object, an {@code issuer} exactly equal to the configured issuer (§4.3: "MUST
 * be identical"; a trailing slash or another host is a mismatch oauth2-proxy would reject at
 * login), and {@code authorization_endpoint}, {@code token_endpoint} and {@code jwks_uri}.
 * 10 s connect and request timeout; redirects are not followed (an issuer that redirects is not
 * the issuer).
 */
public final class OidcDiscovery {
    /** Path appended to the issuer. */
    public static final String WELL_KNOWN = "/.well-known/openid-configuration";
    private static final Duration TIMEOUT = Duration.ofSeconds(10);

    private OidcDiscovery() {
    }

    /**
     * Outcome.
     *
     * @param ok      whether the provider can be used
     * @param message one line for the operator (what was found, or what is wrong and what to do)
     */
    public record Result(boolean ok, String message) {
    }

    /**
     * Fetches and checks the discovery document.
     *
     * @param issuer the configured issuer URL (validated by {@link ConfigValidator#issuerProblem})
     * @return the result; never throws for network or content problems
     */
    public static Result check(String issuer) {
        return check(issuer, "--oidc");
    }

    /**
     * Fetches and checks the discovery document; messages name the option the issuer came from.
     *
     * @param issuer the issuer URL
     * @param option the option the operator set it with ({@code --oidc} in install, {@code --issuer} in {@code set idp})
     * @return the result; never throws for network or content problems
     */
    public static Result check(String issuer, String option) {
        String problem = ConfigValidator.issuerProblem(issuer);
        if (problem != null) {
            return new Result(false, "issuer " + problem);
        }
        URI url = URI.create(issuer + WELL_KNOWN);
        HttpClient client = HttpClient.newBuilder().connectTimeout(TIMEOUT)
                .followRedirects(HttpClient.Redirect.NEVER).build();
        HttpResponse<String> resp;
        try {
            resp = client.send(HttpRequest.newBuilder(url).timeout(TIMEOUT).header("Accept", "application/json").GET().build(),
                    HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            return new Result(false, "cannot fetch " + url + " (" + e.getClass().getSimpleName()
                    + (e.getMessage() == null ? "" : ": " + e.getMessage()) + "); check " + option + ", DNS and the firewall");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new Result(false, "interrupted while fetching " + url);
        }
        return evaluate(issuer, url, resp.statusCode(), resp.body(), option);
    }

    /** The rules on a fetched response (pure; unit-tested), messages naming {@code --oidc}. */
    static Result evaluate(String issuer, URI url, int status, String body) {
        return evaluate(issuer, url, status, body, "--oidc");
    }

    /** The rules on a fetched response (pure; unit-tested), messages naming {@code option}. */
    static Result evaluate(String issuer, URI url, int status, String body, String option) {
        if (status != 200) {
            return new Result(false, url + " answered HTTP " + status + "; check that " + option + " is the issuer URL "
                    + "(the discovery document must be at <issuer>" + WELL_KNOWN + ")");
        }
        JsonNode doc;
        try {
            doc = new ObjectMapper().readTree(body);
        } catch (IOException e) {
            return new Result(false, url + " did not return JSON; check that " + option + " is the issuer URL");
        }
        if (doc == null || !doc.isObject()) {
            return new Result(false, url + " did not return a JSON object");
        }
        String named = doc.path("issuer").asText("");
        if (!issuer.equals(named)) {
            return new Result(false, "the discovery document at " + url + " names issuer \"" + named
                    + "\", not \"" + issuer + "\"; they must be identical — use " + option + " " + (named.isEmpty() ? "<the issuer>" : named));
        }
        for (String field : new String[]{"authorization_endpoint", "token_endpoint", "jwks_uri"}) {
            if (doc.path(field).asText("").isEmpty()) {
                return new Result(false, "the discovery document at " + url + " has no " + field);
            }
        }
        return new Result(true, "OIDC discovery OK: issuer " + issuer);
    }
}
