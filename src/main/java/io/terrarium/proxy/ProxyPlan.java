package io.terrarium.proxy;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.SortedMap;
import java.util.SortedSet;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * The result of {@link ProxyPlanner#plan}: what to publish, which bridges to create, which ports
 * to open. Deterministic: equal inputs (in any order) give equal plans.
 *
 * @param instances   one report per input instance, sorted by name
 * @param bridgePorts host loopback port per backend, sorted by key; persist it and pass it back as
 *                    the previous assignment of the next plan (sticky ports)
 * @param publicPorts published TCP/UDP ports, sorted by protocol then port
 * @param owners      host name (or wildcard pattern) → owning instance; persist it and pass it back
 *                    as the previous owners of the next plan (ownership survives stops)
 */
public record ProxyPlan(List<InstanceReport> instances, SortedMap<BackendKey, Integer> bridgePorts,
                        SortedSet<PublicPort> publicPorts, SortedMap<String, String> owners) {

    public ProxyPlan {
        instances = List.copyOf(instances);
        bridgePorts = Collections.unmodifiableSortedMap(new TreeMap<>(bridgePorts));
        publicPorts = Collections.unmodifiableSortedSet(new TreeSet<>(publicPorts));
        owners = Collections.unmodifiableSortedMap(owners == null ? new TreeMap<>() : new TreeMap<>(owners));
    }

    /** A plan without host owners. */
    public ProxyPlan(List<InstanceReport> instances, SortedMap<BackendKey, Integer> bridgePorts,
                     SortedSet<PublicPort> publicPorts) {
        this(instances, bridgePorts, publicPorts, null);
    }

    /**
     * Host loopback port of the bridge for this route of this instance.
     *
     * @throws IllegalArgumentException if the route is not published
     */
    public int bridgePort(String instance, ProxyRoute route) {
        Integer port = bridgePorts.get(new BackendKey(instance, route.bridgeProtocol(), route.containerPort()));
        if (port == null) {
            throw new IllegalArgumentException("no bridge for " + route.source() + " of " + instance);
        }
        return port;
    }

    /**
     * This plan minus every route of the instances in {@code failed} (instance → why); each of them
     * gets status ERROR and the error line {@code instance "<name>": <why>}. Owners are kept.
     */
    public ProxyPlan withdraw(java.util.Map<String, String> failed) {
        if (failed.isEmpty()) {
            return this;
        }
        List<InstanceReport> reports = new ArrayList<>();
        for (InstanceReport r : instances) {
            String why = failed.get(r.name());
            if (why == null) {
                reports.add(r);
            } else {
                List<String> errs = new ArrayList<>(r.errors());
                errs.add("instance \"" + r.name() + "\": " + why);
                reports.add(new InstanceReport(r.name(), InstanceStatus.ERROR, List.of(), errs, r.contested()));
            }
        }
        TreeMap<BackendKey, Integer> bridges = new TreeMap<>(bridgePorts);
        bridges.keySet().removeIf(k -> failed.containsKey(k.instance()));
        TreeSet<PublicPort> ports = new TreeSet<>(publicPorts);
        ports.removeIf(p -> failed.containsKey(p.instance()));
        return new ProxyPlan(reports, bridges, ports, owners);
    }

    /** Every error line of every instance, instances by name. */
    public List<String> errors() {
        List<String> all = new ArrayList<>();
        instances.forEach(r -> all.addAll(r.errors()));
        return all;
    }

    /** True when some instance has an error or lost a conflict ({@code proxy sync} then exits 1). */
    public boolean hasErrors() {
        return instances.stream().anyMatch(r -> !r.errors().isEmpty());
    }
}
