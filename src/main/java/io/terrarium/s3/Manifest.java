package io.terrarium.s3;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;

import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * One committed restore point in S3: the description of one {@code zfs send} stream stored as one
 * or more volume objects. Written last — the manifest is the commit point of an export (DESIGN.md
 * §4); an object no manifest names is garbage. JSON, snake_case, {@link #FORMAT_VERSION}.
 *
 * @param formatVersion  manifest format, {@value #FORMAT_VERSION}
 * @param id             manifest id, unique per instance ({@code 20250101T120000Z-<guid>})
 * @param installationId id of the Terrarium installation that exported it
 * @param instance       LXD instance name
 * @param dataset        source dataset, e.g. {@code tank/containers/web}
 * @param snapshot       snapshot name (the part after {@code @})
 * @param snapshotGuid   the snapshot's ZFS GUID (decimal, as {@code zfs get guid} prints it)
 * @param parentId       manifest id of the incremental's base, or {@code null} for a full stream
 * @param parentSnapshot base snapshot name of an incremental, or {@code null}
 * @param compression    {@code zstd} or {@code none}
 * @param sendFlags      flags given to {@code zfs send} (e.g. {@code ["-p"]}, {@code ["-L","-c"]})
 * @param toolVersions   tool → version (terrarium, zfs, zstd)
 * @param createdAt      export time, UTC
 * @param streamBytes    bytes of the stored (compressed) stream, the sum of the volumes
 * @param volumes        the stream's objects in order; concatenated they are the stored stream
 * @param encryption     how the stored stream is encrypted (format {@value #SEALED_FORMAT_VERSION}),
 *                       or {@code null} for a plaintext stream (format {@value #FORMAT_VERSION})
 * @param authentication the MAC over everything above (format {@value #SEALED_FORMAT_VERSION}), or
 *                       {@code null} for a legacy, unauthenticated restore point
 */
@JsonPropertyOrder({"format_version", "id", "installation_id", "instance", "dataset", "snapshot", "snapshot_guid",
        "parent_id", "parent_snapshot", "compression", "send_flags", "tool_versions", "created_at", "stream_bytes", "volumes",
        "encryption", "authentication"})
public record Manifest(int formatVersion, String id, String installationId, String instance, String dataset,
                       String snapshot, String snapshotGuid, String parentId, String parentSnapshot,
                       String compression, List<String> sendFlags, Map<String, String> toolVersions,
                       Instant createdAt, long streamBytes, List<Volume> volumes,
                       @JsonInclude(JsonInclude.Include.NON_NULL) Encryption encryption,
                       @JsonInclude(JsonInclude.Include.NON_NULL) Authentication authentication) {
    /** The legacy format: plaintext stream, no authentication (written before issue 13, or without a backup key). */
    public static final int FORMAT_VERSION = 1;
    /** The sealed format: encrypted stream and authenticated manifest (see {@code io.terrarium.s3.crypto}). */
    public static final int SEALED_FORMAT_VERSION = 2;

    public Manifest {
        sendFlags = sendFlags == null ? List.of() : List.copyOf(sendFlags);
        // sorted, not Map.copyOf: an immutable Map's iteration order changes from one JVM to the next (a random
        // salt), and the manifest's MAC is over its JSON, so the exporter's and the verifier's bytes must agree
        toolVersions = toolVersions == null ? Map.of() : java.util.Collections.unmodifiableMap(new java.util.TreeMap<>(toolVersions));
        volumes = volumes == null ? List.of() : List.copyOf(volumes);
    }

    /** A legacy (format {@value #FORMAT_VERSION}) manifest: no encryption, no authentication. */
    public Manifest(int formatVersion, String id, String installationId, String instance, String dataset,
                    String snapshot, String snapshotGuid, String parentId, String parentSnapshot,
                    String compression, List<String> sendFlags, Map<String, String> toolVersions,
                    Instant createdAt, long streamBytes, List<Volume> volumes) {
        this(formatVersion, id, installationId, instance, dataset, snapshot, snapshotGuid, parentId, parentSnapshot,
                compression, sendFlags, toolVersions, createdAt, streamBytes, volumes, null, null);
    }

    /** The same manifest with another authentication block ({@code null}: the bytes a MAC covers). */
    public Manifest withAuthentication(Authentication a) {
        return new Manifest(formatVersion, id, installationId, instance, dataset, snapshot, snapshotGuid, parentId,
                parentSnapshot, compression, sendFlags, toolVersions, createdAt, streamBytes, volumes, encryption, a);
    }

    /** The same manifest with another encryption block (rekey rewraps the data key). */
    public Manifest withEncryption(Encryption e) {
        return new Manifest(formatVersion, id, installationId, instance, dataset, snapshot, snapshotGuid, parentId,
                parentSnapshot, compression, sendFlags, toolVersions, createdAt, streamBytes, volumes, e, authentication);
    }

    /**
     * How the stored stream is encrypted.
     *
     * @param algorithm  {@code AES256-GCM-STREAM-64KiB} (see {@code StreamAead})
     * @param keyId      id of the backup key (KEK) that wrapped the data key, 16 hex digits
     * @param wrappedKey base64 of nonce ‖ AES-256-GCM(data key) ‖ tag, bound to the manifest id
     */
    @JsonPropertyOrder({"algorithm", "key_id", "wrapped_key"})
    public record Encryption(String algorithm, String keyId, String wrappedKey) {
    }

    /**
     * The manifest's MAC.
     *
     * @param algorithm {@code HMAC-SHA256}
     * @param keyId     id of the backup key whose derived MAC key made it, 16 hex digits
     * @param mac       base64 of HMAC-SHA256 over the manifest's JSON with {@code authentication} left out
     */
    @JsonPropertyOrder({"algorithm", "key_id", "mac"})
    public record Authentication(String algorithm, String keyId, String mac) {
    }

    /** True for a full stream (no parent). */
    public boolean full() {
        return parentId == null;
    }

    /**
     * One volume object.
     *
     * @param key        object key (under the configured prefix)
     * @param bytes      object size in bytes
     * @param sha256     lowercase hex SHA-256 of the object
     * @param partSize   multipart part size in bytes
     * @param parts      number of parts
     * @param partSha256 lowercase hex SHA-256 of each part (may be empty)
     */
    @JsonPropertyOrder({"key", "bytes", "sha256", "part_size", "parts", "part_sha256"})
    public record Volume(String key, long bytes, String sha256, long partSize, int parts, List<String> partSha256) {
        public Volume {
            partSha256 = partSha256 == null ? List.of() : List.copyOf(partSha256);
        }
    }
}
