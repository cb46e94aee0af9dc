package io.terrarium.s3;

import io.terrarium.s3.ExportKeys;
import io.terrarium.backup.InstanceDataset;
import io.terrarium.s3.Manifest;
import io.terrarium.s3.ManifestCodec;
import io.terrarium.config.TerrariumConfig;
import io.terrarium.host.exec.CamelExecCommandRunner;
import io.terrarium.host.zfs.ZfsAdapter;
import io.terrarium.jobs.JobResult;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static io.terrarium.s3.S3ZfsRoundTripIT.run;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Chain-aware retention in the {@code s3-export} job against s3proxy and a throwaway zfs-fuse
 * dataset: with {@code keep_chains: 1} and a full after every incremental, the third run starts a
 * new chain and the first chain (full + incremental) is deleted whole; an orphan volume left by a
 * killed export is swept; keys retention does not own (under the instance folder and beside it)
 * survive; every remaining manifest's volumes exist with the recorded size.
 */
class S3RetentionIT {
    final long n = System.nanoTime() % 1_000_000_000L;
    final String pool = DevS3.env("TERRARIUM_DEV_POOL");
    final String ds = pool + "/it-s3ret-" + n;
    final Path mnt = Path.of("/var/tmp/terrarium-it/it-s3ret-" + n);
    final S3Settings settings = DevS3.settings("retention");
    S3Client s3;

    @AfterEach
    void cleanUp() throws Exception {
        boolean gone = S3ZfsRoundTripIT.destroy(ds);
        Files.deleteIfExists(mnt);
        if (s3 != null) {
            DevS3.cleanUp(s3, settings);
            s3.close();
        }
        assertThat(gone).as("dataset %s removed", ds).isTrue();
    }

    void put(String key) {
        s3.putObject(b -> b.bucket(settings.bucket()).key(key), RequestBody.fromString("not ours"));
    }

    @Test
    void keepOneChainDeletesTheOlderChainWholeAndLeavesForeignKeys() throws Exception {
        s3 = S3ClientFactory.create(settings, 4);
        var cfg = new TerrariumConfig.S3(true, "generic", settings.endpoint().toString(), settings.region(),
                settings.bucket(), settings.prefix(), settings.accessKey(), settings.secretKeyFile().toString(),
                new TerrariumConfig.Retention(1, 0));
        run("zfs", "create", "-o", "mountpoint=" + mnt, ds);
        io.terrarium.testing.MutableClock clock = new io.terrarium.testing.MutableClock(java.time.Instant.parse("2026-11-30T10:30:00Z"));
        var runner = new CamelExecCommandRunner();
        S3ExportJob job = new S3ExportJob(() -> cfg, () -> "inst-it", runner, new ZfsAdapter(runner),
                () -> List.of(new InstanceDataset("it-web", "Running", ds, null)), S3ExportJob::s3Target, clock, 1);
        ExportKeys keys = new ExportKeys(settings.prefix(), "inst-it");
        String dir = keys.instanceDir("it-web");
        // keys retention must never touch
        List<String> foreign = List.of(dir + "notes.txt", dir + "manifests/README", dir + "data/stray",
                settings.prefix() + "inst-it/other/manifests/20200101T000000Z-1.json", settings.prefix() + "elsewhere.bin");
        foreign.forEach(this::put);

        List<String> ids = new ArrayList<>();
        List<Object> kinds = new ArrayList<>();
        for (int k = 0; k < 3; k++) {
            Files.writeString(mnt.resolve("f" + k + ".txt"), "version " + k + "\n");
            run("sync");
            if (k == 2) {
                // a killed export of an hour ago left a volume without a manifest
                put(dir + "data/20261130T113500Z-999/stream.zst.0000");
            }
            JobResult r = job.run();
            assertThat(r.status()).as(r.summary()).isEqualTo(JobResult.Status.OK);
            kinds.add(S3ExportJobIT.row(r).get("kind"));
            ids.add((String) S3ExportJobIT.row(r).get("manifest"));
            clock.now = clock.now.plusSeconds(3600);
            if (k == 2) {
                @SuppressWarnings("unchecked")
                Map<String, Object> ret = (Map<String, Object>) S3ExportJobIT.row(r).get("retention");
                assertThat(ret).containsEntry("kept_points", 1).containsEntry("deleted_points", List.of(ids.get(1), ids.get(0)))
                        .containsEntry("orphans", List.of("20261130T113500Z-999"));
            }
        }
        assertThat(kinds).containsExactly("full", "incremental", "full");

        // s3proxy's filesystem store lists its directories as "…/" keys: not objects
        List<String> left = DevS3.keys(s3, settings).stream().filter(k -> !k.endsWith("/")).toList();
        assertThat(left).containsAll(foreign);
        assertThat(left).doesNotContain(keys.manifest("it-web", ids.get(0)), keys.manifest("it-web", ids.get(1)),
                keys.volume("it-web", ids.get(0), 0), keys.volume("it-web", ids.get(1), 0),
                dir + "data/20261130T113500Z-999/stream.zst.0000");
        assertThat(left).contains(keys.manifest("it-web", ids.get(2)), keys.volume("it-web", ids.get(2), 0));
        assertThat(left.stream().filter(k -> !foreign.contains(k))).hasSize(2);
        // the kept restore point is whole: its volumes exist with the recorded sizes
        Manifest kept = new ManifestCodec().read(s3.getObjectAsBytes(b -> b.bucket(settings.bucket())
                .key(keys.manifest("it-web", ids.get(2)))).asByteArray(), settings.prefix());
        assertThat(kept.full()).isTrue();
        for (Manifest.Volume v : kept.volumes()) {
            assertThat(s3.headObject(b -> b.bucket(settings.bucket()).key(v.key())).contentLength()).isEqualTo(v.bytes());
        }
    }
}
