package io.terrarium.restore;

import io.terrarium.host.zfs.ZfsSnapshot;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class RestorePlannerTest {
    private static ZfsSnapshot s(String time, String period) {
        return new ZfsSnapshot("t/containers/web", "autosnap_" + time.replace('T', '_').replace("Z", "") + "_" + period,
                Instant.parse(time), 0);
    }

    private final ZfsSnapshot a = s("2026-01-31T11:45:00Z", "frequently");
    private final ZfsSnapshot b = s("2026-01-31T12:00:00Z", "hourly");
    private final ZfsSnapshot c = s("2026-01-31T12:15:00Z", "frequently");
    private final ZfsSnapshot d = s("2026-01-31T12:30:00Z", "frequently");
    private final List<ZfsSnapshot> all = List.of(d, b, a, c);

    @Test
    void withoutSelectorTheNewestIsChosen() {
        assertThat(RestorePlanner.choose("web", all, null, null)).isEqualTo(d);
    }

    @Test
    void atPicksTheNewestSnapshotWhoseNameOrUtcTimeContainsTheFragment() {
        assertThat(RestorePlanner.choose("web", all, "2026-01-31_12:15", null)).isEqualTo(c);
        assertThat(RestorePlanner.choose("web", all, "2026-01-31T12:00", null)).isEqualTo(b);
        assertThat(RestorePlanner.choose("web", all, "hourly", null)).isEqualTo(b);
        assertThat(RestorePlanner.choose("web", all, "2026-01-31", null)).isEqualTo(d);
    }

    @Test
    void snapshotMatchesExactlyWithOrWithoutDataset() {
        assertThat(RestorePlanner.choose("web", all, null, c.name())).isEqualTo(c);
        assertThat(RestorePlanner.choose("web", all, null, c.fullName())).isEqualTo(c);
    }

    @Test
    void noMatchListsTheNearestByTime() {
        assertThatThrownBy(() -> RestorePlanner.choose("web", all, "2026-01-31_12:20", null))
                .isInstanceOf(RestoreException.class)
                .hasMessageContaining("no snapshot of web matches --at 2026-01-31_12:20")
                .hasMessageContaining(c.name()).hasMessageContaining(d.name());
    }

    @Test
    void noSnapshotsAtAllSaysHowToTakeOne() {
        assertThatThrownBy(() -> RestorePlanner.choose("web", List.of(), null, null))
                .hasMessageContaining("has no snapshots yet").hasMessageContaining("backup snapshot");
    }

    @Test
    void newerAreTheSnapshotsAfterTheChosenOne() {
        assertThat(RestorePlanner.newer(all, b)).containsExactly(c, d);
        assertThat(RestorePlanner.newer(all, d)).isEmpty();
    }

    /**
     * The plan of an LXD snapshot restored by LXD on its zfs driver said "changes … are NOT lost …
     * nothing is destroyed" and then a NOTE that they are destroyed on the zfs driver. It must describe
     * only what will run: nothing kept aside, the foreign newer snapshots destroyed (named).
     */
    @Test
    void lxdRestoredPlanSaysNothingIsKeptAsideAndNamesTheSnapshotsItDestroys() {
        var lxdSnap = new ZfsSnapshot("t/containers/web", "snapshot-s0", java.time.Instant.parse("2026-12-06T10:00:00Z"), 0);
        var sanoid = new ZfsSnapshot("t/containers/web", "autosnap_2026-12-06_10:15:00_frequently", java.time.Instant.parse("2026-12-06T10:15:00Z"), 0);
        var newerLxd = new ZfsSnapshot("t/containers/web", "snapshot-s1", java.time.Instant.parse("2026-12-06T10:20:00Z"), 0);
        var plan = new RestorePlan("web", "t/containers/web", lxdSnap, List.of(sanoid, newerLxd), true, null, null,
                "t/containers/web.pre-restore-20261206T112233Z", true);
        String text = String.join("\n", plan.describe());
        assertThat(text).contains("NOT kept: changes made since snapshot-s0 are lost, and nothing is kept aside")
                .contains("DESTROYED first").contains("    autosnap_2026-12-06_10:15:00_frequently")
                .contains("3. LXD restores s0 and starts it again")
                .doesNotContain("are NOT lost").doesNotContain("aside copy t/containers").doesNotContain("snapshot-s1 (created");
    }

    @Test
    void inPlacePlanKeepsTheCurrentStateAsideAndDestroysNothing() {
        var plan = new RestorePlan("web", "t/containers/web", b, List.of(c, d), true, null, null,
                "t/containers/web.pre-restore-20261206T112233Z");
        assertThat(String.join("\n", plan.describe())).contains("newer snapshots moved to the aside copy (2):")
                .contains("1. stop web gracefully").contains("2. zfs rename t/containers/web t/containers/web.pre-restore-20261206T112233Z")
                .contains("3. zfs clone t/containers/web.pre-restore-20261206T112233Z@" + b.name() + " t/containers/web")
                .contains("4. start web again").doesNotContain("destroyed (");
    }

    @Test
    @SuppressWarnings("unchecked")
    void createBodyDropsProxyLabelProxyDevicesAndRuntimeVolatileKeys() throws Exception {
        var src = new com.fasterxml.jackson.databind.ObjectMapper().readTree("""
                {"type":"container","architecture":"x86_64","profiles":["default"],
                 "config":{"user.proxy":"https://web.example.com:80","limits.cpu":"2","volatile.eth0.hwaddr":"00:16",
                           "volatile.last_state.idmap":"[x]","volatile.idmap.base":"0"},
                 "devices":{"terrarium-proxy-web-80":{"type":"proxy"},"data":{"type":"disk","path":"/data","source":"/srv"}}}""");
        var body = RestoreService.createBody(src, "web-restored", "web@snap");
        assertThat(body.get("name")).isEqualTo("web-restored");
        assertThat(((java.util.Map<String, Object>) body.get("config")).keySet()).containsExactlyInAnyOrder("limits.cpu", "volatile.last_state.idmap", "volatile.idmap.base");
        assertThat(((java.util.Map<String, Object>) body.get("devices")).keySet()).containsExactlyInAnyOrder("data");
        assertThat(body.get("source")).isEqualTo(java.util.Map.of("type", "none"));
    }
}
