package io.terrarium.s3;

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
 */
@JsonPropertyOrder({"format_version", "id", "installation_id", "instance", "dataset", "snapshot", "snapshot_guid",
        "parent_id", "parent_snapshot", "compression", "send_flags", "tool_versions", "created_at", "stream_bytes", "volumes"})
public record Manifest(int formatVersion, String id, String installationId, String instance, String dataset,
                       String snapshot, String snapshotGuid, String parentId, String parentSnapshot,
                       String compression, List<String> sendFlags, Map<String, String> toolVersions,
                       Instant createdAt, long streamBytes, List<Volume> volumes) {
    /** The format this code writes and the only one it reads. */
    public static final int FORMAT_VERSION = 1;

    public Manifest {
        sendFlags = sendFlags == null ? List.of() : List.copyOf(sendFlags);
        toolVersions = toolVersions == null ? Map.of() : Map.copyOf(new java.util.TreeMap<>(toolVersions));
        volumes = volumes == null ? List.of() : List.copyOf(volumes);
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
