package io.terrarium.provision.install;

import io.terrarium.host.block.BlockDevices.Device;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * Which device the ZFS pool may go on (issue 6, "--storage-source PATH|auto"). Pure rules over
 * {@link BlockDevices}:
 * <ul>
 *   <li>{@code auto}: the largest <em>empty</em> whole disk — no partition table, no file system or
 *       other signature, no partitions or holders, not mounted, writable, not removable, at least
 *       {@value #MIN_BYTES} bytes (zpool's smallest vdev). The disk holding {@code /} is never a
 *       candidate. Loop devices only when asked ({@code includeLoop}: tests).</li>
 *   <li>An explicit path: must exist and fit the mode (a whole disk for {@code disk}, a partition
 *       for {@code partition}); never mounted (anything below it), never the root disk in disk mode,
 *       never a ZFS pool member. A device holding a partition table, a file system or holders is
 *       accepted only with {@code --yes} (it is then wiped: {@link Target#wipe()}).</li>
 * </ul>
 */
public final class StorageTargets {
    /** Smallest vdev zpool accepts (64 MiB). */
    public static final long MIN_BYTES = 64L * 1024 * 1024;

    private StorageTargets() {
    }

    /**
     * A decision.
     *
     * @param ok        whether the pool may go on {@code path}
     * @param path      the device path (for {@code auto}: the chosen disk), or null when refused
     * @param sizeBytes its size in bytes (0 when refused)
     * @param wipe      whether its existing signatures must be wiped first (explicit path with --yes)
     * @param message   one line for the operator: what was chosen and why, or why not and what to do
     */
    public record Target(boolean ok, String path, long sizeBytes, boolean wipe, String message) {
        static Target refused(String message) {
            return new Target(false, null, 0, false, message);
        }
    }

    /**
     * Picks the largest empty disk.
     *
     * @param devices     lsblk tree merged with the probes
     * @param includeLoop also consider loop devices (test hosts); never in production
     */
    public static Target auto(List<Device> devices, boolean includeLoop) {
        List<String> skipped = new ArrayList<>();
        List<Device> empty = new ArrayList<>();
        for (Device d : devices) {
            boolean kind = "disk".equals(d.type()) || (includeLoop && "loop".equals(d.type()));
            if (!kind) {
                continue;
            }
            Optional<String> why = notEmpty(d);
            if (why.isEmpty() && d.sizeBytes() < MIN_BYTES) {
                why = Optional.of("smaller than 64 MiB");
            }
            if (why.isPresent()) {
                skipped.add(d.path() + " (" + why.get() + ")");
            } else {
                empty.add(d);
            }
        }
        Optional<Device> best = empty.stream()
                .max(Comparator.comparingLong(Device::sizeBytes).thenComparing(Device::path, Comparator.reverseOrder()));
        if (best.isEmpty()) {
            return Target.refused("no empty disk for --storage-source auto"
                    + (skipped.isEmpty() ? "" : "; skipped: " + String.join(", ", skipped))
                    + ". Add an empty disk, or use --storage-mode file (a file vdev on the root file system)");
        }
        Device d = best.get();
        return new Target(true, d.path(), d.sizeBytes(), false, "auto chose " + d.path() + " (" + gib(d.sizeBytes())
                + ", the largest empty disk" + (skipped.isEmpty() ? "" : "; skipped: " + String.join(", ", skipped)) + ")");
    }

    /**
     * Checks an explicitly named device.
     *
     * @param devices lsblk tree merged with the probes
     * @param path    the device path, symlinks already resolved (e.g. {@code /dev/sdb}, not {@code /dev/disk/by-id/…})
     * @param mode    {@code disk} or {@code partition}
     * @param yes     the operator passed {@code --yes}: a device with signatures may be wiped
     */
    public static Target explicit(List<Device> devices, String path, String mode, boolean yes) {
        Optional<Device> found = find(devices, path);
        if (found.isEmpty()) {
            return Target.refused(path + " is not a block device on this host (see `lsblk`)");
        }
        Device d = found.get();
        boolean partition = "part".equals(d.type());
        if ("disk".equals(mode) && partition) {
            return Target.refused(path + " is a partition; use --storage-mode partition, or name the whole disk");
        }
        if ("partition".equals(mode) && !partition) {
            return Target.refused(path + " is not a partition (" + d.type() + "); use --storage-mode disk for a whole disk");
        }
        if (!partition && d.mountedAnywhere("/")) {
            return Target.refused(path + " holds the root file system; Terrarium never puts its pool on the root disk "
                    + "(use --storage-mode partition with an empty partition, or --storage-mode file)");
        }
        if (d.mountedAnywhere(null)) {
            return Target.refused(path + " is in use (mounted at " + String.join(", ", mounts(d)) + "); pick an unused device");
        }
        if (d.readOnly()) {
            return Target.refused(path + " is read-only");
        }
        if (d.sizeBytes() < MIN_BYTES) {
            return Target.refused(path + " is smaller than 64 MiB, the smallest vdev ZFS accepts");
        }
        if (hasZfs(d)) {
            return Target.refused(path + " belongs to a ZFS pool; Terrarium never reuses another pool's device "
                    + "(import that pool yourself, or clear it with `zpool labelclear` if it is no longer needed)");
        }
        Optional<String> why = notEmpty(d);
        if (why.isPresent()) {
            if (!yes) {
                return Target.refused(path + " is not empty (" + why.get() + "); pass --yes together with this explicit "
                        + "--storage-source to wipe it, or pick an empty device");
            }
            return new Target(true, path, d.sizeBytes(), true, path + " (" + gib(d.sizeBytes()) + ") is not empty ("
                    + why.get() + "); it will be WIPED (--yes)");
        }
        return new Target(true, path, d.sizeBytes(), false, path + " (" + gib(d.sizeBytes()) + ") is empty");
    }

    /** Why a device is not empty, or empty when it is. */
    static Optional<String> notEmpty(Device d) {
        if (d.mountedAnywhere("/")) {
            return Optional.of("holds the root file system");
        }
        if (d.mountedAnywhere(null)) {
            return Optional.of("mounted at " + String.join(", ", mounts(d)));
        }
        // lsblk reports a partition's pttype as the table it sits in; only a table *on* the device counts
        if (d.pttype() != null && !"part".equals(d.type())) {
            return Optional.of("has a " + d.pttype() + " partition table");
        }
        if (d.fstype() != null) {
            return Optional.of("holds " + ("zfs_member".equals(d.fstype()) ? "a ZFS pool member" : "a " + d.fstype() + " signature"));
        }
        if (!d.children().isEmpty()) {
            return Optional.of("has partitions or holders: " + String.join(", ", d.children().stream().map(Device::path).toList()));
        }
        if (d.readOnly()) {
            return Optional.of("read-only");
        }
        if (d.removable()) {
            return Optional.of("removable");
        }
        return Optional.empty();
    }

    private static boolean hasZfs(Device d) {
        if ("zfs_member".equals(d.fstype())) {
            return true;
        }
        return d.children().stream().anyMatch(StorageTargets::hasZfs);
    }

    private static List<String> mounts(Device d) {
        List<String> m = new ArrayList<>(d.mountpoints());
        d.children().forEach(c -> m.addAll(mounts(c)));
        return m;
    }

    /** Finds a device anywhere in the tree by path. */
    static Optional<Device> find(List<Device> devices, String path) {
        for (Device d : devices) {
            if (path.equals(d.path())) {
                return Optional.of(d);
            }
            Optional<Device> c = find(d.children(), path);
            if (c.isPresent()) {
                return c;
            }
        }
        return Optional.empty();
    }

    static String gib(long bytes) {
        return String.format(Locale.ROOT, "%.1f GiB", bytes / (1024.0 * 1024 * 1024));
    }
}
