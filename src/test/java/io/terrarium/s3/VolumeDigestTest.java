package io.terrarium.s3;

import io.terrarium.host.zstd.Compression;
import io.terrarium.s3.crypto.BackupKey;
import io.terrarium.s3.crypto.BackupKeys;
import io.terrarium.s3.crypto.ManifestSeal;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Issue 16 item 2: a volume's digest over its part digests ({@code sha256_of_parts}) instead of a
 * second SHA-256 over every byte, next to manifests written before it (whole-object {@code sha256}).
 */
class VolumeDigestTest {
    /** Written by the code before issue 16 (commit e9ce213): manifests, their volumes, the key and the payload. */
    static final Path FIXTURE = Path.of("src/test/resources/s3/manifest-before-issue-16");
    private final ManifestCodec codec = new ManifestCodec();

    @Test
    void sha256OfPartsIsTheSha256OfTheRawPartDigestsInOrder() {
        // independently: a=$(printf 'part one' | sha256sum | cut -c1-64); b=…'part two'…;
        //                printf '%s%s' $a $b | xxd -r -p | sha256sum
        String a = "fed7f05c10bc95d597e6f8103228c4c10798b5f77215f718a854534da563dc9e";
        String b = "ea5683cba58035f4f3b937023cba704f0be4766baca5dd4deee460bdd1091741";
        assertThat(Manifest.Volume.sha256OfParts(List.of(a, b)))
                .isEqualTo("65c7f326f1d6017f6f3bb7cf280f57514e5db59fa69ab005c602834258e50b69");
        assertThat(Manifest.Volume.sha256OfParts(List.of(b, a))).as("order matters")
                .isNotEqualTo("65c7f326f1d6017f6f3bb7cf280f57514e5db59fa69ab005c602834258e50b69");
    }

    @Test
    void manifestsWrittenBeforeIssue16StillReadAuthenticateAndVerify() throws Exception {
        byte[] payload = Files.readAllBytes(FIXTURE.resolve("payload.bin"));
        BackupKeys keys = BackupKeys.of(BackupKey.parse(Files.readString(FIXTURE.resolve("recovery-key.txt")).strip()));
        for (String mode : List.of("plain", "sealed")) {
            FakeS3 s3 = bucket(FIXTURE.resolve(mode));
            String manifestKey = s3.objects.keySet().stream().filter(k -> k.contains("/manifests/")).findFirst().orElseThrow();
            byte[] stored = s3.objects.get(manifestKey);
            Manifest m = codec.read(stored, "terrarium/");
            assertThat(m.volumes()).as(mode).hasSizeGreaterThan(1).allSatisfy(v -> {
                assertThat(v.sha256()).isNotNull();
                assertThat(v.sha256OfParts()).isNull();
                assertThat(v.parts()).isGreaterThan(1);
            });
            if (mode.equals("sealed")) {
                // the MAC is over the re-serialized JSON: the new optional field must not appear in it
                new ManifestSeal().authenticate(m, keys, ManifestSeal.Legacy.REFUSE);
                assertThat(new String(codec.authenticatedBytes(m), StandardCharsets.UTF_8)).doesNotContain("sha256_of_parts");
            }
            for (int inFlight : new int[]{1, 4}) {
                try (InputStream in = Compression.decompress(VerifiedVolumesStream.open(s3, "b", m, keys, inFlight))) {
                    assertThat(in.readAllBytes()).as(mode + ", " + inFlight + " part(s) in flight").isEqualTo(payload);
                }
            }
            // and the old whole-object digest is still checked: one flipped byte in the last volume is caught
            Manifest.Volume last = m.volumes().get(m.volumes().size() - 1);
            s3.objects.get(last.key())[0] ^= 1;
            assertThatThrownBy(() -> Compression.decompress(VerifiedVolumesStream.open(s3, "b", m, keys, 1)).readAllBytes())
                    .as(mode).isInstanceOf(VerifiedVolumesStream.IntegrityException.class).hasMessageContaining(last.key());
        }
    }

