package io.terrarium.restore;

import io.terrarium.backup.DatasetResolver;

import io.terrarium.App;
import io.terrarium.host.exec.Command;
import io.terrarium.host.lxd.LxdClient;
import io.terrarium.host.zfs.ZfsAdapter;
import io.terrarium.testing.RecordingCommandRunner;
import io.terrarium.testing.RecordingCommandRunner.Reply;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The planning and the argv of a local in-place restore (issue 11 item 4): nothing is destroyed, the
 * live dataset goes aside, a clone of the snapshot is promoted in its place; a failed step is undone.
 */
class LocalRestoreInPlaceTest {
    private static final String DS = "tank/containers/web";
    private static final String ASIDE = DS + ".pre-restore-20261206T112233Z";
    private static final Clock CLOCK = Clock.fixed(Instant.parse("2026-12-06T11:22:33Z"), ZoneOffset.UTC);

    @TempDir
    Path dir;

    /** LXD with one instance {@code web} on a zfs-driver pool; zfs answering like OpenZFS; {@code failOn} fails one zfs subcommand. */
    private RecordingCommandRunner runner(String status, String mountpoint, String failOn) {
        return runner(status, mountpoint, failOn, false);
    }

    private RecordingCommandRunner runner(String status, String mountpoint, String failOn, boolean asideExists) {
        Function<Command, Reply> h = c -> {
            List<String> a = c.args();
            if (c.executable().equals("lxc")) {
                String path = a.get(a.size() - 1);
                if (path.startsWith("/1.0/instances?recursion=1")) {
                    return Reply.ok("[{\"name\":\"web\",\"status\":\"" + status + "\",\"devices\":{\"root\":{\"type\":\"disk\",\"path\":\"/\",\"pool\":\"default\"}}}]");
                }
                if (path.startsWith("/1.0/storage-pools/default")) {
                    return Reply.ok("{\"driver\":\"zfs\",\"config\":{\"zfs.pool_name\":\"tank\"}}");
                }
                return Reply.ok("{}");
            }
            if (a.get(0).equals(failOn)) {
                return Reply.fail(1, "cannot " + failOn + ": simulated");
            }
            if (a.get(0).equals("get") && a.contains("creation,used")) {
                return Reply.ok(DS + "@a\tcreation\t100\n" + DS + "@a\tused\t0\n" + DS + "@b\tcreation\t200\n" + DS + "@c\tcreation\t300\n");
            }
            if (a.get(0).equals("list")) {
                return asideExists && a.contains(ASIDE) ? Reply.ok(ASIDE + "\n") : Reply.fail(1, "dataset does not exist");
            }
            if (a.get(0).equals("get") && a.contains("local") && a.contains("all")) {
                String mp = mountpoint.split("\t")[0];
                return Reply.ok("mountpoint\t" + mp + "\n" + (mp.equals("legacy") ? "canmount\tnoauto\nrefquota\t10737418240\n" : ""));
            }
            if (a.get(0).equals("get") && a.contains("mountpoint")) {
                return Reply.ok(mountpoint);
            }
            if (a.get(0).equals("get") && a.contains("canmount")) {
                return Reply.ok(mountpoint.startsWith("legacy") ? "noauto\tlocal" : "on\tdefault");
            }
            if (a.get(0).equals("get") && a.contains("mounted")) {
                return Reply.ok("yes\t-");
            }
            return Reply.ok("");
        };
        return new RecordingCommandRunner(h);
    }

    private RestoreService service(RecordingCommandRunner r) {
        LxdClient lxd = LxdClient.local(r, App.jsonMapper());
        ZfsAdapter zfs = new ZfsAdapter(r);
        return new RestoreService(lxd, zfs, new DatasetResolver(lxd, zfs, "default"), "default", dir, CLOCK);
    }

    private static List<List<String>> zfsWrites(RecordingCommandRunner r) {
        List<List<String>> out = new ArrayList<>();
        for (List<String> c : r.calls()) {
            if (c.get(0).equals("zfs") && List.of("set", "rename", "clone", "promote", "destroy", "rollback", "inherit").contains(c.get(1))) {
                out.add(c);
            }
        }
        return out;
    }

