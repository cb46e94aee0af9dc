package io.terrarium.restore;

import io.terrarium.host.exec.Command;
import io.terrarium.host.zfs.SendStreamHeader;
import io.terrarium.host.zstd.Compression;
import io.terrarium.s3.FakeS3;
import io.terrarium.s3.Manifest;
import io.terrarium.s3.S3Exporter;
import io.terrarium.s3.S3ExporterTest;
import io.terrarium.s3.StreamingUploaderTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;

import static io.terrarium.s3.ProviderProfile.MIB;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Issue 13 item 3, the restore path with a planted stream: a bucket writer uploads a real zfs-fuse
 * replication stream (zfs send -R) under a well-formed manifest whose SHA-256 values match. The
 * restore refuses it from its DRR_BEGIN record before the receive command even starts (the command
 * here records that it ran), naming what was refused.
 */
class CraftedStreamRestoreTest {
    static final String S1 = "18255776567061734165";

    static Manifest plant(FakeS3 s3, String fixture, String guid) throws Exception {
        byte[] head;
        try (InputStream in = CraftedStreamRestoreTest.class.getResourceAsStream("/zfs/streams/" + fixture)) {
            head = in.readAllBytes();
        }
        byte[] stream = Arrays.copyOf(head, head.length + 4096);
        var exporter = new S3Exporter(s3, StreamingUploaderTest.settings(S3ExporterTest.P), "inst-1", Clock.systemUTC());
        var req = new S3Exporter.Request("web", "tank/containers/web", "s1", guid, null, List.of(), OptionalLong.empty(), MIB, 2,
                Compression.Engine.values()[0], Map.of("terrarium", "test"));
        return exporter.exportStream(req, new ByteArrayInputStream(stream), n -> { });
    }

    static Command recordingReceive(Path marker) {
        return new Command("sh", List.of("-c", "touch " + marker + "; cat > /dev/null"), Duration.ofMinutes(1), null, null);
    }

    @Test
    void aPlantedReplicationStreamIsRefusedBeforeZfsReceiveStarts(@TempDir Path tmp) throws Exception {
        FakeS3 s3 = new FakeS3();
        Manifest m = plant(s3, "zfs-fuse-replication.bin", S1);
        S3Restorer restorer = new S3Restorer(s3, "b");
        Path marker = tmp.resolve("receive-started");
        assertThatThrownBy(() -> restorer.restore(restorer.plan(List.of(m)), x -> recordingReceive(marker)))
                .isInstanceOf(SendStreamHeader.RefusedStreamException.class)
                .hasMessageContaining("the stream of " + m.id() + " is a replication or property stream")
                .hasMessageContaining("nothing was received");
        assertThat(marker).doesNotExist();
    }

    @Test
    void aPlantedPropertyStreamAndAStreamOfAnotherSnapshotAreRefusedToo(@TempDir Path tmp) throws Exception {
        FakeS3 s3 = new FakeS3();
        S3Restorer restorer = new S3Restorer(s3, "b");
        Path marker = tmp.resolve("receive-started");
        Manifest props = plant(s3, "zfs-fuse-properties.bin", S1);
        assertThatThrownBy(() -> restorer.restore(restorer.plan(List.of(props)), x -> recordingReceive(marker)))
                .hasMessageContaining("replication or property stream");
        Manifest other = plant(s3, "zfs-fuse-full.bin", "42");
        assertThatThrownBy(() -> restorer.restore(restorer.plan(List.of(other)), x -> recordingReceive(marker)))
                .hasMessageContaining("is of snapshot GUID " + S1 + ", the manifest says 42");
        assertThat(marker).doesNotExist();
    }

    @Test
    void thePlainStreamOfTheManifestsSnapshotReachesTheReceiveWhole(@TempDir Path tmp) throws Exception {
        FakeS3 s3 = new FakeS3();
        Manifest m = plant(s3, "zfs-fuse-full.bin", S1);
        S3Restorer restorer = new S3Restorer(s3, "b");
        Path out = tmp.resolve("received");
        restorer.restore(restorer.plan(List.of(m)),
                x -> new Command("sh", List.of("-c", "cat > " + out), Duration.ofMinutes(1), null, null));
        assertThat(Files.size(out)).isEqualTo(312 + 4096);
    }

    /** A part replaced by other bytes of the same size: refused by its SHA-256 before zfs receive starts. */
    @Test
    void aSwappedPartIsRefusedBeforeZfsReceiveStarts(@TempDir Path tmp) throws Exception {
        FakeS3 s3 = new FakeS3();
        Manifest m = plant(s3, "zfs-fuse-full.bin", S1);
        String key = m.volumes().get(0).key();
        s3.objects.put(key, new byte[s3.objects.get(key).length]);
        S3Restorer restorer = new S3Restorer(s3, "b");
        Path marker = tmp.resolve("receive-started");
        assertThatThrownBy(() -> restorer.restore(restorer.plan(List.of(m)), x -> recordingReceive(marker)))
                .hasMessageContaining("part 1 of " + key + " has SHA-256");
        assertThat(marker).doesNotExist();
    }

    /**
     * Bytes appended after the zstd stream, under a manifest whose size and SHA-256 match them: the
     * restore fails, and the receive never sees the end of its stdin (so it commits nothing).
     */
    @Test
    void bytesAfterTheZstdStreamFailTheRestoreBeforeTheReceiveSeesTheEnd(@TempDir Path tmp) throws Exception {
        FakeS3 s3 = new FakeS3();
        Manifest m = plant(s3, "zfs-fuse-full.bin", S1);
        Manifest.Volume v = m.volumes().get(0);
        byte[] stored = s3.objects.get(v.key());
        byte[] withTrailer = Arrays.copyOf(stored, stored.length + 7);
        System.arraycopy("trailer".getBytes(java.nio.charset.StandardCharsets.US_ASCII), 0, withTrailer, stored.length, 7);
        s3.objects.put(v.key(), withTrailer);
        Manifest altered = new Manifest(m.formatVersion(), m.id(), m.installationId(), m.instance(), m.dataset(), m.snapshot(),
                m.snapshotGuid(), m.parentId(), m.parentSnapshot(), m.compression(), m.sendFlags(), m.toolVersions(),
                m.createdAt(), m.streamBytes(), List.of(new Manifest.Volume(v.key(), withTrailer.length,
                java.util.HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256").digest(withTrailer)), v.partSize(), v.parts(), List.of())));
        S3Restorer restorer = new S3Restorer(s3, "b");
        Path received = tmp.resolve("received");
        Path committed = tmp.resolve("committed");
        assertThatThrownBy(() -> restorer.restore(restorer.plan(List.of(altered)), x -> new Command("sh",
                List.of("-c", "cat > " + received + " && touch " + committed), Duration.ofMinutes(1), null, null)))
                .isInstanceOf(java.io.IOException.class)
                // zstd-jni reads the trailer as the start of a next frame and refuses it; had it stopped at
                // the frame's end, the check after the frame would have named the trailing data
                .hasMessageFindingMatch("Unknown frame descriptor|data after the end of the zstd stream in " + m.id());
        assertThat(committed).doesNotExist();
    }
}
