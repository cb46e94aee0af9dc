package io.terrarium.restore;

import io.terrarium.backup.InstanceDataset;

import io.terrarium.host.zfs.ZfsAdapter;
import io.terrarium.testing.RecordingCommandRunner;
import io.terrarium.testing.RecordingCommandRunner.Reply;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Names, listing and removal of aside copies (issue 11 item 4) against a recording zfs. */
class AsideCopiesTest {
    private static final String A = "tank/containers/web.pre-restore-20261206T112233Z";

    /** zfs with one instance dataset, one aside copy whose export base holds {@code holds} (tab-separated tags). */
    private static final java.util.concurrent.atomic.AtomicBoolean released = new java.util.concurrent.atomic.AtomicBoolean();

    private static RecordingCommandRunner zfs(String holds) {
        released.set(false);
        return new RecordingCommandRunner(c -> {
            List<String> a = c.args();
            return switch (a.get(0)) {
                case "list" -> a.contains("-r") ? Reply.ok("tank/containers\ntank/containers/web\n" + A + "\ntank/containers/db\n")
                        : Reply.ok(a.get(a.size() - 1) + "\n");
                case "get" -> a.contains("userrefs") ? Reply.ok(A + "\t-\n" + A + "@autosnap_2026-12-06_11:00:00_hourly\t0\n"
                        + A + "@terrarium-export-20261206T110000Z\t" + (holds.isEmpty() ? 0 : holds.equals("BROKEN") ? released.get() ? 0 : 1 : holds.split("\t").length) + "\n")
                        : a.contains("used") ? Reply.ok("4096\n") : a.contains("origin") ? Reply.ok("tank/containers/web@b\t-\n") : Reply.ok("");
                case "holds" -> holds.equals("BROKEN") ? Reply.fail(255, "pyzfs.py: not found") : Reply.ok(String.join("", java.util.Arrays.stream(holds.split("\t"))
                        .map(t -> a.get(a.size() - 1) + "\t" + t + "\tSun Dec  6 11:00 2026\n").toList()));
                case "release" -> {
                    released.set(true);
                    yield Reply.ok("");
                }
                default -> Reply.ok("");
            };
        });
    }

    @Test
    void asideNamesCarryTheLeafAndTheUtcStamp() {
        assertThat(AsideCopies.asideFor("tank/containers/web", Instant.parse("2026-12-06T11:22:33Z"))).isEqualTo(A);
        assertThat(AsideCopies.isAside(A)).isTrue();
        assertThat(AsideCopies.isAside("tank/containers/web")).isFalse();
        assertThat(AsideCopies.isAside("tank/containers/web.pre-restore-yesterday")).isFalse();
        assertThat(AsideCopies.isAside("tank/containers/web.s3restore-20261206T112233Z")).as("a staging dataset is not an aside").isFalse();
    }

    @Test
    void rootsAreTheContainersDatasetAndEveryInstanceParentOnce() {
        assertThat(AsideCopies.roots("tank/containers", List.of(new InstanceDataset("web", "Running", "tank/containers/web", null),
                new InstanceDataset("x", "Running", "other/ct/x", null), new InstanceDataset("y", "Running", null, "no dataset"))))
                .containsExactly("tank/containers", "other/ct");
    }

    @Test
    void listsOnlyAsideCopiesWithTheirInstanceTimeSizeAndOrigin() {
        var list = new AsideCopies(new ZfsAdapter(zfs(""))).list(List.of("tank/containers"));
        assertThat(list).hasSize(1);
        var a = list.get(0);
        assertThat(a.dataset()).isEqualTo(A);
        assertThat(a.instance("default")).isEqualTo("web");
        assertThat(a.keptAt()).isEqualTo(Instant.parse("2026-12-06T11:22:33Z"));
        assertThat(a.usedBytes()).isEqualTo(4096);
        assertThat(a.origin()).isEqualTo("tank/containers/web@b");
        assertThat(new AsideCopies.Aside("t/c/prj_web.pre-restore-20261206T112233Z", "prj_web", Instant.EPOCH, 0, null).instance("prj"))
                .as("LXD's <project>_<name> leaf").isEqualTo("web");
    }

