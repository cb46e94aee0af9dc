package io.terrarium.host.lxd;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Set;

/**
 * What an instance restored from a bucket may keep of its {@code backup.yaml} (issue 13 item 3).
 * The bucket is untrusted input: a planted {@code backup.yaml} could otherwise create a privileged
 * container with the host's root file system attached. Dropped unless the operator passes
 * {@code --trust-config}:
 * <ul>
 *   <li>config keys {@code security.privileged}, {@code security.idmap.*} (isolated/base/size),
 *       every {@code raw.*} key ({@code raw.lxc}, {@code raw.idmap}, {@code raw.apparmor},
 *       {@code raw.seccomp}, {@code raw.qemu}…) and {@code linux.kernel_modules} (loads host kernel
 *       modules at start) — LXD documentation, "Instance options", security and raw sections;</li>
 *   <li>devices of type {@code disk} with a {@code source} and no {@code pool} (a host path, e.g.
 *       {@code source=/}); {@code disk} devices on a storage pool (the root disk, custom volumes) stay;</li>
 *   <li>devices of type {@code unix-char}, {@code unix-block}, {@code unix-hotplug} (host device nodes)
 *       and {@code proxy} (sockets on the host; Terrarium's own are recreated by proxy sync from
 *       {@code user.proxy}) — LXD documentation, "Devices".</li>
 * </ul>
 * {@code volatile.idmap.*} and {@code volatile.last_state.idmap} stay: they describe how the received
 * files are shifted, not a privilege.
 */
public final class ImportAllowlist {
    private static final Set<String> DROPPED_KEYS = Set.of("security.privileged", "linux.kernel_modules");
    private static final List<String> DROPPED_KEY_PREFIXES = List.of("raw.", "security.idmap.");
    private static final Set<String> DROPPED_DEVICE_TYPES = Set.of("unix-char", "unix-block", "unix-hotplug", "proxy");

    private ImportAllowlist() {
    }

    /** Whether a config key is dropped without {@code --trust-config}. */
    public static boolean droppedKey(String key) {
        return DROPPED_KEYS.contains(key) || DROPPED_KEY_PREFIXES.stream().anyMatch(key::startsWith);
    }

    /**
     * Why a device is dropped without {@code --trust-config}, or {@code null} when it stays.
     *
     * @param device the device's fields ({@code type}, {@code source}, {@code pool}, …)
     */
    public static String droppedDevice(JsonNode device) {
        String type = device.path("type").asText();
        if (DROPPED_DEVICE_TYPES.contains(type)) {
            return type + " device";
        }
        if ("disk".equals(type) && device.hasNonNull("source") && !device.hasNonNull("pool")) {
            return "disk device with host path " + device.path("source").asText();
        }
        return null;
    }

    /**
     * Removes, in place, what is not allowed from an instance object ({@code config}, {@code devices},
     * and their {@code expanded_*} forms when present: the {@code container} section of a
     * {@code backup.yaml} or an instance from the LXD API).
     *
     * @param instance the instance object (changed in place)
     * @return one line per dropped key or device, e.g. {@code config security.privileged=true},
     *         {@code device hostroot (disk device with host path /)}; empty when nothing was dropped
     */
    public static List<String> filter(ObjectNode instance) {
        List<String> dropped = new ArrayList<>();
        for (String section : List.of("config", "expanded_config")) {
            if (instance.get(section) instanceof ObjectNode config) {
                for (Iterator<String> it = config.fieldNames(); it.hasNext(); ) {
                    String k = it.next();
                    if (droppedKey(k)) {
                        if (section.equals("config")) {
                            dropped.add("config " + k + "=" + config.path(k).asText());
                        }
                        it.remove();
                    }
                }
            }
        }
        for (String section : List.of("devices", "expanded_devices")) {
            if (instance.get(section) instanceof ObjectNode devices) {
                for (Iterator<String> it = devices.fieldNames(); it.hasNext(); ) {
                    String name = it.next();
                    String why = droppedDevice(devices.path(name));
                    if (why != null) {
                        if (section.equals("devices") && !name.startsWith("terrarium-proxy-")) {
                            dropped.add("device " + name + " (" + why + ")");
                        }
                        it.remove();
                    }
                }
            }
        }
        return dropped;
    }
}
