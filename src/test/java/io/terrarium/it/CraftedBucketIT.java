package io.terrarium.it;

import io.terrarium.host.zstd.Compression;
import io.terrarium.s3.ExportKeys;
import io.terrarium.s3.Manifest;
import io.terrarium.s3.ManifestCodec;
import io.terrarium.s3.MultipartJanitor;
import io.terrarium.s3.ProviderProfile;
import io.terrarium.s3.S3ClientFactory;
import io.terrarium.s3.S3Exporter;
import io.terrarium.s3.S3Settings;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.S3Object;

import java.io.InputStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;

import static io.terrarium.it.S3RestoreIT.sh;
import static io.terrarium.it.S3RestoreIT.shCode;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Issue 13 item 3, "What to show" first bullet, on the development host (zfs-fuse, s3proxy, the real
 * CLI): a bucket writer plants content under this installation's own folder, with well-formed
 * manifests whose SHA-256 values match. Each case is refused before any change on the host, with a
 * message naming what was refused:
 * <ul>
 *   <li>a real {@code zfs send -R} stream (replication: a child dataset, a hostile {@code mountpoint})
 *       and a real {@code zfs send -p} stream (properties);</li>
 *   <li>a manifest with {@code part_size: 2000000000} ({@code backup verify} and restore);</li>
 *   <li>a manifest whose parent link names another GUID than its parent's (altered structure);</li>
 *   <li>a part replaced by other bytes of the same size (swapped part).</li>
 * </ul>
 * zfs-fuse 0.7 has no {@code receive -u/-x}: the stream header check is what refuses here (the
 * OpenZFS argv with {@code -u -x …} is unit-tested in {@code ZfsStreamCommandsTest}).
 */
class CraftedBucketIT {
    static final long N = System.nanoTime() % 1_000_000L;
    static final String ROOT = "terrarium/it-crafted-" + N;
    static final String SRC = ROOT + "/src";
    static final String TARGET = ROOT + "/restore";
    static final String HOSTILE = "/var/tmp/it-crafted-" + N + "-hostile";
    static final String PREFIX = "it-crafted-" + N + "/";
    static final String INSTALL = "it-crafted-" + N;

    @TempDir
    static Path dir;
    static String saved;
    static S3Client s3;
    static S3Settings settings;
    static Terrariumctl trm;
    static String guid1;
    static String guid2;

    @BeforeAll
    static void setUp() throws Exception {
        saved = StoredConfig.rawValue();
        sh("zfs create -o mountpoint=none " + ROOT);
        sh("zfs create -o mountpoint=none " + TARGET);
        sh("zfs create -o mountpoint=" + HOSTILE + " " + SRC);
        sh("zfs create " + SRC + "/child");
        sh("echo planted > " + HOSTILE + "/f && zfs snapshot -r " + SRC + "@s1");
        sh("echo more > " + HOSTILE + "/g && zfs snapshot -r " + SRC + "@s2");
        guid1 = sh("zfs get -H -p -o value guid " + SRC + "@s1");
        guid2 = sh("zfs get -H -p -o value guid " + SRC + "@s2");
        StoredConfig.setYaml("version: 1\ninstallation_id: " + INSTALL + "\ns3:\n  enabled: true\n"
                + "  provider: generic\n  endpoint: " + System.getenv("TERRARIUM_DEV_S3_ENDPOINT") + "\n  region: us-east-1\n"
                + "  bucket: " + System.getenv("TERRARIUM_DEV_S3_BUCKET") + "\n  prefix: " + PREFIX + "\n"
                + "  access_key: " + System.getenv("TERRARIUM_DEV_S3_ACCESS_KEY") + "\n"
                + "  secret_key_file: " + System.getenv("TERRARIUM_DEV_S3_SECRET_FILE") + "\n");
        settings = new S3Settings(URI.create(System.getenv("TERRARIUM_DEV_S3_ENDPOINT")), "us-east-1",
                System.getenv("TERRARIUM_DEV_S3_BUCKET"), PREFIX, System.getenv("TERRARIUM_DEV_S3_ACCESS_KEY"),
                Path.of(System.getenv("TERRARIUM_DEV_S3_SECRET_FILE")), ProviderProfile.generic(), 4, null, null);
        s3 = S3ClientFactory.create(settings, 2);
        trm = new Terrariumctl(dir);
    }

    @AfterAll
    static void tearDown() throws Exception {
        try {
            StoredConfig.restore(saved);
            if (s3 != null) {
                for (S3Object o : s3.listObjectsV2Paginator(b -> b.bucket(settings.bucket()).prefix(PREFIX)).contents()) {
                    s3.deleteObject(b -> b.bucket(settings.bucket()).key(o.key()));
                }
                for (MultipartJanitor.Upload u : new MultipartJanitor(s3, settings.bucket(), PREFIX, Duration.ZERO, Clock.systemUTC()).list()) {
                    s3.abortMultipartUpload(b -> b.bucket(settings.bucket()).key(u.key()).uploadId(u.uploadId()));
                }
                s3.close();
            }
        } finally {
            shCode("zfs destroy -r " + ROOT);
            shCode("rm -rf " + HOSTILE);
        }
    }

