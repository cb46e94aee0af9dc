package io.terrarium.restore;

import io.terrarium.backup.InstanceDataset;

import io.terrarium.host.exec.CommandFailedException;
import io.terrarium.host.zfs.ZfsAdapter;
import io.terrarium.s3.S3ExportJob;

import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Aside copies: the state an instance's dataset had just before an in-place restore, kept as
 * {@code <parent>/<leaf>.pre-restore-<yyyyMMdd'T'HHmmss'Z'>} beside the instance's dataset (UTC
 * stamp of the restore). Both restores make them: a local restore ({@link RestoreService}: the
 * former dataset renamed aside, a clone of the restored snapshot promoted in its place, so the aside
 * is a clone of that snapshot) and an S3 restore ({@code S3RestoreService}: the former dataset
 * renamed aside). Nothing removes them automatically; sanoid leaves them alone
 * ({@link SanoidConfRenderer}); {@code terrariumctl backup aside list|remove} shows and removes them.
 *
 * <p>Removal releases Terrarium's own hold ({@value S3ExportJob#HOLD_TAG}, which the S3 export puts on
 * its chain base, and which moves with the dataset when it is renamed aside) before
 * {@code zfs destroy -r}: without that the destroy fails with "dataset is busy" after it has already
 * destroyed the aside's other snapshots. A hold of anyone else refuses the removal before anything
 * changes.
 */
public final class AsideCopies {
    /** The marker between the instance dataset's leaf and the UTC stamp. */
    public static final String MARK = ".pre-restore-";
    /** UTC stamp in aside (and S3 staging) names, e.g. {@code 20261206T112233Z}. */
    public static final DateTimeFormatter STAMP = DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss'Z'").withZone(ZoneOffset.UTC);
    /** Last path component of an aside dataset: the instance dataset's leaf, the marker, the stamp. */
    public static final Pattern LEAF = Pattern.compile("([A-Za-z0-9][A-Za-z0-9_-]{0,127})\\.pre-restore-(\\d{8}T\\d{6}Z)");
    private static final Duration BUSY_WAIT = Duration.ofSeconds(30);
    /** Local properties a clone cannot be created with (it inherits its origin's encryption). */
    private static final Set<String> NOT_ON_CLONE = Set.of("encryption", "keylocation", "keyformat", "pbkdf2iters", "pbkdf2salt");

    /**
     * One aside copy.
     *
     * @param dataset   full dataset name
     * @param leaf      leaf of the instance dataset it was kept for ({@code <project>_<name>} outside
     *                  LXD's default project, LXD's naming)
     * @param keptAt    when it was put aside (from the name's UTC stamp)
     * @param usedBytes space it uses, in bytes (-1 when unknown)
     * @param origin    the snapshot it is a clone of (local restore), or {@code null}
     */
    public record Aside(String dataset, String leaf, Instant keptAt, long usedBytes, String origin) {
        /** The instance name within {@code project} (the leaf without LXD's {@code <project>_} prefix). */
        public String instance(String project) {
            String p = project + "_";
            return !"default".equals(project) && leaf.startsWith(p) ? leaf.substring(p.length()) : leaf;
        }
    }

    /**
     * What a removal will do.
     *
     * @param aside       the aside copy
     * @param snapshots   its snapshots (full names), destroyed with it
     * @param ourHolds    snapshots holding {@value S3ExportJob#HOLD_TAG}, released first
     * @param unlisted    snapshots with holds whose tags cannot be listed (zfs-fuse: holds work, its
     *                    {@code zfs holds} does not): our tag is released from them, and if any hold is
     *                    left the releases are undone and the removal refused
     */
    public record Removal(Aside aside, List<String> snapshots, List<String> ourHolds, List<String> unlisted) {
        /** Human-readable plan lines. */
        public List<String> describe() {
            List<String> l = new ArrayList<>();
            l.add("Remove aside copy " + aside.dataset() + " (kept " + aside.keptAt() + ", " + aside.usedBytes() + " bytes):");
            List<String> release = new ArrayList<>(ourHolds);
            release.addAll(unlisted);
            if (!release.isEmpty()) {
                l.add("  1. release Terrarium's hold " + S3ExportJob.HOLD_TAG + " on " + String.join(", ", release));
            }
            l.add("  " + (release.isEmpty() ? 1 : 2) + ". zfs destroy -r " + aside.dataset() + " (its " + snapshots.size()
                    + " snapshot(s) go with it; the instance and its snapshots are not touched)");
            return l;
        }
    }

    private final ZfsAdapter zfs;

    /** @param zfs zfs adapter */
    public AsideCopies(ZfsAdapter zfs) {
        this.zfs = zfs;
    }

    /**
     * The aside name for a live dataset (pure).
     *
     * @param liveDataset e.g. {@code terrarium/containers/web}
     * @param now         the restore's time
     * @return e.g. {@code terrarium/containers/web.pre-restore-20261206T112233Z}
     */
    public static String asideFor(String liveDataset, Instant now) {
        return liveDataset + MARK + STAMP.format(now);
    }

