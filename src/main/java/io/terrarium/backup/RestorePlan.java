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
 * @param newer      snapshots newer than the chosen one: destroyed by an in-place rollback, untouched by --as-new
 * @param running    whether the instance runs now (in place: stopped, then started again)
 * @param asNew      name of the new instance, or {@code null} for in place
 * @param newDataset dataset the copy is received into, or {@code null}
 */
public record RestorePlan(String instance, String dataset, ZfsSnapshot snapshot, List<ZfsSnapshot> newer,
                          boolean running, String asNew, String newDataset) {
    /** True for an in-place rollback. */
    public boolean inPlace() {
        return asNew == null;
    }

    /** Human-readable plan, one step per line. */
    public List<String> describe() {
        List<String> l = new ArrayList<>();
        l.add("Restore plan for instance " + instance + " (dataset " + dataset + "):");
        l.add("  snapshot: " + snapshot.name() + " (created " + snapshot.created() + ")");
        if (inPlace()) {
            if (newer.isEmpty()) {
                l.add("  newer snapshots destroyed: none");
            } else {
                l.add("  newer snapshots destroyed (" + newer.size() + "):");
                newer.forEach(s -> l.add("    " + s.name() + " (created " + s.created() + ")"));
            }
            l.add(running ? "  1. stop " + instance + " gracefully (LXD API)" : "  1. " + instance + " is stopped; it stays stopped");
            l.add(snapshot.name().startsWith(LxdSnapshotRestore.LXD_PREFIX)
                    ? "  2. LXD's own snapshot: destroy the newer snapshots LXD did not make, then LXD restores "
                    + snapshot.name().substring(LxdSnapshotRestore.LXD_PREFIX.length()) + " (on LXD's zfs driver; elsewhere zfs rollback -r)"
                    : "  2. zfs rollback -r " + snapshot.fullName());
            if (running) {
                l.add("  3. start " + instance + " again");
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
