package io.terrarium.proxy;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeSet;

/**
 * Parser and validator of the {@code user.proxy} label (DESIGN.md §5, issue 3 item 1). Pure: no
 * I/O; safe to call from the CLI ({@code trm launch --proxy}, {@code proxy list}) and the sync.
 *
 * <h2>Grammar</h2>
 * <pre>
 * label  = item { ("," | newline) item }      a comma separates only when the text after it
 *                                             (trimmed) starts with a scheme, so "@auth:a,b" keeps it
 * item   = ("https://" | "http://") host [":" container-port] [path] ["@auth" [":" group {"," group}] ["~" callback-host]]
 *        | ("tcp://" | "udp://") public-port ":" container-port
 * </pre>
 * <ul>
 *   <li>Schemes are matched case-insensitively; blank lines and a blank label mean "no routes".</li>
 *   <li>Host: a DNS name of at least two labels (letters, digits, {@code -}; labels 1–63
 *       characters, not starting or ending with {@code -}; at most 253 characters), lower-cased.
 *       IP literals and names whose last label is all digits are rejected: Traefik routes HTTP by
 *       host name and Let's Encrypt issues no certificate for an IP address.</li>
 *   <li>Wildcard: {@code *.<base>}, {@code *} only as the whole first label, base of at least
 *       two labels. HTTPS wildcards need a DNS-01 provider ({@link ProxySettings#dnsProvider()}).
 *       {@code @auth} on a wildcard needs {@code ~<callback-host>} one label under the base; {@code ~} is
 *       allowed only on wildcards.</li>
 *   <li>Container port: 1–65535, default 80. Public TCP/UDP port: 1–65535, not in
 *       {@link ProxySettings#reservedPublicPorts()}, not inside the internal bridge range (the
 *       bridge listens on host loopback on those ports).</li>
 *   <li>Path: a prefix starting with {@code /}; letters, digits, {@code - . _ ~ % /}; no query
 *       ({@code ?}) or fragment ({@code #}); no empty, {@code .} or {@code ..} segments; at most
 *       1000 characters. A trailing slash is dropped: {@code /api} and {@code /api/} are the same
 *       claim. Traefik's PathPrefix is a plain string prefix, so {@code /api} also matches
 *       {@code /apikey}.</li>
 *   <li>Groups: letters, digits, {@code . _ -}; deduplicated and sorted; {@code @auth} alone
 *       admits any signed-in user. {@code @auth} needs the oauth2-proxy address in the config.
 *       Any other {@code @} suffix is an error.</li>
 *   <li>The same host+path (scheme ignored) or the same public port/protocol twice in one label
 *       is an error.</li>
 * </ul>
 * Each rejected item yields exactly one message (the first problem found), of the form
 * {@code instance "<name>": route "<item>": <problem> (<what is allowed>)}.
 */
public final class ProxyLabelParser {

    /** Schemes in the order they are listed in messages. */
    public static final List<String> SCHEMES = List.of("https://", "http://", "tcp://", "udp://");

    private static final String SCHEME_LIST = "https://, http://, tcp://, udp://";
    private static final int MAX_PATH = 1000;

    private ProxyLabelParser() {
    }

    /**
     * Parses one instance's label.
     *
     * @param instance instance name, used in messages only
     * @param label    the raw {@code user.proxy} value; {@code null} or blank means no routes
     * @param settings host settings deciding DNS-01, auth and reserved ports
     * @return routes in label order plus one error per rejected item; never {@code null}
     */
    public static ParseResult parse(String instance, String label, ProxySettings settings) {
        List<ProxyRoute> routes = new ArrayList<>();
        List<String> errors = new ArrayList<>();
        Map<String, String> httpClaims = new HashMap<>();
        Map<String, String> portClaims = new HashMap<>();
        for (String item : splitItems(label)) {
            String prefix = "instance \"" + instance + "\": route \"" + item + "\": ";
            try {
                ProxyRoute route = parseItem(item, settings);
                String key;
                String what;
                Map<String, String> claims;
                if (route instanceof HttpRoute http) {
                    key = http.claimKey();
                    what = "claims " + http.claimDisplay();
                    claims = httpClaims;
                } else {
                    L4Route l4 = (L4Route) route;
                    key = l4.claimDisplay();
                    what = "public port " + key + " is";
                    claims = portClaims;
                }
                String earlier = claims.putIfAbsent(key, item);
                if (earlier != null) {
                    errors.add(prefix + what + " already claimed by route \"" + earlier
                            + "\" in the same label (each host and path, and each public port, once per label)");
                } else {
                    routes.add(route);
                }
            } catch (RouteException e) {
                errors.add(prefix + e.getMessage());
            }
        }
        return new ParseResult(routes, errors);
    }

