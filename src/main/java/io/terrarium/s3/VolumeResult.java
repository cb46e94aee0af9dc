package io.terrarium.s3;

import java.util.List;

/**
 * One uploaded volume object, as confirmed by HEAD.
 *
 * @param key           object key
 * @param bytes         object size in bytes
 * @param sha256        lowercase hex SHA-256 of the whole object, or {@code null}: the uploader
 *                      no longer hashes the object a second time (issue 16 item 2)
 * @param sha256OfParts lowercase hex {@link Manifest.Volume#sha256OfParts SHA-256 over the part digests}
 * @param partSize      part size in bytes (every part but the last has it; a single PUT has one part)
 * @param partSha256    lowercase hex SHA-256 of each part, in part order (size = number of parts)
 */
public record VolumeResult(String key, long bytes, String sha256, String sha256OfParts, long partSize,
                           List<String> partSha256) {
    public VolumeResult {
        partSha256 = List.copyOf(partSha256);
    }

    /** A volume known by its part digests only; {@code sha256OfParts} is computed from them. */
    public VolumeResult(String key, long bytes, long partSize, List<String> partSha256) {
        this(key, bytes, null, Manifest.Volume.sha256OfParts(partSha256), partSize, partSha256);
    }

    /** Number of parts (1 for a single PUT). */
    public int parts() {
        return partSha256.size();
    }
}
