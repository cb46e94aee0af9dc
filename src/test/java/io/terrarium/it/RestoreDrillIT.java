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
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.S3Object;

import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Restore drill ({@code jobs run restore-drill}, issue 15 item 6) through the real CLI on the
 * development host: a zfs-backed LXD container in a throwaway project, exported to s3proxy under a
 * throwaway prefix. A drill restores the newest point into a scratch dataset under
 * {@code terrarium/terrarium-drill}, matches GUID and file tree against the local source snapshot,
 * removes the scratch (and a leftover of a "killed" earlier drill) and shows up in {@code backup list}
 * and {@code jobs list}. Then the source snapshot is replaced by one of the same name with other
 * data: the drill is FAILED naming the GUID and the file tree, and still leaves no scratch.
 *
 * <p>{@code -Ddrill.mib=N} (default 4) sets the random data written before the export;
 * scripts/bench-restore-drill.sh uses it for docs/benchmarks.md and reads the line {@code DRILL-FIGURES}.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class RestoreDrillIT {
    static final long N = System.nanoTime() % 1_000_000L;
    static final String PROJECT = "it-drill";
    static final String PARENT = "terrarium/it-drill";
    static final String SCRATCH = "terrarium/terrarium-drill";
    static final String NAME = "dr-web";
    static final String INSTALL = "it-drill-" + N;
    static final String PREFIX = "it-drill-" + N + "/";
    static final String SCRIPT = Path.of("scripts/devhost/zfs-container.sh").toAbsolutePath().toString();
    static final String ENV = "TERRARIUM_DEV_CONTAINERS_DATASET=" + PARENT + " TERRARIUM_DEV_LXD_PROJECT=" + PROJECT + " ";
    static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    static Path dir;
    static Terrariumctl trm;
    static String savedConfig;
    static S3Client s3;
    static S3Settings settings;
    static String snapshot;

    static String sh(String script) {
        return S3RestoreIT.sh(script);
    }

    static int shCode(String script) {
        return S3RestoreIT.shCode(script);
    }

    @BeforeAll
    static void setUp() throws Exception {
        assertThat(System.getenv("TERRARIUM_DEV_S3_ENDPOINT")).as("source /var/lib/terrarium-dev/devhost.env").isNotBlank();
        savedConfig = StoredConfig.rawValue();
        cleanHost();
        sh("lxc project create " + PROJECT + " -c features.images=false -c features.profiles=false -c features.storage.volumes=false");
        sh("zfs create -o mountpoint=none " + PARENT);
        sh(ENV + SCRIPT + " create " + NAME);
        trm = new Terrariumctl(dir);
        StoredConfig.setYaml("version: 1\ninstallation_id: " + INSTALL + "\nlxd:\n  project: " + PROJECT + "\ns3:\n  enabled: true\n"
                + "  provider: generic\n  endpoint: " + System.getenv("TERRARIUM_DEV_S3_ENDPOINT") + "\n  region: us-east-1\n"
                + "  bucket: " + System.getenv("TERRARIUM_DEV_S3_BUCKET") + "\n  prefix: " + PREFIX + "\n"
                + "  access_key: " + System.getenv("TERRARIUM_DEV_S3_ACCESS_KEY") + "\n"
                + "  secret_key_file: " + System.getenv("TERRARIUM_DEV_S3_SECRET_FILE") + "\n");
        settings = new S3Settings(URI.create(System.getenv("TERRARIUM_DEV_S3_ENDPOINT")), "us-east-1",
                System.getenv("TERRARIUM_DEV_S3_BUCKET"), PREFIX, System.getenv("TERRARIUM_DEV_S3_ACCESS_KEY"),
                Path.of(System.getenv("TERRARIUM_DEV_S3_SECRET_FILE")), ProviderProfile.generic(), 4, null, null);
        s3 = S3ClientFactory.create(settings, 2);
    }

    @AfterAll
    static void tearDown() throws Exception {
        try {
            StoredConfig.restore(savedConfig);
            if (s3 != null) {
                for (String k : s3.listObjectsV2Paginator(b -> b.bucket(settings.bucket()).prefix(PREFIX)).contents()
                        .stream().map(S3Object::key).toList()) {
                    s3.deleteObject(b -> b.bucket(settings.bucket()).key(k));
                }
                s3.close();
            }
        } finally {
            cleanHost();
        }
    }

    static void cleanHost() {
        shCode("lxc --project " + PROJECT + " stop --force " + NAME + " 2>/dev/null; true");
        shCode("for d in $(zfs list -H -o name -r " + SCRATCH + " 2>/dev/null | grep '/" + NAME + "\\.drill-'); do zfs destroy -r $d; done; true");
        shCode("zfs destroy -r " + SCRATCH + "/left.drill-20200101T000000Z 2>/dev/null; true");
        // release the export's holds first, or the destroy fails with "dataset is busy"
        shCode("for s in $(zfs list -H -o name -t snapshot -r " + PARENT + " 2>/dev/null); do zfs release "
                + io.terrarium.s3.S3ExportJob.HOLD_TAG + " $s 2>/dev/null; done; true");
        shCode("for i in $(seq 60); do zfs list -H -o name " + PARENT + " >/dev/null 2>&1 || exit 0; zfs destroy -r " + PARENT
                + " 2>/dev/null && exit 0; sleep 0.5; done");
        String src = shCode("lxc storage show default >/dev/null") == 0 ? sh("lxc storage get default source") : "";
        String d = src + "/containers/" + PROJECT + "_" + NAME;
        shCode("if lxc query '/1.0/instances/" + NAME + "?project=" + PROJECT + "' >/dev/null 2>&1; then mkdir -p " + d
                + "; lxc --project " + PROJECT + " delete --force " + NAME + "; fi; rmdir " + d + " 2>/dev/null; true");
        shCode("lxc project delete " + PROJECT + " 2>/dev/null; true");
    }

    static String scratchChildren() {
        return shCode("zfs list -H -o name " + SCRATCH) == 0 ? sh("zfs list -H -o name -r " + SCRATCH).replace(SCRATCH + "\n", "")
                .replace(SCRATCH, "").strip() : "";
    }

    Terrariumctl.Result run(String... args) throws Exception {
        return trm.run(Duration.ofMinutes(10), args);
    }

    @Test
    @Order(1)
    @DisplayName("drill of the newest point: GUID and file tree match the local source, RTO recorded, scratch and a leftover removed, "
            + "shown in jobs list and backup list")
    void drillMatchesSource() throws Exception {
        int mib = Integer.getInteger("drill.mib", 4);
        byte[] data = new byte[1 << 20];
        Random rnd = new Random(7);
        Path tmp = dir.resolve("data.bin");
        Files.deleteIfExists(tmp);
        for (int i = 0; i < mib; i++) {
            rnd.nextBytes(data);
            Files.write(tmp, data, java.nio.file.StandardOpenOption.CREATE, java.nio.file.StandardOpenOption.APPEND);
        }
        sh("lxc file push --project " + PROJECT + " " + tmp + " " + NAME + "/root/data.bin");
        Terrariumctl.Result export = run("backup", "export", "--format", "json");
        assertThat(export.exit()).as(export.all()).isZero();
        String ds = PARENT + "/" + PROJECT + "_" + NAME;
        if (shCode("zfs list -H -o name " + ds) != 0) {
            ds = PARENT + "/" + NAME;
        }
        String base = sh("zfs list -H -t snapshot -o name -r " + ds + " | grep '@terrarium-export-' | sort | tail -n1");
        snapshot = base;
        // a scratch dataset left by a drill that was killed half-way
        sh("zfs list -H -o name " + SCRATCH + " >/dev/null 2>&1 || zfs create -o mountpoint=none " + SCRATCH);
        sh("zfs create " + SCRATCH + "/left.drill-20200101T000000Z");

        Terrariumctl.Result r = run("jobs", "run", "restore-drill", "-o", "json");
        assertThat(r.exit()).as(r.all()).isZero();
        JsonNode j = JSON.readTree(r.out());
        JsonNode d = j.path("details");
        assertThat(j.path("status").asText()).as(r.out()).isEqualTo("OK");
        assertThat(d.path("instance").asText()).isEqualTo(NAME);
        assertThat(d.path("snapshot").asText()).isEqualTo(base.substring(base.indexOf('@') + 1));
        String sourceGuid = sh("zfs get -H -p -o value guid " + base);
        assertThat(d.path("guid").path("manifest").asText()).isEqualTo(sourceGuid);
        assertThat(d.path("guid").path("restored").asText()).isEqualTo(sourceGuid);
        assertThat(d.path("guid").path("source").asText()).isEqualTo(sourceGuid);
        assertThat(d.path("compared_with").asText()).isEqualTo("local snapshot " + base);
        assertThat(d.path("tree_sha256").path("restored").asText()).hasSize(64)
                .isEqualTo(d.path("tree_sha256").path("source").asText());
        assertThat(d.path("scratch_dataset").asText()).startsWith(SCRATCH + "/" + NAME + ".drill-");
        assertThat(d.path("scratch_removed").asBoolean()).isTrue();
        assertThat(d.path("leftovers_removed").toString()).contains(SCRATCH + "/left.drill-20200101T000000Z");
        assertThat(d.path("restored_bytes").asLong()).isGreaterThan((long) mib << 20);
        double seconds = d.path("seconds").asDouble();
        assertThat(seconds).isPositive();
        assertThat(d.path("rto_seconds_per_gib").asDouble())
                .isCloseTo(seconds / (d.path("restored_bytes").asLong() / 1073741824.0), org.assertj.core.data.Percentage.withPercentage(2));
        assertThat(scratchChildren()).as("no scratch dataset is left").isEmpty();
        System.out.printf("DRILL-FIGURES data_mib=%d restored_bytes=%d downloaded_bytes=%d seconds=%.3f rto_seconds_per_gib=%.2f%n",
                mib, d.path("restored_bytes").asLong(), d.path("downloaded_bytes").asLong(), seconds, d.path("rto_seconds_per_gib").asDouble());

        Terrariumctl.Result list = run("backup", "list", "--instance", NAME, "--source", "local", "-o", "json");
        assertThat(list.exit()).as(list.all()).isZero();
        JsonNode drill = JSON.readTree(list.out()).get(0).path("last_drill");
        assertThat(drill.path("status").asText()).as(list.out()).isEqualTo("OK");
        assertThat(drill.path("restore_point").asText()).isEqualTo(d.path("restore_point").asText());
        // a drill of a few MiB shows its seconds, not a per-GiB RTO scaled from fixed costs (tester, session 5)
        assertThat(run("backup", "list", "--instance", NAME).out()).contains("drill OK, ").doesNotContain("s/GiB")
                .contains(d.path("restore_point").asText());
        assertThat(j.path("summary").asText()).contains(" s; GUID ").doesNotContain("s/GiB");
        Terrariumctl.Result jobs = run("jobs", "list");
        assertThat(jobs.out()).contains("restore-drill").contains("OK");
        Terrariumctl.Result status = run("status");
        assertThat(status.out()).contains("restore-drill");
    }

    @Test
    @Order(2)
    @DisplayName("restored data differs from the source snapshot (same name, other data) → FAILED naming GUID and file tree; no scratch left")
    void drillFailsWhenDataDiffers() throws Exception {
        String ds = snapshot.substring(0, snapshot.indexOf('@'));
        // the export keeps its hold on the snapshot (the next incremental's base): "dataset is busy"
        // until it is released (the rehearsal of session 5 failed here after 2 min of retries)
        sh("zfs release " + io.terrarium.s3.S3ExportJob.HOLD_TAG + " " + snapshot + " 2>/dev/null; zfs destroy " + snapshot);
        S3RestoreIT.sh("lxc exec --project " + PROJECT + " " + NAME + " -- sh -c 'echo changed > /root/changed.txt'");
        sh("zfs snapshot " + snapshot);

        Terrariumctl.Result r = run("jobs", "run", "restore-drill", "-o", "json");
        assertThat(r.exit()).as(r.all()).isEqualTo(1);
        JsonNode j = JSON.readTree(r.out());
        assertThat(j.path("status").asText()).isEqualTo("FAILED");
        String errors = j.path("details").path("errors").toString();
        assertThat(errors).contains("differs from the source snapshot " + snapshot)
                .contains("restored file tree differs from the source snapshot");
        assertThat(j.path("details").path("tree_sha256").path("restored").asText())
                .isNotEqualTo(j.path("details").path("tree_sha256").path("source").asText());
        assertThat(scratchChildren()).as("no scratch dataset is left after a failed drill").isEmpty();
        assertThat(sh("zfs list -H -o name " + ds)).isEqualTo(ds);
        JsonNode drill = JSON.readTree(run("backup", "list", "--instance", NAME, "--source", "local", "-o", "json").out())
                .get(0).path("last_drill");
        assertThat(drill.path("status").asText()).isEqualTo("FAILED");
        List<String> lines = run("jobs", "list").out().lines().filter(l -> l.startsWith("restore-drill")).toList();
        assertThat(lines).hasSize(1);
        assertThat(lines.get(0)).contains("FAILED");
    }
}
