package io.terrarium.it;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.terrarium.s3.S3ExportJob;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Restore on LXD's <b>zfs storage driver</b> — the production storage path — in the OpenZFS guest
 * (scripts/openzfs-guest.sh up initialises LXD there: storage pool {@code default}, driver zfs,
 * source {@code terrarium/lxd}; network {@code terrarium-ovn}; the busybox image). Runs only in the
 * {@code openzfs-guest} failsafe execution, where {@code lxc} and {@code zfs} are the guest's
 * wrappers; the packaged launcher reaches the guest's LXD and zfs through them, unaware.
 * A guest without LXD on zfs fails the class, never skips it.
 *
 * <p>Each path ends with LXD operations on the restored instance (start, exec, snapshot, copy,
 * delete, and the datasets gone after delete) and a recursive SHA-256 of the instance's files
 * (every regular file of its volume except LXD's own {@code backup.yaml}, read in the guest through
 * a throwaway clone) compared with the source snapshot's.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class RestoreLxdZfsIT {
    static final long N = System.nanoTime() % 1_000_000L;
    static final String NAME = "lz-web";
    static final String COPY = "lz-web-copy";
    static final String S3COPY = "lz-web-s3";
    static final String CLONE = "lz-clone";
    static final String OLD_INSTALL = "it-lz-old-" + N;
    static final String NEW_INSTALL = "it-lz-new-" + N;
    static final String PREFIX = "it-lz-" + N + "/";
    static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    static Path dir;
    static Terrariumctl trm;
    static String containers;
    static String savedConfig;

    static String sh(String script) {
        return LxdZfsGuest.sh(script);
    }

    static int shCode(String script) {
        return LxdZfsGuest.shCode(script);
    }

    static String exec(String name, String cmd) {
        return sh("lxc exec " + name + " -- sh -c '" + cmd + "'");
    }

    static String state(String name) {
        return sh("lxc list ^" + name + "$ -c s --format csv");
    }

    static void config(String installationId) throws Exception {
        // this host's own layout (LXD's zfs pool): a restore onto a new host goes there, never where the bucket says (issue 13 item 3)
        StoredConfig.setYaml("version: 1\ninstallation_id: " + installationId + "\nlxd:\n  project: default\n"
                + "zfs:\n  pool: " + containers.substring(0, containers.indexOf('/')) + "\n  containers_dataset: " + containers + "\n"
                + "s3:\n  enabled: true\n"
                + "  provider: generic\n  endpoint: " + System.getenv("TERRARIUM_DEV_S3_ENDPOINT") + "\n  region: us-east-1\n"
                + "  bucket: " + System.getenv("TERRARIUM_DEV_S3_BUCKET") + "\n  prefix: " + PREFIX + "\n"
                + "  access_key: " + System.getenv("TERRARIUM_DEV_S3_ACCESS_KEY") + "\n"
                + "  secret_key_file: " + System.getenv("TERRARIUM_DEV_S3_SECRET_FILE") + "\n");
    }

    static long seconds(long t0) {
        return (System.nanoTime() - t0) / 1_000_000_000L;
    }

    @BeforeAll
    static void setUp() throws Exception {
        containers = LxdZfsGuest.requireZfsDriver("RestoreLxdZfsIT");
        savedConfig = StoredConfig.rawValue();
        cleanUp();
        trm = new Terrariumctl(dir);
        config(OLD_INSTALL);
        long t0 = System.nanoTime();
        sh("lxc launch -q terrarium-busybox " + NAME);
        System.out.println("LXD on zfs in the guest: launch of " + NAME + " took " + seconds(t0) + " s");
        exec(NAME, "echo v1 > /root/v.txt; head -c 2000000 /dev/urandom > /root/data.bin");
        sh("lxc config set " + NAME + " user.proxy https://lz.example.test:80 && lxc config device add " + NAME
                + " terrarium-proxy-it proxy listen=tcp:127.0.0.1:18979 connect=tcp:127.0.0.1:80 bind=host");
    }

    @AfterAll
    static void tearDown() throws Exception {
        try {
            if (savedConfig != null || trm != null) {
                StoredConfig.restore(savedConfig);
            }
        } finally {
            cleanUp();
            removeS3Prefix();
        }
    }

    /**
     * The run's objects, from s3proxy's filesystem store on the host (the dev host's s3proxy serves the
     * guest): a run left {@code it-lz-<N>/} behind in the bucket (session 10).
     */
    static void removeS3Prefix() throws java.io.IOException {
        java.nio.file.Path dir = java.nio.file.Path.of("/var/lib/terrarium-dev/s3", System.getenv("TERRARIUM_DEV_S3_BUCKET"),
                PREFIX.replace("/", ""));
        if (!java.nio.file.Files.isDirectory(dir, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        try (var paths = java.nio.file.Files.walk(dir)) {
            for (java.nio.file.Path p : paths.sorted(java.util.Comparator.reverseOrder()).toList()) {
                java.nio.file.Files.deleteIfExists(p);
            }
        }
    }

    static void cleanUp() {
        if (containers == null) {
            return;
        }
        // export bases carry the s3-export job's hold: release it, or LXD's delete cannot destroy the dataset
        releaseHolds();
        for (String n : List.of(CLONE, COPY, S3COPY, NAME)) {
            shCode("lxc delete --force " + n + " 2>/dev/null; true");
        }
        shCode("for d in $(zfs list -H -o name -r " + containers + " | grep -e '\\.pre-restore-' -e '\\.s3restore-'); do zfs destroy -r $d; done; true");
        shCode("zfs destroy -r " + containers.substring(0, containers.indexOf('/')) + "/it-lz-cmp 2>/dev/null; true");
    }

    static void releaseHolds() {
        LxdZfsGuest.releaseHolds(containers);
    }

    /**
     * Recursive SHA-256 of every regular file of {@code snapshot} except LXD's {@code backup.yaml},
     * computed in the guest through a throwaway clone ("sum  ./path" lines, sorted by path).
     */
    static String treeOf(String snapshot) {
        return LxdZfsGuest.treeOf(snapshot, "it-lz-cmp");
    }

    /** A fresh snapshot of a (stopped) instance's dataset, for {@link #treeOf}. */
    static String snapshotOf(String name, String snap) {
        sh("zfs snapshot " + containers + "/" + name + "@" + snap);
        return containers + "/" + name + "@" + snap;
    }

    Terrariumctl.Result ok(String... args) throws Exception {
        Terrariumctl.Result r = trm.run(Duration.ofMinutes(10), args);
        assertThat(r.exit()).as("terrariumctl %s: %s", String.join(" ", args), r.all()).isZero();
        return r;
    }

    /** start, exec, snapshot, copy, delete — then neither instance's dataset remains. */
    static void lxdOwns(String name, String expectV) {
        long t0 = System.nanoTime();
        sh("lxc start " + name);
        assertThat(state(name)).isEqualTo("RUNNING");
        assertThat(exec(name, "cat /root/v.txt")).isEqualTo(expectV);
        assertThat(exec(name, "stat -c %u /root/v.txt")).as("files are not shifted twice").isEqualTo("0");
        sh("lxc snapshot " + name + " it-s1");
        assertThat(sh("zfs list -H -o name -t snapshot " + containers + "/" + name + "@snapshot-it-s1")).isNotEmpty();
        sh("lxc stop --force " + name);
        sh("lxc copy " + name + " " + CLONE);
        sh("lxc start " + CLONE);
        assertThat(exec(CLONE, "cat /root/v.txt")).isEqualTo(expectV);
        sh("lxc delete --force " + CLONE);
        assertThat(shCode("zfs list " + containers + "/" + CLONE)).as("lxc delete removed the copy's dataset").isNotZero();
        System.out.println("LXD operations on restored " + name + " took " + seconds(t0) + " s");
    }

    @Test
    @Order(0)
    @DisplayName("production bug: a newer sanoid snapshot and export base make `lxc restore` fail and leave the instance stopped;"
            + " `backup restore --snapshot snapshot-NAME` restores LXD's snapshot through LXD, running again, LXD's restore works after")
    void lxdSnapshotRestoreWithNewerForeignSnapshots() throws Exception {
        String src = containers + "/" + NAME;
        exec(NAME, "echo s0 > /root/v.txt");
        sh("lxc snapshot " + NAME + " snap0");
        Thread.sleep(1100);
        exec(NAME, "echo s1 > /root/v.txt");
        sh("zfs snapshot " + src + "@autosnap_2026-12-06_00:00:00_frequently");
        Thread.sleep(1100);
        Terrariumctl.Result e = ok("backup", "export", "--format", "json");
        assertThat(JSON.readTree(e.out()).path("details").path("datasets").get(0).path("status").asText()).as(e.out()).isEqualTo("ok");
        String base = sh("zfs list -H -t snapshot -o name -r " + src + " | grep '@" + S3ExportJob.BASE_PREFIX + "' | sort | tail -n1");
        assertThat(sh("zfs holds -H " + base)).contains(S3ExportJob.HOLD_TAG);

        // the bug, as LXD has it: refused because of the newer snapshots it did not make, and the instance is left stopped
        assertThat(shCode("lxc restore " + NAME + " snap0")).isNotZero();
        assertThat(state(NAME)).isEqualTo("STOPPED");
        assertThat(exec2start(NAME)).isEqualTo("s1");

        long t0 = System.nanoTime();
        Terrariumctl.Result r = ok("backup", "restore", "--instance", NAME, "--snapshot", "snapshot-snap0", "--yes");
        System.out.println("LXD on zfs: backup restore of LXD snapshot snap0 took " + seconds(t0) + " s");
        assertThat(state(NAME)).isEqualTo("RUNNING");
        assertThat(exec(NAME, "cat /root/v.txt")).isEqualTo("s0");
        String snaps = sh("zfs list -H -t snapshot -o name -r " + src);
        assertThat(snaps).contains("@snapshot-snap0").doesNotContain("@autosnap_2026-12-06").doesNotContain(base);
        assertThat(sh("lxc query /1.0/instances/" + NAME + "/snapshots")).contains("snap0");
        // LXD's own restore works again
        exec(NAME, "echo s2 > /root/v.txt");
        sh("lxc restore " + NAME + " snap0");
        assertThat(state(NAME)).isEqualTo("RUNNING");
        assertThat(exec(NAME, "cat /root/v.txt")).isEqualTo("s0");
        sh("lxc delete " + NAME + "/snap0");
        assertThat(r.exit()).isZero();
    }

    /** Starts a stopped instance and returns /root/v.txt. */
    static String exec2start(String name) {
        sh("lxc start " + name);
        return exec(name, "cat /root/v.txt");
    }

    @Test
    @Order(1)
    @DisplayName("backup restore --as-new on LXD's zfs driver: LXD imports the snapshot; new identity, no proxy label/device;"
            + " byte-identical; start/snapshot/copy/delete work and delete removes the dataset")
    void localAsNew() throws Exception {
        String src = containers + "/" + NAME;
        exec(NAME, "echo v1 > /root/v.txt");
        sh("zfs snapshot " + src + "@it_v1");
        exec(NAME, "echo v2 > /root/v.txt");
        String before = treeOf(src + "@it_v1");
        long t0 = System.nanoTime();
        Terrariumctl.Result r = ok("backup", "restore", "--instance", NAME, "--snapshot", "it_v1", "--as-new", COPY, "--yes");
        System.out.println("LXD on zfs: backup restore --as-new took " + seconds(t0) + " s");
        assertThat(r.out()).contains("as new instance " + COPY);
        assertThat(state(COPY)).isEqualTo("STOPPED");
        String config = sh("lxc config show " + COPY);
        assertThat(config).doesNotContain("user.proxy").doesNotContain("terrarium-proxy").doesNotContain("volatile.uuid");
        assertThat(sh("lxc config get " + NAME + " volatile.uuid")).isNotEmpty();
        assertThat(treeOf(snapshotOf(COPY, "it-cmp"))).isEqualTo(before);
        sh("zfs destroy " + containers + "/" + COPY + "@it-cmp");
        lxdOwns(COPY, "v1");
        sh("lxc start " + COPY);
        assertThat(sh("lxc config get " + COPY + " volatile.eth0.hwaddr"))
                .isNotEqualTo(sh("lxc config get " + NAME + " volatile.eth0.hwaddr"));
        sh("lxc delete --force " + COPY);
        assertThat(shCode("zfs list " + containers + "/" + COPY)).as("lxc delete removed the dataset").isNotZero();
        assertThat(exec(NAME, "cat /root/v.txt")).isEqualTo("v2");
    }

    @Test
    @Order(2)
    @DisplayName("S3 on LXD's zfs driver: export, then in place (live kept aside), as new, and onto a new host (no instance,"
            + " new installation id): byte-identical, LXD consistent")
    void fromS3() throws Exception {
        exec(NAME, "echo v3 > /root/v.txt");
        Terrariumctl.Result e = ok("backup", "export", "--format", "json");
        JsonNode row = JSON.readTree(e.out()).path("details").path("datasets").get(0);
        assertThat(row.path("status").asText()).as(e.out()).isEqualTo("ok");
        String src = containers + "/" + NAME;
        String base = sh("zfs list -H -t snapshot -o name -r " + src + " | grep '@" + S3ExportJob.BASE_PREFIX + "' | sort | tail -n1");
        String exported = treeOf(base);

        // in place: the change after the export is undone, the live dataset kept aside
        exec(NAME, "echo v4 > /root/v.txt; rm /root/data.bin");
        long t0 = System.nanoTime();
        Terrariumctl.Result in = ok("backup", "restore", "--source", "s3", "--instance", NAME, "--yes");
        System.out.println("LXD on zfs: S3 restore in place took " + seconds(t0) + " s");
        assertThat(in.out()).contains("in place").contains(".pre-restore-");
        assertThat(state(NAME)).isEqualTo("RUNNING");
        assertThat(exec(NAME, "cat /root/v.txt")).isEqualTo("v3");
        sh("lxc stop --force " + NAME);
        assertThat(treeOf(snapshotOf(NAME, "it-cmp-in"))).isEqualTo(exported);
        sh("zfs destroy " + src + "@it-cmp-in");
        releaseHolds();
        shCode("for d in $(zfs list -H -o name -r " + containers + " | grep '\\.pre-restore-'); do zfs destroy -r $d; done");
        lxdOwns(NAME, "v3");

        // as new, beside the original
        t0 = System.nanoTime();
        Terrariumctl.Result as = ok("backup", "restore", "--source", "s3", "--instance", NAME, "--as-new", S3COPY, "--yes");
        System.out.println("LXD on zfs: S3 restore as new took " + seconds(t0) + " s");
        assertThat(as.out()).contains("as instance " + S3COPY);
        assertThat(sh("lxc config show " + S3COPY)).doesNotContain("user.proxy").doesNotContain("terrarium-proxy")
                .doesNotContain("volatile.uuid");
        assertThat(treeOf(snapshotOf(S3COPY, "it-cmp"))).isEqualTo(exported);
        sh("zfs destroy " + containers + "/" + S3COPY + "@it-cmp");
        assertThat(sh("zfs list -H -o name -r " + containers)).doesNotContain(".s3restore-");
        sh("lxc delete --force " + S3COPY);

        // a new host: the instance and its dataset are gone, a new installation id
        sh("lxc stop --force " + NAME + " 2>/dev/null; true");
        releaseHolds();
        sh("lxc delete --force " + NAME);
        assertThat(shCode("zfs list " + src)).isNotZero();
        config(NEW_INSTALL);
        t0 = System.nanoTime();
        Terrariumctl.Result nh = ok("backup", "restore", "--source", "s3", "--instance", NAME, "--yes");
        System.out.println("LXD on zfs: S3 restore onto a new host took " + seconds(t0) + " s");
        assertThat(nh.out()).contains("as instance " + NAME);
        String config = sh("lxc config show " + NAME);
        assertThat(config).contains("user.proxy: https://lz.example.test:80").doesNotContain("terrarium-proxy-it");
        assertThat(treeOf(snapshotOf(NAME, "it-cmp-nh"))).isEqualTo(exported);
        sh("zfs destroy " + src + "@it-cmp-nh");
        assertThat(sh("zfs list -H -o name -r " + containers)).doesNotContain(".s3restore-");
        lxdOwns(NAME, "v3");
        config(OLD_INSTALL);
    }
}