    /**
     * Validates a label without keeping the routes: the messages of {@link #parse}; an empty list
     * means the label is valid under these settings.
     */
    public static List<String> validate(String instance, String label, ProxySettings settings) {
        return parse(instance, label, settings).errors();
    }

    /**
     * Splits a label into trimmed, non-blank items: at every newline, and at a comma only when
     * the text after it (trimmed) starts with a scheme.
     */
    public static List<String> splitItems(String label) {
        List<String> items = new ArrayList<>();
        if (label == null) {
            return items;
        }
        for (String line : label.split("\r\n|\r|\n", -1)) {
            int start = 0;
            for (int i = line.indexOf(','); i >= 0; i = line.indexOf(',', i + 1)) {
                if (schemeOf(line.substring(i + 1).stripLeading()) != null) {
                    addItem(items, line.substring(start, i));
                    start = i + 1;
                }
            }
            addItem(items, line.substring(start));
        }
        return items;
    }

    private static void addItem(List<String> items, String raw) {
        String item = raw.strip();
        if (!item.isEmpty()) {
            items.add(item);
        }
    }

    private static String schemeOf(String text) {
        for (String scheme : SCHEMES) {
            if (text.regionMatches(true, 0, scheme, 0, scheme.length())) {
                return scheme;
            }
        }
        return null;
    }

    private static ProxyRoute parseItem(String item, ProxySettings settings) {
        String scheme = schemeOf(item);
        if (scheme == null) {
            int sep = item.indexOf("://");
            if (sep > 0) {
                throw new RouteException("unknown scheme \"" + item.substring(0, sep + 3) + "\" (allowed: "
                        + SCHEME_LIST + ")");
            }
            throw new RouteException("missing scheme (allowed: " + SCHEME_LIST + ")");
        }
        String rest = item.substring(scheme.length());
        return switch (scheme) {
            case "https://" -> parseHttp(item, "https", rest, settings);
            case "http://" -> parseHttp(item, "http", rest, settings);
            case "tcp://" -> parseL4(item, "tcp", rest, settings);
            default -> parseL4(item, "udp", rest, settings);
        };
    }

    private static HttpRoute parseHttp(String item, String scheme, String rest, ProxySettings settings) {
        String form = scheme + "://<host>[:<container-port>][/<path>][@auth…]";
        int at = rest.indexOf('@');
        String main = at >= 0 ? rest.substring(0, at) : rest;
        String suffix = at >= 0 ? rest.substring(at) : null;
        for (char c : new char[] {'?', '#'}) {
            if (main.indexOf(c) >= 0) {
                throw new RouteException("'" + c + "' is not allowed (paths are prefixes, without query string or fragment)");
            }
        }
        int slash = main.indexOf('/');
        String authority = slash >= 0 ? main.substring(0, slash) : main;
        String rawPath = slash >= 0 ? main.substring(slash) : "/";
        String hostText = authority;
        String portText = null;
        int colon = authority.lastIndexOf(':');
        if (colon >= 0) {
            hostText = authority.substring(0, colon);
            portText = authority.substring(colon + 1);
        }
        if (hostText.isEmpty()) {
            throw new RouteException("missing host (expected " + form + ")");
        }
        boolean wildcard = hostText.contains("*");
        String host;
        if (wildcard) {
            if (!hostText.startsWith("*.") || hostText.indexOf('*', 1) >= 0) {
                throw new RouteException("host \"" + hostText + "\": '*' is allowed only as the whole first label (*.<base>)");
            }
            host = "*." + dnsName(hostText, hostText.substring(2), "wildcard base");
        } else {
            host = dnsName(hostText, hostText, "host");
        }
        int port = portText == null ? 80 : parsePort("container port", portText);
        String path = normalisePath(rawPath);
        AuthSpec auth = suffix == null ? null : parseAuth(suffix);
        checkHostPolicy(host, wildcard, settings);
        if (auth != null && auth.callbackHost() != null && settings.reservedHost(auth.callbackHost())) {
            throw new RouteException("callback host \"" + auth.callbackHost() + "\" is reserved for Terrarium itself "
                    + "(the domains.* hosts of the configuration can never be claimed by a label)");
        }

        if (wildcard && "https".equals(scheme) && !settings.dnsProviderConfigured()) {
            throw new RouteException("wildcard host \"" + host + "\" needs a wildcard certificate, which only a DNS-01 "
                    + "provider can obtain: configure a DNS-01 provider in the Terrarium config (see docs/proxy.md) "
                    + "or use explicit host names");
        }
        if (auth != null) {
            if (!settings.authConfigured()) {
                throw new RouteException("@auth needs the oauth2-proxy gate, which is not configured "
                        + "(set the oauth2-proxy address in the Terrarium config, or remove @auth)");
            }
            String base = host.startsWith("*.") ? host.substring(2) : host;
            if (auth.callbackHost() != null && !wildcard) {
                throw new RouteException("callback host \"~" + auth.callbackHost()
                        + "\" is allowed only on wildcard hosts (*.<base>); an explicit host is its own callback");
            }
            if (wildcard && auth.callbackHost() == null) {
                throw new RouteException("@auth on wildcard host \"" + host + "\" needs a callback host under "
                        + base + " (e.g. @auth~login." + base + ")");
            }
            if (wildcard && !isOneLabelUnder(auth.callbackHost(), base)) {
                throw new RouteException("callback host \"" + auth.callbackHost() + "\" is not one label under " + base
                        + " (e.g. login." + base + ", so the wildcard certificate covers it)");
            }
        }
        return new HttpRoute(item, scheme, host, wildcard, port, path, auth);
    }

