package io.terrarium.backup;

import io.terrarium.host.zfs.ZfsAdapter;
import io.terrarium.testing.RecordingCommandRunner;
import io.terrarium.testing.RecordingCommandRunner.Reply;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** {@code backup snapshot --now} (issue 11 item 4): names, and a snapshot per instance at once. */
class SnapshotNowTest {
    private static final List<InstanceDataset> ALL = List.of(new InstanceDataset("db", "Running", "t/c/db", null),
            new InstanceDataset("plain", "Running", null, "no ZFS dataset"), new InstanceDataset("web", "Stopped", "t/c/web", null));

    private static RecordingCommandRunner zfs() {
        return new RecordingCommandRunner(c -> c.args().get(0).equals("get")
                ? Reply.ok(c.args().get(c.args().size() - 1) + "@before-upgrade\tcreation\t100\n".replace("before-upgrade",
                c.args().get(c.args().size() - 1).endsWith("web") ? "before-upgrade" : "other")) : Reply.ok(""));
    }

    @Test
    void defaultNameIsManualWithTheUtcStamp() {
        assertThat(SnapshotNow.defaultName(Instant.parse("2026-12-06T11:22:33Z"))).isEqualTo("manual-20261206T112233Z");
        assertThat(SnapshotNow.problem("manual-20261206T112233Z")).isNull();
        assertThat(SnapshotNow.problem("before_upgrade.v2:1")).isNull();
    }

    @Test
    void namesThatAreInvalidOrOwnedByOtherToolsAreRefused() {
        for (String bad : List.of("", "a b", "x@y", "a/b", "-x", "autosnap_2026-12-06_11:00:00_hourly", "autosnapper",
                "terrarium-export-20261206T110000Z", "syncoid_host_2026", "snapshot-one", "x".repeat(201))) {
            assertThat(SnapshotNow.problem(bad)).as(bad).isNotNull();
        }
        assertThat(SnapshotNow.problem("autosnap_x")).contains("sanoid prunes autosnap*");
    }

    @Test
    void takesOneSnapshotPerInstanceWithADatasetAndReportsTheOthers() {
        var r = zfs();
        var rows = new SnapshotNow(new ZfsAdapter(r)).take(ALL, null, "manual-1");
        assertThat(rows).extracting(SnapshotNow.Row::status).containsExactly("taken", "skipped", "taken");
        assertThat(rows.get(0).snapshot()).isEqualTo("t/c/db@manual-1");
        assertThat(r.calls().stream().filter(c -> c.get(1).equals("snapshot")).toList())
                .containsExactly(List.of("zfs", "snapshot", "t/c/db@manual-1"), List.of("zfs", "snapshot", "t/c/web@manual-1"));
    }

    @Test
    void badInputTakesNothing() {
        var r = zfs();
        var now = new SnapshotNow(new ZfsAdapter(r));
        assertThatThrownBy(() -> now.take(ALL, null, "before-upgrade")).hasMessageContaining("t/c/web@before-upgrade already exists");
        assertThatThrownBy(() -> now.take(ALL, "nosuch", "x1")).hasMessageContaining("instance \"nosuch\" does not exist");
        assertThatThrownBy(() -> now.take(ALL, "plain", "x1")).hasMessageContaining("plain has no ZFS dataset");
        assertThatThrownBy(() -> now.take(ALL, "web", "autosnap_x")).hasMessageContaining("another tool owns");
        assertThat(r.calls()).noneMatch(c -> c.get(1).equals("snapshot"));
    }
}
