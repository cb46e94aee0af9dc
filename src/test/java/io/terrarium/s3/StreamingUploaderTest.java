package io.terrarium.s3;

import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import java.util.OptionalLong;

import static io.terrarium.s3.ProviderProfile.MIB;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The uploader's part and volume logic against an in-memory S3 (the same cases run against s3proxy in S3ExportIT). */
public class StreamingUploaderTest {
    static final ProviderProfile SMALL = ProviderProfile.generic().scaled(20, MIB, 1024 * MIB);

    public static S3Settings settings(ProviderProfile p) {
        return new S3Settings(null, "us-east-1", "b", "terrarium/", "AK", Path.of("/nonexistent"), p, 1, null, null);
    }

    public static byte[] all(long size, long seed) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        new GeneratedStream(size, seed).transferTo(out);
        return out.toByteArray();
    }

    static String sha(byte[] b) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b));
    }

    /** SHA-256 over the raw SHA-256 digests of the object's {@code partSize} slices, in order. */
    static String shaOfParts(byte[] object, long partSize) throws Exception {
        MessageDigest tree = MessageDigest.getInstance("SHA-256");
        int off = 0;
        do {
            int n = (int) Math.min(partSize, object.length - off);
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            md.update(object, off, n);
            tree.update(md.digest());
            off += n;
        } while (off < object.length);
        return HexFormat.of().formatHex(tree.digest());
    }

    @Test
    void c01_partLimitClosesVolumeAtPartBoundaryAndNeverSendsPart21() throws Exception {
        FakeS3 s3 = new FakeS3();
        long part = PartSizing.choose(OptionalLong.of(10 * MIB), 1.5, MIB, SMALL);
        assertThat(part).isEqualTo(MIB); // estimate 10 MiB × 1.5 / 20 parts → rounded up to 1 MiB
        var up = new StreamingUploader(s3, settings(SMALL), part, 3);
        List<VolumeResult> vols = up.upload(new GeneratedStream(30 * MIB, 1), i -> "terrarium/x/v" + i);

        assertThat(s3.maxPartNumber.get()).isEqualTo(20);
        assertThat(vols).extracting(VolumeResult::bytes).containsExactly(20 * MIB, 10 * MIB);
        assertThat(vols).extracting(VolumeResult::parts).containsExactly(20, 10);
        byte[] expected = all(30 * MIB, 1);
        // compared volume by volume, not joined: a joined copy (and its growth) took ~130 MiB of the
        // 256 MiB test heap and ran the fork out of memory once other tests' garbage was around
        byte[] v0 = s3.objects.get("terrarium/x/v0");
        byte[] v1 = s3.objects.get("terrarium/x/v1");
        assertThat(v0.length + v1.length).isEqualTo(expected.length);
        assertThat(java.util.Arrays.equals(v0, 0, v0.length, expected, 0, v0.length)).as("volume 0 = bytes 0..20 MiB").isTrue();
        assertThat(java.util.Arrays.equals(v1, 0, v1.length, expected, v0.length, expected.length)).as("volume 1 = bytes 20..30 MiB").isTrue();
        // issue 16: each byte hashed once, per part; the volume's digest is over the part digests
        assertThat(vols.get(0).sha256()).isNull();
        assertThat(vols.get(0).sha256OfParts()).isEqualTo(shaOfParts(v0, MIB));
        assertThat(vols.get(0).partSha256().get(19)).isEqualTo(sha(java.util.Arrays.copyOfRange(v0, (int) (19 * MIB), (int) (20 * MIB))));
        assertThat(s3.uploads).isEmpty();
    }

    /**
     * Issue 16: where the SDK would compute its own default checksum (profile aws, not
     * WHEN_REQUIRED), each part carries our SHA-256 as {@code x-amz-checksum-sha256} instead; the
     * generic profile's stores reject those headers (case C05), so it sends none.
     */
    @Test
    void partsCarryTheirSha256AsS3ChecksumOnlyWhereTheProfileTakesChecksums() throws Exception {
        ProviderProfile aws = ProviderProfile.aws().scaled(20, MIB, 1024 * MIB);
        FakeS3 s3 = new FakeS3();
        List<VolumeResult> vols = new StreamingUploader(s3, settings(aws), MIB, 2)
                .upload(new GeneratedStream(3 * MIB + 5, 9), i -> "k" + i);
        VolumeResult v = vols.get(0);
        assertThat(s3.checksums).hasSize(4);
        for (int i = 0; i < 4; i++) {
            assertThat(s3.checksums.get("k0#" + (i + 1)))
                    .isEqualTo(java.util.Base64.getEncoder().encodeToString(HexFormat.of().parseHex(v.partSha256().get(i))));
        }
        new StreamingUploader(s3, settings(aws), MIB, 2).upload(new GeneratedStream(100, 9), i -> "small" + i);
        assertThat(s3.checksums).containsKey("small0");

        FakeS3 generic = new FakeS3();
        new StreamingUploader(generic, settings(SMALL), MIB, 2).upload(new GeneratedStream(3 * MIB + 5, 9), i -> "k" + i);
        assertThat(generic.checksums).isEmpty();
    }

    @Test
    void c02_maxObjectSizeSplitsIntoVolumesOfOneOneAndAHalf() throws Exception {
        // scaled: "1 GiB" max object = 10 MiB, stream "2.5 GiB" = 25 MiB, parts of 1 MiB
        ProviderProfile p = ProviderProfile.generic().scaled(1000, MIB, 10 * MIB);
        FakeS3 s3 = new FakeS3();
        List<VolumeResult> vols = new StreamingUploader(s3, settings(p), MIB, 2)
                .upload(new GeneratedStream(25 * MIB, 2), i -> "k" + i);
        assertThat(vols).extracting(VolumeResult::bytes).containsExactly(10 * MIB, 10 * MIB, 5 * MIB);
        for (VolumeResult v : vols) {
            assertThat(v.sha256OfParts()).isEqualTo(shaOfParts(s3.objects.get(v.key()), MIB));
            assertThat(v.partSize()).isEqualTo(MIB);
        }
    }

    @Test
    void c02_streamWithinOnePartIsASinglePut() throws Exception {
        FakeS3 s3 = new FakeS3();
        List<VolumeResult> vols = new StreamingUploader(s3, settings(SMALL), MIB, 2)
                .upload(new GeneratedStream(MIB / 2, 3), i -> "k" + i);
        assertThat(s3.calls).containsExactly("put k0");
        assertThat(vols).singleElement().satisfies(v -> {
            assertThat(v.bytes()).isEqualTo(MIB / 2);
            assertThat(v.parts()).isEqualTo(1);
        });
    }

    @Test
    void c02_anythingAboveOnePartGoesMultipart() throws Exception {
        FakeS3 s3 = new FakeS3();
        List<VolumeResult> vols = new StreamingUploader(s3, settings(SMALL), MIB, 2)
                .upload(new GeneratedStream(MIB + 1, 3), i -> "k" + i);
        assertThat(s3.calls).containsExactly("create k0", "complete k0");
        assertThat(vols.get(0).parts()).isEqualTo(2);
    }

    @Test
    void streamOfExactlyAVolumeEndsWithoutAnEmptyVolume() throws Exception {
        FakeS3 s3 = new FakeS3();
        List<VolumeResult> vols = new StreamingUploader(s3, settings(SMALL), MIB, 2)
                .upload(new GeneratedStream(20 * MIB, 4), i -> "k" + i);
        assertThat(vols).hasSize(1);
        assertThat(s3.objects).containsOnlyKeys("k0");
    }

    @Test
    void emptyStreamGivesOneEmptyObject() throws Exception {
        FakeS3 s3 = new FakeS3();
        List<VolumeResult> vols = new StreamingUploader(s3, settings(SMALL), MIB, 2)
                .upload(new GeneratedStream(0, 4), i -> "k" + i);
        assertThat(vols).singleElement().extracting(VolumeResult::bytes).isEqualTo(0L);
        assertThat(vols.get(0).partSha256()).containsExactly("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
        // printf '' | sha256sum | cut -c1-64 | xxd -r -p | sha256sum
        assertThat(vols.get(0).sha256OfParts()).isEqualTo("5df6e0e2761359d30a8275058e299fcc0381534545f55cf43e41983f5d4c9456");
    }

    @Test
    void c03_neverMoreThanInFlightPartsAndBuffersBounded() throws Exception {
        FakeS3 s3 = new FakeS3();
        var up = new StreamingUploader(s3, settings(SMALL), MIB, 3);
        assertThat(up.bufferBytes()).isEqualTo(4 * MIB);
        up.upload(new GeneratedStream(15 * MIB, 5), i -> "k" + i);
        assertThat(s3.peakInFlight.get()).isBetween(1, 3);
    }

    @Test
    void c04_producerFailingMidStreamAbortsAndLeavesNothing() {
        FakeS3 s3 = new FakeS3();
        // the first volume (20 MiB) completes, then the source fails in the second one
        assertThatThrownBy(() -> new StreamingUploader(s3, settings(SMALL), MIB, 2)
                .upload(new GeneratedStream(40 * MIB, 6, 25 * MIB + 17), i -> "k" + i))
                .isInstanceOf(IOException.class)
                .hasMessageContaining("injected");
        assertThat(s3.objects).isEmpty();
        assertThat(s3.uploads).isEmpty();
        assertThat(s3.aborted.get()).isEqualTo(1);
    }

    @Test
    void c06_partThreeFailingPermanentlyAbortsTheUpload() {
        FakeS3 s3 = new FakeS3();
        s3.failPart = (k, n) -> n == 3;
        assertThatThrownBy(() -> new StreamingUploader(s3, settings(SMALL), MIB, 2)
                .upload(new GeneratedStream(5 * MIB, 7), i -> "k" + i))
                .isInstanceOf(UploadFailedException.class)
                .hasMessageContaining("UploadPart 3 of k0");
        assertThat(s3.objects).isEmpty();
        assertThat(s3.uploads).isEmpty();
    }

    @Test
    void rejectsPartSizeOutsideProfile() {
        assertThatThrownBy(() -> new StreamingUploader(new FakeS3(), settings(ProviderProfile.aws()), MIB, 2))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("outside");
    }
}