    /**
     * Host-name policy (issue 14 item 2): a reserved name (every {@code domains.*} host) is never
     * claimable; a wildcard must lie under a base the admin listed in {@code proxy.wildcard_bases}
     * and may not match a reserved name either (it would catch that host's traffic).
     */
    private static void checkHostPolicy(String host, boolean wildcard, ProxySettings settings) {
        if (!wildcard) {
            if (settings.reservedHost(host)) {
                throw new RouteException("host \"" + host + "\" is reserved for Terrarium itself "
                        + "(the domains.* hosts of the configuration can never be claimed by a label)");
            }
            return;
        }
        String base = host.substring(2);
        if (settings.wildcardBaseOf(base) == null) {
            throw new RouteException("wildcard host \"" + host + "\" is not under a base the admin allows for wildcards "
                    + (settings.wildcardBases().isEmpty() ? "(none configured: proxy.wildcard_bases is empty)"
                    : "(proxy.wildcard_bases: " + String.join(", ", settings.wildcardBases()) + ")")
                    + "; use explicit host names or ask the admin");
        }
        for (String r : settings.reservedHosts()) {
            if (isOneLabelUnder(r, base)) {
                throw new RouteException("wildcard host \"" + host + "\" would match the reserved host \"" + r
                        + "\" (the domains.* hosts of the configuration can never be claimed by a label)");
            }
        }
    }

    /** True when {@code host} is {@code <label>.<base>} with a single label. */
    static boolean isOneLabelUnder(String host, String base) {
        return host.endsWith("." + base) && host.indexOf('.') == host.length() - base.length() - 1;
    }

    private static AuthSpec parseAuth(String suffix) {
        String body = suffix.substring(1);
        boolean authPrefix = body.startsWith("auth") && (body.length() == 4 || body.charAt(4) == ':' || body.charAt(4) == '~');
        if (!authPrefix) {
            throw new RouteException("unknown option \"" + suffix + "\" (allowed: @auth, @auth:<group>[,<group>…], "
                    + "and on wildcards @auth…~<callback-host>)");
        }
        String rest = body.substring(4);
        String callback = null;
        int tilde = rest.indexOf('~');
        if (tilde >= 0) {
            String callbackText = rest.substring(tilde + 1);
            if (callbackText.isEmpty()) {
                throw new RouteException("empty callback host after '~' (expected ~<callback-host>)");
            }
            callback = dnsName(callbackText, callbackText, "callback host");
            rest = rest.substring(0, tilde);
        }
        TreeSet<String> groups = new TreeSet<>();
        if (rest.startsWith(":")) {
            String list = rest.substring(1);
            if (list.isBlank()) {
                throw new RouteException("empty group list after \"@auth:\" (write @auth alone to admit any signed-in user)");
            }
            for (String g : list.split(",", -1)) {
                String group = g.strip();
                if (group.isEmpty()) {
                    throw new RouteException("empty group in \"" + suffix + "\" (groups are separated by single commas)");
                }
                if (!group.matches("[A-Za-z0-9._-]+")) {
                    throw new RouteException("group \"" + group + "\" is not valid (letters, digits, '.', '_' and '-' only)");
                }
                groups.add(group);
            }
        } else if (!rest.isEmpty()) {
            throw new RouteException("unknown option \"" + suffix + "\" (allowed: @auth, @auth:<group>[,<group>…])");
        }
        return new AuthSpec(new ArrayList<>(groups), callback);
    }

