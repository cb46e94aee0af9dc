package io.terrarium.it;

import com.sun.net.httpserver.HttpServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code terrariumctl install --non-interactive} on the development host (issue 6, "What it must
 * show"): against loop devices made from sparse files under /var/tmp, s3proxy, and an OIDC
 * discovery document served on loopback by a JDK HttpServer. The dev host's stored configuration
 * is saved and restored around every test; the pool {@code terrarium} is never touched (tests
 * use their own pool names). Only the {@code zfs} role of the real playbook runs here, with the
 * zfs-fuse package and the pool options zfs-fuse understands: the pool is created by the same role
 * as in production.
 */
class InstallIT {
    @TempDir
    Path tmp;

    private static HttpServer oidc;
    private static String goodIssuer;
    private static String badIssuer;

    private Terrariumctl trm;
    private String savedConfig;
    private final List<String> loops = new ArrayList<>();
    private final List<Path> images = new ArrayList<>();
    private final List<String> pools = new ArrayList<>();

    @BeforeAll
    static void serveDiscovery() throws IOException {
        oidc = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        int port = oidc.getAddress().getPort();
        goodIssuer = "http://127.0.0.1:" + port + "/realms/ops";
        badIssuer = "http://127.0.0.1:" + port + "/realms/other";
        oidc.createContext("/realms/ops/.well-known/openid-configuration", ex -> reply(ex, goodIssuer));
        // a document that names another issuer than the URL it is served under
        oidc.createContext("/realms/other/.well-known/openid-configuration", ex -> reply(ex, "https://login.example.com/realms/other"));
        oidc.start();
    }

    private static void reply(com.sun.net.httpserver.HttpExchange ex, String issuer) throws IOException {
        byte[] body = ("{\"issuer\":\"" + issuer + "\",\"authorization_endpoint\":\"" + issuer + "/auth\",\"token_endpoint\":\""
                + issuer + "/token\",\"jwks_uri\":\"" + issuer + "/certs\"}").getBytes(StandardCharsets.UTF_8);
        ex.getResponseHeaders().add("Content-Type", "application/json");
        ex.sendResponseHeaders(200, body.length);
        ex.getResponseBody().write(body);
        ex.close();
    }

    @AfterAll
    static void stopDiscovery() {
        oidc.stop(0);
    }

    @BeforeEach
    void save() throws Exception {
        trm = new Terrariumctl(tmp);
        savedConfig = StoredConfig.rawValue();
        StoredConfig.dropSignature(); // a fresh host: this test's own secrets directory has no key yet
    }

    /**
     * After the test wrote the stored document itself (not through terrariumctl): back to a host
     * whose document was never signed — no signature, no key — so the next install reads it.
     */
    private void unsigned() throws Exception {
        StoredConfig.dropSignature();
        java.nio.file.Files.deleteIfExists(tmp.resolve("etc/secrets/config-hmac.key"));
    }

    @AfterEach
    void cleanUp() throws Exception {
        try {
            StoredConfig.restore(savedConfig);
            StoredConfig.dropSignature(); // signed with this test's key, which goes with its directory
        } finally {
            for (String p : pools) {
                new ProcessBuilder("zpool", "destroy", "-f", p).redirectErrorStream(true).start().waitFor();
            }
            for (String l : loops) {
                new ProcessBuilder("losetup", "-d", l).redirectErrorStream(true).start().waitFor();
            }
            for (Path i : images) {
                Files.deleteIfExists(i);
            }
        }
    }

    /** A loop device on a new sparse file of {@code size} (truncate syntax) under /var/tmp. */
    private String loop(String size) throws Exception {
        Path img = Files.createTempFile(Path.of("/var/tmp"), "terrarium-installit-", ".img");
        images.add(img);
        Terrariumctl.sh("truncate", "-s", size, img.toString());
        String dev = Terrariumctl.sh("losetup", "--find", "--show", img.toString()).strip();
        loops.add(dev);
        return dev;
    }

    private Path secretFile(String name, String value) throws IOException {
        Path f = tmp.resolve(name);
        Files.writeString(f, value);
        Files.setPosixFilePermissions(f, PosixFilePermissions.fromString("rw-------"));
        return f;
    }

    private Terrariumctl.Result install(String... args) throws Exception {
        List<String> a = new ArrayList<>(List.of("install", "--non-interactive", "--yes", "--email", "ops@example.com",
                "--public-ip", "203.0.113.7"));
        a.addAll(List.of(args));
        return trm.run(Duration.ofMinutes(4), a.toArray(String[]::new));
    }

    /** The dev host's ZFS is zfs-fuse: its package, and the pool options it knows (no lz4, xattr=sa, acltype). */
    private Path devhostZfsVars() throws IOException {
        Path vars = tmp.resolve("devhost-zfs.json");
        Files.writeString(vars, "{\"zfs_packages\": [\"zfs-fuse\"], \"zfs_pool_create_options\": [\"-O\", \"mountpoint=none\"]}");
        return vars;
    }

    private String poolName(String what) {
        String p = "itinst" + what + (System.nanoTime() % 100000);
        pools.add(p);
        return p;
    }

    @Test
    void diskModeOnAnEmptyLoopDeviceCreatesThePoolThereWithTheZfsRole() throws Exception {
        String dev = loop("256M");
        String pool = poolName("disk");
        Terrariumctl.Result r = install("--storage-mode", "disk", "--storage-source", dev, "--pool-name", pool,
                "--ansible-tags", "zfs", "--extra-vars", devhostZfsVars().toString(), "--no-sync");
        assertThat(r.exit()).as(r.all()).isEqualTo(0);
        assertThat(r.out()).contains("ok    storage: " + dev + " (0.3 GiB) is empty").contains("TASK [zfs : Create the pool]");
        assertThat(Terrariumctl.sh("zpool", "list", "-H", "-o", "name", pool).strip()).isEqualTo(pool);
        assertThat(Terrariumctl.sh("zpool", "status", pool)).contains(dev.substring("/dev/".length()));
        String yaml = StoredConfig.yaml();
        assertThat(yaml).contains("pool: " + pool).contains("mode: disk").contains("source: " + dev);
        // the state file Ansible read carries the storage answers
        String state = Files.readString(tmp.resolve("state/state.json"));
        assertThat(state).contains("\"zfs_storage_source\" : \"" + dev + "\"").contains("\"zfs_pool\" : \"" + pool + "\"");
    }

    @Test
    void autoNeverPicksTheRootDiskNorADiskWithAPartitionTableOrAFileSystem() throws Exception {
        String gpt = loop("12T");
        Terrariumctl.sh("sh", "-c", "echo 'label: gpt' | sfdisk -q " + gpt);
        String ext4 = loop("1G");
        Terrariumctl.sh("mkfs.ext4", "-q", ext4);
        String empty = loop("100G");
        String pool = poolName("auto");
        Terrariumctl.Result r = install("--storage-mode", "disk", "--storage-source", "auto", "--storage-include-loop",
                "--pool-name", pool, "--no-apply");
        assertThat(r.exit()).as(r.all()).isEqualTo(0);
        assertThat(r.out()).contains("ok    storage: auto chose " + empty + " (100.0 GiB, the largest empty disk")
                .contains(gpt + " (has a gpt partition table)")
                .contains(ext4 + " (holds a ext4 signature)");
        String root = Terrariumctl.sh("findmnt", "-n", "-o", "SOURCE", "/").strip();
        if (root.startsWith("/dev/")) {
            assertThat(r.out()).doesNotContain("auto chose " + root);
        }
        assertThat(StoredConfig.yaml()).contains("source: " + empty);
        assertThat(Terrariumctl.sh("zpool", "list", "-H", "-o", "name")).doesNotContain(pool);

        // an explicit device with a file system: refused without --yes... (preflight: exit 1, nothing stored)
        StoredConfig.restore(savedConfig);
        unsigned();
        Terrariumctl.Result refused = trm.run(Duration.ofMinutes(2), "install", "--non-interactive", "--yes", "--email", "ops@example.com",
                "--public-ip", "203.0.113.7", "--storage-mode", "disk", "--storage-source", "/dev/vda", "--pool-name", pool, "--no-apply");
        assertThat(refused.exit()).isEqualTo(1);
        assertThat(refused.err()).contains("FAIL  storage: /dev/vda").contains("nothing was changed");
        assertThat(StoredConfig.rawValue()).isEqualTo(savedConfig);
    }

    @Test
    void aDeviceWithAFileSystemNeedsYesAndAnExplicitPathAndIsThenWipedByTheZfsRole() throws Exception {
        String ext4 = loop("128M");
        Terrariumctl.sh("mkfs.ext4", "-q", ext4);
        String pool = poolName("wipe");
        Terrariumctl.Result r = install("--storage-mode", "disk", "--storage-source", ext4, "--pool-name", pool,
                "--ansible-tags", "zfs", "--extra-vars", devhostZfsVars().toString(), "--no-sync");
        // with --yes and the explicit path: accepted, wiped by the role right before zpool create
        assertThat(r.exit()).as(r.all()).isEqualTo(0);
        assertThat(r.out()).contains("holds a ext4 signature); it will be WIPED (--yes)")
                .contains("TASK [zfs : Wipe the signatures on the target device");
        assertThat(Terrariumctl.sh("zpool", "status", pool)).contains(ext4.substring("/dev/".length()));
        assertThat(tmp.resolve("state/install-once.json")).as("the one-run wipe switch is removed").doesNotExist();
        ext4 = loop("128M");
        Terrariumctl.sh("mkfs.ext4", "-q", ext4);
        StoredConfig.restore(savedConfig);
        unsigned();
        // interactive answers come from stdin without a terminal; without --yes the same device is rejected
        ProcessBuilder pb = trm.builder("install", "--email", "ops@example.com", "--acme-email", "ops@example.com", "--domain", "example.com",
                "--idp", "local", "--admin-group", "terrarium-admins", "--pool-name", "itinstx", "--storage-mode", "disk",
                "--storage-source", ext4, "--enable-s3=false", "--enable-syncoid=false", "--no-apply");
        Process p = pb.redirectErrorStream(true).start();
        p.getOutputStream().close();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        p.waitFor();
        assertThat(out).contains("is not empty (holds a ext4 signature); pass --yes together with this explicit --storage-source");
        assertThat(p.exitValue()).isNotZero();
        assertThat(StoredConfig.rawValue()).isEqualTo(savedConfig);
    }

    @Test
    void s3PreflightPassesWithGoodCredentialsAndStopsWithWrongOnesNothingStored() throws Exception {
        String endpoint = System.getenv("TERRARIUM_DEV_S3_ENDPOINT");
        String bucket = System.getenv("TERRARIUM_DEV_S3_BUCKET");
        String access = System.getenv("TERRARIUM_DEV_S3_ACCESS_KEY");
        String secretFile = System.getenv("TERRARIUM_DEV_S3_SECRET_FILE");
        assertThat(endpoint).as("source /var/lib/terrarium-dev/devhost.env").isNotBlank();
        Path wrong = secretFile("wrong.secret", "not-the-secret-key-at-all");
        String[] s3 = {"--enable-s3", "--s3-endpoint", endpoint, "--s3-bucket", bucket, "--s3-prefix", "it-install-" + System.nanoTime() + "/",
                "--s3-access-key", access, "--no-apply"};

        List<String> bad = new ArrayList<>(List.of(s3));
        bad.addAll(List.of("--s3-secret-key-file", wrong.toString()));
        Terrariumctl.Result refused = install(bad.toArray(String[]::new));
        assertThat(refused.exit()).as(refused.all()).isEqualTo(1);
        assertThat(refused.err()).contains("FAIL  s3: ").contains("secret key does not match").contains("nothing was changed")
                .doesNotContain("not-the-secret-key-at-all");
        assertThat(StoredConfig.rawValue()).isEqualTo(savedConfig);
        assertThat(tmp.resolve("etc/secrets/s3-secret-key")).doesNotExist();
        Path key = tmp.resolve("etc/secrets/" + io.terrarium.s3.crypto.BackupKeys.FILE);
        assertThat(key).as("a failed preflight creates no backup key").doesNotExist();

        List<String> good = new ArrayList<>(List.of(s3));
        // --encrypt: the stored document this test starts from may already have S3 enabled (then no flag keeps plaintext)
        good.addAll(List.of("--s3-secret-key-file", secretFile, "--encrypt"));
        Terrariumctl.Result ok = install(good.toArray(String[]::new));
        assertThat(ok.exit()).as(ok.all()).isEqualTo(0);
        assertThat(ok.out()).contains("ok    s3: write, read back, delete: OK");
        Path copied = tmp.resolve("etc/secrets/s3-secret-key");
        assertThat(Files.readString(copied).strip()).isEqualTo(Files.readString(Path.of(secretFile)).strip());
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(copied))).isEqualTo("rw-------");
        assertThat(StoredConfig.yaml()).contains("enabled: true").contains("bucket: " + bucket)
                .contains("secret_key_file: " + copied.toAbsolutePath());
        // issue 13: --encrypt creates the key once stored; how to keep the recovery key offline is printed, never the key
        assertThat(key).exists();
        assertThat(ok.out()).contains("Created backup key ").contains("Keep a copy OFFLINE").contains("backup encryption: on")
                .doesNotContain(Files.readString(key).strip());
    }

    /**
     * Issue 13 item 5: a second install used to rebuild the s3 section without its retention and
     * chain blocks, so the next hourly export deleted every chain but the newest two.
     */
    @Test
    void installingAgainKeepsTheS3RetentionAndChainSettings() throws Exception {
        String endpoint = System.getenv("TERRARIUM_DEV_S3_ENDPOINT");
        assertThat(endpoint).as("source /var/lib/terrarium-dev/devhost.env").isNotBlank();
        String[] s3 = {"--enable-s3", "--s3-endpoint", endpoint, "--s3-bucket", System.getenv("TERRARIUM_DEV_S3_BUCKET"),
                "--s3-prefix", "it-install-" + System.nanoTime() + "/", "--s3-access-key", System.getenv("TERRARIUM_DEV_S3_ACCESS_KEY"),
                "--s3-secret-key-file", System.getenv("TERRARIUM_DEV_S3_SECRET_FILE"), "--no-apply"};
        List<String> plain = new ArrayList<>(List.of(s3));
        plain.add("--no-encrypt");
        Terrariumctl.Result first = install(plain.toArray(String[]::new));
        assertThat(first.exit()).as(first.all()).isEqualTo(0);
        Path key = tmp.resolve("etc/secrets/" + io.terrarium.s3.crypto.BackupKeys.FILE);
        assertThat(key).as("--no-encrypt").doesNotExist();
        assertThat(first.out()).contains("backup encryption: OFF");
        Terrariumctl.Result set = trm.run(Duration.ofMinutes(2), "set", "s3", "--enable", "--keep-chains", "7", "--keep-points", "30", "--no-apply");
        assertThat(set.exit()).as(set.all()).isEqualTo(0);
        StoredConfig.setYaml(StoredConfig.yaml().replaceAll("max_incrementals: \\d+", "max_incrementals: 5"));
        unsigned();
        assertThat(StoredConfig.yaml()).contains("keep_chains: 7").contains("keep_points: 30").contains("max_incrementals: 5");

        Terrariumctl.Result again = install(s3);
        assertThat(again.exit()).as(again.all()).isEqualTo(0);
        assertThat(key).as("a re-run on a host already exporting in plaintext keeps its mode").doesNotExist();
        Terrariumctl.Result off = install("--enable-s3=false", "--no-apply");
        assertThat(off.exit()).as(off.all()).isEqualTo(0);
        assertThat(StoredConfig.yaml()).contains("keep_chains: 7").contains("keep_points: 30").contains("max_incrementals: 5");
    }

    @Test
    void oidcPreflightNeedsTheDiscoveryDocumentToNameExactlyTheIssuer() throws Exception {
        Path secret = secretFile("oidc.secret", "oidc-client-secret-value");
        Terrariumctl.Result refused = install("--idp", "oidc", "--oidc", badIssuer, "--oidc-client", "terrarium",
                "--oidc-secret-file", secret.toString(), "--no-apply");
        assertThat(refused.exit()).as(refused.all()).isEqualTo(1);
        assertThat(refused.err()).contains("FAIL  oidc: the discovery document at " + badIssuer + "/.well-known/openid-configuration"
                + " names issuer \"https://login.example.com/realms/other\", not \"" + badIssuer + "\"").contains("nothing was changed");
        assertThat(StoredConfig.rawValue()).isEqualTo(savedConfig);
        assertThat(tmp.resolve("etc/secrets/oidc-client-secret")).doesNotExist();

        Terrariumctl.Result ok = install("--idp", "oidc", "--oidc", goodIssuer, "--oidc-client", "terrarium",
                "--oidc-secret-file", secret.toString(), "--admin-group", "ops-admins", "--no-apply");
        assertThat(ok.exit()).as(ok.all()).isEqualTo(0);
        assertThat(ok.out()).contains("ok    oidc: OIDC discovery OK: issuer " + goodIssuer);
        assertThat(StoredConfig.yaml()).contains("mode: oidc").contains("issuer: " + goodIssuer).contains("client_id: terrarium")
                .contains("admin_group: ops-admins").doesNotContain("oidc-client-secret-value");
        assertThat(Files.readString(tmp.resolve("etc/secrets/oidc-client-secret"))).isEqualTo("oidc-client-secret-value");
    }
}
