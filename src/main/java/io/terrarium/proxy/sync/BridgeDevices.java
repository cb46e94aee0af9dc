package io.terrarium.proxy.sync;

import io.terrarium.proxy.BackendKey;

import java.util.Map;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The internal bridges as LXD proxy devices (issue 3 item 3), pure: what a bridge device looks
 * like, which bridge ports existing devices already hold, and what must change on one instance.
 *
 * <p>A bridge for {@code BackendKey(i, tcp, 8080)} on host port 18081 is the device
 * {@code terrarium-proxy-tcp-8080} on instance {@code i}:
 * {@code type=proxy, listen=tcp:127.0.0.1:18081, connect=tcp:127.0.0.1:8080, bind=host}. Only
 * devices whose name starts with {@value #PREFIX} are Terrarium's; no other device is ever
 * changed or removed.
 */
public final class BridgeDevices {
    /** Name prefix of Terrarium's devices. */
    public static final String PREFIX = "terrarium-proxy-";
    private static final Pattern NAME = Pattern.compile(Pattern.quote(PREFIX) + "(tcp|udp)-(\\d{1,5})");
    private static final Pattern LISTEN = Pattern.compile("(tcp|udp):127\\.0\\.0\\.1:(\\d{1,5})");

    private BridgeDevices() {
    }

    /** The device config of a bridge, keys sorted (so the request body is deterministic). */
    public static Map<String, String> device(BackendKey key, int hostPort) {
        return java.util.Collections.unmodifiableSortedMap(new TreeMap<>(Map.of("type", "proxy",
                "listen", key.protocol() + ":127.0.0.1:" + hostPort,
                "connect", key.protocol() + ":127.0.0.1:" + key.containerPort(),
                "bind", "host")));
    }

    /** True for a device name Terrarium owns. */
    public static boolean owned(String deviceName) {
        return deviceName.startsWith(PREFIX);
    }

    /**
     * The bridge ports existing devices hold, recovered from their listen addresses, so a lost
     * {@code proxy-bridges.json} changes nothing. Devices that do not parse are ignored here (they
     * are stale and get removed).
     *
     * @param devicesByInstance instance → its own devices
     */
    public static SortedMap<BackendKey, Integer> recover(Map<String, Map<String, Map<String, String>>> devicesByInstance) {
        SortedMap<BackendKey, Integer> ports = new TreeMap<>();
        devicesByInstance.forEach((instance, devices) -> devices.forEach((name, cfg) -> {
            Matcher n = NAME.matcher(name);
            Matcher l = LISTEN.matcher(cfg.getOrDefault("listen", ""));
            if (n.matches() && l.matches() && n.group(1).equals(l.group(1)) && "proxy".equals(cfg.get("type"))) {
                ports.put(new BackendKey(instance, n.group(1), Integer.parseInt(n.group(2))), Integer.parseInt(l.group(2)));
            }
        }));
        return ports;
    }

    /**
     * What to change on one instance.
     *
     * @param put    devices to add or replace (name → config), sorted
     * @param remove owned devices to remove, sorted
     */
    public record Change(SortedMap<String, Map<String, String>> put, Set<String> remove) {
        /** True when nothing changes (no LXD call is made for this instance). */
        public boolean empty() {
            return put.isEmpty() && remove.isEmpty();
        }
    }

    /**
     * Compares one instance's devices with the bridges it should have.
     *
     * @param instance instance name
     * @param current  the instance's own devices
     * @param bridges  the plan's bridge ports (all instances; only this instance's keys are used)
     */
    public static Change diff(String instance, Map<String, Map<String, String>> current, Map<BackendKey, Integer> bridges) {
        SortedMap<String, Map<String, String>> want = new TreeMap<>();
        bridges.forEach((k, port) -> {
            if (k.instance().equals(instance)) {
                want.put(k.deviceName(), device(k, port));
            }
        });
        SortedMap<String, Map<String, String>> put = new TreeMap<>();
        want.forEach((name, cfg) -> {
            if (!cfg.equals(current.get(name))) {
                put.put(name, cfg);
            }
        });
        Set<String> remove = new TreeSet<>();
        current.keySet().stream().filter(BridgeDevices::owned).filter(n -> !want.containsKey(n)).forEach(remove::add);
        return new Change(put, remove);
    }
}
