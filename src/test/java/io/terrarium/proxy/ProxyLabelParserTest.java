package io.terrarium.proxy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.params.provider.Arguments.arguments;

import java.util.List;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Table-driven tests of the {@code user.proxy} grammar: accepted items and exact rejection messages. */
class ProxyLabelParserTest {

    static final ProxySettings SETTINGS = ProxySettings.defaults()
            .withOauth2ProxyUrl("http://127.0.0.1:4180")
            .withDnsProvider("cloudflare")
            .withReservedPorts(Set.of(4180, 8778))
            // the admin allows wildcards under apps.example.com and widened the public range to 1-65535
            .withWildcardBases(Set.of("apps.example.com"))
            .withPublicPortRange(1, 65535);
    static final ProxySettings NO_DNS = SETTINGS.withDnsProvider(null);
    static final ProxySettings NO_AUTH = SETTINGS.withOauth2ProxyUrl(null);

    static HttpRoute http(String source, String scheme, String host, int port, String path, AuthSpec auth) {
        return new HttpRoute(source, scheme, host, host.startsWith("*."), port, path, auth);
    }

    static AuthSpec auth(String callback, String... groups) {
        return new AuthSpec(List.of(groups), callback);
    }

    static Stream<Arguments> accepted() {
        return Stream.of(
                arguments("https://app.example.com:8080", SETTINGS, List.of(
                        http("https://app.example.com:8080", "https", "app.example.com", 8080, "/", null))),
                arguments("http://app.example.com", SETTINGS, List.of(
                        http("http://app.example.com", "http", "app.example.com", 80, "/", null))),
                arguments("https://App.Example.COM/api/", SETTINGS, List.of(
                        http("https://App.Example.COM/api/", "https", "app.example.com", 80, "/api", null))),
                arguments("https://app.example.com/a%20b/c", SETTINGS, List.of(
                        http("https://app.example.com/a%20b/c", "https", "app.example.com", 80, "/a%20b/c", null))),
                arguments("https://app.example.com:8080@auth:devops,admins,admins", SETTINGS, List.of(
                        http("https://app.example.com:8080@auth:devops,admins,admins", "https", "app.example.com",
                                8080, "/", auth(null, "admins", "devops")))),
                arguments("https://app.example.com@auth", SETTINGS, List.of(
                        http("https://app.example.com@auth", "https", "app.example.com", 80, "/", auth(null)))),
                arguments("https://*.apps.example.com:3000@auth:ops~login.apps.example.com", SETTINGS, List.of(
                        http("https://*.apps.example.com:3000@auth:ops~login.apps.example.com", "https",
                                "*.apps.example.com", 3000, "/", auth("login.apps.example.com", "ops")))),
                arguments("http://*.apps.example.com", NO_DNS, List.of(
                        http("http://*.apps.example.com", "http", "*.apps.example.com", 80, "/", null))),
                arguments("tcp://5432:5432", SETTINGS, List.of(new L4Route("tcp://5432:5432", "tcp", 5432, 5432))),
                arguments("udp://53:5353", SETTINGS, List.of(new L4Route("udp://53:5353", "udp", 53, 5353))),
                arguments("HTTPS://a.example.com", SETTINGS, List.of(
                        http("HTTPS://a.example.com", "https", "a.example.com", 80, "/", null))),
                arguments("https://a.example.com@auth:x,y, https://b.example.com:81\n  udp://53:53  \n", SETTINGS, List.of(
                        http("https://a.example.com@auth:x,y", "https", "a.example.com", 80, "/", auth(null, "x", "y")),
                        http("https://b.example.com:81", "https", "b.example.com", 81, "/", null),
                        new L4Route("udp://53:53", "udp", 53, 53))),
                arguments("https://a.example.com@auth:x, y", SETTINGS, List.of(
                        http("https://a.example.com@auth:x, y", "https", "a.example.com", 80, "/", auth(null, "x", "y")))),
                arguments("   \n\n ", SETTINGS, List.of()));
    }

    @ParameterizedTest(name = "[{index}] {0}")
    @MethodSource
    void accepted(String label, ProxySettings settings, List<ProxyRoute> expected) {
        ParseResult result = ProxyLabelParser.parse("app", label, settings);
        assertThat(result.errors()).isEmpty();
        assertThat(result.routes()).containsExactlyElementsOf(expected);
    }

