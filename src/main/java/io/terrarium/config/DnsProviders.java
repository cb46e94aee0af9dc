package io.terrarium.config;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Arrays;
import java.util.Collections;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * The DNS-01 providers lego knows and the environment variables each one documents, so that the
 * stored configuration can hand Traefik only those (docs/security.md "The stored configuration").
 * The list is generated from lego's provider descriptions ({@code providers/dns/<name>/<name>.toml},
 * the source of https://go-acme.github.io/lego/dns/) by {@code scripts/lego-dns-vars.py} into the
 * class-path resource {@code lego-dns-providers.properties}.
 *
 * <p>Refused on top of that: the {@code exec} provider (its {@code EXEC_PATH} names a program
 * Traefik runs), and plain values ({@code dns.env}) of variables that name a file
 * ({@code *_FILE}, {@code *_PATH}, {@code *_DIR}): Traefik would read whatever file the stored
 * configuration points at.
 */
public final class DnsProviders {
    /** Providers refused although lego documents them, with the reason. */
    private static final Map<String, String> REFUSED = Map.of(
            "exec", "runs the program named in EXEC_PATH for every challenge; a configuration stored in LXD must not choose a program");
    private static final Map<String, Set<String>> VARIABLES = load();

    private DnsProviders() {
    }

    /**
     * Why a provider code is refused, or {@code null} when it is a lego provider Terrarium accepts.
     */
    public static String refusal(String provider) {
        if (REFUSED.containsKey(provider)) {
            return "\"" + provider + "\" is refused: it " + REFUSED.get(provider);
        }
        if (!VARIABLES.containsKey(provider)) {
            return "\"" + provider + "\" is not a lego DNS provider code (see https://go-acme.github.io/lego/dns/; e.g. cloudflare, route53, hetzner)";
        }
        return null;
    }

    /**
     * Why an environment variable is refused for a provider, or {@code null} when lego documents it
     * for that provider.
     *
     * @param provider an accepted provider code ({@link #refusal} returned {@code null})
     * @param name     the variable name
     * @param fromFile whether the value comes from a root-only file ({@code dns.env_files})
     */
    public static String refusalOf(String provider, String name, boolean fromFile) {
        Set<String> documented = variables(provider);
        if (!documented.contains(name)) {
            return "\"" + name + "\" is not a variable lego documents for provider " + provider + " (documented: "
                    + String.join(", ", documented) + ")";
        }
        if (!fromFile && (name.endsWith("_FILE") || name.endsWith("_PATH") || name.endsWith("_DIR"))) {
            return "\"" + name + "\" names a file on the host; Terrarium does not pass file paths to Traefik from the stored configuration";
        }
        return null;
    }

    /** The variables lego documents for a provider (empty for an unknown one), sorted. */
    public static Set<String> variables(String provider) {
        return VARIABLES.getOrDefault(provider, Set.of());
    }

    /** Every provider code in the generated list, sorted. */
    public static Set<String> providers() {
        return Collections.unmodifiableSet(new TreeSet<>(VARIABLES.keySet()));
    }

    private static Map<String, Set<String>> load() {
        Properties props = new Properties();
        try (InputStream in = DnsProviders.class.getResourceAsStream("lego-dns-providers.properties")) {
            if (in == null) {
                throw new IllegalStateException("lego-dns-providers.properties missing from the class path");
            }
            props.load(in);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        Map<String, Set<String>> m = new TreeMap<>();
        props.forEach((k, v) -> m.put(k.toString(), Collections.unmodifiableSet(new TreeSet<>(
                Arrays.stream(v.toString().split(",")).map(String::strip).filter(s -> !s.isEmpty()).toList()))));
        return Collections.unmodifiableMap(m);
    }
}
