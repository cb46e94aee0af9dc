package io.terrarium.s3;

import io.terrarium.host.zstd.Compression;
import io.terrarium.restore.RestorePlanException;
import io.terrarium.restore.S3Restorer;

import io.terrarium.s3.Manifest;
import io.terrarium.s3.ManifestCodec;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;

import static io.terrarium.s3.ProviderProfile.MIB;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Export → manifest → verified read-back, against the in-memory S3. */
public class S3ExporterTest {
    public static final ProviderProfile P = ProviderProfile.generic().scaled(4, MIB, 1024 * MIB);

    static S3Exporter.Request req(Compression.Engine e) {
        return new S3Exporter.Request("web", "tank/containers/web", "trm-1", "4242", null, List.of(),
                OptionalLong.empty(), MIB, 2, e, Map.of("terrarium", "test"));
    }

    static byte[] restoreBytes(FakeS3 s3, Manifest m) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (InputStream in = Compression.decompress(new VerifiedVolumesStream(s3, "b", m))) {
            in.transferTo(out);
        }
        return out.toByteArray();
    }

    @Test
    void exportCommitsManifestLastAndReadsBackVerified() throws Exception {
        for (Compression.Engine engine : Compression.Engine.values()) {
            FakeS3 s3 = new FakeS3();
            var exporter = new S3Exporter(s3, StreamingUploaderTest.settings(P), "inst-1",
                    Clock.fixed(Instant.parse("2025-01-01T00:00:00Z"), ZoneOffset.UTC));
            // incompressible data → ~9 MiB of zstd output → 3 volumes of 4 × 1 MiB parts
            Manifest m = exporter.exportStream(req(engine), new GeneratedStream(9 * MIB, 11), n -> { });
            assertThat(m.volumes()).hasSize(3);
            assertThat(s3.calls.get(s3.calls.size() - 1)).isEqualTo("put " + exporter.keys().manifest("web", m.id()));
            Manifest read = new ManifestCodec().read(s3.objects.get(exporter.keys().manifest("web", m.id())), "terrarium/");
            assertThat(read).isEqualTo(m);
            assertThat(restoreBytes(s3, m)).isEqualTo(StreamingUploaderTest.all(9 * MIB, 11));
        }
    }

    /**
     * Issue 13 item 5: the manifest PUT succeeded, its HEAD failed. The volumes used to be deleted
     * first: a crash (or a failed manifest DELETE) in between left a manifest naming missing volumes,
     * a restore point that looks valid but is not. The manifest goes first.
     */
    @Test
    void aFailedCommitDeletesTheManifestBeforeAnyVolume() {
        FakeS3 s3 = new FakeS3();
        s3.failHead = k -> k.endsWith(".json");
        var exporter = new S3Exporter(s3, StreamingUploaderTest.settings(P), "inst-1", Clock.systemUTC());
        assertThatThrownBy(() -> exporter.exportStream(req(Compression.Engine.values()[0]), new GeneratedStream(6 * MIB, 5), n -> { }))
                .isInstanceOf(IOException.class).hasMessageContaining("manifest");
        List<String> deletes = s3.calls.stream().filter(c -> c.startsWith("delete ")).toList();
        assertThat(deletes).isNotEmpty();
        assertThat(deletes.get(0)).endsWith(".json");
        assertThat(deletes.subList(1, deletes.size())).allSatisfy(d -> assertThat(d).contains("/stream.zst."));
        assertThat(s3.objects).isEmpty();
    }

    /** When the manifest cannot be deleted either, the volumes it names stay: never a manifest without its volumes. */
    @Test
    void aFailedCommitWhoseManifestCannotBeDeletedKeepsTheVolumesItNames() {
        FakeS3 s3 = new FakeS3();
        s3.failHead = k -> k.endsWith(".json");
        s3.failDelete = k -> k.endsWith(".json");
        var exporter = new S3Exporter(s3, StreamingUploaderTest.settings(P), "inst-1", Clock.systemUTC());
        assertThatThrownBy(() -> exporter.exportStream(req(Compression.Engine.values()[0]), new GeneratedStream(6 * MIB, 5), n -> { }))
                .isInstanceOf(IOException.class).hasMessageContaining("kept");
        assertThat(s3.objects.keySet()).anyMatch(k -> k.endsWith(".json")).anyMatch(k -> k.contains("/stream.zst."));
        assertThat(s3.calls.stream().filter(c -> c.startsWith("delete ")).toList()).allSatisfy(d -> assertThat(d).endsWith(".json"));
    }

    @Test
    void c04_failingProducerLeavesNoManifestNoObjectNoUpload() {
        for (Compression.Engine engine : Compression.Engine.values()) {
            FakeS3 s3 = new FakeS3();
            var exporter = new S3Exporter(s3, StreamingUploaderTest.settings(P), "inst-1", Clock.systemUTC());
            assertThatThrownBy(() -> exporter.exportStream(req(engine), new GeneratedStream(20 * MIB, 3, 7 * MIB), n -> { }))
                    .as(engine.name()).isInstanceOf(IOException.class).hasMessageContaining("injected");
            assertThat(s3.objects).as(engine.name()).isEmpty();
            assertThat(s3.uploads).as(engine.name()).isEmpty();
        }
    }

    @Test
    void corruptedPartIsDetectedBeforeItsBytesAreHandedOn() throws Exception {
        FakeS3 s3 = new FakeS3();
        var exporter = new S3Exporter(s3, StreamingUploaderTest.settings(P), "inst-1", Clock.systemUTC());
        Manifest m = exporter.exportStream(req(Compression.Engine.JNI), new GeneratedStream(3 * MIB, 5), n -> { });
        byte[] obj = s3.objects.get(m.volumes().get(0).key());
        obj[(int) MIB + 5] ^= 1; // part 2
        var in = new VerifiedVolumesStream(s3, "b", m);
        byte[] first = in.readNBytes((int) MIB);
        assertThat(first).hasSize((int) MIB);
        assertThatThrownBy(in::read).isInstanceOf(VerifiedVolumesStream.IntegrityException.class)
                .hasMessageContaining("part 2 of");
    }

    @Test
    void restorePlanNamesMissingVolumeAndNewestRestorablePoint() throws Exception {
        FakeS3 s3 = new FakeS3();
        var exporter = new S3Exporter(s3, StreamingUploaderTest.settings(P), "inst-1", Clock.systemUTC());
        Manifest full = exporter.exportStream(req(Compression.Engine.JNI), new GeneratedStream(MIB, 1), n -> { });
        var incReq = new S3Exporter.Request("web", "tank/containers/web", "trm-2", "4243", full, List.of(),
                OptionalLong.empty(), MIB, 2, Compression.Engine.JNI, Map.of());
        Manifest inc = exporter.exportStream(incReq, new GeneratedStream(MIB, 2), n -> { });
        var restorer = new S3Restorer(s3, "b");
        assertThat(restorer.plan(List.of(full, inc)).chain()).hasSize(2);
        s3.objects.remove(inc.volumes().get(0).key());
        assertThatThrownBy(() -> restorer.plan(List.of(full, inc)))
                .isInstanceOf(RestorePlanException.class)
                .hasMessageContaining("is missing")
                .hasMessageContaining("newest restorable point: " + full.id());
        assertThatThrownBy(() -> restorer.plan(List.of(inc))).hasMessageContaining("must start with a full");
    }
}
