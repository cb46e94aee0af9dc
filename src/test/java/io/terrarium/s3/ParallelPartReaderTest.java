package io.terrarium.s3;

import io.terrarium.host.zstd.Compression;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.time.Clock;
import java.util.List;

import static io.terrarium.s3.ProviderProfile.MIB;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Issue 16 item 1: parts fetched by parallel ranged GETs, verified on the download threads, handed out in order. */
class ParallelPartReaderTest {

    private static Manifest export(FakeS3 s3, long bytes) throws Exception {
        var exporter = new S3Exporter(s3, StreamingUploaderTest.settings(S3ExporterTest.P), "inst-1", Clock.systemUTC());
        // incompressible: ~9 MiB of zstd output → 3 volumes of 4 × 1 MiB parts (the last one shorter)
        return exporter.exportStream(S3ExporterTest.req(Compression.Engine.JNI), new GeneratedStream(bytes, 11), n -> { });
    }

    private static byte[] readAll(InputStream in) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (InputStream z = Compression.decompress(in)) {
            z.transferTo(out);
        }
        return out.toByteArray();
    }

    @Test
    void parallelRangedGetsReturnTheSameBytesAsOneGetPerVolume() throws Exception {
        FakeS3 s3 = new FakeS3();
        Manifest m = export(s3, 9 * MIB);
        assertThat(m.volumes()).hasSize(3);
        int parts = m.volumes().stream().mapToInt(v -> v.partSha256().size()).sum();
        s3.calls.clear();
        byte[] parallel = readAll(new VerifiedVolumesStream(s3, "b", m, 4));
        List<String> ranged = s3.calls.stream().filter(c -> c.startsWith("get ") && c.contains(" bytes=")).toList();
        assertThat(ranged).hasSize(parts);
        // the 4 fetch threads race: the order of the calls is not fixed, each part is fetched once
        assertThat(ranged).doesNotHaveDuplicates()
                .contains("get " + m.volumes().get(0).key() + " bytes=0-" + (MIB - 1));
        s3.calls.clear();
        byte[] sequential = readAll(new VerifiedVolumesStream(s3, "b", m, 1));
        assertThat(s3.calls).containsExactlyElementsOf(m.volumes().stream().map(v -> "get " + v.key()).toList());
        assertThat(parallel).isEqualTo(sequential).isEqualTo(StreamingUploaderTest.all(9 * MIB, 11));
    }

    @Test
    void noMoreThanTheWindowOfPartsIsFetchedAheadOfTheReader() throws Exception {
        FakeS3 s3 = new FakeS3();
        Manifest m = export(s3, 9 * MIB);
        s3.calls.clear();
        try (VerifiedVolumesStream in = new VerifiedVolumesStream(s3, "b", m, 3)) {
            assertThat(in.read()).isGreaterThanOrEqualTo(0);
            settle(s3, 3);
            assertThat(s3.calls).as("GETs while the reader holds part 1").hasSize(3);
            in.readNBytes((int) MIB); // the rest of part 1 and the first byte of part 2: one more part may start
            settle(s3, 4);
            assertThat(s3.calls).hasSize(4);
        }
    }

    @Test
    void aCorruptedLaterPartFailsTheReadBeforeItsBytesAreHandedOn() throws Exception {
        FakeS3 s3 = new FakeS3();
        Manifest m = export(s3, 9 * MIB);
        String key = m.volumes().get(1).key();
        s3.objects.get(key)[(int) (2 * MIB) + 7] ^= 1; // part 3 of volume 2
        try (VerifiedVolumesStream in = new VerifiedVolumesStream(s3, "b", m, 4)) {
            // volume 1 (4 parts) and parts 1-2 of volume 2 are handed on, then the read fails
            assertThat(in.readNBytes((int) (6 * MIB))).hasSize((int) (6 * MIB));
            assertThatThrownBy(in::read).isInstanceOf(VerifiedVolumesStream.IntegrityException.class)
                    .hasMessage("part 3 of " + key + " has SHA-256 " + sha(s3.objects.get(key), 2 * MIB, MIB)
                            + ", manifest says " + m.volumes().get(1).partSha256().get(2));
        }
    }

    @Test
    void aTruncatedVolumeIsRefusedWithItsKey() throws Exception {
        FakeS3 s3 = new FakeS3();
        Manifest m = export(s3, 9 * MIB);
        String key = m.volumes().get(2).key();
        byte[] obj = s3.objects.get(key);
        s3.objects.put(key, java.util.Arrays.copyOf(obj, obj.length - 10));
        assertThatThrownBy(() -> readAll(new VerifiedVolumesStream(s3, "b", m, 4)))
                .isInstanceOf(VerifiedVolumesStream.IntegrityException.class)
                .hasMessageContaining(key + " has " + (obj.length - 10) + " bytes, manifest says " + obj.length);
    }

    @Test
    void aVolumeWithoutPartDigestsIsReadWithOneGetAndItsVolumeDigest() throws Exception {
        FakeS3 s3 = new FakeS3();
        Manifest m = export(s3, 3 * MIB);
        List<Manifest.Volume> wholeObjectDigests = new java.util.ArrayList<>();
        for (Manifest.Volume v : m.volumes()) {
            wholeObjectDigests.add(new Manifest.Volume(v.key(), v.bytes(), StreamingUploaderTest.sha(s3.objects.get(v.key())),
                    v.partSize(), v.parts(), List.of()));
        }
        Manifest legacy = new Manifest(m.formatVersion(), m.id(), m.installationId(), m.instance(), m.dataset(), m.snapshot(),
                m.snapshotGuid(), m.parentId(), m.parentSnapshot(), m.compression(), m.sendFlags(), m.toolVersions(),
                m.createdAt(), m.streamBytes(), wholeObjectDigests);
        s3.calls.clear();
        assertThat(readAll(new VerifiedVolumesStream(s3, "b", legacy, 4))).isEqualTo(StreamingUploaderTest.all(3 * MIB, 11));
        assertThat(s3.calls).allSatisfy(c -> assertThat(c).doesNotContain("bytes="));
    }

    /** Waits (under load: up to 10 s) until {@code n} calls were made, then a little longer for any extra one. */
    private static void settle(FakeS3 s3, int n) throws InterruptedException {
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (s3.calls.size() < n && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        Thread.sleep(300);
    }

    private static String sha(byte[] b, long off, long len) throws Exception {
        var md = java.security.MessageDigest.getInstance("SHA-256");
        md.update(b, (int) off, (int) len);
        return java.util.HexFormat.of().formatHex(md.digest());
    }
}
