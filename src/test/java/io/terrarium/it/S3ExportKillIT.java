package io.terrarium.it;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.terrarium.s3.MultipartJanitor;
import io.terrarium.s3.ProviderProfile;
import io.terrarium.s3.S3ClientFactory;
import io.terrarium.s3.S3Settings;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.S3Object;

import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;

import static io.terrarium.it.S3RestoreIT.sh;
import static io.terrarium.it.S3RestoreIT.shCode;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Case C08 on the development host: {@code backup export} (the real CLI, its own JVM) is killed
 * with SIGKILL while parts of an incremental are uploading. No manifest names anything of the
 * killed run, and every committed manifest's volumes are complete; the next run succeeds and
 * continues the chain incrementally from the last committed point; the killed run's multipart
 * upload is the janitor's (aborted), and {@code backup verify} passes.
 */
class S3ExportKillIT {
    static final long N = System.nanoTime() % 1_000_000L;
    static final String PROJECT = "it-s3kill";
    static final String PARENT = "terrarium/it-s3kill";
    static final String NAME = "kill-web";
    static final String PREFIX = "it-s3kill-" + N + "/";
    static final String INSTALL = "it-kill-" + N;
    static final String SCRIPT = Path.of("scripts/devhost/zfs-container.sh").toAbsolutePath().toString();
    static final String ENV = "TERRARIUM_DEV_CONTAINERS_DATASET=" + PARENT + " TERRARIUM_DEV_LXD_PROJECT=" + PROJECT + " ";

    @TempDir
    static Path dir;
    static String saved;
    static S3Client s3;
    static S3Settings settings;
    static Terrariumctl trm;

