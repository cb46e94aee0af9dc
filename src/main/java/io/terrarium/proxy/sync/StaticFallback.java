package io.terrarium.proxy.sync;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.terrarium.proxy.InstanceReport;
import io.terrarium.proxy.InstanceStatus;
import io.terrarium.proxy.L4Route;
import io.terrarium.proxy.ProxyPlan;
import io.terrarium.proxy.ProxyRoute;
import io.terrarium.proxy.PublicPort;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.SortedSet;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * The decisions of the fallback after a failed Traefik restart (issue 14 item 1), kept pure so
 * that they are unit-tested apart from files and systemd:
 * <ul>
 *   <li>where the last static file proven good lives ({@code <static_file>.last-good}) and where a
 *       rejected one is kept ({@code <static_file>.rejected-<UTC yyyyMMdd'T'HHmmss'Z'>}, never
 *       deleted by Terrarium); Traefik reads neither (its file provider watches only the dynamic
 *       directory);</li>
 *   <li>the entrypoint sockets a static file asks for ({@code entryPoints.*.address},
 *       {@code ":80"} → {@code 80/tcp}, {@code ":53/udp"} → {@code 53/udp}; Traefik's
 *       EntryPoint.address documentation: the protocol defaults to tcp);</li>
 *   <li>which of the sockets new in the rejected file belong to one instance's label (a public
 *       port has exactly one claimant, see {@link io.terrarium.proxy.ProxyPlanner}): those are
 *       quarantined for that instance; a failure with no such socket (a settings change) holds the
 *       whole rejected file back instead.</li>
 * </ul>
 */
public final class StaticFallback {
    private static final DateTimeFormatter STAMP = DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss'Z'").withZone(ZoneOffset.UTC);

    private StaticFallback() {
    }

    /** {@code <static_file>.last-good}: the last static file Traefik was active and listening with. */
    public static Path lastGood(Path staticFile) {
        return staticFile.resolveSibling(staticFile.getFileName() + ".last-good");
    }

    /** {@code <static_file>.rejected-<UTC timestamp>}: a copy of a static file Traefik failed with. */
    public static Path rejected(Path staticFile, Instant at) {
        return staticFile.resolveSibling(staticFile.getFileName() + ".rejected-" + STAMP.format(at));
    }

    /**
     * The entrypoint sockets of a Traefik static file as {@code <port>/<tcp|udp>}.
     *
     * @throws IOException when the text is not YAML
     */
    public static SortedSet<String> listeners(String staticYaml) throws IOException {
        return listeners(new ObjectMapper(new YAMLFactory()).readTree(staticYaml));
    }

    /** {@link #listeners(String)} of a parsed document ({@code null}: none). */
    private static SortedSet<String> listeners(JsonNode doc) {
        SortedSet<String> out = new TreeSet<>();
        if (doc == null) {
            return out;
        }
        doc.path("entryPoints").forEach(ep -> {
            String addr = ep.path("address").asText("");
            String port = addr.substring(addr.lastIndexOf(':') + 1);
            String proto = "tcp";
            int slash = port.indexOf('/');
            if (slash >= 0) {
                proto = port.substring(slash + 1).toLowerCase(java.util.Locale.ROOT);
                port = port.substring(0, slash);
            }
            if (port.matches("[0-9]{1,5}") && (proto.equals("tcp") || proto.equals("udp"))) {
                out.add(Integer.parseInt(port) + "/" + proto);
            }
        });
        return out;
    }

    /**
     * The entrypoint sockets of a static file that is to be restored (or adopted) as the last good
     * one: unlike {@link #listeners} it insists on a YAML mapping with at least one usable
     * {@code entryPoints.*.address}, because a file Traefik ran always has its 80/443 entrypoints.
     *
     * @throws IOException when the text is not YAML (Jackson's message, first line) or has no entrypoint
     */
    public static SortedSet<String> usableListeners(String staticYaml) throws IOException {
        JsonNode doc;
        try {
            doc = new ObjectMapper(new YAMLFactory()).readTree(staticYaml);
        } catch (IOException e) {
            String m = String.valueOf(e.getMessage()).strip();
            int nl = m.indexOf('\n');
            throw new IOException("not YAML: " + (nl < 0 ? m : m.substring(0, nl)), e);
        }
        if (doc == null || !doc.isObject()) {
            throw new IOException("not a Traefik static file (not a YAML mapping)");
        }
        SortedSet<String> out = listeners(doc);
        if (out.isEmpty()) {
            throw new IOException("not a Traefik static file (no entryPoints with an address)");
        }
        return out;
    }