    /** Whether a dataset's last component has the aside form (pure). */
    public static boolean isAside(String dataset) {
        return LEAF.matcher(dataset.substring(dataset.lastIndexOf('/') + 1)).matches();
    }

    /**
     * The datasets below which aside copies are looked for (pure): the containers dataset and the
     * parent of every instance dataset (an instance may live elsewhere), without duplicates.
     */
    public static List<String> roots(String containersDataset, Collection<InstanceDataset> instances) {
        Set<String> r = new LinkedHashSet<>();
        if (containersDataset != null && !containersDataset.isBlank()) {
            r.add(containersDataset);
        }
        for (InstanceDataset i : instances) {
            if (i.resolved() && i.dataset().lastIndexOf('/') > 0) {
                r.add(i.dataset().substring(0, i.dataset().lastIndexOf('/')));
            }
        }
        return List.copyOf(r);
    }

    /**
     * Every aside copy at any depth below the roots (a root that does not exist is skipped), sorted by name.
     *
     * @throws CommandFailedException when zfs fails
     */
    public List<Aside> list(Collection<String> roots) {
        Set<String> names = new java.util.TreeSet<>();
        for (String root : roots) {
            if (!zfs.exists(root)) {
                continue;
            }
            for (String ds : zfs.filesystems(root)) {
                if (isAside(ds)) {
                    names.add(ds);
                }
            }
        }
        List<Aside> out = new ArrayList<>();
        for (String ds : names) {
            out.add(describe(ds));
        }
        return out;
    }

    private Aside describe(String ds) {
        Matcher m = LEAF.matcher(ds.substring(ds.lastIndexOf('/') + 1));
        if (!m.matches()) {
            throw new IllegalArgumentException(ds + " is not an aside copy");
        }
        Instant kept;
        try {
            kept = Instant.from(STAMP.parse(m.group(2)));
        } catch (DateTimeParseException e) {
            kept = Instant.EPOCH;
        }
        long used = zfs.usedBytes(ds);
        String origin = zfs.property(ds, "origin")[0].strip();
        return new Aside(ds, m.group(1), kept, used, origin.isEmpty() || "-".equals(origin) ? null : origin);
    }

    /**
     * The zfs part of a local in-place restore that destroys nothing: the live dataset is unmounted
     * ({@code mountpoint=none}) and renamed to {@code aside} (it keeps the current state and the
     * snapshots newer than {@code snapshot}); {@code <aside>@<snapshot>} is cloned under the live name
     * with the live dataset's local properties ({@code zfs get -s local}: e.g. LXD's zfs driver's
     * {@code mountpoint=legacy}, {@code canmount=noauto}, a {@code refquota}; the development host's
     * mountpoint, the instance directory) and promoted, so it takes over the
     * snapshots up to {@code snapshot} (holds move with them) and the aside becomes a clone of
     * {@code <live>@<snapshot>}; then it is mounted when its mountpoint is a path. No bytes are copied.
     * The instance must be stopped.
     *
     * @param live     the instance's dataset
     * @param aside    the aside name ({@link #asideFor})
     * @param snapshot name of the snapshot to restore (without the dataset)
     * @param progress progress lines
     * @throws RestoreException when a step fails; the steps done are undone first (best effort) and the
     *                          message says in what state the datasets are
     */
    public void swapInClone(String live, String aside, String snapshot, java.util.function.Consumer<String> progress) {
        String[] mp = zfs.property(live, "mountpoint");
        String[] canmount = zfs.property(live, "canmount");
        // every local property goes onto the clone (LXD's zfs driver: mountpoint=legacy, canmount=noauto,
        // refquota for a size limit …); encryption settings are inherited by a clone and cannot be set
        Map<String, String> props = new java.util.LinkedHashMap<>();
        zfs.localProperties(live).forEach((k, v) -> {
            if (!NOT_ON_CLONE.contains(k)) {
                props.put(k, v);
            }
        });
        int step = 0;
        try {
            progress.accept("keeping the current state of " + live + " as " + aside + " …");
            zfs.setMountpoint(live, "none", BUSY_WAIT);
            step = 1;
            zfs.rename(live, aside, BUSY_WAIT);
            step = 2;
            progress.accept("restoring " + live + " from " + snapshot + " (zfs clone + promote) …");
            zfs.clone(aside + "@" + snapshot, live, props);
            step = 3;
            zfs.promote(live);
            step = 4;
            if (!"none".equals(mp[0]) && !"legacy".equals(mp[0]) && !"off".equals(canmount[0]) && !"noauto".equals(canmount[0])) {
                zfs.ensureMounted(live);
            }
        } catch (CommandFailedException e) {
            throw new RestoreException("restoring " + live + " failed: " + e.getMessage() + "; " + undoSwap(live, aside, step, mp), e);
        }
    }

