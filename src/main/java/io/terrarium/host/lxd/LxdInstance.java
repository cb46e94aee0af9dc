package io.terrarium.host.lxd;

import java.time.Instant;
import java.util.Map;

/**
 * One instance as {@code GET /1.0/instances?recursion=2} reports it (only the fields Terrarium
 * reads).
 *
 * @param name           instance name
 * @param status         LXD status text ({@code Running}, {@code Stopped}, {@code Frozen}, …)
 * @param createdAt      LXD {@code created_at}, or {@code null} when missing/unparsable
 * @param expandedConfig config with profiles applied ({@code expanded_config}); labels set in a
 *                       profile count
 * @param devices        the instance's own devices ({@code devices}, not the expanded ones):
 *                       name → device config; only these can be changed on the instance
 */
public record LxdInstance(String name, String status, Instant createdAt, Map<String, String> expandedConfig,
                          Map<String, Map<String, String>> devices) {
    public LxdInstance {
        expandedConfig = Map.copyOf(expandedConfig);
        devices = Map.copyOf(devices);
    }

    /** True when LXD reports status {@code Running}. */
    public boolean running() {
        return "Running".equals(status);
    }
}
