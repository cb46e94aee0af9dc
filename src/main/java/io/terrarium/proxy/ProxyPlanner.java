package io.terrarium.proxy;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.Predicate;

/**
 * Decides, for a snapshot of all instances, which routes are published, which internal bridges
 * exist and which public TCP/UDP ports are open. Pure and deterministic: the result does not
 * depend on the order of the input list.
 *
 * <h2>Who publishes</h2>
 * An instance publishes nothing when it is opted out ({@link #isOptedOut}), not running, has no
 * label, or its label has any invalid item (all-or-nothing per label, so a typo never publishes
 * a route without its intended {@code @auth}). A bad label only affects its own instance.
 *
 * <h2>Conflict rule</h2>
 * A claim is a host+path ({@code http} and {@code https} on one host/path are the same claim;
 * {@code /api} and {@code /api/} too; {@code *.apps.example.com} is its own claim, distinct from
 * {@code app.apps.example.com}) or a public port+protocol ({@code 5432/tcp}). Among publishing
 * instances, the one created earliest ({@code created_at}; unknown sorts last; ties by name)
 * keeps a claim; each later claimant loses only that route and gets an error naming both
 * instances, e.g. {@code instance "pg2": route "tcp://5432:5432": public port 5432/tcp already
 * published by pg1} (case C13). Stopped instances claim nothing, so when an older instance
 * starts again it takes its claims back.
 *
 * <h2>Bridge ports</h2>
 * Each published (instance, protocol, container port) gets a host loopback port from the range
 * in {@link ProxySettings}: a backend keeps its previous port when that is still in range, not
 * busy and not taken; then the remaining backends, in key order, get the lowest free port. When
 * the range is full, the routes of that backend are dropped with an error.
 */
public final class ProxyPlanner {

    /** LXD config key an instance uses to opt out of proxy publishing. */
    public static final String ROLE_KEY = "user.terrarium.role";

    /** Role values that opt out (compared trimmed, case-insensitive). */
    public static final Set<String> OPT_OUT_ROLES = Set.of("system", "no-proxy");

    private static final Comparator<ProxyInstance> SENIORITY = Comparator
            .comparing((ProxyInstance i) -> i.createdAt() == null ? Instant.MAX : i.createdAt())
            .thenComparing(ProxyInstance::name);

    private ProxyPlanner() {
    }

    /**
     * True when {@code user.terrarium.role} opts the instance out of publishing: {@code system}
     * (Terrarium's own infrastructure containers) or {@code no-proxy}. Other values publish normally.
     */
    public static boolean isOptedOut(String role) {
        return role != null && OPT_OUT_ROLES.contains(role.strip().toLowerCase(Locale.ROOT));
    }

    /** {@link #plan(List, ProxySettings, Map, Set)} with no busy host ports. */
    public static ProxyPlan plan(List<ProxyInstance> instances, ProxySettings settings,
                                 Map<BackendKey, Integer> previousBridgePorts) {
        return plan(instances, settings, previousBridgePorts, Set.of());
    }

    /** {@link #plan(List, ProxySettings, Map, Set, Map, Predicate)} without previous owners or busy public ports. */
    public static ProxyPlan plan(List<ProxyInstance> instances, ProxySettings settings,
                                 Map<BackendKey, Integer> previousBridgePorts, Set<Integer> busyHostPorts) {
        return plan(instances, settings, previousBridgePorts, busyHostPorts, Map.of(), p -> false);
    }

    /**
     * Plans a sync.
     *
     * <h3>Host ownership (issue 14 item 2)</h3>
     * Every host name (explicit, or a wildcard pattern {@code *.<base>}, or an {@code @auth}
     * callback host) has at most one owner, and only the owner publishes any path on it. An owner
     * from {@code previousOwners} keeps the host while it exists, is not opted out and its label
     * still names the host (an unparsable label keeps what it owned) — also while it is stopped;
     * the host is released when the label no longer names it or the instance is gone (or by
     * {@code terrariumctl proxy release}, which removes it from {@code previousOwners}). A host
     * without an owner goes to its earliest-created running claimant. A refused claim is an error
     * for the claimant and a {@link InstanceReport#contested()} line for the owner.
     *
     * @param instances           all instances (any order); names must be unique
     * @param settings            host settings
     * @param previousBridgePorts the previous plan's {@link ProxyPlan#bridgePorts()} (may be empty)
     * @param busyHostPorts       loopback ports held by something other than Terrarium's bridges
     *                            (never assigned)
     * @param previousOwners      the previous plan's {@link ProxyPlan#owners()} minus released hosts
     * @param publicPortBusy      true for a public port something on the host already listens on
     *                            (not Traefik's own entrypoint): the claimant's route is refused
     * @return the plan
     * @throws IllegalArgumentException if two instances have the same name
     */
    public static ProxyPlan plan(List<ProxyInstance> instances, ProxySettings settings,
                                 Map<BackendKey, Integer> previousBridgePorts, Set<Integer> busyHostPorts,
                                 Map<String, String> previousOwners, Predicate<PublicPort> publicPortBusy) {
        return planRefusing(instances, settings, previousBridgePorts, busyHostPorts, previousOwners,
                p -> publicPortBusy != null && publicPortBusy.test(p) ? PORT_BUSY : null);
    }