    @Test
    void aNewExportRecordsSha256OfPartsOnlyAndVerifiesOnBothReadPaths() throws Exception {
        byte[] payload = new byte[(int) (5 * ProviderProfile.MIB / 2)];
        new java.util.Random(7).nextBytes(payload);
        for (BackupKeys keys : new BackupKeys[]{null, BackupKeys.of(BackupKey.generate())}) {
            FakeS3 s3 = new FakeS3();
            Manifest m = export(s3, keys, payload);
            byte[] json = s3.objects.get("terrarium/inst-1/web/manifests/" + m.id() + ".json");
            String text = new String(json, StandardCharsets.UTF_8);
            assertThat(text).contains("\"sha256_of_parts\"").doesNotContain("\"sha256\" :");
            Manifest read = codec.read(json, "terrarium/");
            assertThat(read).isEqualTo(m);
            if (keys != null) {
                new ManifestSeal().authenticate(read, keys, ManifestSeal.Legacy.REFUSE);
            }
            for (Manifest.Volume v : read.volumes()) {
                assertThat(v.sha256OfParts()).isEqualTo(StreamingUploaderTest.shaOfParts(s3.objects.get(v.key()), v.partSize()));
            }
            for (int inFlight : new int[]{1, 4}) {
                try (InputStream in = Compression.decompress(VerifiedVolumesStream.open(s3, "b", read, keys, inFlight))) {
                    assertThat(in.readAllBytes()).isEqualTo(payload);
                }
            }
        }
    }

    @Test
    void aCraftedManifestWithAWrongSha256OfPartsIsRefused() throws Exception {
        FakeS3 s3 = new FakeS3();
        byte[] payload = new byte[(int) ProviderProfile.MIB * 3];
        new java.util.Random(8).nextBytes(payload);
        Manifest m = export(s3, null, payload);
        String text = new String(s3.objects.get("terrarium/inst-1/web/manifests/" + m.id() + ".json"), StandardCharsets.UTF_8);
        String good = m.volumes().get(0).sha256OfParts();
        String bad = (good.charAt(0) == '0' ? "1" : "0") + good.substring(1);
        assertThatThrownBy(() -> codec.read(text.replace(good, bad).getBytes(StandardCharsets.UTF_8), "terrarium/"))
                .isInstanceOf(ManifestException.class)
                .hasMessageContaining("volumes[0].sha256_of_parts does not match its part_sha256 list");
        // a part digest swapped for another part's (both still valid hex): the tree no longer matches
        Manifest.Volume v = m.volumes().get(0);
        String p0 = v.partSha256().get(0);
        String p1 = v.partSha256().get(1);
        String swapped = text.replaceFirst(p0, "TMP").replaceFirst(p1, p0).replaceFirst("TMP", p1);
        assertThatThrownBy(() -> codec.read(swapped.getBytes(StandardCharsets.UTF_8), "terrarium/"))
                .hasMessageContaining("sha256_of_parts does not match");
        // neither digest: nothing to verify the volume against
        String none = text.replaceFirst("\"sha256_of_parts\" : \"" + good + "\",", "");
        assertThat(none).doesNotContain(good);
        assertThatThrownBy(() -> codec.read(none.getBytes(StandardCharsets.UTF_8), "terrarium/"))
                .hasMessageContaining("volumes[0] has neither sha256 nor sha256_of_parts");
        // a manifest built in code (not through the codec) is checked before its first byte is read
        Manifest forged = new Manifest(m.formatVersion(), m.id(), m.installationId(), m.instance(), m.dataset(), m.snapshot(),
                m.snapshotGuid(), null, null, m.compression(), m.sendFlags(), m.toolVersions(), m.createdAt(), m.streamBytes(),
                List.of(new Manifest.Volume(v.key(), v.bytes(), null, bad, v.partSize(), v.parts(), v.partSha256())));
        for (int inFlight : new int[]{1, 4}) {
            try (InputStream in = new VerifiedVolumesStream(s3, "b", forged, inFlight)) {
                assertThatThrownBy(in::read).isInstanceOf(VerifiedVolumesStream.IntegrityException.class)
                        .hasMessageContaining("sha256_of_parts says " + bad);
            }
        }
    }

    private static Manifest export(FakeS3 s3, BackupKeys keys, byte[] payload) throws IOException {
        S3Exporter ex = new S3Exporter(s3, StreamingUploaderTest.settings(S3ExporterTest.P), "inst-1", Clock.systemUTC(), keys);
        return ex.exportStream(new S3Exporter.Request("web", "tank/containers/web", "trm-1", "1", null, List.of(),
                OptionalLong.empty(), ProviderProfile.MIB, 2, Compression.Engine.JNI, Map.of("terrarium", "test")),
                new ByteArrayInputStream(payload), n -> { });
    }

    /** A FakeS3 holding every file under {@code dir} at its relative path as key. */
    private static FakeS3 bucket(Path dir) throws IOException {
        FakeS3 s3 = new FakeS3();
        try (Stream<Path> files = Files.walk(dir)) {
            files.filter(Files::isRegularFile).forEach(f -> {
                try {
                    s3.objects.put(dir.relativize(f).toString(), Files.readAllBytes(f));
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
        }
        return s3;
    }
}
