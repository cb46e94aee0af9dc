package io.terrarium.host.block;

import com.fasterxml.jackson.databind.JsonNode;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The block devices of the host as {@code lsblk -J -b -O} reports them, each with what a
 * low-level signature probe ({@code blkid -p -o export DEV}) found on it. Pure: parsing and the
 * rules of {@link StorageTargets} only; the host adapter ({@link StorageProbe}) runs the tools.
 *
 * <p>lsblk takes file system and partition table types from udev; on a host without udev (the
 * development machine) they are empty, which is why the blkid probe is merged in.
 */
public final class BlockDevices {
    private BlockDevices() {
    }

    /**
     * One device of the tree.
     *
     * @param path        device path, e.g. {@code /dev/sdb}
     * @param type        lsblk type: {@code disk}, {@code part}, {@code loop}, {@code rom}, {@code lvm}, …
     * @param sizeBytes   size in bytes
     * @param readOnly    lsblk {@code ro}
     * @param removable   lsblk {@code rm}
     * @param fstype      file system / signature type ({@code ext4}, {@code zfs_member}, {@code swap}, …) or null
     * @param pttype      partition table type ({@code gpt}, {@code dos}) or null
     * @param mountpoints non-null mount points of the device itself
     * @param children    partitions and holders (device-mapper, md) below this device
     */
    public record Device(String path, String type, long sizeBytes, boolean readOnly, boolean removable,
                         String fstype, String pttype, List<String> mountpoints, List<Device> children) {
        /** Whether this device or anything below it is mounted at {@code mp} (or at all, when mp is null). */
        public boolean mountedAnywhere(String mp) {
            for (String m : mountpoints) {
                if (mp == null || mp.equals(m)) {
                    return true;
                }
            }
            for (Device c : children) {
                if (c.mountedAnywhere(mp)) {
                    return true;
                }
            }
            return false;
        }

        /** Copy with the signature types found by a probe (kept when the probe found nothing new). */
        Device withProbe(String probedFstype, String probedPttype) {
            return new Device(path, type, sizeBytes, readOnly, removable,
                    fstype != null ? fstype : probedFstype, pttype != null ? pttype : probedPttype, mountpoints, children);
        }
    }

    /**
     * Parses {@code lsblk -J -b -O} output (also accepts the fewer columns of {@code -o}); the
     * {@code mountpoints} array of util-linux ≥ 2.37 and the older {@code mountpoint} are both read.
     *
     * @param lsblk  the JSON document ({@code {"blockdevices": [...]}})
     * @param probes device path → {@code blkid -p -o export} key/values (e.g. {@code TYPE}, {@code PTTYPE});
     *               devices without an entry keep what lsblk said
     * @return the top-level devices with their children
     */
    public static List<Device> parse(JsonNode lsblk, Map<String, Map<String, String>> probes) {
        List<Device> out = new ArrayList<>();
        for (JsonNode n : lsblk.path("blockdevices")) {
            out.add(device(n, probes));
        }
        return out;
    }

    private static Device device(JsonNode n, Map<String, Map<String, String>> probes) {
        String name = text(n, "name");
        String path = text(n, "path");
        if (path == null) {
            path = name == null ? null : name.startsWith("/") ? name : "/dev/" + name;
        }
        List<String> mps = new ArrayList<>();
        for (JsonNode m : n.path("mountpoints")) {
            if (!m.isNull() && !m.asText().isEmpty()) {
                mps.add(m.asText());
            }
        }
        String mp = text(n, "mountpoint");
        if (mp != null && !mps.contains(mp)) {
            mps.add(mp);
        }
        List<Device> children = new ArrayList<>();
        for (JsonNode c : n.path("children")) {
            children.add(device(c, probes));
        }
        Device d = new Device(path, text(n, "type"), n.path("size").asLong(0), bool(n, "ro"), bool(n, "rm"),
                text(n, "fstype"), text(n, "pttype"), List.copyOf(mps), List.copyOf(children));
        Map<String, String> probe = probes.get(path);
        if (probe != null) {
            d = d.withProbe(probe.get("TYPE"), probe.get("PTTYPE"));
        }
        return d;
    }

    private static String text(JsonNode n, String field) {
        JsonNode v = n.get(field);
        return v == null || v.isNull() || v.asText().isEmpty() ? null : v.asText();
    }

    private static boolean bool(JsonNode n, String field) {
        JsonNode v = n.get(field);
        if (v == null || v.isNull()) {
            return false;
        }
        return v.isBoolean() ? v.asBoolean() : "1".equals(v.asText()) || "true".equals(v.asText());
    }

    /** Parses {@code blkid -p -o export} output ({@code KEY=value} lines). */
    public static Map<String, String> parseBlkidExport(String text) {
        Map<String, String> m = new java.util.TreeMap<>();
        for (String line : text.split("\n")) {
            int eq = line.indexOf('=');
            if (eq > 0) {
                m.put(line.substring(0, eq).strip(), line.substring(eq + 1).strip());
            }
        }
        return m;
    }
}
