package io.terrarium.it;

import io.terrarium.testing.DevHost;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The development host's own scripts (docs/devhost.md) against its real zfs-fuse and LXD: what
 * {@code scripts/devhost/zfs-container.sh} concludes when zfs cannot answer. About 2 s.
 */
class DevHostScriptsIT {
    private static final String SCRIPT = DevHost.REPO.resolve("scripts/devhost/zfs-container.sh").toString();

    /**
     * CI, session 11: the previous session's zfs-fuse had been killed, the new one stopped answering
     * seconds after {@code devhost.sh up} started it, and {@code zfs-container.sh create demo-web} read
     * the failing {@code zfs list} as "no dataset": {@code instance 'demo-web' exists but has no dataset
     * …; it was not made by this script}, which stopped the run with the wrong diagnosis. The same real
     * {@code zfs} binary is made to fail as it does then by hiding zfs-fuse's socket directory in a
     * mount namespace of its own (nothing else on the host is touched); the script must name zfs-fuse,
     * exit 1 and leave the container and its dataset as they were.
     */
    @Test
    void aZfsThatCannotAnswerIsNotTakenForAMissingDataset() {
        String name = "demo-web";
        String dataset = DevHost.ok("bash " + SCRIPT + " dataset " + name).strip();
        assertThat(DevHost.ok("zfs list -H -o name " + dataset).strip()).isEqualTo(dataset);
        String before = DevHost.ok("lxc list '^" + name + "$' --format csv -c s").strip();

        DevHost.Sh r = DevHost.sh("unshare -m bash -c 'mount -t tmpfs none /var/run/zfs"
                + " && TERRARIUM_DEV_IP_TIMEOUT=0 TERRARIUM_DEV_NO_START=1 bash " + SCRIPT + " create " + name + "'");

        assertThat(r.exit()).as(r.out()).isEqualTo(1);
        assertThat(r.out())
                .contains("zfs list " + dataset + " failed")
                .contains("zfs-fuse not running or not answering")
                .doesNotContain("has no dataset")
                .doesNotContain("not made by this script");
        assertThat(DevHost.ok("zfs list -H -o name " + dataset).strip()).isEqualTo(dataset);
        assertThat(DevHost.ok("lxc list '^" + name + "$' --format csv -c s").strip()).isEqualTo(before);
    }

    /**
     * The diagnosis the CI run got wrongly is still given when it is true: an instance that zfs
     * really has no dataset for (made here with plain {@code lxc init}) is refused, and left alone.
     */
    @Test
    void anInstanceWithoutADatasetIsStillRefusedAndLeftAlone() {
        String name = "it-devhost-" + ProcessHandle.current().pid();
        String dataset = DevHost.ok("bash " + SCRIPT + " dataset " + name).strip();
        DevHost.ok("lxc init -q terrarium-busybox " + name + " >/dev/null");
        try {
            DevHost.Sh r = DevHost.sh("TERRARIUM_DEV_IP_TIMEOUT=0 TERRARIUM_DEV_NO_START=1 bash " + SCRIPT + " create " + name);

            assertThat(r.exit()).as(r.out()).isEqualTo(1);
            assertThat(r.out()).contains("instance '" + name + "' exists but has no dataset " + dataset);
            assertThat(DevHost.ok("lxc list '^" + name + "$' --format csv -c s").strip()).isEqualTo("STOPPED");
            assertThat(DevHost.sh("zfs list -H -o name " + dataset).exit()).isEqualTo(1);
        } finally {
            DevHost.sh("lxc delete --force " + name);
        }
    }
}
