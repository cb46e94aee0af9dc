package io.terrarium.events;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * The {@link Event#PROXY_ROUTE} events between two proxy-sync states (pure). A route is a row of
 * the proxy state ({@code proxy list}) with status {@code ok}, identified by its instance and its
 * label text ({@code route}); it is {@code added} when only the new state has it, {@code removed}
 * when only the old one has it, and {@code changed} when its public address, bridge or auth
 * differ. A claim refused by the ownership and conflict rules (issue 14) is an event for both
 * parties the first time it appears: {@code refused} (status FAILED) for the claimant's
 * {@code conflict} row and {@code contested} (status WARNING) for the owner's {@code contested}
 * row; {@code route} then carries the row's reason.
 */
public final class ProxyRouteChanges {
    private ProxyRouteChanges() {
    }

    /**
     * @param before rows of the previous state ({@code null} or empty on the first sync)
     * @param after  rows of the new state
     * @return one event per added, changed or removed route, ordered by instance and route
     */
    public static List<Event> between(List<Map<String, Object>> before, List<Map<String, Object>> after) {
        Map<String, Map<String, Object>> old = published(before);
        Map<String, Map<String, Object>> now = published(after);
        List<Event> events = new ArrayList<>();
        for (var e : now.entrySet()) {
            Map<String, Object> was = old.get(e.getKey());
            if (was == null) {
                events.add(event("added", e.getValue()));
            } else if (!same(was, e.getValue())) {
                events.add(event("changed", e.getValue()));
            }
        }
        for (var e : old.entrySet()) {
            if (!now.containsKey(e.getKey())) {
                events.add(event("removed", e.getValue()));
            }
        }
        // a refused claim reaches both parties (issue 14): the claimant's new "conflict" row and the owner's new "contested" row
        java.util.Set<String> seen = new java.util.HashSet<>();
        if (before != null) {
            before.forEach(r -> seen.add(r.get("instance") + "\u0000" + r.get("status") + "\u0000" + r.get("reason")));
        }
        if (after != null) {
            for (Map<String, Object> r : after) {
                Object st = r.get("status");
                if (("conflict".equals(st) || "contested".equals(st)) && r.get("instance") != null && r.get("reason") != null
                        && !seen.contains(r.get("instance") + "\u0000" + st + "\u0000" + r.get("reason"))) {
                    events.add(claimEvent("conflict".equals(st) ? "refused" : "contested", r));
                }
            }
        }
        events.sort(java.util.Comparator.comparing((Event ev) -> ev.instance()).thenComparing(ev -> String.valueOf(ev.details().get("route"))));
        return events;
    }

    private static Map<String, Map<String, Object>> published(List<Map<String, Object>> rows) {
        Map<String, Map<String, Object>> m = new TreeMap<>();
        if (rows != null) {
            for (Map<String, Object> r : rows) {
                if ("ok".equals(r.get("status")) && r.get("instance") != null && r.get("route") != null) {
                    m.put(r.get("instance") + "\u0000" + r.get("route"), r);
                }
            }
        }
        return m;
    }

    private static boolean same(Map<String, Object> a, Map<String, Object> b) {
        return Objects.equals(a.get("public"), b.get("public")) && Objects.equals(a.get("bridge"), b.get("bridge"))
                && Objects.equals(a.get("auth"), b.get("auth"));
    }

    private static Event claimEvent(String change, Map<String, Object> row) {
        String instance = String.valueOf(row.get("instance"));
        Map<String, Object> d = new LinkedHashMap<>();
        d.put("change", change);
        d.put("route", String.valueOf(row.get("reason")));
        d.put("public", null);
        d.put("bridge", null);
        d.put("auth", null);
        return Event.of(Event.PROXY_ROUTE, instance, "proxy-sync", instance, "refused".equals(change) ? "FAILED" : "WARNING",
                String.valueOf(row.get("reason")), d);
    }

    private static Event event(String change, Map<String, Object> row) {
        String instance = String.valueOf(row.get("instance"));
        Map<String, Object> d = new LinkedHashMap<>();
        d.put("change", change);
        d.put("route", String.valueOf(row.get("route")));
        d.put("public", row.get("public"));
        d.put("bridge", row.get("bridge"));
        d.put("auth", row.get("auth"));
        return Event.of(Event.PROXY_ROUTE, instance, "proxy-sync", instance, "OK",
                instance + ": route " + row.get("route") + " " + change, d);
    }
}
