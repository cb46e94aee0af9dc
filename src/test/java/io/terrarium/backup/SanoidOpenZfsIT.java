package io.terrarium.backup;

import io.terrarium.config.TerrariumConfig;
import io.terrarium.host.exec.CamelExecCommandRunner;
import io.terrarium.host.zfs.ZfsAdapter;
import io.terrarium.host.zfs.ZfsSnapshot;
import io.terrarium.jobs.JobResult;
import io.terrarium.testing.DevHost;
import io.terrarium.testing.SanoidWindow;
import io.terrarium.testing.ZfsTarget;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The snapshot job (real sanoid) on OpenZFS in the guest, and on zfs-fuse with its compatibility
 * shim: a scaled-down policy (frequently 1 per 60-minute period, hourly/daily/monthly 0) on
 * {@code <pool>/it-oz-snap/{a,b}}; a prepared old hourly snapshot is pruned, one frequently per
 * dataset is taken with a UTC name, and an immediate second run takes nothing.
 *
 * <p>Both runs must fall in one frequent-period window, or the second one rightly takes a new
 * snapshot: with a 1-minute period that happened in CI (session 6: "1 snapshot(s) taken" in the
 * second run under TCG). The period is now an hour, and the test starts only with
 * {@link #ROOM} left in the window.
 */
class SanoidOpenZfsIT {
    static final ZfsTarget T = ZfsTarget.get();
    static final String ROOT = T.pool() + "/it-oz-snap";
    static final Duration PERIOD = Duration.ofMinutes(60);
    static final Duration ROOM = Duration.ofMinutes(5);
    static final CamelExecCommandRunner RUNNER = new CamelExecCommandRunner();
    static final ZfsAdapter ZFS = new ZfsAdapter(RUNNER);

    @TempDir
    static Path dir;

    @BeforeAll
    static void tree() {
        T.destroy(ROOT);
        T.ok("zfs create -o mountpoint=none '" + ROOT + "' && zfs create '" + ROOT + "/a' && zfs create '" + ROOT + "/b'");
    }

    @AfterAll
    static void cleanup() {
        assertThat(T.destroy(ROOT)).isTrue();
    }

    /** sanoid as the product finds it: the guest's through the wrapper on PATH, or zfs-fuse's with the shim. */
    static String sanoid() throws Exception {
        return T.openZfs() ? "sanoid" : DevHost.wrapper(dir, "sanoid", 0);
    }

    SnapshotJob job() throws Exception {
        TerrariumConfig c = TerrariumConfig.defaults().withBackups(new TerrariumConfig.Backups(
                dir.resolve("sanoid/sanoid.conf").toString(), new TerrariumConfig.Policy(1, 0, 0, 0, 0, (int) PERIOD.toMinutes()), null));
        c = new TerrariumConfig(c.version(), null, null, null, null, new TerrariumConfig.Zfs(T.pool(), ROOT), null, null, null,
                c.backups());
        List<InstanceDataset> inst = List.of(new InstanceDataset("a", "Running", ROOT + "/a", null),
                new InstanceDataset("b", "Running", ROOT + "/b", null));
        return new SnapshotJob(c, RUNNER, ZFS, () -> inst, sanoid(), dir.resolve("state"));
    }

    @Test
    void takesUtcNamedSnapshotsAndPrunesByPolicy() throws Exception {
        ZFS.snapshot(ROOT + "/a@autosnap_2020-01-01_00:00:00_hourly"); // hourly = 0: must be pruned
        Thread.sleep(1500); // sanoid prunes only snapshots strictly older than count x period
        Instant window = SanoidWindow.awaitRoom(PERIOD, ROOM);
        JobResult first = job().run();
        assertThat(first.status()).as(first.summary()).isEqualTo(JobResult.Status.OK);
        assertThat(first.summary()).startsWith("2 snapshot(s) taken, 1 pruned");
        List<ZfsSnapshot> after = ZFS.snapshots(ROOT, true);
        assertThat(after).extracting(ZfsSnapshot::dataset).containsExactlyInAnyOrder(ROOT + "/a", ROOT + "/b");
        for (ZfsSnapshot s : after) {
            assertThat(s.name()).matches("autosnap_\\d{4}-\\d\\d-\\d\\d_\\d\\d:\\d\\d:\\d\\d_frequently");
            Instant named = Instant.parse(s.name().substring(9, 19) + "T" + s.name().substring(20, 28) + "Z");
            assertThat(Duration.between(named, s.created()).abs()).as("name is the UTC creation time").isLessThan(Duration.ofSeconds(5));
        }
        @SuppressWarnings("unchecked")
        var rows = (List<Map<String, Object>>) first.details().get("instances");
        assertThat(rows.get(0).get("pruned")).isEqualTo(List.of("autosnap_2020-01-01_00:00:00_hourly"));

        JobResult second = job().run();
        assertThat(SanoidWindow.start(Instant.now(), PERIOD)).as("both runs took less than " + ROOM + ", within one window")
                .isEqualTo(window);
        assertThat(second.status()).as(second.summary()).isEqualTo(JobResult.Status.OK);
        assertThat(second.summary()).startsWith("0 snapshot(s) taken, 0 pruned");
        assertThat(ZFS.snapshots(ROOT, true)).isEqualTo(after);
    }
}
