package io.terrarium.restore;

import io.terrarium.host.exec.CamelExecCommandRunner;
import io.terrarium.host.zfs.ZfsAdapter;
import io.terrarium.s3.S3ExportJob;
import io.terrarium.testing.ZfsTarget;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Aside copies with the S3 export's holds on real OpenZFS, and on zfs-fuse where holds work but
 * {@code zfs holds} (listing the tags) does not (issue 11 item 4):
 * the local restore's swap (rename aside, clone + promote) with held export bases before and after the
 * restored snapshot; a bare {@code zfs destroy -r} of an aside failing on the held base after it has
 * destroyed the aside's other snapshots (the defect the S3 restore's old printed command hit); the
 * product removal releasing the hold and destroying it; a hold of someone else refusing the removal
 * with nothing changed. Throwaway tree {@code <pool>/it-oz-aside}.
 */
class AsideOpenZfsIT {
    static final ZfsTarget T = ZfsTarget.get();
    static final String ROOT = T.pool() + "/it-oz-aside";
    static final ZfsAdapter ZFS = new ZfsAdapter(new CamelExecCommandRunner());
    static final String OLD_BASE = S3ExportJob.BASE_PREFIX + "20261206T100000Z";
    static final String NEW_BASE = S3ExportJob.BASE_PREFIX + "20261206T110000Z";

    @BeforeAll
    static void tree() {
        T.destroy(ROOT);
        T.ok("zfs create " + ZfsTarget.mountOption(ROOT) + " " + ROOT);
        T.requires(ZFS.probeHolds(ROOT), "zfs hold (export bases are held with " + S3ExportJob.HOLD_TAG + ")");
    }

    @AfterAll
    static void cleanup() {
        assertThat(T.destroy(ROOT)).as("%s destroyed", ROOT).isTrue();
    }

    /** {@code ROOT/NAME} with v1, a held old base, snapshot @restore-me (v2), a held new base (v3), then v4 unsnapshotted. */
    private static String instanceDataset(String name) {
        String ds = ROOT + "/" + name;
        T.ok("zfs create " + ds + " && cd \"$(zfs get -H -o value mountpoint " + ds + ")\" && echo v1 > v.txt && sync"
                + " && zfs snapshot " + ds + "@" + OLD_BASE + " && zfs hold " + S3ExportJob.HOLD_TAG + " " + ds + "@" + OLD_BASE
                + " && echo v2 > v.txt && sync && zfs snapshot " + ds + "@restore-me"
                + " && echo v3 > v.txt && sync && zfs snapshot " + ds + "@" + NEW_BASE + " && zfs hold " + S3ExportJob.HOLD_TAG + " " + ds + "@" + NEW_BASE
                + " && echo v4 > v.txt && head -c 1048576 /dev/urandom > new.bin && sync");
        return ds;
    }

    @Test
    void localRestoreKeepsTheStateAsideAndTheProductRemovalReleasesTheExportHold() {
        String ds = instanceDataset("web");
        String mnt = T.ok("zfs get -H -o value mountpoint " + ds).strip();
        String before = T.checksums(ds);
        String aside = AsideCopies.asideFor(ds, Instant.parse("2026-12-06T12:00:00Z"));

        new AsideCopies(ZFS).swapInClone(ds, aside, "restore-me", line -> { });

        assertThat(T.ok("cat " + mnt + "/v.txt").strip()).isEqualTo("v2");
        assertThat(T.ok("zfs list -H -t snapshot -o name -r " + ROOT).lines().filter(l -> l.startsWith(ds + "@") || l.startsWith(aside + "@"))
                .toList()).containsExactlyInAnyOrder(
                ds + "@" + OLD_BASE, ds + "@restore-me", aside + "@" + NEW_BASE);
        // the holds moved with their snapshots
        assertThat(ZFS.holdCounts(ds)).containsEntry(ds + "@" + OLD_BASE, 1);
        assertThat(ZFS.holdCounts(aside)).containsEntry(aside + "@" + NEW_BASE, 1);
        T.ok("zfs set mountpoint=" + mnt + "-aside " + aside);
        assertThat(T.checksums(aside)).as("the aside copy is the live data before the restore").isEqualTo(before);
        T.ok("zfs set mountpoint=none " + aside);

        AsideCopies.Removal removal = new AsideCopies(ZFS).planRemoval(aside.substring(aside.lastIndexOf('/') + 1), List.of(ROOT));
        // OpenZFS lists the tags; zfs-fuse's `zfs holds` fails, so there the held snapshots are "unlisted"
        assertThat(T.openZfs() ? removal.ourHolds() : removal.unlisted()).containsExactly(aside + "@" + NEW_BASE);
        new AsideCopies(ZFS).remove(removal);
        assertThat(ZFS.exists(aside)).isFalse();
        assertThat(ZFS.holdCounts(ds)).as("the instance's own base keeps its hold").containsEntry(ds + "@" + OLD_BASE, 1);
        assertThat(T.ok("cat " + mnt + "/v.txt").strip()).isEqualTo("v2");
    }

    @Test
    void aBareDestroyFailsOnTheExportHoldButTheProductRemovalWorks() {
        // an S3 restore's aside: the live dataset renamed, its held export base with it
        String ds = instanceDataset("s3");
        String aside = AsideCopies.asideFor(ds, Instant.parse("2026-12-06T12:00:01Z"));
        T.ok("zfs set mountpoint=none " + ds + " && zfs rename " + ds + " " + aside);
        assertThat(T.sh("zfs destroy -r " + aside).exit()).as("what the S3 restore used to print").isNotZero();
        assertThat(ZFS.exists(aside)).isTrue();
        AsideCopies.Removal removal = new AsideCopies(ZFS).planRemoval(aside, List.of(ROOT));
        new AsideCopies(ZFS).remove(removal);
        assertThat(ZFS.exists(aside)).isFalse();
    }

    @Test
    void aHoldOfSomeoneElseRefusesTheRemovalAndChangesNothing() {
        String ds = instanceDataset("other");
        String aside = AsideCopies.asideFor(ds, Instant.parse("2026-12-06T12:00:02Z"));
        T.ok("zfs set mountpoint=none " + ds + " && zfs rename " + ds + " " + aside + " && zfs hold it-oz " + aside + "@restore-me");
        String tree = T.ok("zfs list -H -t all -o name -r " + aside);
        var counts = ZFS.holdCounts(aside);
        // OpenZFS: refused while planning (the tags are listed); zfs-fuse: refused after releasing ours, which are put back
        assertThatThrownBy(() -> {
            AsideCopies a = new AsideCopies(ZFS);
            a.remove(a.planRemoval(aside, List.of(ROOT)));
        }).isInstanceOf(RestoreException.class).hasMessageContaining("not Terrarium's").hasMessageContaining("nothing was removed");
        assertThat(T.ok("zfs list -H -t all -o name -r " + aside)).isEqualTo(tree);
        assertThat(ZFS.holdCounts(aside)).isEqualTo(counts);
        assertThat(counts).containsEntry(aside + "@" + NEW_BASE, 1).containsEntry(aside + "@restore-me", 1);
    }
}