    static Stream<Arguments> rejected() {
        String p = "instance \"broken\": route ";
        String label64 = "a".repeat(64);
        return Stream.of(
                arguments("https://bad host:80@nosuch", SETTINGS,
                        p + "\"https://bad host:80@nosuch\": host \"bad host\" is not a valid DNS name (letters, digits, '-' and '.' only)"),
                arguments("https://app.example.com@nosuch", SETTINGS,
                        p + "\"https://app.example.com@nosuch\": unknown option \"@nosuch\" (allowed: @auth, @auth:<group>[,<group>…], and on wildcards @auth…~<callback-host>)"),
                arguments("tcp://5432:5432@auth", SETTINGS,
                        p + "\"tcp://5432:5432@auth\": tcp routes take no \"@…\" option (@auth applies to http:// and https:// only; expected tcp://<public-port>:<container-port>)"),
                arguments("ftp://files.example.com", SETTINGS,
                        p + "\"ftp://files.example.com\": unknown scheme \"ftp://\" (allowed: https://, http://, tcp://, udp://)"),
                arguments("app.example.com", SETTINGS,
                        p + "\"app.example.com\": missing scheme (allowed: https://, http://, tcp://, udp://)"),
                arguments("https://app_1.example.com", SETTINGS,
                        p + "\"https://app_1.example.com\": host \"app_1.example.com\" is not a valid DNS name (letters, digits, '-' and '.' only)"),
                arguments("https://a..example.com", SETTINGS,
                        p + "\"https://a..example.com\": host \"a..example.com\" has an empty label (no leading, trailing or double dots)"),
                arguments("https://" + label64 + ".example.com", SETTINGS,
                        p + "\"https://" + label64 + ".example.com\": host \"" + label64 + ".example.com\" has a label longer than 63 characters"),
                arguments("https://-a.example.com", SETTINGS,
                        p + "\"https://-a.example.com\": host \"-a.example.com\" has a label starting or ending with '-'"),
                arguments("https://10.0.0.1:8080", SETTINGS,
                        p + "\"https://10.0.0.1:8080\": host \"10.0.0.1\" is an IP address or ends in a numeric label (use a DNS name: Traefik routes by host name and Let's Encrypt does not certify IP addresses)"),
                arguments("https://localhost", SETTINGS,
                        p + "\"https://localhost\": host \"localhost\" is not a fully qualified name (at least two labels, e.g. app.example.com)"),
                arguments("https://:8080", SETTINGS,
                        p + "\"https://:8080\": missing host (expected https://<host>[:<container-port>][/<path>][@auth…])"),
                arguments("https://app.example.com:0", SETTINGS,
                        p + "\"https://app.example.com:0\": container port \"0\" is out of range (1-65535)"),
                arguments("https://app.example.com:65536", SETTINGS,
                        p + "\"https://app.example.com:65536\": container port \"65536\" is out of range (1-65535)"),
                arguments("https://app.example.com:http", SETTINGS,
                        p + "\"https://app.example.com:http\": container port \"http\" is not a number (1-65535)"),
                arguments("https://app.example.com:/x", SETTINGS,
                        p + "\"https://app.example.com:/x\": empty container port (a number 1-65535)"),
                arguments("https://app.example.com/search?q=1", SETTINGS,
                        p + "\"https://app.example.com/search?q=1\": '?' is not allowed (paths are prefixes, without query string or fragment)"),
                arguments("https://app.example.com/docs#top", SETTINGS,
                        p + "\"https://app.example.com/docs#top\": '#' is not allowed (paths are prefixes, without query string or fragment)"),
                arguments("https://app.example.com/a b", SETTINGS,
                        p + "\"https://app.example.com/a b\": path \"/a b\" contains ' ' (allowed: letters, digits, '-', '.', '_', '~', '%', '/')"),
                arguments("https://app.example.com/a`b", SETTINGS,
                        p + "\"https://app.example.com/a`b\": path \"/a`b\" contains '`' (allowed: letters, digits, '-', '.', '_', '~', '%', '/')"),
                arguments("https://app.example.com/a//b", SETTINGS,
                        p + "\"https://app.example.com/a//b\": path \"/a//b\" has an empty, '.' or '..' segment"),
                arguments("https://app.example.com/a/../b", SETTINGS,
                        p + "\"https://app.example.com/a/../b\": path \"/a/../b\" has an empty, '.' or '..' segment"),
                arguments("https://app.example.com/a%2", SETTINGS,
                        p + "\"https://app.example.com/a%2\": path \"/a%2\" has a '%' not followed by two hex digits"),
                arguments("https://a.*.example.com", SETTINGS,
                        p + "\"https://a.*.example.com\": host \"a.*.example.com\": '*' is allowed only as the whole first label (*.<base>)"),
                arguments("https://*.com", SETTINGS,
                        p + "\"https://*.com\": wildcard base \"*.com\" is not a fully qualified name (at least two labels, e.g. app.example.com)"),
                arguments("https://*.apps.example.com:3000", NO_DNS,
                        p + "\"https://*.apps.example.com:3000\": wildcard host \"*.apps.example.com\" needs a wildcard certificate, which only a DNS-01 provider can obtain: configure a DNS-01 provider in the Terrarium config (see docs/proxy.md) or use explicit host names"),
                arguments("https://*.apps.example.com@auth:ops", SETTINGS,
                        p + "\"https://*.apps.example.com@auth:ops\": @auth on wildcard host \"*.apps.example.com\" needs a callback host under apps.example.com (e.g. @auth~login.apps.example.com)"),
                arguments("https://*.apps.example.com@auth~login.other.com", SETTINGS,
                        p + "\"https://*.apps.example.com@auth~login.other.com\": callback host \"login.other.com\" is not one label under apps.example.com (e.g. login.apps.example.com, so the wildcard certificate covers it)"),
                arguments("https://*.apps.example.com@auth~a.b.apps.example.com", SETTINGS,
                        p + "\"https://*.apps.example.com@auth~a.b.apps.example.com\": callback host \"a.b.apps.example.com\" is not one label under apps.example.com (e.g. login.apps.example.com, so the wildcard certificate covers it)"),
                arguments("https://app.example.com@auth~login.example.com", SETTINGS,
                        p + "\"https://app.example.com@auth~login.example.com\": callback host \"~login.example.com\" is allowed only on wildcard hosts (*.<base>); an explicit host is its own callback"),
                arguments("https://app.example.com@auth:a b", SETTINGS,
                        p + "\"https://app.example.com@auth:a b\": group \"a b\" is not valid (letters, digits, '.', '_' and '-' only)"),
                arguments("https://app.example.com@auth:a,,b", SETTINGS,
                        p + "\"https://app.example.com@auth:a,,b\": empty group in \"@auth:a,,b\" (groups are separated by single commas)"),
                arguments("https://app.example.com@auth:", SETTINGS,
                        p + "\"https://app.example.com@auth:\": empty group list after \"@auth:\" (write @auth alone to admit any signed-in user)"),
                arguments("https://app.example.com@authz", SETTINGS,
                        p + "\"https://app.example.com@authz\": unknown option \"@authz\" (allowed: @auth, @auth:<group>[,<group>…], and on wildcards @auth…~<callback-host>)"),
                arguments("https://app.example.com@auth", NO_AUTH,
                        p + "\"https://app.example.com@auth\": @auth needs the oauth2-proxy gate, which is not configured (set the oauth2-proxy address in the Terrarium config, or remove @auth)"),
                arguments("tcp://22:22", SETTINGS,
                        p + "\"tcp://22:22\": public port 22/tcp is reserved (reserved: 22, 80, 443, 4180, 8778)"),
                arguments("udp://443:443", SETTINGS,
                        p + "\"udp://443:443\": public port 443/udp is reserved (reserved: 22, 80, 443, 4180, 8778)"),
                arguments("tcp://4180:4180", SETTINGS,
                        p + "\"tcp://4180:4180\": public port 4180/tcp is reserved (reserved: 22, 80, 443, 4180, 8778)"),
                arguments("tcp://18100:5432", SETTINGS,
                        p + "\"tcp://18100:5432\": public port 18100/tcp is inside the internal bridge range 18081-18999 (choose a port outside it)"),
                arguments("tcp://70000:5432", SETTINGS,
                        p + "\"tcp://70000:5432\": public port \"70000\" is out of range (1-65535)"),
                arguments("udp://0:53", SETTINGS,
                        p + "\"udp://0:53\": public port \"0\" is out of range (1-65535)"),
                arguments("tcp://5432", SETTINGS,
                        p + "\"tcp://5432\": expected tcp://<public-port>:<container-port> (both ports, numbers 1-65535)"),
                arguments("udp://53:53/x", SETTINGS,
                        p + "\"udp://53:53/x\": container port \"53/x\" is not a number (1-65535)"));
    }