    /** Why {@link #plan(List, ProxySettings, Map, Set, Map, Predicate)} refuses a busy public port. */
    public static final String PORT_BUSY = "is in use by another program on the host (Traefik could not listen on it; choose another port)";

    /**
     * As {@link #plan(List, ProxySettings, Map, Set, Map, Predicate)}, with a general refusal of
     * public ports: {@code publicPortRefused} answers, for a claimed port (with the claimant as
     * {@link PublicPort#instance()}), {@code null} to allow it or the reason that follows
     * "public port &lt;port&gt;/&lt;protocol&gt; " in the claimant's error (e.g. a busy port, or
     * one quarantined after Traefik failed to start with it, see {@code ProxySyncJob}).
     */
    public static ProxyPlan planRefusing(List<ProxyInstance> instances, ProxySettings settings,
                                         Map<BackendKey, Integer> previousBridgePorts, Set<Integer> busyHostPorts,
                                         Map<String, String> previousOwners,
                                         java.util.function.Function<PublicPort, String> publicPortRefused) {
        List<ProxyInstance> ordered = new ArrayList<>(instances);
        ordered.sort(SENIORITY);
        Map<String, InstanceStatus> status = new HashMap<>();
        Map<String, List<String>> errors = new HashMap<>();
        Map<String, List<String>> contested = new HashMap<>();
        Map<String, List<ProxyRoute>> published = new LinkedHashMap<>();
        Map<String, String> portClaims = new HashMap<>();
        Map<String, ProxyInstance> byNameMap = new HashMap<>();
        for (ProxyInstance inst : ordered) {
            if (byNameMap.put(inst.name(), inst) != null) {
                throw new IllegalArgumentException("duplicate instance name " + inst.name());
            }
        }
        TreeMap<String, String> owners = new TreeMap<>();
        if (previousOwners != null) {
            previousOwners.forEach((host, owner) -> {
                ProxyInstance o = byNameMap.get(owner);
                if (o == null || isOptedOut(o.role())) {
                    return;
                }
                Set<String> named = hostsNamed(o, settings);
                if (named == null || named.contains(host)) {
                    owners.put(host, owner);
                }
            });
        }

        for (ProxyInstance inst : ordered) {
            List<String> errs = new ArrayList<>();
            errors.put(inst.name(), errs);
            if (isOptedOut(inst.role())) {
                status.put(inst.name(), InstanceStatus.OPTED_OUT);
                continue;
            }
            if (!inst.running()) {
                status.put(inst.name(), InstanceStatus.STOPPED);
                continue;
            }
            ParseResult parsed = ProxyLabelParser.parse(inst.name(), inst.label(), settings);
            if (!parsed.ok()) {
                errs.addAll(parsed.errors());
                status.put(inst.name(), InstanceStatus.ERROR);
                continue;
            }
            if (parsed.routes().isEmpty()) {
                status.put(inst.name(), InstanceStatus.NO_LABEL);
                continue;
            }
            List<ProxyRoute> mine = new ArrayList<>();
            for (ProxyRoute route : parsed.routes()) {
                if (route instanceof HttpRoute http) {
                    String taken = null;
                    for (String h : hostsOf(http)) {
                        String owner = owners.get(h);
                        if (owner != null && !owner.equals(inst.name())) {
                            taken = h;
                            errs.add(prefix(inst.name(), route) + "host " + h + " is owned by " + owner
                                    + " (one owner per host name: only " + owner + " publishes paths on it, also while it is stopped,"
                                    + " until its label stops naming it or an admin runs `terrariumctl proxy release " + h + "`)");
                            contested.computeIfAbsent(owner, k -> new ArrayList<>()).add("instance \"" + owner + "\": host "
                                    + h + " also claimed by " + inst.name() + " (route \"" + route.source() + "\", refused: "
                                    + owner + " owns it)");
                            break;
                        }
                    }
                    if (taken == null) {
                        hostsOf(http).forEach(h -> owners.put(h, inst.name()));
                        mine.add(route);
                    }
                } else {
                    L4Route l4 = (L4Route) route;
                    String refusal;
                    String owner = portClaims.get(l4.claimDisplay());
                    if (owner != null) {
                        errs.add(prefix(inst.name(), route) + "public port " + l4.claimDisplay() + " already published by " + owner
                                + " (created earlier; the earliest-created instance keeps a claim)");
                        contested.computeIfAbsent(owner, k -> new ArrayList<>()).add("instance \"" + owner
                                + "\": public port " + l4.claimDisplay() + " also claimed by " + inst.name() + " (refused)");
                    } else if ((refusal = publicPortRefused.apply(new PublicPort(l4.protocol(), l4.publicPort(), inst.name()))) != null) {
                        errs.add(prefix(inst.name(), route) + "public port " + l4.claimDisplay() + " " + refusal);
                    } else {
                        portClaims.put(l4.claimDisplay(), inst.name());
                        mine.add(route);
                    }
                }
            }
            published.put(inst.name(), mine);
            status.put(inst.name(), errs.isEmpty() ? InstanceStatus.OK : InstanceStatus.CONFLICT);
        }

        TreeMap<BackendKey, Integer> bridges = assignBridgePorts(published, settings, previousBridgePorts,
                busyHostPorts);

        List<InstanceReport> reports = new ArrayList<>();
        TreeSet<PublicPort> publicPorts = new TreeSet<>();
        List<ProxyInstance> byName = new ArrayList<>(instances);
        byName.sort(Comparator.comparing(ProxyInstance::name));
        for (ProxyInstance inst : byName) {
            String name = inst.name();
            List<ProxyRoute> kept = new ArrayList<>();
            List<String> errs = errors.get(name);
            InstanceStatus st = status.get(name);
            for (ProxyRoute route : published.getOrDefault(name, List.of())) {
                if (bridges.containsKey(new BackendKey(name, route.bridgeProtocol(), route.containerPort()))) {
                    kept.add(route);
                    if (route instanceof L4Route l4) {
                        publicPorts.add(new PublicPort(l4.protocol(), l4.publicPort(), name));
                    }
                } else {
                    errs.add(prefix(name, route) + "no free internal bridge port in " + settings.bridgePortFirst()
                            + "-" + settings.bridgePortLast() + " (widen the bridge port range)");
                    st = InstanceStatus.ERROR;
                }
            }
            reports.add(new InstanceReport(name, st, kept, errs, contested.getOrDefault(name, List.of())));
        }
        return new ProxyPlan(reports, bridges, publicPorts, owners);
    }

