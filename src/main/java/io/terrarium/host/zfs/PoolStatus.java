package io.terrarium.host.zfs;

/**
 * One imported pool from {@code zpool list -H}.
 *
 * @param name   pool name
 * @param health ONLINE, DEGRADED, FAULTED, OFFLINE, UNAVAIL or REMOVED
 * @param size   size as zpool prints it (human units; exact bytes where {@code -p} exists)
 * @param alloc  allocated, same units as size
 * @param free   free, same units as size
 */
public record PoolStatus(String name, String health, String size, String alloc, String free) {
    /** True when the pool is ONLINE. */
    public boolean healthy() {
        return "ONLINE".equals(health);
    }
}