    @ParameterizedTest(name = "[{index}] {0}")
    @MethodSource
    void rejected(String label, ProxySettings settings, String message) {
        ParseResult result = ProxyLabelParser.parse("broken", label, settings);
        assertThat(result.errors()).containsExactly(message);
        assertThat(ProxyLabelParser.validate("broken", label, settings)).containsExactly(message);
    }

    @Test
    void rejectsAuthSuffixOnTcpRoute() {
        assertThat(ProxyLabelParser.validate("db", "tcp://5432:5432@auth:admins", SETTINGS))
                .singleElement().asString().contains("tcp routes take no \"@…\" option");
    }

    @Test
    void commaSplitsOnlyBeforeAScheme() {
        assertThat(ProxyLabelParser.splitItems("https://a.example.com@auth:x,y,z, tcp://1:2,udp://3:4\nhttp://b.example.com"))
                .containsExactly("https://a.example.com@auth:x,y,z", "tcp://1:2", "udp://3:4", "http://b.example.com");
    }

    @Test
    void reportsEveryBadItemOfALabelInOrder() {
        assertThat(ProxyLabelParser.validate("x", "ftp://a.example.com\nhttps://ok.example.com\nhttps://b_c.example.com", SETTINGS))
                .containsExactly(
                        "instance \"x\": route \"ftp://a.example.com\": unknown scheme \"ftp://\" (allowed: https://, http://, tcp://, udp://)",
                        "instance \"x\": route \"https://b_c.example.com\": host \"b_c.example.com\" is not a valid DNS name (letters, digits, '-' and '.' only)");
    }

