package io.terrarium.it;

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

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Restore from S3 through the real CLI (target/dist/bin/terrariumctl) on the development host: a
 * zfs-backed LXD container in a throwaway LXD project, s3proxy with a throwaway prefix. Full + 2
 * incrementals exported with {@code backup export}; data changed; then, in order: in place
 * restore, as-new restore of an older point, a new host (new installation id, no local instance,
 * second dataset tree), {@code backup verify} on a healthy and a corrupted chain, and a plan that
 * fails on a missing or short volume before anything is received. Content is compared as a
 * recursive SHA-256 of every regular file of the dataset at the restore point (a clone of the
 * original export snapshot vs a clone of the received one).
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class S3RestoreIT {
    static final long N = System.nanoTime() % 1_000_000L;
    static final String PROJECT = "it-s3rs";
    static final String PARENT = "terrarium/it-s3rs";
    static final String NEWHOST = "terrarium/it-s3rs-newhost";
    static final String NAME = "rs-web";
    static final String COPY = "rs-web-old";
    static final String RESUMED = "rs-web-resumed";
    static final String OLD_INSTALL = "it-old-host-" + N;
    static final String NEW_INSTALL = "it-new-host-" + N;
    static final String PREFIX = "it-s3rs-" + N + "/";
    static final String SCRIPT = Path.of("scripts/devhost/zfs-container.sh").toAbsolutePath().toString();
    static final String ENV = "TERRARIUM_DEV_CONTAINERS_DATASET=" + PARENT + " TERRARIUM_DEV_LXD_PROJECT=" + PROJECT + " ";
    static final Path CMP = Path.of("/var/tmp/terrarium-it/s3rs-cmp-" + N);

    @TempDir
    static Path dir;
    static Terrariumctl trm;
    static String savedConfig;
    static S3Client s3;
    static S3Settings settings;
    /** manifest ids of the three exports, oldest first, and the file tree hash at each. */
    static final List<String> points = new ArrayList<>();
    static final List<String> snapshots = new ArrayList<>();
    static final List<Map<String, String>> trees = new ArrayList<>();

    static String sh(String script) {
        try {
            Process p = new ProcessBuilder("bash", "-c", script).redirectErrorStream(true).start();
            p.getOutputStream().close();
            String out = new String(p.getInputStream().readAllBytes());
            if (p.waitFor() != 0) {
                throw new IllegalStateException("`" + script + "` failed: " + out);
            }
            return out.strip();
        } catch (IOException | InterruptedException e) {
            throw new IllegalStateException(e);
        }
    }

    static int shCode(String script) {
        try {
            Process p = new ProcessBuilder("bash", "-c", script).redirectErrorStream(true).start();
            p.getOutputStream().close();
            p.getInputStream().readAllBytes();
            return p.waitFor();
        } catch (IOException | InterruptedException e) {
            throw new IllegalStateException(e);
        }
    }

    static String exec(String name, String cmd) {
        return sh("lxc exec --project " + PROJECT + " " + name + " -- sh -c '" + cmd + "'");
    }

    static void config(String installationId) throws Exception {
        StoredConfig.setYaml("version: 1\ninstallation_id: " + installationId + "\nlxd:\n  project: " + PROJECT + "\ns3:\n  enabled: true\n"
                + "  provider: generic\n  endpoint: " + System.getenv("TERRARIUM_DEV_S3_ENDPOINT") + "\n  region: us-east-1\n"
                + "  bucket: " + System.getenv("TERRARIUM_DEV_S3_BUCKET") + "\n  prefix: " + PREFIX + "\n"
                + "  access_key: " + System.getenv("TERRARIUM_DEV_S3_ACCESS_KEY") + "\n"
                + "  secret_key_file: " + System.getenv("TERRARIUM_DEV_S3_SECRET_FILE") + "\n");
    }

    @BeforeAll
    static void setUp() throws Exception {
        assertThat(System.getenv("TERRARIUM_DEV_S3_ENDPOINT")).as("source /var/lib/terrarium-dev/devhost.env").isNotBlank();
        savedConfig = StoredConfig.rawValue();
        cleanHost();
        sh("lxc project create " + PROJECT + " -c features.images=false -c features.profiles=false -c features.storage.volumes=false");
        sh("zfs create -o mountpoint=none " + PARENT + " && zfs create -o mountpoint=none " + NEWHOST);
        sh(ENV + SCRIPT + " create " + NAME);
        trm = new Terrariumctl(dir);
        config(OLD_INSTALL);
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

    static void cleanHost() {
        shCode("zfs destroy -r " + PARENT + "/cmp 2>/dev/null; true");
        for (String n : List.of(COPY, RESUMED, NAME)) {
            shCode("lxc --project " + PROJECT + " stop --force " + n + " 2>/dev/null; true");
        }
        for (String root : List.of(PARENT, NEWHOST)) {
            // export bases carry the s3-export job's hold: release it, or destroy -r fails and the instances stay
            shCode("zfs list -H -r -t snapshot -o name " + root + " 2>/dev/null | grep @" + io.terrarium.s3.S3ExportJob.BASE_PREFIX
                + " | xargs -r -n1 zfs release " + io.terrarium.s3.S3ExportJob.HOLD_TAG + " 2>/dev/null; true");
            shCode("for i in $(seq 40); do zfs list -H -o name " + root + " >/dev/null 2>&1 || exit 0; zfs destroy -r " + root
                    + " 2>/dev/null && exit 0; sleep 0.5; done");
        }
        String src = shCode("lxc storage show default >/dev/null") == 0 ? sh("lxc storage get default source") : "";
        for (String n : List.of(COPY, RESUMED, NAME)) {
            String d = src + "/containers/" + PROJECT + "_" + n;
            shCode("if lxc query '/1.0/instances/" + n + "?project=" + PROJECT + "' >/dev/null 2>&1; then mkdir -p " + d
                    + "; lxc --project " + PROJECT + " delete --force " + n + "; fi; rmdir " + d + " 2>/dev/null; true");
        }
        shCode("lxc project delete " + PROJECT + " 2>/dev/null; true");
        shCode("rm -rf " + CMP);
    }

    static List<String> keys() {
        return s3.listObjectsV2Paginator(b -> b.bucket(settings.bucket()).prefix(PREFIX)).contents().stream().map(S3Object::key).toList();
    }

    /** Recursive SHA-256 of every regular file of {@code snapshot}, read through a throwaway clone. */
    static Map<String, String> treeOf(String snapshot) throws Exception {
        String clone = PARENT + "/cmp";
        Files.createDirectories(CMP);
        sh("zfs clone " + snapshot + " " + clone + " && zfs set mountpoint=" + CMP + " " + clone);
        if (!sh("zfs get -H -o value mounted " + clone).equals("yes")) {
            sh("zfs mount " + clone);
        }
        try {
            return tree(CMP);
        } finally {
            sh("for i in $(seq 40); do zfs destroy " + clone + " 2>/dev/null && exit 0; sleep 0.5; done; zfs destroy " + clone);
        }
    }

    static Map<String, String> tree(Path root) throws Exception {
        Map<String, String> out = new TreeMap<>();
        try (Stream<Path> files = Files.walk(root)) {
            for (Path f : (Iterable<Path>) files::iterator) {
                if (Files.isRegularFile(f, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
                    MessageDigest md = MessageDigest.getInstance("SHA-256");
                    try (InputStream in = Files.newInputStream(f)) {
                        byte[] buf = new byte[1 << 16];
                        int k;
                        while ((k = in.read(buf)) >= 0) {
                            md.update(buf, 0, k);
                        }
                    }
                    out.put(root.relativize(f).toString(), HexFormat.of().formatHex(md.digest()));
                }
            }
        }
        return out;
    }

    static String dataset(String name, String parent) {
        return parent + "/" + name;
    }

    /** The newest export base of a dataset. */
    static String newestBase(String ds) {
        return sh("zfs list -H -t snapshot -o name -r " + ds + " | grep '@terrarium-export-' | sort | tail -n1");
    }

    Terrariumctl.Result ok(String... args) throws Exception {
        Terrariumctl.Result r = trm.run(Duration.ofMinutes(5), args);
        assertThat(r.exit()).as("terrariumctl %s: %s", String.join(" ", args), r.all()).isZero();
        return r;
    }

    void export(String version, long seed) throws Exception {
        byte[] data = new byte[3 << 20];
        new Random(seed).nextBytes(data);
        Path tmp = dir.resolve("data-" + version);
        Files.write(tmp, data);
        sh("lxc file push --project " + PROJECT + " " + tmp + " " + NAME + "/root/data-" + version + ".bin");
        exec(NAME, "echo " + version + " > /root/v.txt");
        Terrariumctl.Result r = ok("backup", "export", "--format", "json");
        String ds = dataset(NAME, PARENT);
        String base = newestBase(ds);
        snapshots.add(base.substring(base.indexOf('@') + 1));
        var json = new com.fasterxml.jackson.databind.ObjectMapper().readTree(r.out());
        var row = json.path("details").path("datasets").get(0);
        assertThat(row.path("status").asText()).as(r.out()).isEqualTo("ok");
        assertThat(row.path("kind").asText()).isEqualTo(points.isEmpty() ? "full" : "incremental");
        points.add(row.path("manifest").asText());
        trees.add(treeOf(base));
    }

    @Test
    @Order(1)
    @DisplayName("full + 2 incrementals exported, data changed, in place restore from S3 is byte-identical; live dataset kept aside")
    void inPlace() throws Exception {
        sh("lxc config set --project " + PROJECT + " " + NAME + " user.proxy https://rs.example.test:80 && lxc config device add --project "
                + PROJECT + " " + NAME + " terrarium-proxy-it proxy listen=tcp:127.0.0.1:18978 connect=tcp:127.0.0.1:80 bind=host");
        export("v1", 1);
        export("v2", 2);
        export("v3", 3);
        assertThat(trees.get(2)).isNotEqualTo(trees.get(1));
        assertThat(trees.get(2)).containsKey("rootfs/root/data-v3.bin");

        Terrariumctl.Result list = ok("backup", "list", "--instance", NAME, "--source", "s3");
        System.out.println(ok("backup", "list", "--instance", NAME).out());
        assertThat(list.out()).contains(points.get(0)).contains(points.get(2)).contains("full").contains("incremental");
        Terrariumctl.Result listJson = ok("backup", "list", "--instance", NAME, "--format", "json");
        assertThat(listJson.out()).contains("\"local\"").contains("\"s3\"").contains("\"kind\" : \"incremental\"")
                .contains("\"chain\" : \"" + points.get(0) + "\"");

        exec(NAME, "echo v4 > /root/v.txt; rm /root/data-v1.bin");
        String before = sh("zfs list -H -o name -r " + PARENT);

        Terrariumctl.Result refused = trm.run("backup", "restore", "--source", "s3", "--instance", NAME);
        assertThat(refused.exit()).as(refused.all()).isEqualTo(2);
        assertThat(refused.err()).contains("terrariumctl backup restore --source s3 --instance " + NAME + " --at " + points.get(2)
                + " --installation " + OLD_INSTALL + " --yes");
        assertThat(exec(NAME, "cat /root/v.txt")).isEqualTo("v4");
        assertThat(sh("zfs list -H -o name -r " + PARENT)).isEqualTo(before);

        Terrariumctl.Result r = ok("backup", "restore", "--source", "s3", "--instance", NAME, "--yes");
        assertThat(r.out()).contains("in place").contains("running again").contains(".pre-restore-");
        assertThat(sh("lxc list --project " + PROJECT + " ^" + NAME + "$ -c s --format csv")).isEqualTo("RUNNING");
        assertThat(exec(NAME, "cat /root/v.txt")).isEqualTo("v3");
        assertThat(exec(NAME, "ls /root/data-v1.bin")).isEqualTo("/root/data-v1.bin");
        String ds = dataset(NAME, PARENT);
        assertThat(treeOf(ds + "@" + snapshots.get(2))).isEqualTo(trees.get(2));
        List<String> aside = sh("zfs list -H -o name -r " + PARENT).lines().filter(l -> l.contains(".pre-restore-")).toList();
        assertThat(aside).hasSize(1);
        String leaf = aside.get(0).substring(aside.get(0).lastIndexOf('/') + 1);
        // the printed clean-up is the product command (a bare `zfs destroy -r` fails on the export job's hold)
        assertThat(r.out()).contains("terrariumctl backup aside remove " + leaf).doesNotContain("zfs destroy");
        assertThat(sh("zfs get -H -o value mountpoint " + aside.get(0))).isEqualTo("none");
        assertThat(sh("zfs list -H -o name -r " + PARENT)).doesNotContain(".s3restore-");
        assertThat(ok("backup", "list", "--instance", NAME, "--source", "local").out()).contains(leaf);
        Terrariumctl.Result removed = ok("backup", "aside", "remove", leaf, "--yes");
        assertThat(removed.out()).contains("removed " + aside.get(0));
        assertThat(sh("zfs list -H -o name -r " + PARENT)).doesNotContain(".pre-restore-");
    }

    @Test
    @Order(2)
    @DisplayName("as new from an older S3 point: new stopped instance, byte-identical, no user.proxy, no terrarium-proxy device")
    void asNew() throws Exception {
        Terrariumctl.Result r = ok("backup", "restore", "--source", "s3", "--instance", NAME, "--at", points.get(1), "--as-new", COPY, "--yes");
        assertThat(r.out()).contains("as instance " + COPY);
        assertThat(sh("lxc list --project " + PROJECT + " ^" + COPY + "$ -c s --format csv")).isEqualTo("STOPPED");
        String config = sh("lxc config show --project " + PROJECT + " " + COPY);
        assertThat(config).doesNotContain("user.proxy").doesNotContain("terrarium-proxy");
        String ds = dataset(COPY, PARENT).replace("/" + COPY, "/" + PROJECT + "_" + COPY);
        assertThat(treeOf(ds + "@" + snapshots.get(1))).isEqualTo(trees.get(1));
        sh("lxc start --project " + PROJECT + " " + COPY);
        assertThat(exec(COPY, "cat /root/v.txt")).isEqualTo("v2");
        assertThat(exec(COPY, "stat -c %u /root/v.txt")).as("files are not shifted twice").isEqualTo("0");
        assertThat(exec(NAME, "cat /root/v.txt")).isEqualTo("v3");
        sh("lxc stop --force --project " + PROJECT + " " + COPY);
    }

    @Test
    @Order(3)
    @DisplayName("new host (disaster recovery): new installation id, no local instance or dataset, second dataset tree → imported from backup.yaml")
    void newHost() throws Exception {
        sh(ENV + SCRIPT + " delete " + NAME);
        assertThat(shCode("lxc query '/1.0/instances/" + NAME + "?project=" + PROJECT + "'")).isNotZero();
        config(NEW_INSTALL);
        Terrariumctl.Result list = ok("backup", "list", "--source", "s3");
        assertThat(list.out()).contains("s3 (" + OLD_INSTALL + ")").contains(points.get(2));

        Terrariumctl.Result r = ok("backup", "restore", "--source", "s3", "--instance", NAME, "--parent-dataset", NEWHOST, "--yes");
        assertThat(r.out()).contains("as instance " + NAME).contains("lxc start " + NAME);
        assertThat(sh("lxc list --project " + PROJECT + " ^" + NAME + "$ -c s --format csv")).isEqualTo("STOPPED");
        String config = sh("lxc config show --project " + PROJECT + " " + NAME);
        assertThat(config).contains("user.proxy: https://rs.example.test:80").doesNotContain("terrarium-proxy-it");
        String ds = NEWHOST + "/" + PROJECT + "_" + NAME;
        assertThat(treeOf(ds + "@" + snapshots.get(2))).isEqualTo(trees.get(2));
        sh("lxc start --project " + PROJECT + " " + NAME);
        assertThat(exec(NAME, "cat /root/v.txt")).isEqualTo("v3");
        assertThat(exec(NAME, "sha256sum /root/data-v2.bin | cut -c1-64"))
                .isEqualTo(trees.get(2).get("rootfs/root/data-v2.bin"));
        config(OLD_INSTALL);
    }

    @Test
    @Order(4)
    @DisplayName("backup verify: a healthy chain passes; a volume overwritten with same-size different bytes → exit 1 naming the object;"
            + " a restore from it fails in the receive, removes the staging dataset and leaves the live instance untouched")
    void verify() throws Exception {
        Terrariumctl.Result good = ok("backup", "verify", "--instance", NAME);
        assertThat(good.out()).contains("3 restore point(s)").contains("trigger cli").doesNotContain("null");
        // a typo must not read as verified (it printed "OK … (null, trigger null)" and exited 0)
        Terrariumctl.Result unknown = trm.run(Duration.ofMinutes(5), "backup", "verify", "--instance", "nosuch-" + NAME);
        assertThat(unknown.exit()).as(unknown.all()).isEqualTo(1);
        assertThat(unknown.all()).contains("instance nosuch-" + NAME + " has no S3 restore point").contains(NAME);
        String key = keys().stream().filter(k -> k.contains("/data/" + points.get(0) + "/stream.zst.")).findFirst().orElseThrow();
        byte[] original = s3.getObjectAsBytes(b -> b.bucket(settings.bucket()).key(key)).asByteArray();
        byte[] garbage = new byte[original.length];
        new Random(9).nextBytes(garbage);
        s3.putObject(b -> b.bucket(settings.bucket()).key(key), RequestBody.fromBytes(garbage));
        assertThat(s3.getObjectAsBytes(b -> b.bucket(settings.bucket()).key(key)).asByteArray()).as(key).isEqualTo(garbage);
        try {
            Terrariumctl.Result bad = trm.run(Duration.ofMinutes(5), "backup", "verify", "--instance", NAME);
            assertThat(bad.exit()).as(bad.all()).isEqualTo(1);
            assertThat(bad.err()).contains(key).contains("SHA-256");
            Terrariumctl.Result all = trm.run(Duration.ofMinutes(5), "backup", "verify");
            assertThat(all.exit()).as(all.all()).isEqualTo(1);
            assertThat(all.all()).contains(key);

            // the sizes match, so the plan passes; the receive then hits the bad part: the staging dataset goes, the live one stays
            exec(NAME, "echo v6 > /root/v.txt");
            String before = sh("zfs list -H -o name -r " + NEWHOST);
            Terrariumctl.Result restore = trm.run(Duration.ofMinutes(5), "backup", "restore", "--source", "s3", "--instance", NAME, "--yes");
            assertThat(restore.exit()).as(restore.all()).isEqualTo(1);
            assertThat(restore.err()).contains("part 1 of " + key).contains("was removed").contains(NAME + " was not touched");
            assertThat(sh("zfs list -H -o name -r " + NEWHOST)).isEqualTo(before);
            assertThat(exec(NAME, "cat /root/v.txt")).isEqualTo("v6");
            assertThat(sh("lxc list --project " + PROJECT + " ^" + NAME + "$ -c s --format csv")).isEqualTo("RUNNING");
        } finally {
            s3.putObject(b -> b.bucket(settings.bucket()).key(key), RequestBody.fromBytes(original));
        }
    }

    @Test
    @Order(5)
    @DisplayName("plan fails before any receive on a missing or short volume, naming it and the newest restorable point; live data untouched")
    void planFails() throws Exception {
        String key3 = keys().stream().filter(k -> k.contains("/data/" + points.get(2) + "/stream.zst.")).findFirst().orElseThrow();
        byte[] original = s3.getObjectAsBytes(b -> b.bucket(settings.bucket()).key(key3)).asByteArray();
        exec(NAME, "echo v5 > /root/v.txt");
        String before = sh("zfs list -H -o name -r " + NEWHOST);
        s3.deleteObject(b -> b.bucket(settings.bucket()).key(key3));
        assertThat(keys()).as("deleted " + key3).doesNotContain(key3);
        try {
            Terrariumctl.Result missing = trm.run(Duration.ofMinutes(5), "backup", "restore", "--source", "s3", "--instance", NAME, "--yes");
            assertThat(missing.exit()).as(missing.all()).isEqualTo(1);
            assertThat(missing.err()).contains(key3 + " (volume of " + points.get(2) + ") is missing")
                    .contains("newest restorable point: " + points.get(1));
            assertThat(missing.out()).doesNotContain("receiving");
            assertThat(exec(NAME, "cat /root/v.txt")).isEqualTo("v5");
            assertThat(sh("zfs list -H -o name -r " + NEWHOST)).isEqualTo(before);

            s3.putObject(b -> b.bucket(settings.bucket()).key(key3), RequestBody.fromBytes(new byte[10]));
            Terrariumctl.Result shortOne = trm.run(Duration.ofMinutes(5), "backup", "restore", "--source", "s3", "--instance", NAME, "--yes");
            assertThat(shortOne.exit()).as(shortOne.all()).isEqualTo(1);
            assertThat(shortOne.err()).contains(key3 + " has 10 bytes, manifest " + points.get(2) + " says " + original.length)
                    .contains("newest restorable point: " + points.get(1));
            assertThat(exec(NAME, "cat /root/v.txt")).isEqualTo("v5");
            assertThat(sh("zfs list -H -o name -r " + NEWHOST)).isEqualTo(before);
        } finally {
            s3.putObject(b -> b.bucket(settings.bucket()).key(key3), RequestBody.fromBytes(original));
        }
    }

    /**
     * Issue 11 item 5: a restore killed with SIGKILL while it receives the last stream of a chain
     * leaves the streams it received in its staging dataset; the same command continues with the
     * next stream (the received ones are neither downloaded nor received again) and the result is
     * byte-identical, with the sender's snapshot GUID.
     */
    @Test
    @Order(6)
    @DisplayName("kill -9 in the middle of a multi-stream chain restore: the same command resumes from the next stream (bytes skipped > 0), byte-identical")
    void killedMidChainResumes() throws Exception {
        // after newHost() the instance lives in the second tree; run alone, in the first
        String home = shCode("zfs list " + NEWHOST + "/" + PROJECT + "_" + NAME) == 0 ? NEWHOST : PARENT;
        String live = home.equals(NEWHOST) ? NEWHOST + "/" + PROJECT + "_" + NAME : dataset(NAME, PARENT);
        // two more exports: the last one large enough (64 MiB of random data) to be interrupted while it is received
        String point = null;
        for (int[] v : new int[][]{{7, 4}, {8, 64}}) {
            byte[] data = new byte[v[1] << 20];
            new Random(v[0]).nextBytes(data);
            Path tmp = dir.resolve("data-v" + v[0]);
            Files.write(tmp, data);
            sh("lxc file push --project " + PROJECT + " " + tmp + " " + NAME + "/root/data-v" + v[0] + ".bin");
            Files.delete(tmp);
            var row = new com.fasterxml.jackson.databind.ObjectMapper().readTree(ok("backup", "export", "--format", "json").out())
                    .path("details").path("datasets").get(0);
            assertThat(row.path("status").asText()).as(row.toString()).isEqualTo("ok");
            if (v[0] == 8) {
                assertThat(row.path("kind").asText()).as("the last export is an incremental of the one before").isEqualTo("incremental");
            }
            point = row.path("manifest").asText();
        }
        String base = newestBase(live);
        Map<String, String> expected = treeOf(base);
        String guid = sh("zfs get -H -p -o value guid " + base);
        String[] cmd = {"backup", "restore", "--source", "s3", "--instance", NAME, "--at", point, "--as-new", RESUMED, "--yes"};
        String staging = home + "/" + PROJECT + "_" + RESUMED + ".s3restore-";

        Path out = dir.resolve("resume-killed.out");
        long t0 = System.nanoTime();
        Process p = trm.builder(cmd).redirectErrorStream(true).redirectOutput(out.toFile()).start();
        int streams = 0;
        long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.MINUTES.toNanos(4);
        while (System.nanoTime() < deadline && p.isAlive()) {
            java.util.regex.Matcher chain = java.util.regex.Pattern.compile("chain: (\\d+) stream").matcher(Files.readString(out));
            if (chain.find()) {
                streams = Integer.parseInt(chain.group(1));
                long received = sh("zfs list -H -t snapshot -o name -r " + home).lines().filter(l -> l.startsWith(staging)).count();
                if (received >= streams - 1) {
                    break; // every stream but the last is in: the last one is being received
                }
            }
            Thread.sleep(50);
        }
        assertThat(streams).as("a multi-stream chain: " + Files.readString(out)).isGreaterThanOrEqualTo(2);
        assertThat(p.isAlive()).as("the restore ended before it could be killed: " + Files.readString(out)).isTrue();
        sh("kill -9 " + p.pid());
        p.waitFor(30, java.util.concurrent.TimeUnit.SECONDS);
        // the orphaned `zfs receive` sees the end of its stdin, fails and removes what it had of the last stream
        sh("for i in $(seq 100); do pgrep -x zfs >/dev/null || exit 0; sleep 0.2; done; true");
        System.out.println("[resume] killed after " + (System.nanoTime() - t0) / 1_000_000 + " ms:\n" + Files.readString(out));
        List<String> left = sh("zfs list -H -t snapshot -o name -r " + home).lines().filter(l -> l.startsWith(staging)).toList();
        System.out.println("[resume] staging snapshots after the kill: " + left);
        assertThat(left).as("the interrupted last stream is no snapshot").hasSize(streams - 1);
        assertThat(left).noneMatch(l -> l.endsWith("@" + base.substring(base.indexOf('@') + 1)));

        long t1 = System.nanoTime();
        Terrariumctl.Result again = trm.run(Duration.ofMinutes(5), cmd);
        long resumedMs = (System.nanoTime() - t1) / 1_000_000;
        System.out.println("[resume] second run (" + resumedMs + " ms):\n" + again.all());
        assertThat(again.exit()).as(again.all()).isZero();
        assertThat(again.out()).contains("resuming: " + (streams - 1) + " of " + streams + " stream(s) already received in " + staging)
                .contains("receiving 1 stream(s)");
        java.util.regex.Matcher skipped = java.util.regex.Pattern.compile("\\((\\d+) bytes\\) skipped").matcher(again.out());
        assertThat(skipped.find()).as(again.out()).isTrue();
        assertThat(Long.parseLong(skipped.group(1))).as("bytes skipped").isPositive();
        String restored = home + "/" + PROJECT + "_" + RESUMED + base.substring(base.indexOf('@'));
        assertThat(sh("zfs get -H -p -o value guid " + restored)).as("the sender's snapshot GUID").isEqualTo(guid);
        assertThat(treeOf(restored)).isEqualTo(expected);
        assertThat(sh("zfs list -H -o name -r " + home)).doesNotContain(".s3restore-");
        sh("lxc start --project " + PROJECT + " " + RESUMED);
        assertThat(exec(RESUMED, "sha256sum /root/data-v8.bin | cut -c1-64")).isEqualTo(expected.get("rootfs/root/data-v8.bin"));
        sh("lxc stop --force --project " + PROJECT + " " + RESUMED);
    }
}
