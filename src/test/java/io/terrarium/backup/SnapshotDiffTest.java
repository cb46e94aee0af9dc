package io.terrarium.backup;

import io.terrarium.host.zfs.ZfsAdapter;
import io.terrarium.host.zfs.ZfsSnapshot;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class SnapshotDiffTest {
    private static ZfsSnapshot s(String ds, String name) {
        return new ZfsSnapshot(ds, name, Instant.EPOCH, 0);
    }

    @Test
    void takenAndPrunedPerDataset() {
        var before = List.of(s("p/web", "autosnap_a_frequently"), s("p/web", "autosnap_b_frequently"), s("p/db", "x"));
        var after = List.of(s("p/web", "autosnap_b_frequently"), s("p/web", "autosnap_c_frequently"), s("p/db", "x"),
                s("p/new", "autosnap_c_frequently"));
        var d = SnapshotDiff.between(before, after);
        assertThat(d.keySet()).containsExactly("p/db", "p/new", "p/web");
        assertThat(d.get("p/web").taken()).containsExactly("autosnap_c_frequently");
        assertThat(d.get("p/web").pruned()).containsExactly("autosnap_a_frequently");
        assertThat(d.get("p/web").count()).isEqualTo(2);
        assertThat(d.get("p/db").taken()).isEmpty();
        assertThat(d.get("p/new").taken()).containsExactly("autosnap_c_frequently");
    }

    @Test
    void parsesZfsGetOutputOfBothImplementationsKeepingOnlySnapshots() {
        String out = "terrarium/containers\tcreation\t1796039442\n"
                + "terrarium/containers/web@autosnap_2026-11-30_11:45:00_frequently\tcreation\t1796039100\n"
                + "terrarium/containers/web@autosnap_2026-11-30_11:45:00_frequently\tused\t114688\n"
                + "terrarium/containers/web@older\tcreation\t1796030000\n"
                + "terrarium/containers/web@older\tused\t0\n";
        var snaps = ZfsAdapter.parseSnapshots(out);
        assertThat(snaps).extracting(ZfsSnapshot::name).containsExactly("older", "autosnap_2026-11-30_11:45:00_frequently");
        assertThat(snaps.get(1).created()).isEqualTo(Instant.parse("2026-11-30T11:45:00Z"));
        assertThat(snaps.get(1).usedBytes()).isEqualTo(114688);
    }
}