    @BeforeAll
    static void setUp() throws Exception {
        saved = StoredConfig.rawValue();
        clean();
        sh("lxc project create " + PROJECT + " -c features.images=false -c features.profiles=false -c features.storage.volumes=false");
        sh("zfs create -o mountpoint=none " + PARENT);
        sh(ENV + SCRIPT + " create " + NAME);
        StoredConfig.setYaml("version: 1\ninstallation_id: " + INSTALL + "\nlxd:\n  project: " + PROJECT + "\ns3:\n  enabled: true\n"
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
                for (String k : keys()) {
                    s3.deleteObject(b -> b.bucket(settings.bucket()).key(k));
                }
                for (MultipartJanitor.Upload u : janitor().list()) {
                    s3.abortMultipartUpload(b -> b.bucket(settings.bucket()).key(u.key()).uploadId(u.uploadId()));
                }
                s3.close();
            }
        } finally {
            clean();
        }
    }

    static void clean() {
        shCode("lxc --project " + PROJECT + " stop --force " + NAME + " 2>/dev/null; true");
        // export bases carry the s3-export job's hold: release it, or destroy -r fails and the instance stays
        shCode("zfs list -H -r -t snapshot -o name " + PARENT + " 2>/dev/null | grep @" + io.terrarium.s3.S3ExportJob.BASE_PREFIX
                + " | xargs -r -n1 zfs release " + io.terrarium.s3.S3ExportJob.HOLD_TAG + " 2>/dev/null; true");
        shCode("for i in $(seq 40); do zfs list -H -o name " + PARENT + " >/dev/null 2>&1 || exit 0; zfs destroy -r " + PARENT
                + " 2>/dev/null && exit 0; sleep 0.5; done");
        String d = "/var/lib/lxd/storage-pools/default/containers/" + PROJECT + "_" + NAME;
        shCode("if lxc query '/1.0/instances/" + NAME + "?project=" + PROJECT + "' >/dev/null 2>&1; then mkdir -p " + d
                + "; lxc --project " + PROJECT + " delete --force " + NAME + "; fi; rmdir " + d + " 2>/dev/null; lxc project delete "
                + PROJECT + " 2>/dev/null; true");
    }

    static MultipartJanitor janitor() {
        return new MultipartJanitor(s3, settings.bucket(), settings.prefix(), Duration.ZERO, Clock.systemUTC());
    }

    static List<String> keys() {
        return s3.listObjectsV2Paginator(b -> b.bucket(settings.bucket()).prefix(PREFIX)).contents().stream().map(S3Object::key).toList();
    }

    static List<String> manifests() {
        // instance manifests only: every run also writes a host manifest under <installation>/_host/ (issue 11)
        return keys().stream().filter(k -> k.contains("/manifests/") && k.endsWith(".json") && !k.contains("/_host/")).sorted().toList();
    }

    /** Every volume every manifest names exists with the manifest's size. */
    static void everyManifestComplete() throws Exception {
        ObjectMapper json = new ObjectMapper();
        for (String m : manifests()) {
            JsonNode man = json.readTree(s3.getObjectAsBytes(b -> b.bucket(settings.bucket()).key(m)).asByteArray());
            for (JsonNode v : man.path("volumes")) {
                long size = s3.headObject(b -> b.bucket(settings.bucket()).key(v.path("key").asText())).contentLength();
                assertThat(size).as("%s named by %s", v.path("key").asText(), m).isEqualTo(v.path("bytes").asLong());
            }
        }
    }

    static void push(String file, int mib, long seed) throws Exception {
        byte[] data = new byte[mib << 20];
        new Random(seed).nextBytes(data);
        Path tmp = dir.resolve(file);
        Files.write(tmp, data);
        sh("lxc file push --project " + PROJECT + " " + tmp + " " + NAME + "/root/" + file);
        Files.delete(tmp);
    }

    static List<String> bases() {
        return sh("zfs list -H -t snapshot -o name -r " + PARENT + "/" + NAME).lines()
                .filter(l -> l.contains("@terrarium-export-")).toList();
    }

    @Test
    @DisplayName("C08: kill -9 of the exporter mid-upload → no manifest names the incomplete object; next run cleans up and succeeds")
    void c08KillNineMidStream() throws Exception {
        push("a.bin", 8, 1);
        Terrariumctl.Result first = trm.run(Duration.ofMinutes(5), "backup", "export");
        assertThat(first.exit()).as(first.all()).isZero();
        assertThat(manifests()).hasSize(1);
        List<String> committedBase = bases();
        assertThat(committedBase).hasSize(1);

        push("b.bin", 96, 2);
        Process p = trm.builder("backup", "export").redirectErrorStream(true)
                .redirectOutput(dir.resolve("killed.log").toFile()).start();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
        boolean uploading = false;
        while (System.nanoTime() < deadline && p.isAlive()) {
            // the multipart upload exists once the first part is ready; give the part a moment to be in flight
            // (s3proxy's filesystem store answers ListParts with 400, so the listing is the signal)
            if (!janitor().list().isEmpty()) {
                Thread.sleep(200);
                if (!janitor().list().isEmpty() && p.isAlive()) {
                    uploading = true;
                    break;
                }
            }
            Thread.sleep(50);
        }
        List<ProcessHandle> children = p.descendants().toList();
        p.toHandle().destroyForcibly(); // SIGKILL of the exporter's JVM
        assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(uploading).as("killed while parts were uploading; log: %s", Files.readString(dir.resolve("killed.log"))).isTrue();
        assertThat(p.exitValue()).isEqualTo(137);
        for (ProcessHandle c : children) { // zfs send dies of the broken pipe
            c.onExit().get(30, TimeUnit.SECONDS);
        }

        assertThat(manifests()).as("no manifest for the killed run").hasSize(1);
        everyManifestComplete();
        assertThat(janitor().list()).as("the killed run's upload is left unfinished").hasSize(1);
        assertThat(bases()).as("the killed run left its new base").hasSize(2).containsAll(committedBase);

        Terrariumctl.Result unknown = trm.run(Duration.ofMinutes(2), "backup", "export", "--instance", "no-such-" + NAME);
        assertThat(unknown.exit()).as(unknown.all()).isEqualTo(1);
        assertThat(unknown.all()).contains("no such instance: no-such-" + NAME);
        assertThat(manifests()).as("an unknown --instance exports nothing").hasSize(1);

        // another installation shares the prefix and has an upload in flight: never ours to abort
        String foreignKey = PREFIX + "other-installation/web/data/x/stream.zst.0000";
        String foreignId = s3.createMultipartUpload(b -> b.bucket(settings.bucket()).key(foreignKey)).uploadId();

        // the next run, limited to the instance (in this process, under the host's export lock)
        Terrariumctl.Result next = trm.run(Duration.ofMinutes(5), "backup", "export", "--instance", NAME, "--format", "json");
        assertThat(next.exit()).as(next.all()).isZero();
        // issue 13 item 5: the killed run's upload is aborted at the start of the next export, not by a janitor ~48 h later
        assertThat(new ObjectMapper().readTree(next.out()).path("details").path("orphaned_uploads_aborted").asInt())
                .as(next.out()).isEqualTo(1);
        assertThat(janitor().list()).as("0 orphaned uploads of this installation after the next run")
                .extracting(MultipartJanitor.Upload::uploadId).containsExactly(foreignId);
        JsonNode row = new ObjectMapper().readTree(next.out()).path("details").path("datasets").get(0);
        assertThat(row.path("kind").asText()).as("the chain goes on from the committed point").isEqualTo("incremental");
        assertThat(manifests()).hasSize(2);
        everyManifestComplete();
        assertThat(bases()).as("exactly one export base after the next run").hasSize(1).doesNotContainAnyElementsOf(committedBase);

        Terrariumctl.Result verify = trm.run(Duration.ofMinutes(5), "backup", "verify", "--instance", NAME);
        assertThat(verify.exit()).as(verify.all()).isZero();
        assertThat(verify.out()).contains("2 restore point(s)");
        assertThat(keys().stream().filter(k -> k.contains("/stream.zst.")).count()).as("no orphan objects: one volume per manifest here")
                .isEqualTo(2);
    }
}
