package io.terrarium.s3.crypto;

import io.terrarium.host.zstd.Compression;
import io.terrarium.restore.S3Restorer;
import io.terrarium.s3.FakeS3;
import io.terrarium.s3.Manifest;
import io.terrarium.s3.S3Catalog;
import io.terrarium.s3.S3Exporter;
import io.terrarium.s3.S3ExporterTest;
import io.terrarium.s3.StreamingUploaderTest;
import io.terrarium.s3.VerifiedVolumesStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.Random;

import static io.terrarium.s3.ProviderProfile.MIB;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** {@code backup rekey} against the in-memory S3 and a temporary secrets directory. */
class RekeyTest {
    @TempDir
    Path secrets;

    @Test
    void rekeyRewrapsEveryManifestUploadsNoVolumeAndSwitchesTheKeyFile() throws Exception {
        BackupKey old = BackupKey.generate();
        BackupKeys.store(secrets, old);
        FakeS3 s3 = new FakeS3();
        S3Exporter ex = new S3Exporter(s3, StreamingUploaderTest.settings(S3ExporterTest.P), "inst-1", Clock.systemUTC(),
                BackupKeys.load(secrets).orElseThrow());
        byte[] plain = new byte[2 * (int) MIB];
        new Random(5).nextBytes(plain);
        Manifest full = ex.exportStream(new S3Exporter.Request("web", "tank/containers/web", "trm-1", "1", null, List.of(),
                OptionalLong.empty(), MIB, 2, Compression.Engine.JNI, Map.of()), new ByteArrayInputStream(plain), n -> { });
        ex.exportStream(new S3Exporter.Request("web", "tank/containers/web", "trm-2", "2", full, List.of(),
                OptionalLong.empty(), MIB, 2, Compression.Engine.JNI, Map.of()), new ByteArrayInputStream(plain), n -> { });
        Map<String, byte[]> before = new HashMap<>();
        s3.objects.forEach((k, v) -> before.put(k, v.clone()));

        Rekey.Result r = new Rekey(s3, "b", "terrarium/", secrets).run("inst-1");

        assertThat(r.rewrapped()).isEqualTo(2);
        assertThat(r.problems()).isEmpty();
        assertThat(Files.exists(secrets.resolve(BackupKeys.NEXT_FILE))).isFalse();
        BackupKeys now = BackupKeys.load(secrets).orElseThrow();
        assertThat(now.current().id()).isEqualTo(r.newKeyId()).isNotEqualTo(old.id());
        assertThat(java.nio.file.attribute.PosixFilePermissions.toString(Files.getPosixFilePermissions(secrets.resolve(BackupKeys.FILE)))).isEqualTo("rw-------");
        // volumes untouched, manifests changed
        before.forEach((k, v) -> {
            if (k.contains("/manifests/")) {
                assertThat(s3.objects.get(k)).as(k).isNotEqualTo(v);
            } else {
                assertThat(s3.objects.get(k)).as(k).isEqualTo(v);
            }
        });
        S3Catalog.Points points = new S3Catalog(s3, "b", "terrarium/").points("inst-1", "web");
        assertThat(new S3Restorer(s3, "b", now, ManifestSeal.Legacy.REFUSE).plan(points.manifests()).chain()).hasSize(2);
        try (InputStream in = Compression.decompress(VerifiedVolumesStream.open(s3, "b", points.manifests().get(0), now))) {
            assertThat(in.readAllBytes()).isEqualTo(plain);
        }
        assertThatThrownBy(() -> new S3Restorer(s3, "b", BackupKeys.of(old), ManifestSeal.Legacy.REFUSE).plan(points.manifests()))
                .hasMessageContaining("wrong key");
        // a second run finds nothing to do
        Rekey.Result again = new Rekey(s3, "b", "terrarium/", secrets).run("inst-1");
        assertThat(again.rewrapped()).isEqualTo(2);
        assertThat(again.oldKeyId()).isEqualTo(r.newKeyId());
    }

    @Test
    void rekeyWithoutABackupKeySaysHowToCreateOne() {
        assertThatThrownBy(() -> new Rekey(new FakeS3(), "b", "terrarium/", secrets).run("inst-1"))
                .hasMessageContaining("backup key init");
    }

