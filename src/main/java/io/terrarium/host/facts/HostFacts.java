package io.terrarium.host.facts;

import com.fasterxml.jackson.annotation.JsonInclude;
import io.terrarium.host.zfs.PoolStatus;
import io.terrarium.host.zfs.ZfsCapabilities;

import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * What the {@code host-facts} job found on the host: tool versions and ZFS capabilities that
 * {@code status} shows and the other jobs consult (which {@code zfs send} flags to use, whether to
 * add holds).
 *
 * @param collectedAt  when the probe ran, UTC
 * @param tools        tool name (lxd, zfs, sanoid, syncoid, ansible, zstd) → what was found
 * @param lxdReachable whether {@code lxc query /1.0} answered
 * @param zfs          probed ZFS capabilities, or {@code null} when zfs is missing
 * @param holdsWork    result of the functional hold probe on the configured pool, or {@code null}
 *                     when the pool was not available to probe
 * @param pools        imported pools with their health
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record HostFacts(Instant collectedAt, Map<String, Tool> tools, boolean lxdReachable,
                        ZfsCapabilities zfs, Boolean holdsWork, List<PoolStatus> pools) {

    /**
     * One tool.
     *
     * @param present whether it could be run
     * @param version version string as the tool reports it ("" when it reports none)
     * @param error   why it could not be probed, or {@code null}
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Tool(boolean present, String version, String error) {
    }
}
