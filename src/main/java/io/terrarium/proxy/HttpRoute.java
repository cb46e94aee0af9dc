package io.terrarium.proxy;

/**
 * An {@code http://} or {@code https://} route.
 *
 * @param source        the item as written (trimmed)
 * @param scheme        {@code http} or {@code https}
 * @param host          lower-case DNS name; for wildcards the full pattern {@code *.<base>}
 * @param wildcard      true when {@code host} is {@code *.<base>}
 * @param containerPort port inside the container (default 80)
 * @param pathPrefix    normalised path prefix: {@code /} or {@code /a/b} (never a trailing slash)
 * @param auth          the {@code @auth} gate, or {@code null}
 */
public record HttpRoute(String source, String scheme, String host, boolean wildcard, int containerPort,
                        String pathPrefix, AuthSpec auth) implements ProxyRoute {

    /** True for {@code https}. */
    public boolean https() {
        return "https".equals(scheme);
    }

    /** For wildcards the base domain ({@code apps.example.com} for {@code *.apps.example.com}), else the host. */
    public String baseDomain() {
        return wildcard ? host.substring(2) : host;
    }

    /**
     * The conflict key: host and path, scheme ignored ({@code http} and {@code https} on one
     * host/path are the same claim, see {@link ProxyPlanner}).
     */
    public String claimKey() {
        return host + pathPrefix;
    }

    /** Human form of the claim, e.g. {@code app.example.com/api} or {@code app.example.com}. */
    public String claimDisplay() {
        return "/".equals(pathPrefix) ? host : host + pathPrefix;
    }

    @Override
    public String bridgeProtocol() {
        return "tcp";
    }
}
