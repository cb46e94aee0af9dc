package io.terrarium.s3;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ManifestCodecTest {
    static final String SHA = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
    final ManifestCodec codec = new ManifestCodec();

    static Manifest manifest(String key, long bytes) {
        return new Manifest(1, "20250101T120000Z-123", "inst-1", "web", "tank/containers/web", "trm-1", "123",
                null, null, "zstd", List.of("-p"), Map.of("terrarium", "0.1.0"),
                Instant.parse("2025-01-01T12:00:00Z"), bytes,
                List.of(new Manifest.Volume(key, bytes, SHA, 1048576, 1, List.of(SHA))));
    }

    @Test
    void roundTripsAsSnakeCaseJson() throws Exception {
        Manifest m = manifest("terrarium/inst-1/web/data/x/stream.zst.0000", 10);
        byte[] json = codec.write(m, "terrarium/");
        String text = new String(json, StandardCharsets.UTF_8);
        assertThat(text).contains("\"format_version\" : 1", "\"snapshot_guid\" : \"123\"", "\"parent_id\" : null",
                "\"created_at\" : \"2025-01-01T12:00:00Z\"", "\"part_size\" : 1048576");
        assertThat(codec.read(json, "terrarium/")).isEqualTo(m);
    }

    /**
     * Found by the kill -9 campaign (scripts/bench-kill-campaign.sh): a sealed manifest written by one
     * JVM failed authentication in another ("its manifest was altered or forged") because
     * {@code tool_versions} was a {@code Map.copyOf}, whose iteration order depends on a per-JVM random
     * salt, and the MAC is over the manifest's JSON. The bytes must list map keys in order.
     */
    @Test
    void authenticatedBytesListToolVersionsInKeyOrderWhateverTheInsertionOrder() throws Exception {
        Map<String, String> tools = new java.util.LinkedHashMap<>();
        for (String k : List.of("zz", "zstd", "zfs", "yq", "terrarium", "sanoid", "lxd", "kernel", "b", "a")) {
            tools.put(k, "1." + k.length());
        }
        Manifest base = manifest("terrarium/ok", 10);
        Manifest m = new Manifest(1, base.id(), base.installationId(), base.instance(), base.dataset(), base.snapshot(),
                base.snapshotGuid(), null, null, "zstd", base.sendFlags(), tools, base.createdAt(), 10, base.volumes());
        String text = new String(codec.authenticatedBytes(m), StandardCharsets.UTF_8);
        var names = new java.util.ArrayList<String>();
        new com.fasterxml.jackson.databind.ObjectMapper().readTree(text).path("tool_versions").fieldNames().forEachRemaining(names::add);
        assertThat(names).containsExactly("a", "b", "kernel", "lxd", "sanoid", "terrarium", "yq", "zfs", "zstd", "zz");
        // a stored manifest listing them in another order reads back to the same authenticated bytes
        String shuffled = new String(codec.write(m, "terrarium/"), StandardCharsets.UTF_8)
                .replaceFirst("\"a\" : \"1.1\",\\s*\"b\" : \"1.1\",", "\"b\" : \"1.1\", \"a\" : \"1.1\",");
        assertThat(shuffled).contains("\"b\" : \"1.1\", \"a\"");
        assertThat(codec.authenticatedBytes(codec.read(shuffled.getBytes(StandardCharsets.UTF_8), "terrarium/")))
                .isEqualTo(codec.authenticatedBytes(m));
    }

    @Test
    void rejectsKeysOutsideThePrefix() {
        for (String key : List.of("/etc/passwd", "terrarium/../other/x", "other/x", "terrarium//x", "terrarium/a\\b")) {
            byte[] json = new String(codec.write(manifest("terrarium/ok", 10), "terrarium/"), StandardCharsets.UTF_8)
                    .replace("terrarium/ok", key.replace("\\", "\\\\")).getBytes(StandardCharsets.UTF_8);
            assertThatThrownBy(() -> codec.read(json, "terrarium/")).as(key).isInstanceOf(ManifestException.class)
                    .hasMessageContaining("volumes[0].key");
        }
    }

    @Test
    void rejectsNegativeSizesBadHashUnknownKeysAndOtherVersions() {
        String ok = new String(codec.write(manifest("terrarium/ok", 10), "terrarium/"), StandardCharsets.UTF_8);
        assertThatThrownBy(() -> codec.read(ok.replace("\"bytes\" : 10", "\"bytes\" : -1").getBytes(), "terrarium/"))
                .hasMessageContaining("negative");
        assertThatThrownBy(() -> codec.read(ok.replaceFirst("\"sha256\" : \"e3", "\"sha256\" : \"E3").getBytes(), "terrarium/"))
                .hasMessageContaining("hex");
        assertThatThrownBy(() -> codec.read(ok.replace("\"format_version\" : 1", "\"format_version\" : 2").getBytes(), "terrarium/"))
                .hasMessageContaining("format_version 2");
        assertThatThrownBy(() -> codec.read(ok.replace("\"instance\"", "\"extra\" : 1, \"instance\"").getBytes(), "terrarium/"))
                .isInstanceOf(ManifestException.class).hasMessageContaining("extra");
        assertThatThrownBy(() -> codec.read("{".getBytes(), "terrarium/")).isInstanceOf(ManifestException.class);
    }

    @Test
    void keyLayoutStaysUnderThePrefix() {
        ExportKeys k = new ExportKeys("terrarium/", "inst-1");
        String id = ExportKeys.newId(Instant.parse("2025-01-01T12:00:00Z"), "42");
        assertThat(id).isEqualTo("20250101T120000Z-42");
        assertThat(k.manifest("web", id)).isEqualTo("terrarium/inst-1/web/manifests/20250101T120000Z-42.json");
        assertThat(k.volume("web", id, 1)).isEqualTo("terrarium/inst-1/web/data/20250101T120000Z-42/stream.zst.0001");
        assertThatThrownBy(() -> k.manifest("..", id)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> k.manifest("a/b", id)).isInstanceOf(IllegalArgumentException.class);
    }

    /**
     * Issue 13 item 3: a crafted manifest with {@code part_size: 2000000000} was valid, and verify or
     * restore allocated a 2 GB buffer for its first part (the daemon JVM exits on OutOfMemoryError).
     */
    @Test
    void aPartSizeOfTwoBillionBytesIsRefusedBeforeAnyAllocation() {
        String ok = new String(codec.write(manifest("terrarium/ok", 10), "terrarium/"), StandardCharsets.UTF_8);
        byte[] crafted = ok.replace("\"part_size\" : 1048576", "\"part_size\" : 2000000000").getBytes(StandardCharsets.UTF_8);
        assertThatThrownBy(() -> codec.read(crafted, "terrarium/")).isInstanceOf(ManifestException.class)
                .hasMessageContaining("volumes[0].part_size 2000000000 bytes is above the limit of 268435456 bytes");
        byte[] manyParts = ok.replace("\"parts\" : 1", "\"parts\" : 10001").getBytes(StandardCharsets.UTF_8);
        assertThatThrownBy(() -> codec.read(manyParts, "terrarium/")).hasMessageContaining("10001 is above S3's limit");
    }

    @Test
    void aManifestObjectAboveTheSizeLimitIsRefusedFromItsLengthBeforeItsBodyIsRead() throws Exception {
        FakeS3 s3 = new FakeS3();
        s3.objects.put("terrarium/i/web/manifests/big.json", new byte[(int) ManifestCodec.MAX_MANIFEST_BYTES + 1]);
        assertThatThrownBy(() -> ManifestCodec.readObject(s3, "b", "terrarium/i/web/manifests/big.json"))
                .isInstanceOf(ManifestException.class).hasMessageContaining("16777217 bytes, above the limit of 16777216 bytes");
        assertThatThrownBy(() -> codec.read(new byte[(int) ManifestCodec.MAX_MANIFEST_BYTES + 1], "terrarium/"))
                .isInstanceOf(ManifestException.class).hasMessageContaining("above the limit");
        byte[] ok = codec.write(manifest("terrarium/ok", 10), "terrarium/");
        s3.objects.put("terrarium/i/web/manifests/ok.json", ok);
        assertThat(ManifestCodec.readObject(s3, "b", "terrarium/i/web/manifests/ok.json")).isEqualTo(ok);
    }

    /** verify and restore read points through the catalog: the crafted manifest is listed as unreadable, never used. */
    @Test
    void theCatalogListsAManifestWithAnOversizedPartAsUnreadableAndNeverUsesIt() throws Exception {
        FakeS3 s3 = new FakeS3();
        Manifest m = manifest("terrarium/inst-1/web/data/x/stream.zst.0000", 10);
        String key = new ExportKeys("terrarium/", "inst-1").manifest("web", m.id());
        s3.objects.put(key, new String(codec.write(m, "terrarium/"), StandardCharsets.UTF_8)
                .replace("\"part_size\" : 1048576", "\"part_size\" : 2000000000").getBytes(StandardCharsets.UTF_8));
        var points = new S3Catalog(s3, "b", "terrarium/").points("inst-1", "web");
        assertThat(points.manifests()).isEmpty();
        assertThat(points.unreadable()).singleElement().satisfies(u -> assertThat(u.reason()).contains("part_size 2000000000"));
    }
}