    private static L4Route parseL4(String item, String protocol, String rest, ProxySettings settings) {
        String form = protocol + "://<public-port>:<container-port>";
        if (rest.indexOf('@') >= 0) {
            throw new RouteException(protocol + " routes take no \"@…\" option (@auth applies to http:// and https:// only; "
                    + "expected " + form + ")");
        }
        String[] parts = rest.split(":", -1);
        if (parts.length != 2) {
            throw new RouteException("expected " + form + " (both ports, numbers 1-65535)");
        }
        int publicPort = parsePort("public port", parts[0].strip());
        int containerPort = parsePort("container port", parts[1].strip());
        if (settings.reservedPublicPorts().contains(publicPort)) {
            throw new RouteException("public port " + publicPort + "/" + protocol + " is reserved (reserved: "
                    + String.join(", ", settings.reservedPublicPorts().stream().map(String::valueOf).toList()) + ")");
        }
        if (publicPort < settings.publicPortFirst() || publicPort > settings.publicPortLast()) {
            throw new RouteException("public port " + publicPort + "/" + protocol + " is outside the allowed range "
                    + settings.publicPortFirst() + "-" + settings.publicPortLast()
                    + (publicPort < 1024 ? " (privileged ports below 1024 are refused unless the admin widens"
                    + " proxy.public_port_first)" : " (proxy.public_port_first/public_port_last)"));
        }
        if (publicPort >= settings.bridgePortFirst() && publicPort <= settings.bridgePortLast()) {
            throw new RouteException("public port " + publicPort + "/" + protocol + " is inside the internal bridge range "
                    + settings.bridgePortFirst() + "-" + settings.bridgePortLast() + " (choose a port outside it)");
        }
        return new L4Route(item, protocol, publicPort, containerPort);
    }

    private static int parsePort(String what, String text) {
        if (text.isEmpty()) {
            throw new RouteException("empty " + what + " (a number 1-65535)");
        }
        if (!text.matches("[0-9]{1,6}")) {
            throw new RouteException(what + " \"" + text + "\" is not a number (1-65535)");
        }
        int port = Integer.parseInt(text);
        if (port < 1 || port > 65535) {
            throw new RouteException(what + " \"" + text + "\" is out of range (1-65535)");
        }
        return port;
    }

    /**
     * Checks a DNS name against the one host-name rule ({@link io.terrarium.config.DnsNames});
     * {@code shown} is the text quoted in messages, {@code name} the part checked. Returns the
     * lower-cased name.
     */
    private static String dnsName(String shown, String name, String what) {
        String problem = io.terrarium.config.DnsNames.problem(name);
        if (problem != null) {
            throw new RouteException(what + " \"" + shown + "\" " + problem);
        }
        return io.terrarium.config.DnsNames.canonical(name);
    }

    private static String normalisePath(String raw) {
        String q = "path \"" + raw + "\"";
        if (raw.length() > MAX_PATH) {
            throw new RouteException(q + " is longer than " + MAX_PATH + " characters");
        }
        for (int i = 0; i < raw.length(); i++) {
            char c = raw.charAt(i);
            boolean ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
                    || c == '-' || c == '.' || c == '_' || c == '~' || c == '/' || c == '%';
            if (!ok) {
                throw new RouteException(q + " contains '" + c + "' (allowed: letters, digits, '-', '.', '_', '~', '%', '/')");
            }
            if (c == '%' && (i + 2 >= raw.length() || !isHex(raw.charAt(i + 1)) || !isHex(raw.charAt(i + 2)))) {
                throw new RouteException(q + " has a '%' not followed by two hex digits");
            }
        }
        String path = raw.length() > 1 && raw.endsWith("/") ? raw.substring(0, raw.length() - 1) : raw;
        if (path.length() > 1) {
            for (String segment : path.substring(1).split("/", -1)) {
                if (segment.isEmpty() || segment.equals(".") || segment.equals("..")) {
                    throw new RouteException(q + " has an empty, '.' or '..' segment");
                }
            }
        }
        return path;
    }

    private static boolean isHex(char c) {
        return Character.digit(c, 16) >= 0;
    }

    /** One item's first problem; the message excludes the instance/route prefix. */
    private static final class RouteException extends RuntimeException {
        RouteException(String message) {
            super(message, null, false, false);
        }
    }
}
