package io.terrarium.s3;

import java.util.List;

/**
 * One uploaded volume object, as confirmed by HEAD.
 *
 * @param key        object key
 * @param bytes      object size in bytes
 * @param sha256     lowercase hex SHA-256 of the whole object
 * @param partSize   part size in bytes (every part but the last has it; a single PUT has one part)
 * @param partSha256 lowercase hex SHA-256 of each part, in part order (size = number of parts)
 */
public record VolumeResult(String key, long bytes, String sha256, long partSize, List<String> partSha256) {
    public VolumeResult {
        partSha256 = List.copyOf(partSha256);
    }

    /** Number of parts (1 for a single PUT). */
    public int parts() {
        return partSha256.size();
    }
}