    private static TreeMap<BackendKey, Integer> assignBridgePorts(Map<String, List<ProxyRoute>> published,
            ProxySettings settings, Map<BackendKey, Integer> previous, Set<Integer> busy) {
        TreeSet<BackendKey> wanted = new TreeSet<>();
        published.forEach((name, routes) -> routes.forEach(
                r -> wanted.add(new BackendKey(name, r.bridgeProtocol(), r.containerPort()))));
        TreeMap<BackendKey, Integer> assigned = new TreeMap<>();
        Set<Integer> taken = new TreeSet<>(busy);
        for (BackendKey key : wanted) {
            Integer port = previous == null ? null : previous.get(key);
            if (port != null && port >= settings.bridgePortFirst() && port <= settings.bridgePortLast()
                    && taken.add(port)) {
                assigned.put(key, port);
            }
        }
        int next = settings.bridgePortFirst();
        for (BackendKey key : wanted) {
            if (assigned.containsKey(key)) {
                continue;
            }
            while (next <= settings.bridgePortLast() && taken.contains(next)) {
                next++;
            }
            if (next > settings.bridgePortLast()) {
                break;
            }
            taken.add(next);
            assigned.put(key, next);
        }
        return assigned;
    }

    /** The host names a route occupies: its host (or wildcard pattern) and its {@code @auth} callback host. */
    static List<String> hostsOf(HttpRoute h) {
        List<String> hosts = new ArrayList<>();
        hosts.add(h.host());
        if (h.auth() != null && h.auth().callbackHost() != null) {
            hosts.add(h.auth().callbackHost());
        }
        return hosts;
    }

    /** Every host the instance's label names, running or not; {@code null} when the label does not parse. */
    private static Set<String> hostsNamed(ProxyInstance inst, ProxySettings settings) {
        ParseResult parsed = ProxyLabelParser.parse(inst.name(), inst.label(), settings);
        if (!parsed.ok()) {
            return null;
        }
        Set<String> hosts = new TreeSet<>();
        for (ProxyRoute r : parsed.routes()) {
            if (r instanceof HttpRoute h) {
                hosts.addAll(hostsOf(h));
            }
        }
        return hosts;
    }

    private static String prefix(String instance, ProxyRoute route) {
        return "instance \"" + instance + "\": route \"" + route.source() + "\": ";
    }
}
