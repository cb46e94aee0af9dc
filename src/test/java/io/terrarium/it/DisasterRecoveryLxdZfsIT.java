package io.terrarium.it;

import com.fasterxml.jackson.databind.JsonNode;
import io.terrarium.s3.ProviderProfile;
import io.terrarium.s3.S3ClientFactory;
import io.terrarium.s3.S3Settings;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.S3Object;

import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;

import static io.terrarium.it.LxdZfsGuest.JSON;
import static io.terrarium.it.LxdZfsGuest.sh;
import static io.terrarium.it.LxdZfsGuest.shCode;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * A whole host back from S3 in one command on LXD's <b>zfs storage driver</b> — the production
 * storage path — in the OpenZFS guest (the guest execution only; see {@link RestoreLxdZfsIT} for the
 * guest's LXD). A throwaway project with two instances — {@code drz-web} running with a
 * {@code user.proxy} label, {@code drz-db} stopped with a custom profile — is exported ({@code backup
 * export} also writes the host manifest); then "the fire": the instances (and with them their
 * datasets, LXD's delete on the zfs driver), the profile and the project are deleted, and a new
 * installation id is configured. {@code backup restore --source s3 --all --yes} brings everything
 * back — LXD imports each instance itself — byte-identical (recursive SHA-256 in the guest against the
 * export snapshot), the same profile and config keys, running exactly where it ran, routes rendered
 * again by proxy sync. Then the fire again and a SIGKILL during the second instance's receive: the
 * same command finishes it. The bad inputs of the command are covered on the development host by
 * {@link DisasterRecoveryIT} (they fail before any storage-driver-specific step).
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class DisasterRecoveryLxdZfsIT {
    static final long N = System.nanoTime() % 1_000_000L;
    static final String PROJECT = "it-drz";
    static final String WEB = "drz-web";
    static final String DB = "drz-db";
    static final String PROFILE = "it-drz-extra";
    static final String OLD_INSTALL = "it-drz-old-" + N;
    static final String NEW_INSTALL = "it-drz-new-" + N;
    static final String PREFIX = "it-drz-" + N + "/";
    static final String HOST = "drz-" + N + ".example.test";

    @TempDir
    static Path dir;
    static Terrariumctl trm;
    static String savedConfig;
    static String containers;
    static S3Client s3;
    static S3Settings settings;
    static final Map<String, String> trees = new TreeMap<>();
    static final Map<String, JsonNode> before = new TreeMap<>();
    static String profileBefore;

    static void config(String installationId) throws Exception {
        // the new host's own layout (LXD's zfs pool): restores go there, never where the bucket says (issue 13 item 3)
        StoredConfig.setYaml("version: 1\ninstallation_id: " + installationId + "\nlxd:\n  project: " + PROJECT + "\n"
                + "zfs:\n  pool: " + containers.substring(0, containers.indexOf('/')) + "\n  containers_dataset: " + containers + "\n"
                + "proxy:\n  dynamic_file: " + dir.resolve("traefik/dynamic/terrarium-lxc.yml") + "\n  static_file: "
                + dir.resolve("traefik/traefik.yml") + "\n  reload_command: []\n  ufw: false\n"
                + "s3:\n  enabled: true\n  provider: generic\n  endpoint: " + System.getenv("TERRARIUM_DEV_S3_ENDPOINT") + "\n"
                + "  region: us-east-1\n  bucket: " + System.getenv("TERRARIUM_DEV_S3_BUCKET") + "\n  prefix: " + PREFIX + "\n"
                + "  access_key: " + System.getenv("TERRARIUM_DEV_S3_ACCESS_KEY") + "\n  secret_key_file: "
                + System.getenv("TERRARIUM_DEV_S3_SECRET_FILE") + "\n");
    }

    static long seconds(long t0) {
        return (System.nanoTime() - t0) / 1_000_000_000L;
    }

    @BeforeAll
    static void setUp() throws Exception {
        containers = LxdZfsGuest.requireZfsDriver("DisasterRecoveryLxdZfsIT");
        assertThat(System.getenv("TERRARIUM_DEV_S3_ENDPOINT")).as("source /var/lib/terrarium-dev/devhost.env").isNotBlank();
        savedConfig = StoredConfig.rawValue();
        disaster();
        trm = new Terrariumctl(dir);
        settings = new S3Settings(URI.create(System.getenv("TERRARIUM_DEV_S3_ENDPOINT")), "us-east-1",
                System.getenv("TERRARIUM_DEV_S3_BUCKET"), PREFIX, System.getenv("TERRARIUM_DEV_S3_ACCESS_KEY"),
                Path.of(System.getenv("TERRARIUM_DEV_S3_SECRET_FILE")), ProviderProfile.generic(), 4, null, null);
        s3 = S3ClientFactory.create(settings, 2);
    }

    @AfterAll
    static void tearDown() throws Exception {
        try {
            if (savedConfig != null || trm != null) {
                StoredConfig.restore(savedConfig);
            }
            if (s3 != null) {
                for (S3Object o : s3.listObjectsV2Paginator(b -> b.bucket(settings.bucket()).prefix(PREFIX)).contents()) {
                    s3.deleteObject(b -> b.bucket(settings.bucket()).key(o.key()));
                }
                s3.close();
            }
        } finally {
            if (containers != null) {
                disaster();
            }
        }
    }

    /** The fire: the instances (LXD's delete destroys their datasets), leftovers of a killed restore, the profile, the project. */
    static void disaster() {
        LxdZfsGuest.releaseHolds(containers);
        for (String n : List.of(WEB, DB)) {
            shCode("lxc delete --force --project " + PROJECT + " " + n + " 2>/dev/null; true");
        }
        shCode("for d in $(zfs list -H -o name -r " + containers + " | grep -e '" + PROJECT + "_drz-.*\\.s3restore-' -e '/"
                + PROJECT + "_drz-'); do zfs destroy -r $d; done; true");
        shCode("lxc profile delete " + PROFILE + " 2>/dev/null; lxc project delete " + PROJECT + " 2>/dev/null; true");
    }

    static JsonNode instance(String name) throws Exception {
        return JSON.readTree(sh("lxc query '/1.0/instances/" + name + "?project=" + PROJECT + "'"));
    }

    static String status(String name) {
        return sh("lxc list --project " + PROJECT + " ^" + name + "$ -c s --format csv");
    }

    static String dataset(String name) {
        return containers + "/" + PROJECT + "_" + name;
    }

    Terrariumctl.Result run(String... args) throws Exception {
        return trm.run(Duration.ofMinutes(10), args);
    }

    static final String[] ALL = {"backup", "restore", "--source", "s3", "--all", "--installation", null, "--yes"};

    static String[] all() {
        String[] a = ALL.clone();
        a[6] = OLD_INSTALL;
        return a;
    }

    @Test
    @Order(1)
    @DisplayName("export on the zfs driver writes a host manifest naming the zfs pool, the profile and who was running")
    void export() throws Exception {
        sh("lxc project create " + PROJECT + " -c features.images=false -c features.profiles=false -c features.storage.volumes=false"
                + " -c features.networks=false");
        sh("lxc profile create " + PROFILE + " && lxc profile set " + PROFILE + " user.drz-profile yes && lxc profile set "
                + PROFILE + " environment.DRZ_MARK " + N);
        long t0 = System.nanoTime();
        sh("lxc launch -q terrarium-busybox " + WEB + " --project " + PROJECT);
        sh("lxc launch -q terrarium-busybox " + DB + " --project " + PROJECT + " -p default -p " + PROFILE);
        System.out.println("[drz] launch of 2 instances took " + seconds(t0) + " s");
        for (String n : List.of(WEB, DB)) {
            sh("lxc exec --project " + PROJECT + " " + n + " -- sh -c 'echo " + n + " > /root/v.txt; head -c 1000000 /dev/urandom"
                    + " > /root/data.bin'");
        }
        sh("lxc config set --project " + PROJECT + " " + WEB + " user.proxy https://" + HOST + ":80");
        sh("lxc config set --project " + PROJECT + " " + DB + " user.role database");
        sh("lxc stop --project " + PROJECT + " --force " + DB);
        config(OLD_INSTALL);
        t0 = System.nanoTime();
        Terrariumctl.Result r = run("backup", "export", "--format", "json");
        System.out.println("[drz] export of 2 instances took " + seconds(t0) + " s");
        assertThat(r.exit()).as(r.all()).isZero();
        String key = JSON.readTree(r.out()).path("details").path("host_manifest").path("key").asText();
        assertThat(key).as(r.out()).startsWith(PREFIX + OLD_INSTALL + "/_host/manifests/");
        JsonNode m = JSON.readTree(s3.getObjectAsBytes(b -> b.bucket(settings.bucket()).key(key)).asUtf8String());
        assertThat(m.path("storage_pools").toString()).contains("\"driver\":\"zfs\"");
        assertThat(m.path("profiles").toString()).contains(PROFILE).contains("user.drz-profile");
        assertThat(m.path("instances")).hasSize(2);
        for (JsonNode i : m.path("instances")) {
            assertThat(i.path("running").asBoolean()).as(i.toString()).isEqualTo(i.path("name").asText().equals(WEB));
        }
        for (String n : List.of(WEB, DB)) {
            trees.put(n, LxdZfsGuest.treeOf(S3RestoreIT.newestBase(dataset(n)), "it-drz-cmp"));
            before.put(n, instance(n));
        }
        assertThat(trees.get(WEB)).contains("./rootfs/root/data.bin").contains("./rootfs/root/v.txt");
        profileBefore = sh("lxc query /1.0/profiles/" + PROFILE);
    }

    @Test
    @Order(2)
    @DisplayName("after the fire, one command brings the host back on the zfs driver: LXD imports each instance, byte-identical,"
            + " same profile and config keys, running where it ran, routes rendered")
    void restoreAll() throws Exception {
        disaster();
        assertThat(shCode("lxc query /1.0/projects/" + PROJECT)).isNotZero();
        assertThat(sh("zfs list -H -o name -r " + containers)).doesNotContain(PROJECT + "_");
        config(NEW_INSTALL);
        long t0 = System.nanoTime();
        Terrariumctl.Result r = run(all());
        System.out.println("[drz] restore --all of 2 instances on the zfs driver: " + (System.nanoTime() - t0) / 1_000_000
                + " ms (command)\n" + r.out());
        assertThat(r.exit()).as(r.all()).isZero();
        assertThat(r.out()).contains("summary (installation " + OLD_INSTALL + ")").contains("total: 2 instance(s)")
                .contains("LXD imported");
        assertRestored(true);
    }

    /** Running where it ran, profile and config keys, routes; with {@code compareFiles} also the recursive SHA-256. */
    static void assertRestored(boolean compareFiles) throws Exception {
        assertThat(status(WEB)).isEqualTo("RUNNING");
        assertThat(status(DB)).isEqualTo("STOPPED");
        JsonNode prof = JSON.readTree(sh("lxc query /1.0/profiles/" + PROFILE));
        JsonNode old = JSON.readTree(profileBefore);
        assertThat(prof.path("config")).isEqualTo(old.path("config"));
        assertThat(prof.path("devices")).isEqualTo(old.path("devices"));
        for (String n : List.of(WEB, DB)) {
            assertThat(DisasterRecoveryIT.essentials(instance(n))).as(n).isEqualTo(DisasterRecoveryIT.essentials(before.get(n)));
        }
        assertThat(Files.readString(dir.resolve("traefik/dynamic/terrarium-lxc.yml"))).contains(HOST);
        assertThat(sh("lxc config device list --project " + PROJECT + " " + WEB)).contains("terrarium-proxy-");
        assertThat(sh("zfs list -H -o name -r " + containers)).doesNotContain(".s3restore-");
        if (compareFiles) {
            // the imported dataset has no snapshot of the point (a plain full stream): compare a fresh one of the stopped instance
            sh("lxc stop --force --project " + PROJECT + " " + WEB);
            for (String n : List.of(WEB, DB)) {
                sh("zfs snapshot " + dataset(n) + "@it-drz-cmp");
                assertThat(LxdZfsGuest.treeOf(dataset(n) + "@it-drz-cmp", "it-drz-cmp")).as(n + " byte-identical").isEqualTo(trees.get(n));
                sh("zfs destroy " + dataset(n) + "@it-drz-cmp");
            }
            sh("lxc start --project " + PROJECT + " " + WEB);
            assertThat(sh("lxc exec --project " + PROJECT + " " + WEB + " -- cat /root/v.txt")).isEqualTo(WEB);
        }
    }

    @Test
    @Order(3)
    @DisplayName("kill -9 of the restore during the second receive on the zfs driver: the same command again finishes it"
            + " (the imported instance recognised and skipped)")
    void killedHalfway() throws Exception {
        disaster();
        Path out = dir.resolve("killed.out");
        Process p = trm.builder(all()).redirectErrorStream(true).redirectOutput(out.toFile()).start();
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(5);
        while (System.nanoTime() < deadline && p.isAlive()) {
            String text = Files.exists(out) ? Files.readString(out) : "";
            if (text.indexOf("receiving ") != text.lastIndexOf("receiving ")) {
                break; // the second instance's receive has started
            }
            Thread.sleep(20);
        }
        assertThat(p.isAlive()).as("the restore ended before it could be killed: " + Files.readString(out)).isTrue();
        sh("kill -9 " + p.pid());
        p.waitFor(30, TimeUnit.SECONDS);
        System.out.println("[drz] killed after:\n" + Files.readString(out));
        System.out.println("[drz] datasets after the kill: " + sh("zfs list -H -o name -r " + containers));

        long t0 = System.nanoTime();
        Terrariumctl.Result again = run(all());
        System.out.println("[drz] second run: " + (System.nanoTime() - t0) / 1_000_000 + " ms (command)\n" + again.out());
        assertThat(again.exit()).as(again.all()).isZero();
        assertThat(again.out()).contains("skipped");
        assertRestored(false);
    }
}