    /** Uploads the output of {@code zfs send …} as a restore point of {@code instance}, manifests and hashes well-formed. */
    static Manifest plant(String instance, String sendArgs, String snapshot, String guid, Manifest parent) throws Exception {
        Process p = new ProcessBuilder("bash", "-c", "zfs send " + sendArgs).redirectError(ProcessBuilder.Redirect.DISCARD).start();
        p.getOutputStream().close();
        var exporter = new S3Exporter(s3, settings, INSTALL, Clock.systemUTC());
        var req = new S3Exporter.Request(instance, SRC, snapshot, guid, parent, List.of(), OptionalLong.empty(),
                16 * ProviderProfile.MIB, 2, Compression.Engine.values()[0], Map.of("terrarium", "planted"));
        Manifest m;
        try (InputStream in = p.getInputStream()) {
            m = exporter.exportStream(req, in, n -> { });
        }
        assertThat(p.waitFor()).isZero();
        return m;
    }

    /** Every dataset under the restore parent, and whether anything is mounted at the hostile path. */
    static String hostState() {
        return sh("zfs list -H -r -o name,mountpoint " + ROOT) + "\n" + shCode("findmnt -n " + HOSTILE);
    }

    Terrariumctl.Result restore(String instance) throws Exception {
        return trm.run(Duration.ofMinutes(3), "backup", "restore", "--source", "s3", "--instance", instance,
                "--parent-dataset", TARGET, "--yes");
    }

    @Test
    void plantedReplicationAndPropertyStreamsWithAHostileMountpointAreRefusedBeforeZfsReceive() throws Exception {
        plant("evil-r", "-R " + SRC + "@s1", "s1", guid1, null);
        plant("evil-p", "-p " + SRC + "@s1", "s1", guid1, null);
        sh("zfs set mountpoint=none " + SRC); // the hostile path is free now: a received -R stream would mount there again
        String before = hostState();
        for (String instance : List.of("evil-r", "evil-p")) {
            Terrariumctl.Result r = restore(instance);
            assertThat(r.exit()).as(r.all()).isEqualTo(1);
            assertThat(r.err()).as(instance).contains("refused: the stream of ").contains("is a replication or property stream")
                    .contains("nothing was received");
            assertThat(hostState()).as("nothing changed on the host").isEqualTo(before);
        }
        assertThat(sh("zfs list -H -r -o name " + TARGET).lines()).containsExactly(TARGET);
    }

    @Test
    void anOversizedPartSizeIsRefusedByVerifyAndRestoreWithoutAllocatingIt() throws Exception {
        Manifest ok = plant("big", SRC + "@s1", "s1", guid1, null);
        String key = new ExportKeys(PREFIX, INSTALL).manifest("big", ok.id());
        String json = new String(new ManifestCodec().write(ok, PREFIX), StandardCharsets.UTF_8)
                .replaceAll("\"part_size\" : \\d+", "\"part_size\" : 2000000000");
        s3.putObject(b -> b.bucket(settings.bucket()).key(key), RequestBody.fromString(json));
        String before = hostState();
        Terrariumctl.Result verify = trm.run(Duration.ofMinutes(3), "backup", "verify", "--instance", "big");
        assertThat(verify.exit()).as(verify.all()).isEqualTo(1);
        assertThat(verify.all()).contains("part_size 2000000000 bytes is above the limit of 268435456 bytes");
        Terrariumctl.Result r = restore("big");
        assertThat(r.exit()).as(r.all()).isEqualTo(1);
        assertThat(r.err()).contains("no readable restore point of big").contains("part_size 2000000000 bytes is above the limit");
        assertThat(hostState()).isEqualTo(before);
    }

    @Test
    void anAlteredParentLinkAndASwappedPartAreRefusedBeforeAnythingIsReceived() throws Exception {
        Manifest full = plant("alt", SRC + "@s1", "s1", guid1, null);
        Thread.sleep(1100); // ids start with the second: the incremental must be the newest point
        Manifest inc = plant("alt", "-i " + SRC + "@s1 " + SRC + "@s2", "s2", guid2, full);
        // the incremental's parent_id names another GUID than its parent manifest's snapshot_guid
        String incKey = new ExportKeys(PREFIX, INSTALL).manifest("alt", inc.id());
        String fullKey = new ExportKeys(PREFIX, INSTALL).manifest("alt", full.id());
        String altered = new String(new ManifestCodec().write(full, PREFIX), StandardCharsets.UTF_8)
                .replace("\"snapshot_guid\" : \"" + guid1 + "\"", "\"snapshot_guid\" : \"12345\"");
        s3.putObject(b -> b.bucket(settings.bucket()).key(fullKey), RequestBody.fromString(altered));
        String before = hostState();
        Terrariumctl.Result r = restore("alt");
        assertThat(r.exit()).as(r.all()).isEqualTo(1);
        assertThat(r.err()).contains(inc.id() + " names parent GUID " + guid1 + ", the parent manifest " + full.id()
                + " says snapshot_guid 12345");
        assertThat(hostState()).isEqualTo(before);

        // a part replaced by other bytes of the same size (sizes pass the plan's HEAD check)
        Manifest swap = plant("swap", SRC + "@s1", "s1", guid1, null);
        Manifest.Volume v = swap.volumes().get(0);
        byte[] other = new byte[(int) v.bytes()];
        s3.putObject(b -> b.bucket(settings.bucket()).key(v.key()), RequestBody.fromBytes(other));
        Terrariumctl.Result sw = restore("swap");
        assertThat(sw.exit()).as(sw.all()).isEqualTo(1);
        assertThat(sw.err()).contains("part 1 of " + v.key() + " has SHA-256");
        assertThat(hostState()).isEqualTo(before);
    }
}