    /** Best-effort reversal of the first {@code step} steps of {@link #swapInClone}; says what state things are in. */
    private String undoSwap(String live, String aside, int step, String[] mp) {
        try {
            if (step >= 4) {
                zfs.promote(aside); // the snapshots go back to the former dataset
            }
            if (step >= 3) {
                zfs.destroy(live, false, BUSY_WAIT); // the clone, without snapshots of its own
            }
            if (step >= 2) {
                zfs.rename(aside, live, BUSY_WAIT);
            }
            if (step >= 1) {
                if ("local".equals(mp[1])) {
                    zfs.setMountpoint(live, mp[0], BUSY_WAIT);
                } else {
                    zfs.inheritMountpoint(live);
                }
            }
        } catch (RuntimeException u) {
            return "undoing it failed too (" + u.getMessage() + "): the previous data is in " + (step >= 2 ? aside : live)
                    + "; fix by hand (`zfs list -t all -r -o name,origin,mountpoint " + live.substring(0, Math.max(0, live.lastIndexOf('/'))) + "`)";
        }
        return "the live dataset " + live + " is back as it was";
    }

    /**
     * Plans the removal of one aside copy (changes nothing).
     *
     * @param name  the aside's full dataset name, or its last component
     * @param roots where aside copies live ({@link #roots})
     * @throws RestoreException when {@code name} is not an aside copy (not of the aside form, or not
     *                          found below the roots: "not ours", nothing is destroyed), is ambiguous,
     *                          or a snapshot of it holds a hold that is not Terrarium's
     */
    public Removal planRemoval(String name, Collection<String> roots) {
        if (name == null || name.isBlank() || name.contains("@")) {
            throw new RestoreException("\"" + name + "\" is not an aside copy: give a dataset named <instance dataset>"
                    + MARK + "<UTC stamp> (see `terrariumctl backup aside list`)");
        }
        if (!isAside(name)) {
            throw new RestoreException(name + " is not an aside copy (its name does not end in " + MARK
                    + "<yyyyMMddTHHmmssZ>); Terrarium removes only the copies its restores kept (see `terrariumctl backup aside list`)");
        }
        List<Aside> all = list(roots);
        List<Aside> match = all.stream().filter(a -> a.dataset().equals(name)
                || (!name.contains("/") && a.dataset().endsWith("/" + name))).toList();
        if (match.isEmpty()) {
            throw new RestoreException("no aside copy " + name + " below " + String.join(", ", roots)
                    + (all.isEmpty() ? " (there are none)" : "; aside copies: " + String.join(", ", all.stream().map(Aside::dataset).toList())));
        }
        if (match.size() > 1) {
            throw new RestoreException(name + " names several aside copies (" + String.join(", ", match.stream().map(Aside::dataset).toList())
                    + "); give the full dataset name");
        }
        Aside a = match.get(0);
        Map<String, Integer> counts = zfs.holdCounts(a.dataset());
        List<String> ours = new ArrayList<>();
        List<String> foreign = new ArrayList<>();
        List<String> unlisted = new ArrayList<>();
        counts.forEach((snap, n) -> {
            if (n <= 0) {
                return;
            }
            List<String> tags;
            try {
                tags = zfs.holds(snap);
            } catch (CommandFailedException e) {
                unlisted.add(snap); // zfs-fuse: holds work, `zfs holds` fails
                return;
            }
            for (String t : tags) {
                if (t.equals(S3ExportJob.HOLD_TAG)) {
                    ours.add(snap);
                } else {
                    foreign.add(snap + " (hold " + t + ")");
                }
            }
        });
        if (!foreign.isEmpty()) {
            throw new RestoreException("aside copy " + a.dataset() + " has holds that are not Terrarium's: " + String.join(", ", foreign)
                    + "; nothing was removed. Release them (`zfs release TAG SNAPSHOT`) if they may go, and retry");
        }
        return new Removal(a, List.copyOf(counts.keySet()), List.copyOf(ours), List.copyOf(unlisted));
    }

    /**
     * Carries a removal out: releases Terrarium's holds, then {@code zfs destroy -r} (retried while busy).
     * Where hold tags could not be listed, a hold left after releasing ours refuses the removal and
     * ours are put back.
     *
     * @throws RestoreException       a hold that is not Terrarium's (nothing was removed)
     * @throws CommandFailedException when zfs fails (the message of zfs says why)
     */
    public void remove(Removal r) {
        List<String> released = new ArrayList<>();
        for (String snap : r.ourHolds()) {
            if (zfs.release(S3ExportJob.HOLD_TAG, snap)) {
                released.add(snap);
            }
        }
        if (!r.unlisted().isEmpty()) {
            for (String snap : r.unlisted()) {
                if (zfs.release(S3ExportJob.HOLD_TAG, snap)) {
                    released.add(snap);
                }
            }
            List<String> left = zfs.holdCounts(r.aside().dataset()).entrySet().stream().filter(e -> e.getValue() > 0)
                    .map(Map.Entry::getKey).toList();
            if (!left.isEmpty()) {
                for (String snap : released) {
                    zfs.hold(S3ExportJob.HOLD_TAG, snap); // put ours back: nothing changed
                }
                throw new RestoreException("aside copy " + r.aside().dataset() + " has holds that are not Terrarium's on "
                        + String.join(", ", left) + "; nothing was removed. Release them (`zfs release TAG SNAPSHOT`) if they may go, and retry");
            }
        }
        zfs.destroy(r.aside().dataset(), true, BUSY_WAIT);
    }
}
