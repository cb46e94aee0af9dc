package io.terrarium.backup;

import com.fasterxml.jackson.databind.JsonNode;
import io.terrarium.host.lxd.LxdClient;
import io.terrarium.host.zfs.ZfsAdapter;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Finds every instance's ZFS dataset from LXD's storage pool (DESIGN.md §7):
 * <ul>
 *   <li>zfs driver: {@code <zfs.pool_name>/containers/<name>} (other projects:
 *       {@code containers/<project>_<name>}, LXD's naming);</li>
 *   <li>any other driver (the development host's {@code dir} pool): the dataset mounted exactly
 *       at the instance's volume path {@code <source>/containers/<name>};</li>
 *   <li>otherwise the instance is returned with a {@code problem}, never dropped.</li>
 * </ul>
 * Costs: one {@code GET /1.0/instances?recursion=1}, one GET per storage pool, one {@code zfs list}.
 */
public final class DatasetResolver {
    private final LxdClient lxd;
    private final ZfsAdapter zfs;
    private final String project;

    /** @param lxd LXD client; @param zfs zfs adapter; @param project LXD project of the instances */
    public DatasetResolver(LxdClient lxd, ZfsAdapter zfs, String project) {
        this.lxd = lxd;
        this.zfs = zfs;
        this.project = project;
    }

    /**
     * All instances of the project, sorted by name, each with its dataset or the reason it has none.
     *
     * @throws io.terrarium.host.lxd.LxdException when LXD cannot be read
     */
    public List<InstanceDataset> resolveAll() {
        JsonNode list = lxd.get("/1.0/instances?recursion=1&project=" + enc(project));
        Map<String, JsonNode> pools = new HashMap<>();
        Map<String, String> mounts = null;
        List<InstanceDataset> out = new ArrayList<>();
        for (JsonNode i : list) {
            String name = i.path("name").asText();
            String status = i.path("status").asText("");
            String pool = rootPool(i);
            if (pool == null) {
                out.add(new InstanceDataset(name, status, null, "has no root disk device"));
                continue;
            }
            JsonNode p = pools.computeIfAbsent(pool, n -> lxd.get("/1.0/storage-pools/" + enc(n)));
            String dirName = "default".equals(project) ? name : project + "_" + name;
            String driver = p.path("driver").asText();
            if ("zfs".equals(driver)) {
                String zpool = p.path("config").path("zfs.pool_name").asText(pool);
                out.add(new InstanceDataset(name, status, zpool + "/containers/" + dirName, null));
                continue;
            }
            String source = p.path("config").path("source").asText("");
            String path = source + "/containers/" + dirName;
            if (mounts == null) {
                mounts = zfs.mountpoints();
            }
            String ds = source.isEmpty() ? null : mounts.get(path);
            out.add(ds != null ? new InstanceDataset(name, status, ds, null)
                    : new InstanceDataset(name, status, null, "storage pool " + pool + " (driver " + driver
                    + ") and no ZFS dataset is mounted at " + path + ": not snapshotted or replicated"));
        }
        out.sort(java.util.Comparator.comparing(InstanceDataset::instance));
        return out;
    }

    /**
     * One instance.
     *
     * @return the instance, or {@code null} when it does not exist in the project
     */
    public InstanceDataset resolve(String instance) {
        return resolveAll().stream().filter(i -> i.instance().equals(instance)).findFirst().orElse(null);
    }

    private static String rootPool(JsonNode i) {
        JsonNode devs = i.path("expanded_devices");
        if (devs.isMissingNode() || devs.isEmpty()) {
            devs = i.path("devices");
        }
        for (JsonNode d : devs) {
            if ("disk".equals(d.path("type").asText()) && "/".equals(d.path("path").asText())) {
                return d.path("pool").asText(null);
            }
        }
        return null;
    }

    private static String enc(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8);
    }
}
