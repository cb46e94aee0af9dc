package io.terrarium.s3;

import io.terrarium.backup.InstanceDataset;
import io.terrarium.config.TerrariumConfig;
import io.terrarium.host.exec.CamelExecCommandRunner;
import io.terrarium.host.zfs.ZfsAdapter;
import io.terrarium.jobs.JobResult;
import io.terrarium.testing.MutableClock;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.ObjectLockRetention;
import software.amazon.awssdk.services.s3.model.ObjectLockRetentionMode;
import software.amazon.awssdk.services.s3.model.S3Object;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static io.terrarium.s3.S3ZfsRoundTripIT.run;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * S3 Object Lock (issue 13 item 4) through the real {@code s3-export} job and a throwaway zfs-fuse
 * dataset, against Adobe S3Mock 4.11.0 — started here from {@code target/s3mock/s3mock.jar} (copied
 * by the pom's {@code copy-s3mock} execution) as its own process on free loopback ports, and killed
 * in {@link #stopS3Mock()}. The dev host's s3proxy answers 501 to every Object Lock call.
 *
 * <p>What S3Mock proves and what it does not (measured, docs/s3.md "Object Lock"): it creates a
 * lock-enabled bucket, answers GetObjectLockConfiguration (and refuses it on a bucket without
 * lock), and stores PutObjectRetention for GetObjectRetention. It accepts but does <em>not</em>
 * store the lock headers of PutObject / CreateMultipartUpload, and it enforces nothing: DeleteObject
 * of a locked object succeeds and a COMPLIANCE date can be shortened. So the headers are checked
 * on the wire (a recording proxy in front of S3Mock), the chain extension through
 * GetObjectRetention, and retention's "never delete a locked point" through the job's own
 * decision; a store refusing the delete is not tested.
 */
class S3ObjectLockIT {
    static final String ACCESS = "it-access";
    static Process s3mock;
    static int port;
    static Path storeRoot;
    static Path secretFile;
    static Path log;

    final long n = System.nanoTime() % 1_000_000_000L;
    final String pool = DevS3.env("TERRARIUM_DEV_POOL");
    final String ds = pool + "/it-s3lock-" + n;
    final Path mnt = Path.of("/var/tmp/terrarium-it/it-s3lock-" + n);
    final List<AutoCloseable> cleanups = new ArrayList<>();

    static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    @BeforeAll
    static void startS3Mock() throws Exception {
        Path jar = Path.of(System.getProperty("terrarium.s3mock.jar", "target/s3mock/s3mock.jar"));
        assertThat(jar).as("S3Mock jar (mvn package copies it: pom execution copy-s3mock)").exists();
        Files.createDirectories(Path.of("/var/tmp/terrarium-it"));
        storeRoot = Files.createTempDirectory(Path.of("/var/tmp/terrarium-it"), "s3mock-");
        log = storeRoot.resolveSibling(storeRoot.getFileName() + ".log");
        secretFile = storeRoot.resolveSibling(storeRoot.getFileName() + ".secret");
        Files.writeString(Files.createFile(secretFile, PosixFilePermissions.asFileAttribute(
                PosixFilePermissions.fromString("rw-------"))), "it-secret");
        port = freePort();
        String java = ProcessHandle.current().info().command().orElse("java");
        s3mock = new ProcessBuilder(java, "-Xmx256m", "-XX:TieredStopAtLevel=1", "-jar", jar.toString(),
                "--com.adobe.testing.s3mock.httpPort=" + port, "--server.port=" + freePort(), "--server.address=127.0.0.1",
                "--com.adobe.testing.s3mock.store.root=" + storeRoot, "--spring.main.banner-mode=off")
                .redirectErrorStream(true).redirectOutput(log.toFile()).start();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
        while (true) {
            assertThat(s3mock.isAlive()).as("S3Mock exited early; log:\n%s", Files.readString(log)).isTrue();
            try (Socket s = new Socket()) {
                s.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 500);
                break;
            } catch (IOException notYet) {
                if (System.nanoTime() > deadline) {
                    throw new AssertionError("S3Mock did not listen on " + port + " within 90 s; log:\n" + Files.readString(log));
                }
                Thread.sleep(250);
            }
        }
    }

    @AfterAll
    static void stopS3Mock() throws Exception {
        if (s3mock != null) {
            s3mock.descendants().forEach(ProcessHandle::destroyForcibly);
            s3mock.destroy();
            if (!s3mock.waitFor(10, TimeUnit.SECONDS)) {
                s3mock.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
            assertThat(s3mock.isAlive()).as("S3Mock stopped").isFalse();
        }
        if (storeRoot != null) {
            if (Files.exists(storeRoot)) { // S3Mock removes its store root when it exits normally
                try (Stream<Path> w = Files.walk(storeRoot)) {
                    w.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
                }
            }
            Files.deleteIfExists(log);
            Files.deleteIfExists(secretFile);
        }
    }

    @AfterEach
    void cleanUp() throws Exception {
        for (AutoCloseable c : cleanups) {
            c.close();
        }
        boolean gone = S3ZfsRoundTripIT.destroy(ds);
        Files.deleteIfExists(mnt);
        assertThat(gone).as("dataset %s removed", ds).isTrue();
    }

    S3Settings settings(URI endpoint, String bucket) {
        return new S3Settings(endpoint, "us-east-1", bucket, "it-lock/", ACCESS, secretFile,
                ProviderProfile.generic(), 2, null, null);
    }

    TerrariumConfig.S3 config(S3Settings s, TerrariumConfig.ObjectLock lock) {
        return new TerrariumConfig.S3(true, "generic", s.endpoint().toString(), s.region(), s.bucket(), s.prefix(),
                s.accessKey(), s.secretKeyFile().toString(), new TerrariumConfig.Retention(1, 0), null, lock);
    }

    S3ExportJob job(TerrariumConfig.S3 cfg, MutableClock clock) {
        var runner = new CamelExecCommandRunner();
        return new S3ExportJob(() -> cfg, () -> "inst-it", runner, new ZfsAdapter(runner),
                () -> List.of(new InstanceDataset("it-web", "Running", ds, null)), S3ExportJob::s3Target, clock, 1);
    }

    S3Client client(S3Settings s) throws IOException {
        S3Client c = S3ClientFactory.create(s, 4);
        cleanups.add(c);
        return c;
    }

    static List<String> keys(S3Client s3, String bucket) {
        return s3.listObjectsV2Paginator(b -> b.bucket(bucket)).contents().stream().map(S3Object::key).toList();
    }

    static Instant retainUntil(S3Client s3, String bucket, String key) {
        ObjectLockRetention r = s3.getObjectRetention(b -> b.bucket(bucket).key(key)).retention();
        assertThat(r.mode()).as("lock mode of %s", key).isEqualTo(ObjectLockRetentionMode.GOVERNANCE);
        return r.retainUntilDate();
    }

    void write(int k) throws Exception {
        Files.writeString(mnt.resolve("f" + k + ".txt"), "version " + k + "\n");
        run("sync");
    }

    @Test
    void anExportToABucketWithoutObjectLockFailsBeforeUploadingAnything() throws Exception {
        String bucket = "plain-" + n;
        S3Settings s = settings(URI.create("http://127.0.0.1:" + port), bucket);
        S3Client s3 = client(s);
        s3.createBucket(b -> b.bucket(bucket));
        run("zfs", "create", "-o", "mountpoint=" + mnt, ds);
        write(0);
        JobResult r = job(config(s, new TerrariumConfig.ObjectLock("GOVERNANCE", 1)),
                new MutableClock(Instant.now().truncatedTo(ChronoUnit.SECONDS))).run();
        assertThat(r.status()).isEqualTo(JobResult.Status.FAILED);
        assertThat(r.summary()).contains("bucket " + bucket + " has no Object Lock configuration")
                .contains("Nothing was uploaded");
        assertThat(keys(s3, bucket)).isEmpty();
        assertThat(DevS3.uploads(s3, s)).isEmpty();
    }

    @Test
    @SuppressWarnings("unchecked")
    void restorePointsAreLockedTheFullIsExtendedAndRetentionKeepsLockedChains() throws Exception {
        String bucket = "locked-" + n;
        URI direct = URI.create("http://127.0.0.1:" + port);
        S3Client s3 = client(settings(direct, bucket));
        s3.createBucket(b -> b.bucket(bucket).objectLockEnabledForBucket(true));
        FaultProxy proxy = new FaultProxy(direct);
        cleanups.add(proxy);
        S3Settings s = settings(proxy.endpoint(), bucket);
        ExportKeys keys = new ExportKeys(s.prefix(), "inst-it");
        Instant t0 = Instant.now().truncatedTo(ChronoUnit.SECONDS);
        MutableClock clock = new MutableClock(t0);
        S3ExportJob job = job(config(s, new TerrariumConfig.ObjectLock("GOVERNANCE", 1)), clock);
        run("zfs", "create", "-o", "mountpoint=" + mnt, ds);

        // 1: full A at t0 — every object written with the lock headers, retain-until t0 + 1 day
        write(0);
        JobResult r1 = job.run();
        assertThat(r1.status()).as(r1.summary()).isEqualTo(JobResult.Status.OK);
        String a = (String) S3ExportJobIT.row(r1).get("manifest");
        List<String> aKeys = List.of(keys.manifest("it-web", a), keys.volume("it-web", a, 0));
        for (String k : aKeys) {
            List<FaultProxy.Seen> puts = proxy.seen.stream().filter(q -> q.method().equals("PUT")
                    && q.target().startsWith("/" + bucket + "/" + k) && q.query("partNumber") == null).toList();
            assertThat(puts).as("PUT of %s", k).hasSize(1);
            assertThat(puts.get(0).headers()).containsEntry("x-amz-object-lock-mode", "GOVERNANCE");
            assertThat(Instant.parse(puts.get(0).headers().get("x-amz-object-lock-retain-until-date")))
                    .isEqualTo(t0.plus(Duration.ofDays(1)));
        }

        // 2: incremental B an hour later: A's objects are extended to B's date (PutObjectRetention)
        clock.now = t0.plus(Duration.ofHours(1));
        write(1);
        JobResult r2 = job.run();
        assertThat(r2.status()).as(r2.summary()).isEqualTo(JobResult.Status.OK);
        assertThat(S3ExportJobIT.row(r2)).containsEntry("kind", "incremental");
        String b = (String) S3ExportJobIT.row(r2).get("manifest");
        Instant bUntil = t0.plus(Duration.ofHours(1)).plus(Duration.ofDays(1));
        for (String k : aKeys) {
            assertThat(retainUntil(s3, bucket, k)).as("retain-until of %s after the incremental", k).isEqualTo(bUntil);
        }
        assertThat(proxy.seen).filteredOn(q -> q.method().equals("PUT") && q.query("retention") != null)
                .extracting(FaultProxy.Seen::target).hasSize(2)
                .allMatch(t -> aKeys.stream().anyMatch(k -> t.startsWith("/" + bucket + "/" + k + "?")));

        // 3: full C two hours after t0: keep_chains 1 would delete A + B, but they are locked
        clock.now = t0.plus(Duration.ofHours(2));
        write(2);
        JobResult r3 = job.run();
        assertThat(r3.status()).as(r3.summary()).isEqualTo(JobResult.Status.OK);
        assertThat(S3ExportJobIT.row(r3)).containsEntry("kind", "full");
        String c = (String) S3ExportJobIT.row(r3).get("manifest");
        Map<String, Object> ret3 = (Map<String, Object>) S3ExportJobIT.row(r3).get("retention");
        assertThat(ret3).containsEntry("deleted_points", List.of())
                .containsEntry("locked", Map.of(b, "kept: locked until " + bUntil, a, "kept: locked until " + bUntil));
        List<String> left = keys(s3, bucket);
        assertThat(left).containsAll(aKeys).contains(keys.manifest("it-web", b), keys.volume("it-web", b, 0));

        // 4: past the lock: the next run's retention deletes A + B whole
        clock.now = bUntil.plus(Duration.ofHours(1));
        write(3);
        JobResult r4 = job.run();
        assertThat(r4.status()).as(r4.summary()).isEqualTo(JobResult.Status.OK);
        Map<String, Object> ret4 = (Map<String, Object>) S3ExportJobIT.row(r4).get("retention");
        assertThat(ret4).containsEntry("deleted_points", List.of(b, a)).doesNotContainKey("locked");
        assertThat(keys(s3, bucket)).doesNotContainAnyElementsOf(aKeys)
                .doesNotContain(keys.manifest("it-web", b), keys.volume("it-web", b, 0))
                .contains(keys.manifest("it-web", c));
    }
}
