package io.terrarium.host.zfs;

import io.terrarium.testing.RecordingCommandRunner;
import io.terrarium.testing.RecordingCommandRunner.Reply;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Objects;

import static org.assertj.core.api.Assertions.assertThat;

class ZfsAdapterTest {

    private static String resource(String name) throws IOException {
        try (var in = Objects.requireNonNull(ZfsAdapterTest.class.getResourceAsStream("/zfs/" + name), name)) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    @Test
    void openZfsUsageShowsEstimatesCompressedRawResumableAndParsableList() throws IOException {
        ZfsCapabilities c = ZfsAdapter.parseUsage("openzfs", "zfs-2.2.2-0ubuntu9", resource("usage-openzfs-2.2.txt"));
        assertThat(c.sendFlags()).contains("L", "c", "w", "n", "P", "R", "D", "p");
        assertThat(c.sizeEstimate()).isTrue();
        assertThat(c.compressedSend()).isTrue();
        assertThat(c.rawSend()).isTrue();
        assertThat(c.bookmarks()).isTrue();
        assertThat(c.resumable()).isTrue();
        assertThat(c.parsableList()).isTrue();
        assertThat(c.holds()).isTrue();
    }

    @Test
    void zfsFuseUsageHasOnlyTheOldSendFlags() throws IOException {
        ZfsCapabilities c = ZfsAdapter.parseUsage("zfs-fuse", "", resource("usage-zfs-fuse.txt"));
        assertThat(c.sendFlags()).containsExactlyInAnyOrder("R", "D", "p");
        assertThat(c.sizeEstimate()).isFalse();
        assertThat(c.compressedSend()).isFalse();
        assertThat(c.rawSend()).isFalse();
        assertThat(c.bookmarks()).isFalse();
        assertThat(c.resumable()).isFalse();
        assertThat(c.parsableList()).isFalse();
    }

    @Test
    void probeTellsZfsFuseFromOpenZfsByTheVersionSubcommand() throws IOException {
        String fuse = resource("usage-zfs-fuse.txt");
        var runner = new RecordingCommandRunner(cmd -> switch (String.join(" ", cmd.argv())) {
            case "zfs version" -> Reply.fail(2, "unrecognized command 'version'\n" + fuse);
            case "zfs" -> new Reply(2, "", fuse);
            default -> null;
        });
        ZfsAdapter zfs = new ZfsAdapter(runner);
        assertThat(zfs.capabilities().implementation()).isEqualTo("zfs-fuse");
        zfs.capabilities();
        assertThat(runner.calls()).containsExactly(List.of("zfs", "version"), List.of("zfs"));
    }

    @Test
    void parsesPoolsFromTabSeparatedOutput() {
        var runner = new RecordingCommandRunner(cmd -> Reply.ok("terrarium\tONLINE\t7.94G\t3.14M\t7.93G\nbackup\tDEGRADED\t1T\t1G\t999G\n"));
        List<PoolStatus> pools = new ZfsAdapter(runner).pools();
        assertThat(pools).containsExactly(new PoolStatus("terrarium", "ONLINE", "7.94G", "3.14M", "7.93G"),
                new PoolStatus("backup", "DEGRADED", "1T", "1G", "999G"));
        assertThat(pools.get(1).healthy()).isFalse();
        assertThat(runner.calls().get(0)).containsExactly("zpool", "list", "-H", "-o", "name,health,size,alloc,free");
    }

    @Test
    void holdProbeAlwaysDestroysItsSnapshotEvenWhenHoldFails() {
        var runner = new RecordingCommandRunner(cmd -> cmd.args().get(0).equals("hold") ? Reply.fail(1, "pool must be upgraded") : Reply.ok(""));
        assertThat(new ZfsAdapter(runner).probeHolds("terrarium")).isFalse();
        List<List<String>> calls = runner.calls();
        List<String> snapshot = calls.stream().filter(c -> c.get(1).equals("snapshot")).findFirst().orElseThrow();
        assertThat(calls.get(calls.size() - 1)).startsWith("zfs", "destroy");
        assertThat(calls.get(calls.size() - 1).get(2)).isEqualTo(snapshot.get(2)).startsWith("terrarium@terrarium-probe-");
    }

    /**
     * Tester, session 9: the probe snapshot was {@code terrarium-probe-<epoch s>}, so two probes in the
     * same second from two processes created the same snapshot and one failed. Now the name also holds
     * the pid and a random part.
     */
    @Test
    void twoHoldProbesInTheSameSecondSnapshotUnderDifferentNames() {
        var runner = new RecordingCommandRunner(cmd -> Reply.ok(""));
        ZfsAdapter zfs = new ZfsAdapter(runner);
        java.time.Instant second = java.time.Instant.ofEpochSecond(1_780_000_000L);
        assertThat(zfs.probeHolds("terrarium", second, pid -> true)).isTrue();
        assertThat(zfs.probeHolds("terrarium", second.plusMillis(999), pid -> true)).isTrue();
        List<String> names = runner.calls().stream().filter(c -> c.get(1).equals("snapshot")).map(c -> c.get(2)).toList();
        assertThat(names).hasSize(2).doesNotHaveDuplicates()
                .allMatch(n -> n.matches("terrarium@terrarium-probe-1780000000-" + ProcessHandle.current().pid() + "-[0-9a-f]{8}"), "the probe's name form");
        assertThat(runner.calls().stream().filter(c -> c.get(1).equals("destroy")).map(c -> c.get(2))).containsExactlyElementsOf(names);
    }

    /**
     * A probe killed before its {@code finally} (or whose destroy failed) left its snapshot, held or
     * not, and nothing removed it. The next probe removes those it can tell are left over: a probe
     * name whose pid no longer runs, or any probe name older than ten minutes (also the old form
     * without a pid); a running probe's snapshot, a recent old-form one and other snapshots are kept.
     */
    @Test
    void holdProbeFirstRemovesTheProbeSnapshotsEarlierProbesLeft() {
        long now = 1_780_000_000L;
        String get = String.join("", List.of(
                "terrarium\tcreation\t1\n",
                "terrarium@terrarium-probe-" + (now - 5) + "-111-0123abcd\tcreation\t" + (now - 5) + "\n",
                "terrarium@terrarium-probe-" + (now - 5) + "-222-89abcdef\tcreation\t" + (now - 5) + "\n",
                "terrarium@terrarium-probe-" + (now - 3600) + "\tcreation\t" + (now - 3600) + "\n",
                "terrarium@terrarium-probe-" + (now - 30) + "\tcreation\t" + (now - 30) + "\n",
                "terrarium@terrarium-probe-" + (now - 601) + "-222-00000000\tcreation\t" + (now - 601) + "\n",
                "terrarium@terrarium-probe-9999999999999999999\tcreation\t" + now + "\n",
                "terrarium@terrarium-probe-x-1\tcreation\t" + now + "\n",
                // tester, session 10: names of a probe's form whose creation time is not the second they name
                "terrarium@terrarium-probe-20261207\tcreation\t" + (now - 3600) + "\n",
                "terrarium@terrarium-probe-0\tcreation\t" + (now - 3600) + "\n",
                "terrarium@terrarium-probe-" + (now - 5) + "-333-deadbeef\tcreation\t" + (now - 7200) + "\n",
                "terrarium@autosnap_2026-01-01_00:00:00_hourly\tcreation\t" + (now - 7200) + "\n",
                "terrarium/containers/web@terrarium-probe-" + (now - 3600) + "\tcreation\t" + (now - 3600) + "\n"));
        var runner = new RecordingCommandRunner(cmd -> cmd.args().get(0).equals("get") ? Reply.ok(get)
                : cmd.args().get(0).equals("destroy") && cmd.args().get(1).contains("-111-") ? Reply.fail(1, "dataset is busy") : Reply.ok(""));
        ZfsAdapter zfs = new ZfsAdapter(runner);
        List<String> removed = zfs.removeLeftoverProbes("terrarium", java.time.Instant.ofEpochSecond(now), pid -> pid == 222);
        assertThat(removed).as("the pid-111 one failed to destroy: left for the next probe").containsExactlyInAnyOrder(
                "terrarium@terrarium-probe-" + (now - 3600), "terrarium@terrarium-probe-" + (now - 601) + "-222-00000000");
        assertThat(runner.calls().stream().filter(c -> !c.get(1).equals("get")).toList()).containsExactlyInAnyOrder(
                List.of("zfs", "release", "terrarium-probe", "terrarium@terrarium-probe-" + (now - 5) + "-111-0123abcd"),
                List.of("zfs", "destroy", "terrarium@terrarium-probe-" + (now - 5) + "-111-0123abcd"),
                List.of("zfs", "release", "terrarium-probe", "terrarium@terrarium-probe-" + (now - 3600)),
                List.of("zfs", "destroy", "terrarium@terrarium-probe-" + (now - 3600)),
                List.of("zfs", "release", "terrarium-probe", "terrarium@terrarium-probe-" + (now - 601) + "-222-00000000"),
                List.of("zfs", "destroy", "terrarium@terrarium-probe-" + (now - 601) + "-222-00000000"));
    }

    @Test
    void aHoldProbeWhoseLeftoverListingFailsStillProbes() {
        var runner = new RecordingCommandRunner(cmd -> cmd.args().get(0).equals("get") ? Reply.fail(1, "permission denied") : Reply.ok(""));
        assertThat(new ZfsAdapter(runner).probeHolds("terrarium")).isTrue();
        assertThat(runner.calls()).extracting(c -> c.get(1)).containsExactly("get", "snapshot", "hold", "release", "release", "destroy");
    }

    @Test
    void findsTheDatasetMountedAtAnInstancePath() {
        var runner = new RecordingCommandRunner(cmd -> Reply.ok("terrarium\tnone\nterrarium/containers/web\t/var/lib/lxd/storage-pools/default/containers/web\n"));
        ZfsAdapter zfs = new ZfsAdapter(runner);
        assertThat(zfs.datasetMountedAt("/var/lib/lxd/storage-pools/default/containers/web")).isEqualTo("terrarium/containers/web");
        assertThat(zfs.datasetMountedAt("/var/lib/lxd/storage-pools/default/containers/db")).isNull();
    }

    @Test
    void parsesHoldTagsFromZfsHoldsOutput() {
        assertThat(ZfsAdapter.parseHolds("tank/a@s1\tterrarium-export\tMon Nov 30 10:30 2026\n"
                + "tank/a@s1\tkeep\tMon Nov 30 10:31 2026\n")).containsExactly("terrarium-export", "keep");
        assertThat(ZfsAdapter.parseHolds("")).isEmpty();
    }

    @Test
    void releasesTheExportHoldOnlyOnNewerExportBasesBeforeARollback() {
        String get = "tank/c/web\tcreation\t1\t-\n"
                + "tank/c/web@terrarium-export-old\tcreation\t100\t-\n"
                + "tank/c/web@autosnap_a\tcreation\t200\t-\n"
                + "tank/c/web@autosnap_b\tcreation\t300\t-\n"
                + "tank/c/web@terrarium-export-new\tcreation\t300\t-\n";
        var runner = new RecordingCommandRunner(cmd -> {
            List<String> a = cmd.argv();
            if (a.get(1).equals("get")) {
                return Reply.ok(get);
            }
            if (a.get(1).equals("release")) {
                return Reply.ok("");
            }
            return null;
        });
        ZfsSnapshot target = new ZfsSnapshot("tank/c/web", "autosnap_a", java.time.Instant.ofEpochSecond(200), 0);
        assertThat(new ZfsAdapter(runner).releaseNewer(target, "terrarium-export", "terrarium-export-"))
                .containsExactly("tank/c/web@terrarium-export-new");
        assertThat(runner.calls()).filteredOn(a -> a.get(1).equals("release"))
                .containsExactly(List.of("zfs", "release", "terrarium-export", "tank/c/web@terrarium-export-new"));
    }
}
