package io.terrarium.host.zfs;

import io.terrarium.host.exec.CamelExecCommandRunner;
import io.terrarium.host.exec.CommandFailedException;
import io.terrarium.host.zfs.ZfsStreamCommands;
import io.terrarium.testing.ZfsTarget;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.OptionalLong;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The zfs adapter against real OpenZFS 2.3 in the QEMU guest (and against zfs-fuse, where the
 * feature exists there): the capability probe, {@code -p} parsing, holds, bookmarks, the
 * {@code send -n -P} estimate. Throwaway tree {@code <pool>/it-oz-adapter}.
 */
class ZfsAdapterOpenZfsIT {
    static final ZfsTarget T = ZfsTarget.get();
    static final String DS = T.pool() + "/it-oz-adapter";
    static final CamelExecCommandRunner RUNNER = new CamelExecCommandRunner();
    static final ZfsAdapter ZFS = new ZfsAdapter(RUNNER);

    @BeforeAll
    static void tree() {
        T.destroy(DS);
        T.ok("zfs create " + ZfsTarget.mountOption(DS) + " '" + DS + "' && head -c 2097152 /dev/urandom > \"$(zfs get -H -o value mountpoint '" + DS
                + "')/random.bin\" && sync && zfs snapshot '" + DS + "@s1'");
    }

    @AfterAll
    static void cleanup() {
        assertThat(T.destroy(DS)).as("%s destroyed", DS).isTrue();
    }

    @Test
    void probeNamesTheImplementation() {
        ZfsCapabilities c = ZFS.capabilities();
        assertThat(c.implementation()).isEqualTo(T.name());
        if (T.openZfs()) {
            assertThat(c.version()).startsWith("zfs-2.");
        }
    }

    @Test
    void probeFindsTheOpenZfsSendFlagsAndReceiveFeatures() {
        ZfsCapabilities c = ZFS.capabilities();
        T.requires(c.sizeEstimate(), "zfs send -n -P (size estimate)");
        assertThat(c.sendFlags()).contains("n", "P", "L", "c", "w", "R", "p");
        assertThat(c.compressedSend()).isTrue();
        assertThat(c.rawSend()).isTrue();
        assertThat(c.bookmarks()).isTrue();
        assertThat(c.resumable()).isTrue();
        assertThat(c.parsableList()).isTrue();
        assertThat(c.holds()).isTrue();
    }

    @Test
    void snapshotsAreParsedWithExactNumbers() {
        List<ZfsSnapshot> snaps = ZFS.snapshots(DS, false);
        assertThat(snaps).extracting(ZfsSnapshot::name).containsExactly("s1");
        // creation is epoch seconds (-p), close to now; used is a byte count
        assertThat(Duration.between(snaps.get(0).created(), Instant.now()).abs()).isLessThan(Duration.ofMinutes(10));
        assertThat(snaps.get(0).usedBytes()).isGreaterThanOrEqualTo(0);
        assertThat(ZFS.exists(DS + "@s1")).isTrue();
        assertThat(ZFS.exists(DS + "@nope")).isFalse();
        assertThat(ZFS.filesystems(DS)).containsExactly(DS);
        assertThat(ZFS.pools()).anySatisfy(p -> {
            assertThat(p.name()).isEqualTo(T.pool());
            assertThat(p.healthy()).isTrue();
        });
    }

    @Test
    void listWithParsableNumbers() {
        T.requires(ZFS.capabilities().parsableList(), "zfs list -p");
        String[] f = T.ok("zfs list -H -p -o used,referenced '" + DS + "'").strip().split("\t");
        assertThat(Long.parseLong(f[1])).as("referenced bytes").isGreaterThanOrEqualTo(2L << 20);
    }

    @Test
    void holdsKeepASnapshotUntilReleased() {
        assertThat(ZFS.capabilities().holds()).isTrue();
        assertThat(ZFS.probeHolds(DS)).isTrue();
        ZFS.snapshot(DS + "@held");
        ZFS.hold("it-oz", DS + "@held");
        assertThatThrownBy(() -> ZFS.destroy(DS + "@held", false, Duration.ZERO)).isInstanceOf(CommandFailedException.class);
        assertThat(ZFS.exists(DS + "@held")).isTrue();
        if (T.openZfs()) {
            assertThat(ZFS.holds(DS + "@held")).containsExactly("it-oz");
        }
        assertThat(ZFS.release("it-oz", DS + "@held")).isTrue();
        assertThat(ZFS.release("it-oz", DS + "@held")).as("no such tag any more").isFalse();
        if (T.openZfs()) {
            assertThat(ZFS.holds(DS + "@held")).isEmpty();
        }
        ZFS.destroy(DS + "@held", false, Duration.ZERO);
        assertThat(ZFS.exists(DS + "@held")).isFalse();
    }

    @Test
    void bookmarksOutliveTheirSnapshot() {
        T.requires(ZFS.capabilities().bookmarks(), "zfs bookmark");
        T.ok("zfs snapshot '" + DS + "@bm' && zfs bookmark '" + DS + "@bm' '" + DS + "#bm' && zfs destroy '" + DS + "@bm'");
        assertThat(T.ok("zfs list -H -t bookmark -o name '" + DS + "'").strip()).isEqualTo(DS + "#bm");
    }

    @Test
    void sendDryRunEstimatesTheStreamSize() {
        T.requires(ZFS.capabilities().sizeEstimate(), "zfs send -n -P (size estimate)");
        OptionalLong full = ZfsStreamCommands.parseEstimate(RUNNER.run(ZfsStreamCommands.estimate(DS, "s1", null, List.of())).stdout());
        assertThat(full).isPresent();
        assertThat(full.getAsLong()).as("2 MiB of random data").isBetween(2L << 20, 4L << 20);
        OptionalLong compressed = ZfsStreamCommands.parseEstimate(
                RUNNER.run(ZfsStreamCommands.estimate(DS, "s1", null, List.of("-L", "-c"))).stdout());
        assertThat(compressed).isPresent();
    }
}
