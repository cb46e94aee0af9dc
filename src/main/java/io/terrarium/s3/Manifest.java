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
     * One volume object. Its bytes are checked either against {@code sha256} (a SHA-256 over the
     * whole object: manifests written before issue 16) or, without hashing the object twice,
     * against {@code part_sha256} (each part on its own) tied together by {@code sha256_of_parts}
     * (issue 16 item 2). A volume has at least one of {@code sha256} and {@code sha256_of_parts};
     * absent fields are left out of the JSON, so an old manifest reads and re-serializes to the
     * same bytes (its MAC still verifies).
     *
     * @param key          object key (under the configured prefix)
     * @param bytes        object size in bytes
     * @param sha256       lowercase hex SHA-256 of the whole object, or {@code null} (new manifests)
     * @param sha256OfParts lowercase hex {@link #sha256OfParts(List) SHA-256 over the part digests}
     *                     (kind {@value #PARTS_DIGEST_KIND}), or {@code null} (old manifests)
     * @param partSize     multipart part size in bytes
     * @param parts        number of parts
     * @param partSha256   lowercase hex SHA-256 of each part (may be empty when {@code sha256} is set)
     */
    @JsonPropertyOrder({"key", "bytes", "sha256", "sha256_of_parts", "part_size", "parts", "part_sha256"})
    public record Volume(String key, long bytes, @JsonInclude(JsonInclude.Include.NON_NULL) String sha256,
                         @JsonInclude(JsonInclude.Include.NON_NULL) String sha256OfParts,
                         long partSize, int parts, List<String> partSha256) {
        /**
         * How {@code sha256_of_parts} is computed, for docs and error messages: SHA-256 over the
         * concatenation of each part's 32-byte SHA-256 digest (not its hex), in part order.
         */
        public static final String PARTS_DIGEST_KIND = "sha256(part_sha256[0] || … || part_sha256[n-1]), raw 32-byte digests";

        public Volume {
            partSha256 = partSha256 == null ? List.of() : List.copyOf(partSha256);
        }

        /** A volume with a whole-object SHA-256 only (the format before issue 16). */
        public Volume(String key, long bytes, String sha256, long partSize, int parts, List<String> partSha256) {
            this(key, bytes, sha256, null, partSize, parts, partSha256);
        }

        /**
         * The digest of a volume from its part digests: SHA-256 over the parts' 32-byte SHA-256
         * digests concatenated in part order (a one-level hash tree). Each byte of the object is
         * hashed once (in its part); this hashes 32 bytes per part.
         *
         * @param partSha256 lowercase hex SHA-256 of each part, in order
         * @return lowercase hex SHA-256
         * @throws IllegalArgumentException when an entry is not 64 hex digits
         */
        public static String sha256OfParts(List<String> partSha256) {
            java.security.MessageDigest md;
            try {
                md = java.security.MessageDigest.getInstance("SHA-256");
            } catch (java.security.NoSuchAlgorithmException e) {
                throw new IllegalStateException(e);
            }
            java.util.HexFormat hex = java.util.HexFormat.of();
            for (String s : partSha256) {
                if (s == null || s.length() != 64) {
                    throw new IllegalArgumentException("a part SHA-256 is not 64 hex digits: " + s);
                }
                md.update(hex.parseHex(s));
            }
            return hex.formatHex(md.digest());
        }
    }
}