    @Test
    void removalReleasesOurExportHoldThenDestroysRecursively() {
        var r = zfs("terrarium-export");
        var asides = new AsideCopies(new ZfsAdapter(r));
        var removal = asides.planRemoval("web.pre-restore-20261206T112233Z", List.of("tank/containers"));
        assertThat(removal.ourHolds()).containsExactly(A + "@terrarium-export-20261206T110000Z");
        assertThat(String.join("\n", removal.describe())).contains("release Terrarium's hold terrarium-export on " + A + "@terrarium-export-")
                .contains("2. zfs destroy -r " + A);
        assertThat(r.calls()).as("planning changes nothing").noneMatch(c -> c.get(1).equals("release") || c.get(1).equals("destroy"));
        asides.remove(removal);
        var writes = r.calls().stream().filter(c -> c.get(1).equals("release") || c.get(1).equals("destroy")).toList();
        assertThat(writes).containsExactly(List.of("zfs", "release", "terrarium-export", A + "@terrarium-export-20261206T110000Z"),
                List.of("zfs", "destroy", "-r", A));
    }

    @Test
    void withoutHoldsZfsHoldsIsNeverAsked() {
        // zfs-fuse: userrefs is 0 everywhere, and its `zfs holds` is broken
        var r = zfs("");
        var removal = new AsideCopies(new ZfsAdapter(r)).planRemoval(A, List.of("tank/containers"));
        assertThat(removal.ourHolds()).isEmpty();
        assertThat(r.calls()).noneMatch(c -> c.get(1).equals("holds"));
    }

    @Test
    void aHoldOfSomeoneElseRefusesTheRemovalBeforeAnythingChanges() {
        var r = zfs("terrarium-export\tkeep-me");
        assertThatThrownBy(() -> new AsideCopies(new ZfsAdapter(r)).planRemoval(A, List.of("tank/containers")))
                .isInstanceOf(RestoreException.class).hasMessageContaining("hold keep-me").hasMessageContaining("nothing was removed");
        assertThat(r.calls()).noneMatch(c -> c.get(1).equals("release") || c.get(1).equals("destroy"));
    }

    @Test
    void badNamesAreRefusedWithoutTouchingAnything() {
        var r = zfs("");
        var asides = new AsideCopies(new ZfsAdapter(r));
        for (Map.Entry<String, String> bad : Map.of(
                "tank/containers/web", "is not an aside copy",
                "tank/containers/db.pre-restore-20200101T000000Z", "no aside copy tank/containers/db.pre-restore-20200101T000000Z",
                "other/pool/web.pre-restore-20261206T112233Z", "no aside copy other/pool/web",
                A + "@autosnap_2026-12-06_11:00:00_hourly", "is not an aside copy",
                "", "is not an aside copy").entrySet()) {
            assertThatThrownBy(() -> asides.planRemoval(bad.getKey(), List.of("tank/containers"))).as(bad.getKey())
                    .isInstanceOf(RestoreException.class).hasMessageContaining(bad.getValue());
        }
        assertThat(r.calls()).noneMatch(c -> c.get(1).equals("release") || c.get(1).equals("destroy"));
    }

    @Test
    void parsesHoldCounts() {
        assertThat(ZfsAdapter.parseHoldCounts("t/a\t-\nt/a@s1\t0\nt/a@s2\t2\n")).containsExactly(Map.entry("t/a@s1", 0), Map.entry("t/a@s2", 2));
    }

    @Test
    void whereZfsHoldsCannotListTagsOurTagIsReleasedAndTheRestChecked() {
        // zfs-fuse: holds work, `zfs holds` fails; the snapshot's only hold is ours
        var r = zfs("BROKEN");
        var asides = new AsideCopies(new ZfsAdapter(r));
        var removal = asides.planRemoval(A, List.of("tank/containers"));
        assertThat(removal.unlisted()).containsExactly(A + "@terrarium-export-20261206T110000Z");
        asides.remove(removal);
        assertThat(r.calls().stream().filter(c -> c.get(1).equals("release") || c.get(1).equals("destroy") || c.get(1).equals("hold")).toList())
                .containsExactly(List.of("zfs", "release", "terrarium-export", A + "@terrarium-export-20261206T110000Z"),
                        List.of("zfs", "destroy", "-r", A));
    }
}
