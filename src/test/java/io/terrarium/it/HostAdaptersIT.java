package io.terrarium.it;

import io.terrarium.host.exec.CamelExecCommandRunner;
import io.terrarium.host.zfs.PoolStatus;
import io.terrarium.host.zfs.ZfsAdapter;
import io.terrarium.host.zfs.ZfsCapabilities;
import io.terrarium.host.lxd.LxdClient;
import io.terrarium.host.lxd.LxdException;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The zfs and lxc adapters against the development host's real zfs-fuse pool and LXD. */
class HostAdaptersIT {
    private final CamelExecCommandRunner runner = new CamelExecCommandRunner();
    private final String pool = System.getenv().getOrDefault("TERRARIUM_DEV_POOL", "terrarium");

    @Test
    void probesZfsFuseCapabilities() {
        ZfsCapabilities c = new ZfsAdapter(runner).capabilities();
        assertThat(c.implementation()).isEqualTo("zfs-fuse");
        assertThat(c.sendFlags()).contains("R", "D", "p").doesNotContain("L", "c", "w");
        assertThat(c.sizeEstimate()).isFalse();
        assertThat(c.resumable()).isFalse();
    }

    @Test
    void holdsReallyWorkOnTheDevelopmentPool() {
        assertThat(new ZfsAdapter(runner).probeHolds(pool)).isTrue();
    }

    /**
     * Two hold probes at once (tester, session 9: probes in the same second collided on
     * {@code terrarium-probe-<epoch s>} and one failed) both succeed, and a probe removes what killed
     * probes left (a held probe snapshot of a pid that no longer runs), and never a snapshot that only
     * looks like one: a name of the old form whose second is not the snapshot's creation time (tester,
     * session 10: {@code terrarium-probe-20261207} was destroyed). The aging of old-form leftovers is
     * {@code ZfsAdapterTest}'s (a real snapshot cannot be made an hour old). About 2 s.
     */
    @Test
    void concurrentHoldProbesBothSucceedAndRemoveWhatKilledProbesLeft() throws Exception {
        Process ended = new ProcessBuilder("true").start();
        ended.waitFor();
        long now = System.currentTimeMillis() / 1000;
        String held = pool + "@terrarium-probe-" + now + "-" + ended.pid() + "-0123abcd";
        String old = pool + "@terrarium-probe-" + (now - 3600);
        ZfsAdapter zfs = new ZfsAdapter(runner);
        var threads = java.util.concurrent.Executors.newFixedThreadPool(2);
        try {
            zfs.snapshot(held);
            zfs.hold("terrarium-probe", held);
            zfs.snapshot(old);
            var together = new java.util.concurrent.CyclicBarrier(2);
            java.util.concurrent.Callable<Boolean> probe = () -> {
                ZfsAdapter own = new ZfsAdapter(new CamelExecCommandRunner());
                together.await();
                return own.probeHolds(pool);
            };
            var first = threads.submit(probe);
            var second = threads.submit(probe);
            assertThat(first.get(60, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
            assertThat(second.get(60, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
            assertThat(zfs.snapshots(pool, false)).as("no probe snapshot left, neither the probes' nor the dead pid's")
                    .noneMatch(s -> s.name().startsWith("terrarium-probe") && !s.fullName().equals(old));
            assertThat(zfs.exists(old)).as("named like an hour-old probe, created now: not a probe's, kept").isTrue();
        } finally {
            threads.shutdownNow();
            for (String s : new String[]{held, old}) {
                if (zfs.exists(s)) {
                    zfs.release("terrarium-probe", s);
                    zfs.destroy(s, false, java.time.Duration.ofSeconds(10));
                }
            }
        }
    }

    @Test
    void findsTheHealthyPoolAndTheDemoContainersDataset() throws Exception {
        ZfsAdapter zfs = new ZfsAdapter(runner);
        assertThat(zfs.pools()).extracting(PoolStatus::name).contains(pool);
        assertThat(zfs.pools().stream().filter(p -> p.name().equals(pool)).findFirst().orElseThrow().healthy()).isTrue();
        assertThat(zfs.datasetMountedAt("/var/lib/lxd/storage-pools/default/containers/demo-web"))
                .isEqualTo(pool + "/containers/demo-web");
        assertThat(zfs.filesystems(pool + "/containers")).contains(pool + "/containers/demo-web", pool + "/containers/demo-api");
    }

    @Test
    void lxcQueryReadsInstancesAndReportsMissingObjects() {
        LxdClient lxd = LxdClient.local(runner, new ObjectMapper());
        var instances = lxd.get("/1.0/instances?recursion=2&project=default");
        assertThat(instances.isArray()).isTrue();
        assertThat(instances.findValuesAsText("name")).contains("demo-web", "demo-api");
        assertThatThrownBy(() -> lxd.get("/1.0/instances/it-no-such-instance"))
                .isInstanceOf(LxdException.class).satisfies(e -> assertThat(((LxdException) e).notFound()).isTrue());
    }
}
