package io.terrarium.host.zfs;

import java.time.Instant;

/**
 * One snapshot as {@code zfs get -Hp creation,used} reports it.
 *
 * @param dataset   the snapshotted filesystem, e.g. {@code terrarium/containers/web}
 * @param name      the part after '@', e.g. {@code autosnap_2026-01-31_12:15:00_frequently}
 * @param created   creation time (whole seconds, UTC instant)
 * @param usedBytes space used only by this snapshot, in bytes (-1 when unknown)
 */
public record ZfsSnapshot(String dataset, String name, Instant created, long usedBytes) {
    /** {@code dataset@name}. */
    public String fullName() {
        return dataset + "@" + name;
    }
}
