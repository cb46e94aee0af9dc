package io.terrarium.restore;

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
 * @param lxdRestore in place, one of LXD's own snapshots on LXD's zfs storage driver: LXD restores it
 *                   ({@link LxdSnapshotRestore}) and nothing is kept aside
 */
public record RestorePlan(String instance, String dataset, ZfsSnapshot snapshot, List<ZfsSnapshot> newer,
                          boolean running, String asNew, String newDataset, String asideDataset, boolean lxdRestore) {
    /** A plan restored by Terrarium itself (no LXD restore). */
    public RestorePlan(String instance, String dataset, ZfsSnapshot snapshot, List<ZfsSnapshot> newer,
                       boolean running, String asNew, String newDataset, String asideDataset) {
        this(instance, dataset, snapshot, newer, running, asNew, newDataset, asideDataset, false);
    }

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
        if (inPlace() && lxdRestore) {
            List<ZfsSnapshot> foreign = LxdSnapshotRestore.foreignNewer(this);
            l.add("  " + snapshot.name() + " is one of LXD's own snapshots and " + instance + " is on LXD's zfs storage driver: LXD restores it.");
            l.add("  NOT kept: changes made since " + snapshot.name() + " are lost, and nothing is kept aside (LXD's restore is a rollback);");
            l.add("    to keep them, first run `terrariumctl backup restore --instance " + instance + " --snapshot " + snapshot.name()
                    + " --as-new <name>` or take `terrariumctl backup snapshot --now --instance " + instance + "` and copy it elsewhere");
            if (foreign.isEmpty()) {
                l.add("  newer snapshots LXD did not make: none");
            } else {
                l.add("  newer snapshots LXD did not make, DESTROYED first (LXD refuses to restore past them) (" + foreign.size() + "):");
                foreign.forEach(s -> l.add("    " + s.name() + " (created " + s.created() + ")"));
            }
            l.add(running ? "  1. stop " + instance + " gracefully (LXD API)" : "  1. " + instance + " is stopped");
            l.add("  2. release Terrarium's hold on and destroy the snapshots listed above");
            l.add("  3. LXD restores " + snapshot.name().substring(LxdSnapshotRestore.LXD_PREFIX.length()) + (running ? " and starts it again" : ""));
            return l;
        }
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