    @Test
    void planNamesTheAsideCopyAndSaysNothingIsDestroyed() {
        RecordingCommandRunner r = runner("Running", "legacy\tlocal", null);
        RestorePlan plan = service(r).plan("web", null, "b", null);
        assertThat(plan.asideDataset()).isEqualTo(ASIDE);
        assertThat(plan.newer()).extracting(s -> s.name()).containsExactly("c");
        String text = String.join("\n", plan.describe());
        assertThat(text).contains("changes made since b are NOT lost: the current state of " + DS + " and its 1 newer snapshot(s)")
                .contains("are kept in the aside copy " + ASIDE + " (not mounted, nothing is destroyed)")
                .contains("`terrariumctl backup aside remove web.pre-restore-20261206T112233Z`")
                .contains("newer snapshots moved to the aside copy (1):")
                .contains("2. zfs rename " + DS + " " + ASIDE)
                .contains("3. zfs clone " + ASIDE + "@b " + DS + " and zfs promote " + DS)
                .contains("4. start web again")
                .doesNotContain("destroyed (").doesNotContain("rollback");
        assertThat(zfsWrites(r)).as("planning changes nothing").isEmpty();
    }

    @Test
    void planRefusesWhenTheAsideNameIsTaken() {
        RecordingCommandRunner r = runner("Stopped", "legacy\tlocal", null, true);
        assertThatThrownBy(() -> service(r).plan("web", null, "b", null)).isInstanceOf(RestoreException.class)
                .hasMessageContaining(ASIDE + " already exists");
    }

    @Test
    void inPlaceRenamesAsideClonesAndPromotesWithTheLiveLocalProperties() {
        RecordingCommandRunner r = runner("Running", "legacy\tlocal", null);
        RestoreService s = service(r);
        s.execute(s.plan("web", null, "b", null), line -> { });
        assertThat(zfsWrites(r)).containsExactly(
                List.of("zfs", "set", "mountpoint=none", DS),
                List.of("zfs", "rename", DS, ASIDE),
                List.of("zfs", "clone", "-o", "mountpoint=legacy", "-o", "canmount=noauto", "-o", "refquota=10737418240", ASIDE + "@b", DS),
                List.of("zfs", "promote", DS));
        List<String> lxc = r.calls().stream().filter(c -> c.get(0).equals("lxc") && c.contains("PUT")).map(c -> c.get(c.indexOf("--data") + 1)).toList();
        assertThat(lxc).hasSize(2);
        assertThat(lxc.get(0)).contains("\"stop\"");
        assertThat(lxc.get(1)).contains("\"start\"");
    }

    @Test
    void aDirPoolDatasetGetsItsMountpointBackAndIsMounted() {
        RecordingCommandRunner r = runner("Stopped", "/var/lib/lxd/storage-pools/default/containers/web\tlocal", null);
        RestoreService s = service(r);
        s.execute(s.plan("web", null, "a", null), line -> { });
        assertThat(zfsWrites(r)).containsExactly(
                List.of("zfs", "set", "mountpoint=none", DS),
                List.of("zfs", "rename", DS, ASIDE),
                List.of("zfs", "clone", "-o", "mountpoint=/var/lib/lxd/storage-pools/default/containers/web", ASIDE + "@a", DS),
                List.of("zfs", "promote", DS));
        assertThat(r.calls()).as("stopped: not started").noneMatch(c -> c.get(0).equals("lxc") && c.contains("PUT"));
    }

    @Test
    void aFailedPromoteIsUndoneAndTheInstanceStartedAgain() {
        RecordingCommandRunner r = runner("Running", "legacy\tlocal", "promote");
        RestoreService s = service(r);
        RestorePlan plan = s.plan("web", null, "b", null);
        assertThatThrownBy(() -> s.execute(plan, line -> { })).isInstanceOf(RestoreException.class)
                .hasMessageContaining("cannot promote").hasMessageContaining("the live dataset " + DS + " is back as it was")
                .hasMessageContaining("web was started again unchanged");
        assertThat(zfsWrites(r)).containsExactly(
                List.of("zfs", "set", "mountpoint=none", DS),
                List.of("zfs", "rename", DS, ASIDE),
                List.of("zfs", "clone", "-o", "mountpoint=legacy", "-o", "canmount=noauto", "-o", "refquota=10737418240", ASIDE + "@b", DS),
                List.of("zfs", "promote", DS),
                List.of("zfs", "destroy", DS),
                List.of("zfs", "rename", ASIDE, DS),
                List.of("zfs", "set", "mountpoint=legacy", DS));
    }
}
