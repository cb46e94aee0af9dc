package io.terrarium.s3.crypto;

import io.terrarium.host.zstd.Compression;
import io.terrarium.restore.RestorePlanException;
import io.terrarium.restore.S3Restorer;
import io.terrarium.s3.FakeS3;
import io.terrarium.s3.Manifest;
import io.terrarium.s3.ManifestCodec;
import io.terrarium.s3.ManifestException;
import io.terrarium.s3.S3Exporter;
import io.terrarium.s3.S3ExporterTest;
import io.terrarium.s3.StreamingUploaderTest;
import io.terrarium.s3.VerifiedVolumesStream;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.SequenceInputStream;
import java.time.Clock;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;

import static io.terrarium.s3.ProviderProfile.MIB;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Sealed exports against the in-memory S3: round trip, wrong key, forged/altered manifests, swapped parts, rekey, new host. */
class SealedExportTest {
    private static final byte[] MARKER = "TERRARIUM-PLAINTEXT-MARKER-9b2e7".getBytes();
    private final ManifestCodec codec = new ManifestCodec();

    /** 3 MiB of random bytes with the marker at a few places (zstd keeps it as a literal). */
    private static byte[] payload() throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (int i = 0; i < 3; i++) {
            out.write(MARKER);
            out.write(random((int) MIB, 40 + i));
        }
        return out.toByteArray();
    }

    private static byte[] random(int n, long seed) {
        byte[] b = new byte[n];
        new java.util.Random(seed).nextBytes(b);
        return b;
    }

    private static S3Exporter.Request req(String snap, String guid, Manifest parent) {
        return new S3Exporter.Request("web", "tank/containers/web", snap, guid, parent, List.of(),
                OptionalLong.empty(), MIB, 2, Compression.Engine.JNI, Map.of("terrarium", "test"));
    }

    private static S3Exporter exporter(FakeS3 s3, BackupKeys keys) {
        return new S3Exporter(s3, StreamingUploaderTest.settings(S3ExporterTest.P), "inst-1", Clock.systemUTC(), keys);
    }

    private static byte[] read(FakeS3 s3, Manifest m, BackupKeys keys) throws IOException {
        try (InputStream in = Compression.decompress(VerifiedVolumesStream.open(s3, "b", m, keys))) {
            return in.readAllBytes();
        }
    }

    private static boolean anyObjectContains(FakeS3 s3, byte[] marker) {
        return s3.objects.values().stream().anyMatch(o -> StreamAeadTest.indexOf(o, marker) >= 0);
    }

    @Test
    void sealedExportRoundTripsAndNoObjectHoldsPlaintext() throws Exception {
        BackupKeys keys = BackupKeys.of(BackupKey.generate());
        byte[] plain = payload();
        FakeS3 s3 = new FakeS3();
        Manifest m = exporter(s3, keys).exportStream(req("trm-1", "1", null), new ByteArrayInputStream(plain), n -> { });
        assertThat(m.formatVersion()).isEqualTo(Manifest.SEALED_FORMAT_VERSION);
        assertThat(m.encryption().keyId()).isEqualTo(keys.current().id());
        Manifest stored = codec.read(s3.objects.get("terrarium/inst-1/web/manifests/" + m.id() + ".json"), "terrarium/");
        assertThat(stored).isEqualTo(m);
        new ManifestSeal().authenticate(stored, keys, ManifestSeal.Legacy.REFUSE);
        assertThat(read(s3, stored, keys)).isEqualTo(plain);
        assertThat(anyObjectContains(s3, MARKER)).as("a bucket object holds the marker").isFalse();

        // the control: the same payload exported without a key is readable in the bucket
        FakeS3 plainBucket = new FakeS3();
        exporter(plainBucket, null).exportStream(req("trm-1", "1", null), new ByteArrayInputStream(plain), n -> { });
        assertThat(anyObjectContains(plainBucket, MARKER)).isTrue();
    }

    @Test
    void wrongKeyIsRefusedInThePlanBeforeAnyVolumeIsRead() throws Exception {
        FakeS3 s3 = new FakeS3();
        Manifest m = exporter(s3, BackupKeys.of(BackupKey.generate())).exportStream(req("trm-1", "1", null),
                new ByteArrayInputStream(payload()), n -> { });
        BackupKeys other = BackupKeys.of(BackupKey.generate());
        assertThatThrownBy(() -> new S3Restorer(s3, "b", other, ManifestSeal.Legacy.REFUSE).plan(List.of(m)))
                .isInstanceOf(RestorePlanException.class).hasMessageContaining("wrong key, nothing was received");
        // the stream cannot even be opened: the data key does not unwrap, so no GetObject is made
        assertThatThrownBy(() -> VerifiedVolumesStream.open(s3, "b", m, other)).isInstanceOf(ManifestException.class)
                .hasMessageContaining("wrong key");
        assertThatThrownBy(() -> new S3Restorer(s3, "b").plan(List.of(m)))
                .hasMessageContaining("this host has no backup key: import the recovery key first");
    }

    @Test
    void alteredManifestOrRelinkedParentIsRefused() throws Exception {
        BackupKeys keys = BackupKeys.of(BackupKey.generate());
        FakeS3 s3 = new FakeS3();
        S3Exporter ex = exporter(s3, keys);
        Manifest full = ex.exportStream(req("trm-1", "1", null), new ByteArrayInputStream(payload()), n -> { });
        Manifest inc = ex.exportStream(req("trm-2", "2", full), new ByteArrayInputStream(payload()), n -> { });
        S3Restorer restorer = new S3Restorer(s3, "b", keys, ManifestSeal.Legacy.REFUSE);
        assertThat(restorer.plan(List.of(full, inc)).chain()).hasSize(2);

        Manifest guid = new Manifest(full.formatVersion(), full.id(), full.installationId(), full.instance(), full.dataset(),
                full.snapshot(), "999", full.parentId(), full.parentSnapshot(), full.compression(), full.sendFlags(),
                full.toolVersions(), full.createdAt(), full.streamBytes(), full.volumes(), full.encryption(), full.authentication());
        assertThatThrownBy(() -> restorer.plan(List.of(guid, inc))).isInstanceOf(RestorePlanException.class)
                .hasMessageContaining("restore point " + full.id() + " failed authentication");
        // an attacker relinks the incremental onto another full: the parent link is under the MAC
        Manifest relinked = new Manifest(inc.formatVersion(), inc.id(), inc.installationId(), inc.instance(), inc.dataset(),
                inc.snapshot(), inc.snapshotGuid(), "20990101T000000Z-1", inc.parentSnapshot(), inc.compression(), inc.sendFlags(),
                inc.toolVersions(), inc.createdAt(), inc.streamBytes(), inc.volumes(), inc.encryption(), inc.authentication());
        assertThatThrownBy(() -> restorer.plan(List.of(full, relinked)))
                .hasMessageContaining("restore point " + inc.id() + " failed authentication");
    }

    @Test
    void forgedUnauthenticatedPointIsRefusedUnlessLegacyPointsAreAccepted() throws Exception {
        BackupKeys keys = BackupKeys.of(BackupKey.generate());
        FakeS3 s3 = new FakeS3();
        // a bucket writer without the key plants a plaintext (format 1) point
        Manifest forged = exporter(s3, null).exportStream(req("trm-1", "1", null), new ByteArrayInputStream(payload()), n -> { });
        assertThatThrownBy(() -> new S3Restorer(s3, "b", keys, ManifestSeal.Legacy.REFUSE).plan(List.of(forged)))
                .hasMessageContaining("is not authenticated").hasMessageContaining("--accept-unauthenticated");
        assertThat(new S3Restorer(s3, "b", keys, ManifestSeal.Legacy.ACCEPT).plan(List.of(forged)).chain()).hasSize(1);
        // the same writer copies a sealed manifest and strips its authentication: still refused
        Manifest sealed = exporter(s3, keys).exportStream(req("trm-2", "2", null), new ByteArrayInputStream(payload()), n -> { });
        Manifest stripped = sealed.withAuthentication(null);
        assertThatThrownBy(() -> codec.read(codec.write(stripped, "terrarium/"), "terrarium/"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("needs an authentication block");
    }

    @Test
    void swappedPartIsRefusedBeforeItsBytesReachTheReader() throws Exception {
        BackupKeys keys = BackupKeys.of(BackupKey.generate());
        FakeS3 s3 = new FakeS3();
        Manifest m = exporter(s3, keys).exportStream(req("trm-1", "1", null), new ByteArrayInputStream(payload()), n -> { });
        Manifest.Volume v = m.volumes().get(0);
        assertThat(v.parts()).isGreaterThan(2);
        byte[] obj = s3.objects.get(v.key());
        int ps = (int) v.partSize();
        byte[] swapped = obj.clone();
        System.arraycopy(obj, 0, swapped, ps, ps);
        System.arraycopy(obj, ps, swapped, 0, ps);
        s3.objects.put(v.key(), swapped);
        InputStream in = VerifiedVolumesStream.open(s3, "b", m, keys);
        assertThatThrownBy(in::read).isInstanceOf(VerifiedVolumesStream.IntegrityException.class)
                .hasMessageContaining("part 1 of " + v.key());
    }

    @Test
    void rekeyRewrapsManifestsWithoutTouchingVolumesAndTheOldKeyNoLongerReads() throws Exception {
        BackupKeys old = BackupKeys.of(BackupKey.generate());
        byte[] plain = payload();
        FakeS3 s3 = new FakeS3();
        Manifest m = exporter(s3, old).exportStream(req("trm-1", "1", null), new ByteArrayInputStream(plain), n -> { });
        Map<String, byte[]> volumesBefore = new HashMap<>();
        m.volumes().forEach(v -> volumesBefore.put(v.key(), s3.objects.get(v.key()).clone()));
        BackupKey fresh = BackupKey.generate();
        Manifest rewrapped = new ManifestSeal().rewrap(m, old, fresh);
        BackupKeys now = BackupKeys.of(fresh);
        assertThat(rewrapped.encryption().keyId()).isEqualTo(fresh.id());
        new ManifestSeal().authenticate(rewrapped, now, ManifestSeal.Legacy.REFUSE);
        assertThat(read(s3, rewrapped, now)).isEqualTo(plain);
        m.volumes().forEach(v -> assertThat(s3.objects.get(v.key())).isEqualTo(volumesBefore.get(v.key())));
        assertThatThrownBy(() -> new ManifestSeal().authenticate(rewrapped, old, ManifestSeal.Legacy.REFUSE))
                .isInstanceOf(ManifestException.class).hasMessageContaining("wrong key");
        // during the rekey both keys read
        BackupKeys both = new BackupKeys(old.current(), fresh);
        assertThat(both.sealing().id()).isEqualTo(fresh.id());
        new ManifestSeal().authenticate(m, both, ManifestSeal.Legacy.REFUSE);
        new ManifestSeal().authenticate(rewrapped, both, ManifestSeal.Legacy.REFUSE);
    }

    @Test
    void aNewHostWithOnlyTheRecoveryKeyRestoresTheChain() throws Exception {
        BackupKey original = BackupKey.generate();
        String recovery = original.recoveryKey();
        byte[] a = payload();
        byte[] b = random((int) MIB, 77);
        FakeS3 s3 = new FakeS3();
        S3Exporter ex = exporter(s3, BackupKeys.of(original));
        Manifest full = ex.exportStream(req("trm-1", "1", null), new ByteArrayInputStream(a), n -> { });
        Manifest inc = ex.exportStream(req("trm-2", "2", full), new ByteArrayInputStream(b), n -> { });
        // new host: only the bucket and the recovery key text
        BackupKeys imported = BackupKeys.of(BackupKey.parse(recovery));
        List<Manifest> chain = List.of(
                codec.read(s3.objects.get("terrarium/inst-1/web/manifests/" + full.id() + ".json"), "terrarium/"),
                codec.read(s3.objects.get("terrarium/inst-1/web/manifests/" + inc.id() + ".json"), "terrarium/"));
        assertThat(new S3Restorer(s3, "b", imported, ManifestSeal.Legacy.REFUSE).plan(chain).chain()).hasSize(2);
        assertThat(new SequenceInputStream(new ByteArrayInputStream(read(s3, chain.get(0), imported)),
                new ByteArrayInputStream(read(s3, chain.get(1), imported))).readAllBytes())
                .isEqualTo(new SequenceInputStream(new ByteArrayInputStream(a), new ByteArrayInputStream(b)).readAllBytes());
    }
}
