package io.terrarium.it;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
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
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.S3Object;

import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A whole host back from S3 in one command (issue 11 item 3) on the development host: real LXD (dir
 * pool whose instance directories are zfs-fuse datasets), s3proxy, the packaged launcher. A throwaway
 * project with two instances — {@code dr-web} running with a {@code user.proxy} label, {@code dr-db}
 * stopped with a custom profile — is exported ({@code backup export} also writes the host manifest),
 * then the instances, the profile and the project are deleted ("the fire") and a new installation id
 * is configured ("the new host"). Each bad input ends with a clear message, exit 1 (2 without --yes)
 * and nothing changed; then {@code backup restore --source s3 --all} brings everything back:
 * byte-identical files (recursive SHA-256 of the export snapshot), the same profile and config keys,
 * running exactly where it ran, the route rendered again by proxy sync. Finally the disaster is
 * repeated, the restore killed with SIGKILL halfway, and the same command run again finishes it.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class DisasterRecoveryIT {
    static final long N = System.nanoTime() % 1_000_000L;
    static final String PROJECT = "it-dr";
    static final String PARENT = "terrarium/it-dr";
    static final String WEB = "dr-web";
    static final String DB = "dr-db";
    static final String PROFILE = "it-dr-extra";
    static final String OLD_INSTALL = "it-dr-old-" + N;
    static final String NEW_INSTALL = "it-dr-new-" + N;
    static final String OTHER_INSTALL = "it-dr-other-" + N;
    static final String FUTURE_INSTALL = "it-dr-future-" + N;
    static final String PREFIX = "it-dr-" + N + "/";
    static final String HOST = "dr-" + N + ".example.test";
    static final String SCRIPT = Path.of("scripts/devhost/zfs-container.sh").toAbsolutePath().toString();
    static final String ENV = "TERRARIUM_DEV_CONTAINERS_DATASET=" + PARENT + " TERRARIUM_DEV_LXD_PROJECT=" + PROJECT + " ";
    static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    static Path dir;
    static Terrariumctl trm;
    static String savedConfig;
    static S3Client s3;
    static S3Settings settings;
    static final Map<String, Map<String, String>> trees = new TreeMap<>();
    static final Map<String, String> bases = new TreeMap<>();
    static final Map<String, JsonNode> before = new TreeMap<>();
    static String profileBefore;
    static String hostKey;

    static String sh(String script) {
        return S3RestoreIT.sh(script);
    }

    static int shCode(String script) {
        return S3RestoreIT.shCode(script);
    }

    static void config(String installationId, String secretFile) throws Exception {
        // the new host's own layout: restores without --parent-dataset go there, never where the bucket says (issue 13 item 3)
        StoredConfig.setYaml("version: 1\ninstallation_id: " + installationId + "\nlxd:\n  project: " + PROJECT + "\n"
                + "zfs:\n  pool: terrarium\n  containers_dataset: " + PARENT + "\n"
                + "proxy:\n  dynamic_file: " + dir.resolve("traefik/dynamic/terrarium-lxc.yml") + "\n  static_file: "
                + dir.resolve("traefik/traefik.yml") + "\n  reload_command: []\n  ufw: false\n"
                + "s3:\n  enabled: true\n  provider: generic\n  endpoint: " + System.getenv("TERRARIUM_DEV_S3_ENDPOINT") + "\n"
                + "  region: us-east-1\n  bucket: " + System.getenv("TERRARIUM_DEV_S3_BUCKET") + "\n  prefix: " + PREFIX + "\n"
                + "  access_key: " + System.getenv("TERRARIUM_DEV_S3_ACCESS_KEY") + "\n  secret_key_file: " + secretFile + "\n");
    }

    static void config(String installationId) throws Exception {
        config(installationId, System.getenv("TERRARIUM_DEV_S3_SECRET_FILE"));
    }

    @BeforeAll
    static void setUp() throws Exception {
        assertThat(System.getenv("TERRARIUM_DEV_S3_ENDPOINT")).as("source /var/lib/terrarium-dev/devhost.env").isNotBlank();
        savedConfig = StoredConfig.rawValue();
        cleanHost();
        sh("lxc project create " + PROJECT + " -c features.images=false -c features.profiles=false -c features.storage.volumes=false"
                + " -c features.networks=false");
        sh("zfs create -o mountpoint=none " + PARENT);
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
                for (String k : keys()) {
                    s3.deleteObject(b -> b.bucket(settings.bucket()).key(k));
                }
                s3.close();
            }
        } finally {
            cleanHost();
        }
    }

    /** The fire: instances, their datasets, the custom profile and the project go. */
    static void disaster() {
        for (String n : List.of(WEB, DB)) {
            shCode("lxc --project " + PROJECT + " stop --force " + n + " 2>/dev/null; true");
        }
        shCode("zfs list -H -r -t snapshot -o name " + PARENT + " 2>/dev/null | grep @" + io.terrarium.s3.S3ExportJob.BASE_PREFIX
                + " | xargs -r -n1 zfs release " + io.terrarium.s3.S3ExportJob.HOLD_TAG + " 2>/dev/null; true");
        for (String n : List.of(WEB, DB)) {
            for (String ds : List.of(PARENT + "/" + n, PARENT + "/" + PROJECT + "_" + n)) {
                shCode("for i in $(seq 40); do zfs list -H -o name " + ds + " >/dev/null 2>&1 || exit 0; zfs destroy -r " + ds
                        + " 2>/dev/null && exit 0; sleep 0.5; done");
            }
        }
        shCode("for d in $(zfs list -H -o name -r " + PARENT + " 2>/dev/null | grep s3restore-); do zfs destroy -r $d; done; true");
        String src = shCode("lxc storage show default >/dev/null") == 0 ? sh("lxc storage get default source") : "";
        for (String n : List.of(WEB, DB)) {
            String d = src + "/containers/" + PROJECT + "_" + n;
            shCode("if lxc query '/1.0/instances/" + n + "?project=" + PROJECT + "' >/dev/null 2>&1; then mkdir -p " + d
                    + "; lxc --project " + PROJECT + " delete --force " + n + "; fi; rmdir " + d + " 2>/dev/null; true");
        }
        shCode("lxc profile delete " + PROFILE + " 2>/dev/null; true");
        shCode("lxc project delete " + PROJECT + " 2>/dev/null; true");
    }

    static void cleanHost() {
        disaster();
        shCode("zfs destroy -r " + PARENT + "/cmp 2>/dev/null; true");
        shCode("for i in $(seq 40); do zfs list -H -o name " + PARENT + " >/dev/null 2>&1 || exit 0; zfs destroy -r " + PARENT
                + " 2>/dev/null && exit 0; sleep 0.5; done");
    }

    static List<String> keys() {
        return s3.listObjectsV2Paginator(b -> b.bucket(settings.bucket()).prefix(PREFIX)).contents().stream().map(S3Object::key).toList();
    }

    static JsonNode instance(String name) throws Exception {
        return JSON.readTree(sh("lxc query '/1.0/instances/" + name + "?project=" + PROJECT + "'"));
    }

    /** Config keys without volatile.*, profiles and devices without terrarium-proxy-* (proxy sync owns those). */
    static Map<String, Object> essentials(JsonNode i) {
        Map<String, Object> out = new TreeMap<>();
        i.path("config").fields().forEachRemaining(e -> {
            if (!e.getKey().startsWith("volatile.")) {
                out.put("config." + e.getKey(), e.getValue().asText());
            }
        });
        i.path("devices").fields().forEachRemaining(e -> {
            if (!e.getKey().startsWith("terrarium-proxy-")) {
                out.put("device." + e.getKey(), e.getValue().toString());
            }
        });
        out.put("profiles", i.path("profiles").toString());
        return out;
    }

    static String status(String name) {
        return sh("lxc list --project " + PROJECT + " ^" + name + "$ -c s --format csv");
    }

    static boolean projectExists() {
        return shCode("lxc query /1.0/projects/" + PROJECT + " >/dev/null 2>&1") == 0;
    }

    Terrariumctl.Result run(String... args) throws Exception {
        return trm.run(Duration.ofMinutes(10), args);
    }

    static final String[] ALL = {"backup", "restore", "--source", "s3", "--all"};

    static String[] all(String... more) {
        String[] a = new String[ALL.length + more.length];
        System.arraycopy(ALL, 0, a, 0, ALL.length);
        System.arraycopy(more, 0, a, ALL.length, more.length);
        return a;
    }

    /** Nothing was changed: no project, no profile, no dataset under the parent. */
    static void assertNothingChanged(Terrariumctl.Result r) {
        assertThat(projectExists()).as("project created by a refused run: " + r.all()).isFalse();
        assertThat(shCode("lxc query /1.0/profiles/" + PROFILE + " >/dev/null 2>&1")).as(r.all()).isNotZero();
        assertThat(sh("zfs list -H -o name -r " + PARENT)).as(r.all()).isEqualTo(PARENT);
    }

    @Test
    @Order(1)
    @DisplayName("export writes a host manifest: the config without secret values, project, profiles, network, pool, who was running")
    void export() throws Exception {
        sh("lxc profile create " + PROFILE + " && lxc profile set " + PROFILE + " user.dr-profile yes && lxc profile set "
                + PROFILE + " environment.DR_MARK " + N);
        sh(ENV + SCRIPT + " create " + WEB);
        sh(ENV + SCRIPT + " create " + DB);
        for (String n : List.of(WEB, DB)) {
            byte[] data = new byte[2 << 20];
            new Random(n.hashCode()).nextBytes(data);
            Path tmp = dir.resolve("data-" + n);
            Files.write(tmp, data);
            sh("lxc file push --project " + PROJECT + " " + tmp + " " + n + "/root/data.bin");
        }
        sh("lxc config set --project " + PROJECT + " " + WEB + " user.proxy https://" + HOST + ":80");
        sh("lxc profile add --project " + PROJECT + " " + DB + " " + PROFILE);
        sh("lxc config set --project " + PROJECT + " " + DB + " user.role database");
        sh("lxc stop --project " + PROJECT + " --force " + DB);
        config(OLD_INSTALL);
        Terrariumctl.Result r = run("backup", "export", "--format", "json");
        assertThat(r.exit()).as(r.all()).isZero();
        JsonNode details = JSON.readTree(r.out()).path("details");
        String key = details.path("host_manifest").path("key").asText();
        assertThat(key).as(r.out()).startsWith(PREFIX + OLD_INSTALL + "/_host/manifests/").endsWith(".json");
        hostKey = key;
        String hm = s3.getObjectAsBytes(b -> b.bucket(settings.bucket()).key(key)).asUtf8String();
        JsonNode m = JSON.readTree(hm);
        assertThat(m.path("format_version").asInt()).isEqualTo(1);
        assertThat(m.path("project").asText()).isEqualTo(PROJECT);
        assertThat(m.path("config").asText()).contains("secret_key_file: " + System.getenv("TERRARIUM_DEV_S3_SECRET_FILE"));
        String secret = Files.readString(Path.of(System.getenv("TERRARIUM_DEV_S3_SECRET_FILE"))).strip();
        assertThat(hm).as("no secret value in the host manifest").doesNotContain(secret);
        assertThat(m.path("profiles").toString()).contains(PROFILE).contains("user.dr-profile");
        assertThat(m.path("networks").toString()).contains("terrarium-ovn");
        assertThat(m.path("storage_pools").toString()).contains("\"driver\":\"dir\"");
        for (JsonNode i : m.path("instances")) {
            assertThat(i.path("running").asBoolean()).as(i.toString()).isEqualTo(i.path("name").asText().equals(WEB));
            assertThat(i.path("exported").asBoolean()).isTrue();
        }
        assertThat(m.path("instances")).hasSize(2);
        Terrariumctl.Result list = run("backup", "list", "--source", "s3");
        assertThat(list.out()).as("the host folder is not an instance").doesNotContain("_host");

        for (String n : List.of(WEB, DB)) {
            String base = S3RestoreIT.newestBase(PARENT + "/" + n);
            bases.put(n, base.substring(base.indexOf('@') + 1));
            trees.put(n, treeOf(base));
            before.put(n, instance(n));
        }
        assertThat(trees.get(WEB)).containsKey("rootfs/root/data.bin");
        profileBefore = sh("lxc query /1.0/profiles/" + PROFILE);
    }

    static Map<String, String> treeOf(String snapshot) throws Exception {
        String clone = PARENT + "/cmp";
        Path cmp = Path.of("/var/tmp/terrarium-it/dr-cmp-" + N);
        Files.createDirectories(cmp);
        sh("zfs clone " + snapshot + " " + clone + " && zfs set mountpoint=" + cmp + " " + clone);
        if (!sh("zfs get -H -o value mounted " + clone).equals("yes")) {
            sh("zfs mount " + clone);
        }
        try {
            return S3RestoreIT.tree(cmp);
        } finally {
            sh("for i in $(seq 40); do zfs destroy " + clone + " 2>/dev/null && exit 0; sleep 0.5; done; zfs destroy " + clone
                    + "; rmdir " + cmp);
        }
    }

    @Test
    @Order(2)
    @DisplayName("bad inputs on the new host each end with a clear message, a non-zero exit and nothing changed")
    void badInputs() throws Exception {
        disaster();
        config(NEW_INSTALL);
        assertThat(projectExists()).isFalse();

        // a missing secret file
        config(NEW_INSTALL, dir.resolve("no-such-secret").toString());
        Terrariumctl.Result noSecret = run(all("--yes"));
        assertThat(noSecret.exit()).as(noSecret.all()).isEqualTo(1);
        assertThat(noSecret.err()).contains(dir.resolve("no-such-secret").toString());
        assertNothingChanged(noSecret);
        config(NEW_INSTALL);

        // several installations under the prefix and no --installation
        String body = s3.getObjectAsBytes(b -> b.bucket(settings.bucket()).key(hostKey)).asUtf8String();
        assertThat(body).as(hostKey).contains("\"format_version\"");
        s3.putObject(b -> b.bucket(settings.bucket()).key(PREFIX + OTHER_INSTALL + "/_host/manifests/20260101T000000Z.json"),
                RequestBody.fromString(body.replace(OLD_INSTALL, OTHER_INSTALL)));
        Terrariumctl.Result several = run(all("--yes"));
        assertThat(several.exit()).as(several.all()).isEqualTo(1);
        assertThat(several.err()).contains("several installations").contains(OLD_INSTALL).contains(OTHER_INSTALL).contains("--installation");
        assertNothingChanged(several);

        // a host manifest of a newer format
        s3.putObject(b -> b.bucket(settings.bucket()).key(PREFIX + FUTURE_INSTALL + "/_host/manifests/20260101T000000Z.json"),
                RequestBody.fromBytes(JSON.writeValueAsBytes(((com.fasterxml.jackson.databind.node.ObjectNode) JSON.readTree(body))
                        .put("format_version", 99).put("installation_id", FUTURE_INSTALL))));
        Terrariumctl.Result future = run(all("--installation", FUTURE_INSTALL, "--yes"));
        assertThat(future.exit()).as(future.all()).isEqualTo(1);
        assertThat(future.err()).contains("format version 99").contains("upgrade terrariumctl");
        assertNothingChanged(future);

        // a profile that exists with other content
        sh("lxc profile create " + PROFILE + " && lxc profile set " + PROFILE + " user.dr-profile no");
        Terrariumctl.Result profile = run(all("--installation", OLD_INSTALL, "--yes"));
        assertThat(profile.exit()).as(profile.all()).isEqualTo(1);
        assertThat(profile.err()).contains("profile " + PROFILE + " exists here with other content")
                .contains("config user.dr-profile: here \"no\", backup \"yes\"").contains("--force");
        assertThat(sh("lxc profile get " + PROFILE + " user.dr-profile")).isEqualTo("no");
        assertThat(projectExists()).isFalse();
        sh("lxc profile delete " + PROFILE);

        // an instance that already exists (and was not restored by this command)
        sh("lxc project create " + PROJECT + " -c features.images=false -c features.profiles=false -c features.storage.volumes=false"
                + " -c features.networks=false");
        sh("lxc init -q terrarium-busybox " + DB + " --project " + PROJECT);
        Terrariumctl.Result exists = run(all("--installation", OLD_INSTALL, "--yes"));
        assertThat(exists.exit()).as(exists.all()).isEqualTo(1);
        assertThat(exists.err()).contains("instance " + DB + " already exists here").contains("--force");
        assertThat(shCode("lxc query '/1.0/instances/" + WEB + "?project=" + PROJECT + "'")).isNotZero();
        assertThat(shCode("lxc query /1.0/profiles/" + PROFILE + " >/dev/null 2>&1")).isNotZero();
        sh("lxc delete --force --project " + PROJECT + " " + DB + " && lxc project delete " + PROJECT);

        // no terminal and no --yes: the plan, then the exact command
        Terrariumctl.Result noYes = run(all("--installation", OLD_INSTALL));
        assertThat(noYes.exit()).as(noYes.all()).isEqualTo(2);
        assertThat(noYes.out()).contains("project " + PROJECT + ": create").contains("profile " + PROFILE + ": create")
                .contains("instance " + WEB + ": restore point").contains("then start it (it was running)");
        // the exact command pins the host manifest the plan read (and so its points), whatever is exported later
        assertThat(noYes.err()).containsPattern("terrariumctl backup restore --source s3 --all --installation " + OLD_INSTALL
                + " --host-manifest \\S+/_host/manifests/\\d{8}T\\d{6}Z\\.json --yes");
        assertThat(noYes.out()).contains("terrarium configuration: ");
        assertNothingChanged(noYes);
    }

    @Test
    @Order(3)
    @DisplayName("one command brings the host back: byte-identical, same profile and config keys, running where it ran, routes rendered")
    void restoreAll() throws Exception {
        long t0 = System.nanoTime();
        Terrariumctl.Result r = run(all("--installation", OLD_INSTALL, "--yes"));
        long ms = (System.nanoTime() - t0) / 1_000_000;
        System.out.println("[dr] restore --all of 2 instances: " + ms + " ms (command)\n" + r.out());
        assertThat(r.exit()).as(r.all()).isZero();
        assertThat(r.out()).contains("summary (installation " + OLD_INSTALL + ")").contains("total: 2 instance(s)");
        assertRestored();
    }

    static void assertRestored() throws Exception {
        assertThat(status(WEB)).isEqualTo("RUNNING");
        assertThat(status(DB)).isEqualTo("STOPPED");
        JsonNode prof = JSON.readTree(sh("lxc query /1.0/profiles/" + PROFILE));
        JsonNode old = JSON.readTree(profileBefore);
        assertThat(prof.path("config")).isEqualTo(old.path("config"));
        assertThat(prof.path("devices")).isEqualTo(old.path("devices"));
        for (String n : List.of(WEB, DB)) {
            assertThat(essentials(instance(n))).as(n).isEqualTo(essentials(before.get(n)));
            String ds = PARENT + "/" + PROJECT + "_" + n;
            assertThat(treeOf(ds + "@" + bases.get(n))).as(n + " byte-identical").isEqualTo(trees.get(n));
        }
        assertThat(Files.readString(dir.resolve("traefik/dynamic/terrarium-lxc.yml"))).contains(HOST);
        assertThat(sh("lxc config device list --project " + PROJECT + " " + WEB)).contains("terrarium-proxy-");
        assertThat(sh("zfs list -H -o name -r " + PARENT)).doesNotContain(".s3restore-");
    }

    @Test
    @Order(4)
    @DisplayName("kill -9 of the restore halfway: the same command again finishes it (restored instances recognised and skipped)")
    void killedHalfway() throws Exception {
        disaster();
        assertThat(projectExists()).isFalse();
        Path out = dir.resolve("killed.out");
        Process p = trm.builder(all("--installation", OLD_INSTALL, "--yes")).redirectErrorStream(true)
                .redirectOutput(out.toFile()).start();
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
        System.out.println("[dr] killed after:\n" + Files.readString(out));
        System.out.println("[dr] datasets after the kill: " + sh("zfs list -H -o name -r " + PARENT));

        Terrariumctl.Result again = run(all("--installation", OLD_INSTALL, "--yes"));
        System.out.println("[dr] second run:\n" + again.out());
        assertThat(again.exit()).as(again.all()).isZero();
        assertThat(again.out()).contains("skipped");
        assertRestored();
    }
}