    /**
     * Issue 13: {@code backup rekey} while an export runs. The export (in its own thread, holding the
     * export lock as {@code s3-export} does, with the keys it loaded before) is still streaming when the
     * rekey starts: the rekey is refused with nothing changed, the export commits under the current key,
     * and the rekey run afterwards leaves no manifest wrapped with the old key.
     */
    @Test
    void aRekeyDuringAnExportWaitsForNothingChangesAndTheNextRekeyLeavesNoManifestUnderTheOldKey() throws Exception {
        BackupKey old = BackupKey.generate();
        BackupKeys.store(secrets, old);
        FakeS3 s3 = new FakeS3();
        Path lockFile = secrets.resolveSibling(secrets.getFileName() + "-run").resolve("s3-export.lock");
        S3Exporter ex = new S3Exporter(s3, StreamingUploaderTest.settings(S3ExporterTest.P), "inst-1", Clock.systemUTC(),
                BackupKeys.load(secrets).orElseThrow());
        byte[] plain = new byte[2 * (int) MIB];
        new Random(6).nextBytes(plain);
        Manifest full = ex.exportStream(new S3Exporter.Request("web", "tank/containers/web", "trm-1", "1", null, List.of(),
                OptionalLong.empty(), MIB, 2, Compression.Engine.JNI, Map.of()), new ByteArrayInputStream(plain), n -> { });

        java.util.concurrent.CountDownLatch streaming = new java.util.concurrent.CountDownLatch(1);
        java.util.concurrent.CountDownLatch rekeyed = new java.util.concurrent.CountDownLatch(1);
        InputStream slow = new java.io.SequenceInputStream(new ByteArrayInputStream(plain, 0, MIB_INT), new InputStream() {
            boolean once;

            @Override
            public int read() throws java.io.IOException {
                if (!once) {
                    once = true;
                    streaming.countDown();
                    try {
                        rekeyed.await(); // the rekey attempt happens while this export is mid-stream
                    } catch (InterruptedException e) {
                        throw new java.io.InterruptedIOException();
                    }
                }
                return -1;
            }
        });
        java.util.concurrent.CompletableFuture<Manifest> export = java.util.concurrent.CompletableFuture.supplyAsync(() -> {
            try (io.terrarium.config.LockFile held = io.terrarium.config.LockFile.tryAcquire(lockFile)) {
                assertThat(held).isNotNull();
                return ex.exportStream(new S3Exporter.Request("web", "tank/containers/web", "trm-2", "2", full, List.of(),
                        OptionalLong.empty(), MIB, 2, Compression.Engine.JNI, Map.of()), slow, n -> { });
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        });
        assertThat(streaming.await(30, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
        byte[] keyBefore = Files.readAllBytes(secrets.resolve(BackupKeys.FILE));
        Map<String, byte[]> before = new HashMap<>();
        s3.objects.forEach((k, v) -> before.put(k, v.clone()));
        try {
            assertThatThrownBy(() -> new Rekey(s3, "b", "terrarium/", secrets).exportLock(lockFile, java.time.Duration.ofMillis(200))
                    .run("inst-1")).hasMessageContaining("an s3-export is running on this host").hasMessageContaining("nothing was changed");
        } finally {
            rekeyed.countDown();
        }
        assertThat(Files.readAllBytes(secrets.resolve(BackupKeys.FILE))).isEqualTo(keyBefore);
        assertThat(secrets.resolve(BackupKeys.NEXT_FILE)).doesNotExist();
        before.forEach((k, v) -> assertThat(s3.objects.get(k)).as(k).isEqualTo(v));
        Manifest inc = export.get(60, java.util.concurrent.TimeUnit.SECONDS);
        assertThat(inc.authentication().keyId()).isEqualTo(old.id());

        Rekey.Result r = new Rekey(s3, "b", "terrarium/", secrets).exportLock(lockFile, java.time.Duration.ofSeconds(5)).run("inst-1");
        assertThat(r.problems()).isEmpty();
        assertThat(r.rewrapped()).isEqualTo(2);
        BackupKeys now = BackupKeys.load(secrets).orElseThrow();
        assertThat(now.current().id()).isNotEqualTo(old.id());
        S3Catalog.Points points = new S3Catalog(s3, "b", "terrarium/").points("inst-1", "web");
        assertThat(points.manifests()).hasSize(2).allSatisfy(m -> assertThat(m.authentication().keyId()).isEqualTo(now.current().id()));
        assertThat(new S3Restorer(s3, "b", BackupKeys.of(now.current()), ManifestSeal.Legacy.REFUSE).plan(points.manifests()).chain())
                .hasSize(2);
        try (io.terrarium.config.LockFile free = io.terrarium.config.LockFile.tryAcquire(lockFile)) {
            assertThat(free).as("the rekey released the export lock").isNotNull();
        }
    }

    static final int MIB_INT = (int) MIB;
}
