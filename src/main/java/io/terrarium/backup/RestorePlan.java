package io.terrarium.backup;

import io.terrarium.host.zfs.ZfsSnapshot;

import java.util.ArrayList;
import java.util.List;

/**
 * What a local restore will do, printed before anything changes.
 *
 * @param instance   instance to restore
 * @param dataset    its dataset
 * @param snapshot   the chosen snapshot
 * @param newer      snapshots newer than the chosen one: in place they move to the aside copy (nothing is
 *                   destroyed), untouched by --as-new
 * @param running    whether the instance runs now (in place: stopped, then started again)
 * @param asNew      name of the new instance, or {@code null} for in place
 * @param newDataset dataset the copy is received into, or {@code null}
 * @param asideDataset in place: where the current state (changes since the snapshot, newer snapshots) is
 *                   kept ({@link AsideCopies}); {@code null} for --as-new
 */
public record RestorePlan(String instance, String dataset, ZfsSnapshot snapshot, List<ZfsSnapshot> newer,
                          boolean running, String asNew, String newDataset, String asideDataset) {
    /** A plan without an aside dataset (--as-new). */
    public RestorePlan(String instance, String dataset, ZfsSnapshot snapshot, List<ZfsSnapshot> newer,
                       boolean running, String asNew, String newDataset) {
        this(instance, dataset, snapshot, newer, running, asNew, newDataset, null);
    }

    /** True for an in-place restore (the current state is kept aside). */
    public boolean inPlace() {
        return asNew == null;
    }

    /** Human-readable plan, one step per line. */
    public List<String> describe() {
        List<String> l = new ArrayList<>();
        l.add("Restore plan for instance " + instance + " (dataset " + dataset + "):");
        l.add("  snapshot: " + snapshot.name() + " (created " + snapshot.created() + ")");
        if (inPlace()) {
            String leaf = asideDataset.substring(asideDataset.lastIndexOf('/') + 1);
            l.add("  changes made since " + snapshot.name() + " are NOT lost: the current state of " + dataset
                    + (newer.isEmpty() ? "" : " and its " + newer.size() + " newer snapshot(s)"));
            l.add("    are kept in the aside copy " + asideDataset + " (not mounted, nothing is destroyed);");
            l.add("    list it with `terrariumctl backup aside list`, remove it with `terrariumctl backup aside remove " + leaf + "`");
            if (newer.isEmpty()) {
                l.add("  newer snapshots moved to the aside copy: none");
            } else {
                l.add("  newer snapshots moved to the aside copy (" + newer.size() + "):");
                newer.forEach(s -> l.add("    " + s.name() + " (created " + s.created() + ")"));
            }
            if (snapshot.name().startsWith(LxdSnapshotRestore.LXD_PREFIX)) {
                l.add("  NOTE: " + snapshot.name() + " is one of LXD's own snapshots. On LXD's zfs storage driver LXD restores it"
                        + " itself (steps 2-3 below do not apply there): the newer snapshots LXD did not make are destroyed and"
                        + " changes made since " + snapshot.name() + " are NOT kept aside; take `terrariumctl backup restore --as-new`"
                        + " first if you need them. On other pools the steps below apply.");
            }
            l.add(running ? "  1. stop " + instance + " gracefully (LXD API)" : "  1. " + instance + " is stopped; it stays stopped");
            l.add("  2. zfs rename " + dataset + " " + asideDataset);
            l.add("  3. zfs clone " + asideDataset + "@" + snapshot.name() + " " + dataset + " and zfs promote " + dataset
                    + " (no copy; its snapshots up to " + snapshot.name() + " stay with the instance)");
            if (running) {
                l.add("  4. start " + instance + " again");
            }
        } else {
            l.add("  " + instance + " and its snapshots are not touched");
            l.add("  1. zfs send " + snapshot.fullName() + " | zfs receive " + newDataset + "  (a full copy, no clone)");
            l.add("  2. create instance " + asNew + " from it: same profiles and config, without user.proxy and");
            l.add("     without terrarium-proxy-* devices (it takes no traffic); left stopped");
        }
        return l;
    }
}
