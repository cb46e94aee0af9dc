package io.terrarium.proxy.sync;

import io.terrarium.config.TerrariumConfig;
import io.terrarium.host.lxd.LxdInstance;
import io.terrarium.proxy.BackendKey;
import io.terrarium.proxy.InstanceReport;
import io.terrarium.proxy.ProxyInstance;
import io.terrarium.proxy.ProxyPlan;
import io.terrarium.proxy.ProxyPlanner;
import io.terrarium.proxy.ProxyRoute;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * Which published routes a configuration change would withdraw (issue 14 item 8: a {@code set}
 * that would take routes down names them and asks, or needs {@code --yes}). Plans the same
 * instances, previous bridge ports and host-name owners ({@link ProxyPlanner}) under the settings
 * of both documents ({@link ProxySettingsMapper}) and lists every route the first plan publishes
 * and the second does not — e.g. every wildcard route when DNS-01 is turned off, or a tenant's host
 * that a new {@code domains.*} name reserves. Busy ports are not probed (both plans see the same
 * host), so the answer depends only on the two documents and the labels.
 */
public final class RouteWithdrawals {
    private RouteWithdrawals() {
    }

    /**
     * @param instances the project's instances (one LXD read)
     * @param before    the document the host runs with now
     * @param after     the document about to be stored
     * @param state     the proxy sync's state (bridge ports, owners, releases)
     * @return one line per withdrawn route, {@code instance "<name>": <label route>}, in instance
     *         then label order; empty when nothing is withdrawn
     */
    public static List<String> between(List<LxdInstance> instances, TerrariumConfig before, TerrariumConfig after,
                                       ProxyStateStore state) {
        List<ProxyInstance> inputs = new ArrayList<>();
        for (LxdInstance i : instances) {
            inputs.add(new ProxyInstance(i.name(), i.running(), i.createdAt(),
                    i.expandedConfig().get(ProxyPlanner.ROLE_KEY), i.expandedConfig().get("user.proxy")));
        }
        Map<BackendKey, Integer> bridges = new TreeMap<>(state.bridges());
        ProxyStateStore.State last = state.state();
        Map<String, String> owners = new TreeMap<>(last == null || last.owners() == null ? Map.of() : last.owners());
        owners.keySet().removeAll(state.releases());
        ProxyPlan a = ProxyPlanner.plan(inputs, ProxySettingsMapper.settings(before), bridges, Set.of(), owners, p -> false);
        ProxyPlan b = ProxyPlanner.plan(inputs, ProxySettingsMapper.settings(after), bridges, Set.of(), owners, p -> false);
        return lost(a, b);
    }

    /** Routes published in {@code before} but not in {@code after} (pure). */
    static List<String> lost(ProxyPlan before, ProxyPlan after) {
        Set<String> kept = new LinkedHashSet<>();
        for (InstanceReport r : after.instances()) {
            r.published().forEach(route -> kept.add(key(r.name(), route)));
        }
        List<String> out = new ArrayList<>();
        for (InstanceReport r : before.instances()) {
            for (ProxyRoute route : r.published()) {
                if (!kept.contains(key(r.name(), route))) {
                    out.add(key(r.name(), route));
                }
            }
        }
        return out;
    }

    private static String key(String instance, ProxyRoute route) {
        return "instance \"" + instance + "\": " + route.source();
    }
}
