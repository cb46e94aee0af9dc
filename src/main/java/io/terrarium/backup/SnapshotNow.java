package io.terrarium.backup;

import io.terrarium.restore.AsideCopies;
import io.terrarium.restore.RestoreException;

import io.terrarium.host.zfs.ZfsAdapter;
import io.terrarium.host.zfs.ZfsSnapshot;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * A named snapshot taken at once, independent of sanoid's schedule ({@code terrariumctl backup
 * snapshot --now}): before a risky change, {@code zfs snapshot <dataset>@<name>} on each chosen
 * instance's dataset. sanoid never prunes it (sanoid 2.1 prunes only snapshots whose name starts with
 * {@code autosnap}), the S3 export never destroys it (it destroys only its own
 * {@code terrarium-export-*} bases), so it stays until the operator destroys it. A plain bean: the
 * CLI calls it, and a route can too.
 *
 * <p>Default name {@code manual-<yyyyMMdd'T'HHmmss'Z'>} (UTC). A given name must match {@link #NAME}
 * and must not start with a prefix another tool owns ({@link #RESERVED}).
 */
public final class SnapshotNow {
    /** Allowed snapshot names: a letter or digit, then letters, digits, '_', '-', '.', ':'; at most 200 characters. */
    public static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.:-]{0,199}");
    /** Name prefixes owned by others: sanoid's (pruned by it), the S3 export's bases (destroyed by it), the hold probe's, syncoid's, LXD's snapshots on its zfs driver. */
    public static final List<String> RESERVED = List.of("autosnap", "terrarium-export-", "terrarium-probe", "syncoid_", "snapshot-");
    /** Prefix of the default name. */
    public static final String DEFAULT_PREFIX = "manual-";

    /**
     * One instance's outcome.
     *
     * @param instance instance name
     * @param dataset  its dataset, or {@code null}
     * @param snapshot full snapshot name taken, or {@code null}
     * @param status   "taken", "skipped" (no dataset, only when all instances were asked for) or "failed"
     * @param problem  why not taken, or {@code null}
     */
    public record Row(String instance, String dataset, String snapshot, String status, String problem) {
    }

    private final ZfsAdapter zfs;

    /** @param zfs zfs adapter */
    public SnapshotNow(ZfsAdapter zfs) {
        this.zfs = zfs;
    }

    /**
     * Checks a snapshot name (pure).
     *
     * @return {@code null} when it is good, else what is wrong with it
     */
    public static String problem(String name) {
        if (name == null || !NAME.matcher(name).matches()) {
            return "snapshot name \"" + name + "\" is not valid: a letter or digit, then letters, digits, '_', '-', '.', ':'"
                    + " (at most 200 characters; no '@', '/', spaces)";
        }
        for (String p : RESERVED) {
            if (name.startsWith(p)) {
                return "snapshot name \"" + name + "\" starts with " + p + ", which another tool owns (sanoid prunes autosnap*,"
                        + " the S3 export destroys terrarium-export-*, syncoid prunes syncoid_*, LXD names its snapshots snapshot-*);"
                        + " choose another name";
            }
        }
        return null;
    }

    /** The default name for a snapshot taken at {@code now}, e.g. {@code manual-20261206T112233Z} (pure). */
    public static String defaultName(Instant now) {
        return DEFAULT_PREFIX + AsideCopies.STAMP.format(now);
    }

    /**
     * Takes {@code dataset@name} for each chosen instance. Checks everything first: a bad name, an
     * unknown instance, an asked-for instance without a dataset, or a dataset that already has a
     * snapshot of that name fails before any snapshot is taken.
     *
     * @param all      every instance and its dataset ({@link DatasetResolver#resolveAll})
     * @param instance only this instance, or {@code null} for every instance with a dataset
     * @param name     snapshot name (checked with {@link #problem})
     * @return one row per instance, in {@code all}'s order
     * @throws RestoreException on bad input (nothing was taken)
     */
    public List<Row> take(List<InstanceDataset> all, String instance, String name) {
        String bad = problem(name);
        if (bad != null) {
            throw new RestoreException(bad);
        }
        List<InstanceDataset> chosen = instance == null ? all : all.stream().filter(i -> i.instance().equals(instance)).toList();
        if (instance != null && chosen.isEmpty()) {
            throw new RestoreException("instance \"" + instance + "\" does not exist (instances: "
                    + String.join(", ", all.stream().map(InstanceDataset::instance).toList()) + ")");
        }
        if (instance != null && !chosen.get(0).resolved()) {
            throw new RestoreException("instance " + instance + " has no ZFS dataset: " + chosen.get(0).problem());
        }
        for (InstanceDataset i : chosen) {
            if (i.resolved() && zfs.snapshots(i.dataset(), false).stream().map(ZfsSnapshot::name).anyMatch(name::equals)) {
                throw new RestoreException(i.dataset() + "@" + name + " already exists; choose another --name (nothing was taken)");
            }
        }
        List<Row> rows = new ArrayList<>();
        for (InstanceDataset i : chosen) {
            if (!i.resolved()) {
                rows.add(new Row(i.instance(), null, null, "skipped", i.problem()));
                continue;
            }
            String full = i.dataset() + "@" + name;
            try {
                zfs.snapshot(full);
                rows.add(new Row(i.instance(), i.dataset(), full, "taken", null));
            } catch (RuntimeException e) {
                rows.add(new Row(i.instance(), i.dataset(), null, "failed", e.getMessage()));
            }
        }
        return rows;
    }
}