    @Test
    void sameHostAndPathTwiceInOneLabelIsRejectedWhateverTheSchemeOrTrailingSlash() {
        assertThat(ProxyLabelParser.validate("x", "https://app.example.com/api, http://app.example.com/api/:81", SETTINGS))
                .isNotEmpty();
        assertThat(ProxyLabelParser.validate("x", "https://app.example.com/api, http://APP.example.com:81/api/", SETTINGS))
                .containsExactly("instance \"x\": route \"http://APP.example.com:81/api/\": claims app.example.com/api already "
                        + "claimed by route \"https://app.example.com/api\" in the same label (each host and path, and each public port, once per label)");
    }

    @Test
    void samePublicPortTwiceInOneLabelIsRejected() {
        assertThat(ProxyLabelParser.validate("x", "tcp://5432:5432, tcp://5432:6432", SETTINGS))
                .containsExactly("instance \"x\": route \"tcp://5432:6432\": public port 5432/tcp is already claimed by route "
                        + "\"tcp://5432:5432\" in the same label (each host and path, and each public port, once per label)");
        assertThat(ProxyLabelParser.validate("x", "tcp://53:53, udp://53:53", SETTINGS)).isEmpty();
    }

    @Test
    void c10_wildcardAndExplicitHostAreAccepted() {
        ParseResult r = ProxyLabelParser.parse("web", "https://app.example.com:8080\nhttps://*.apps.example.com:3000", SETTINGS);
        assertThat(r.errors()).isEmpty();
        assertThat(r.routes()).extracting(route -> ((HttpRoute) route).host())
                .containsExactly("app.example.com", "*.apps.example.com");
    }

    @Test
    void c11_brokenLabelIsReportedWithInstanceItemAndWhatIsAllowed() {
        assertThat(ProxyLabelParser.validate("broken", "https://bad host:80@nosuch", SETTINGS)).containsExactly(
                "instance \"broken\": route \"https://bad host:80@nosuch\": host \"bad host\" is not a valid DNS name "
                        + "(letters, digits, '-' and '.' only)");
    }

    @Test
    void c12_groupsAreDeduplicatedAndSortedAndNosuchIsAValidationError() {
        ParseResult r = ProxyLabelParser.parse("app", "https://app.example.com:8080@auth:devops,admins,devops", SETTINGS);
        assertThat(((HttpRoute) r.routes().get(0)).auth().groups()).containsExactly("admins", "devops");
        assertThat(ProxyLabelParser.validate("app", "https://app.example.com:8080@nosuch", SETTINGS))
                .singleElement().asString().contains("unknown option \"@nosuch\"");
    }

    @Test
    void c13_reservedAndOutOfRangePortsAreRejected() {
        for (String label : List.of("tcp://22:22", "tcp://80:80", "tcp://443:443", "udp://8778:1", "tcp://0:1", "tcp://65536:1", "tcp://1:65536")) {
            assertThat(ProxyLabelParser.validate("x", label, SETTINGS)).as(label).hasSize(1);
        }
        assertThat(ProxyLabelParser.validate("x", "tcp://65535:65535", SETTINGS)).isEmpty();
    }

    @Test
    void c14_httpsWildcardWithoutDnsProviderSaysHowToConfigureOne() {
        assertThat(ProxyLabelParser.validate("apps", "https://*.apps.example.com", NO_DNS))
                .singleElement().asString().contains("configure a DNS-01 provider");
        assertThat(ProxyLabelParser.validate("apps", "https://*.apps.example.com", SETTINGS)).isEmpty();
    }
}