    /**
     * An existing {@code <static_file>.rejected-*} copy whose bytes are exactly {@code yaml}, so
     * that one rejected content is kept once however often it fails; {@code null} when none.
     */
    public static Path existingRejectedCopy(Path staticFile, String yaml) {
        Path dir = staticFile.toAbsolutePath().getParent();
        String prefix = staticFile.getFileName() + ".rejected-";
        byte[] data = yaml.getBytes(StandardCharsets.UTF_8);
        try (var files = java.nio.file.Files.list(dir)) {
            for (Path f : files.filter(f -> f.getFileName().toString().startsWith(prefix)).sorted().toList()) {
                if (java.nio.file.Files.isRegularFile(f) && java.nio.file.Files.size(f) == data.length
                        && java.util.Arrays.equals(java.nio.file.Files.readAllBytes(f), data)) {
                    return staticFile.resolveSibling(f.getFileName());
                }
            }
        } catch (IOException e) {
            return null;
        }
        return null;
    }

    /**
     * The sockets of {@code rejected} that {@code good} does not have, each mapped to the public
     * port claim (with its instance) that asked for it; a new socket no label asked for (80/443
     * moved by a setting) is left out.
     *
     * @param rejected sockets of the static file Traefik failed with
     * @param good     sockets of the last good static file
     * @param claims   the published ports of the plan that rendered {@code rejected}
     * @return socket → claim, sorted by socket
     */
    public static SortedMap<String, PublicPort> attribute(SortedSet<String> rejected, SortedSet<String> good,
                                                          Collection<PublicPort> claims) {
        SortedMap<String, PublicPort> out = new TreeMap<>();
        for (String s : rejected) {
            if (good.contains(s)) {
                continue;
            }
            for (PublicPort p : claims) {
                if ((p.port() + "/" + p.protocol()).equals(s)) {
                    out.put(s, p);
                }
            }
        }
        return out;
    }

    /**
     * The plan minus the routes on quarantined public ports: each such route of its instance is
     * dropped with the error {@code instance "<name>": route "<source>": public port <socket> <why>};
     * the instance's other routes stay (status CONFLICT, or ERROR when nothing is left). Bridge
     * ports are kept (the next sync's plan no longer assigns them and removes the devices).
     *
     * @param quarantined socket ({@code 6000/tcp}) → instance → reason
     */
    public static ProxyPlan withoutPorts(ProxyPlan plan, Map<String, Map<String, String>> quarantined) {
        if (quarantined.isEmpty()) {
            return plan;
        }
        List<InstanceReport> reports = new ArrayList<>();
        for (InstanceReport r : plan.instances()) {
            List<ProxyRoute> kept = new ArrayList<>();
            List<String> errs = new ArrayList<>(r.errors());
            for (ProxyRoute route : r.published()) {
                String why = route instanceof L4Route l4
                        ? quarantined.getOrDefault(l4.claimDisplay(), Map.of()).get(r.name()) : null;
                if (why == null) {
                    kept.add(route);
                } else {
                    errs.add("instance \"" + r.name() + "\": route \"" + route.source() + "\": public port "
                            + ((L4Route) route).claimDisplay() + " " + why);
                }
            }
            if (kept.size() == r.published().size()) {
                reports.add(r);
            } else {
                reports.add(new InstanceReport(r.name(), kept.isEmpty() ? InstanceStatus.ERROR : InstanceStatus.CONFLICT,
                        kept, errs, r.contested()));
            }
        }
        TreeSet<PublicPort> ports = new TreeSet<>(plan.publicPorts());
        ports.removeIf(p -> quarantined.getOrDefault(p.port() + "/" + p.protocol(), Map.of()).containsKey(p.instance()));
        return new ProxyPlan(reports, plan.bridgePorts(), ports, plan.owners());
    }

    /** The routes a plan publishes, counted (HTTP and TCP/UDP). */
    static long routes(ProxyPlan plan) {
        return plan.instances().stream().mapToLong(r -> r.published().size()).sum();
    }

    /** Lower-case hex SHA-256 of the text's UTF-8 bytes. */
    public static String sha256(String text) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is required of every JVM", e);
        }
    }

    /** The reason a quarantined port gives in its instance's error and in {@code proxy list}. */
    public static String quarantineReason(String since, String failure) {
        return "is quarantined: Traefik did not start with this entrypoint at " + since + " (" + failure
                + "); the previous static configuration was restored. Free the port on the host (ss -ltnup) or change the"
                + " label; `terrariumctl reconfigure` lifts the quarantine and tries it again";
    }
}
