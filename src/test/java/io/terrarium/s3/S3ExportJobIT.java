package io.terrarium.s3;

import io.terrarium.backup.InstanceDataset;
import io.terrarium.config.TerrariumConfig;
import io.terrarium.host.exec.CamelExecCommandRunner;
import io.terrarium.host.zfs.ZfsAdapter;
import io.terrarium.jobs.JobResult;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.s3.S3Client;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static io.terrarium.s3.ProviderProfile.MIB;
import static io.terrarium.s3.S3ZfsRoundTripIT.run;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The {@code s3-export} job on the development host: a throwaway zfs-fuse dataset and s3proxy.
 * Run 1 full → data → run 2 incremental from run 1 → a leftover base of a crashed run and an
 * operator snapshot → run 3 leaves exactly one export base and the operator snapshot (C07) → the
 * S3 prefix emptied → run 4 full.
 */
class S3ExportJobIT {
    final long n = System.nanoTime() % 1_000_000_000L;
    final String pool = DevS3.env("TERRARIUM_DEV_POOL");
    final String ds = pool + "/it-s3job-" + n;
    final Path mnt = Path.of("/var/tmp/terrarium-it/it-s3job-" + n);
    final S3Settings settings = DevS3.settings("job");
    S3Client s3;

    @AfterEach
    void cleanUp() throws Exception {
        // the job holds its export base where zfs has holds (zfs-fuse too): release it, or destroy fails
        try {
            for (String snap : snapshots()) {
                new ProcessBuilder("zfs", "release", S3ExportJob.HOLD_TAG, ds + "@" + snap).start().waitFor();
            }
        } catch (IOException notThere) {
            // no dataset, no snapshots
        }
        boolean gone = S3ZfsRoundTripIT.destroy(ds);
        Files.deleteIfExists(mnt);
        if (s3 != null) {
            DevS3.cleanUp(s3, settings);
            assertThat(DevS3.keys(s3, settings)).isEmpty();
            s3.close();
        }
        assertThat(gone).as("dataset %s removed", ds).isTrue();
    }

    List<String> snapshots() throws Exception {
        return run("zfs", "list", "-H", "-t", "snapshot", "-o", "name", "-r", ds).lines()
                .filter(l -> l.startsWith(ds + "@"))
                .map(l -> l.substring(l.indexOf('@') + 1)).toList();
    }

    @SuppressWarnings("unchecked")
    static Map<String, Object> row(JobResult r) {
        return ((List<Map<String, Object>>) r.details().get("datasets")).get(0);
    }

    @Test
    void fullIncrementalC07CleanupAndFullAfterEmptyPrefix() throws Exception {
        s3 = S3ClientFactory.create(settings, 4);
        var cfg = new TerrariumConfig.S3(true, "generic", settings.endpoint().toString(), settings.region(),
                settings.bucket(), settings.prefix(), settings.accessKey(), settings.secretKeyFile().toString());
        run("zfs", "create", "-o", "mountpoint=" + mnt, ds);
        Random rnd = new Random(n);
        byte[] random = new byte[3 * (int) MIB];
        rnd.nextBytes(random);
        Files.write(mnt.resolve("random.bin"), random);
        run("sync");
        io.terrarium.testing.MutableClock clock = new io.terrarium.testing.MutableClock(Instant.parse("2026-11-30T10:30:00Z"));
        var runner = new CamelExecCommandRunner();
        S3ExportJob job = new S3ExportJob(() -> cfg, () -> "inst-it", runner, new ZfsAdapter(runner),
                () -> List.of(new InstanceDataset("it-web", "Running", ds, null)), S3ExportJob::s3Target, clock,
                S3ExportJob.DEFAULT_MAX_INCREMENTALS);
        var keys = new io.terrarium.s3.ExportKeys(settings.prefix(), "inst-it");

        JobResult r1 = job.run();
        assertThat(r1.status()).as(r1.summary()).isEqualTo(JobResult.Status.OK);
        assertThat(row(r1)).containsEntry("status", "ok").containsEntry("kind", "full");
        String m1 = (String) row(r1).get("manifest");
        assertThat(snapshots()).containsExactly("terrarium-export-20261130T103000Z");

        byte[] more = new byte[(int) MIB];
        rnd.nextBytes(more);
        Files.write(mnt.resolve("new.bin"), more);
        run("sync");
        clock.now = clock.now.plusSeconds(3600);
        JobResult r2 = job.run();
        assertThat(r2.status()).as(r2.summary()).isEqualTo(JobResult.Status.OK);
        assertThat(row(r2)).containsEntry("kind", "incremental");
        var codec = new io.terrarium.s3.ManifestCodec();
        var man2 = codec.read(s3.getObjectAsBytes(b -> b.bucket(settings.bucket())
                .key(keys.manifest("it-web", (String) row(r2).get("manifest")))).asByteArray(), settings.prefix());
        assertThat(man2.parentId()).isEqualTo(m1);
        assertThat(man2.parentSnapshot()).isEqualTo("terrarium-export-20261130T103000Z");
        assertThat((Long) row(r2).get("bytes")).isLessThan((Long) row(r1).get("bytes"));
        assertThat(snapshots()).containsExactly("terrarium-export-20261130T113000Z");

        // C07: a crashed run left an older base; an operator snapshot must survive
        run("zfs", "snapshot", ds + "@terrarium-export-20261101T000000Z");
        run("zfs", "snapshot", ds + "@keep-me");
        clock.now = clock.now.plusSeconds(3600);
        JobResult r3 = job.run();
        assertThat(r3.status()).as(r3.summary()).isEqualTo(JobResult.Status.OK);
        assertThat(row(r3)).containsEntry("kind", "incremental");
        assertThat(snapshots()).containsExactlyInAnyOrder("keep-me", "terrarium-export-20261130T123000Z");

        // S3 emptied: the chain is gone, the next export must be a full
        DevS3.cleanUp(s3, settings);
        clock.now = clock.now.plusSeconds(3600);
        JobResult r4 = job.run();
        assertThat(r4.status()).as(r4.summary()).isEqualTo(JobResult.Status.OK);
        assertThat(row(r4)).containsEntry("kind", "full");
        assertThat(snapshots()).containsExactlyInAnyOrder("keep-me", "terrarium-export-20261130T133000Z");
        assertThat(DevS3.keys(s3, settings)).anyMatch(k -> k.endsWith(".json"));
    }
}
