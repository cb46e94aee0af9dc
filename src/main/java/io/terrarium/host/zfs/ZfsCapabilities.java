package io.terrarium.host.zfs;

import java.util.Set;

/**
 * What the host's ZFS can do, probed once (DESIGN.md §2). OpenZFS 2.x has
 * {@code send -L -c -w -n -P}, holds, bookmarks, resume tokens and {@code list -p}; the zfs-fuse
 * stand-in used on the development host has none of these.
 *
 * @param implementation "openzfs" or "zfs-fuse" (or "unknown")
 * @param version        version string as the tool reports it, or "" when it has none
 * @param sendFlags      single-letter {@code zfs send} flags the usage text lists (e.g. "L", "c", "w", "n", "P")
 * @param holds          {@code zfs hold}/{@code release} exist
 * @param bookmarks      {@code zfs bookmark} exists
 * @param resumable      {@code zfs receive -s} (resume tokens) exists
 * @param parsableList   {@code zfs list -p} (exact numbers) exists
 */
public record ZfsCapabilities(String implementation, String version, Set<String> sendFlags,
                              boolean holds, boolean bookmarks, boolean resumable,
                              boolean parsableList) {

    /** Whether {@code zfs send -n -P} can estimate a stream's size. */
    public boolean sizeEstimate() {
        return sendFlags.contains("n") && sendFlags.contains("P");
    }

    /** Whether compressed ({@code -c}) and large-block ({@code -L}) sends are possible. */
    public boolean compressedSend() {
        return sendFlags.contains("c") && sendFlags.contains("L");
    }

    /** Whether raw ({@code -w}) sends of encrypted datasets are possible. */
    public boolean rawSend() {
        return sendFlags.contains("w");
    }
}
