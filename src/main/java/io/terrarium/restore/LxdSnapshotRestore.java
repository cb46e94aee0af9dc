package io.terrarium.restore;

import com.fasterxml.jackson.databind.JsonNode;
import io.terrarium.host.exec.CommandFailedException;
import io.terrarium.host.lxd.LxdClient;
import io.terrarium.host.lxd.LxdException;
import io.terrarium.host.zfs.ZfsAdapter;
import io.terrarium.host.zfs.ZfsSnapshot;
import io.terrarium.s3.S3ExportJob;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * In-place restore of one of <b>LXD's own snapshots</b> ({@code @snapshot-<name>}) on LXD's zfs
 * storage driver, done so that LXD's restore succeeds and its database stays right.
 *
 * <p>Why: LXD's zfs driver refuses to restore a snapshot when any snapshot it did not make is newer
 * ("cannot be restored due to subsequent internal snapshot(s)", LXD source
 * {@code lxd/storage/drivers/driver_zfs_volumes.go}, {@code RestoreVolume}) — and on a Terrarium
 * host sanoid's {@code autosnap_*} and the S3 export base {@code terrarium-export-*} are always
 * newer; LXD has by then stopped a running instance and leaves it stopped. {@code zfs.remove_snapshots}
 * does not help: it only lets LXD delete newer snapshots of its own. So Terrarium first destroys the
 * newer snapshots LXD does not know (releasing its own export hold; a rollback destroys them
 * anyway, and the next export is then a full), then asks LXD to restore through its API
 * ({@code PUT /1.0/instances/<name>} with {@code restore}), which rolls back, deletes newer LXD
 * snapshots from the dataset and its database (only where {@code zfs.remove_snapshots} is true —
 * checked before anything changes) and starts the instance again if it ran.
 */
public final class LxdSnapshotRestore {
    /** LXD's dataset snapshot prefix on the zfs driver: {@code @snapshot-<name>}. */
    public static final String LXD_PREFIX = "snapshot-";
    private static final Duration BUSY_WAIT = Duration.ofSeconds(30);

    private final LxdClient lxd;
    private final ZfsAdapter zfs;
    private final String project;

    /**
     * @param lxd     LXD client
     * @param zfs     zfs adapter
     * @param project LXD project
     */
    public LxdSnapshotRestore(LxdClient lxd, ZfsAdapter zfs, String project) {
        this.lxd = lxd;
        this.zfs = zfs;
        this.project = project;
    }

    /** Whether {@code plan} restores one of LXD's snapshots in place (its name starts with {@link #LXD_PREFIX}). */
    public static boolean applies(RestorePlan plan) {
        return plan.inPlace() && plan.snapshot().name().startsWith(LXD_PREFIX);
    }

    /** The newer snapshots LXD did not make (pure): destroyed before LXD's restore. */
    public static List<ZfsSnapshot> foreignNewer(RestorePlan plan) {
        return plan.newer().stream().filter(s -> !s.name().startsWith(LXD_PREFIX)).toList();
    }

    /** The newer snapshots LXD made (pure): LXD deletes them itself, only with {@code zfs.remove_snapshots}. */
    public static List<ZfsSnapshot> lxdNewer(RestorePlan plan) {
        return plan.newer().stream().filter(s -> s.name().startsWith(LXD_PREFIX)).toList();
    }

    /**
     * Whether the instance's root volume is on a pool with LXD's zfs driver.
     *
     * @throws LxdException when LXD cannot be read
     */
    public String zfsPoolOf(String instance) {
        JsonNode inst = lxd.get(instancePath(instance) + q());
        String pool = RestoreService.rootPool(inst.path("expanded_devices"));
        JsonNode info = lxd.get("/1.0/storage-pools/" + enc(pool));
        return "zfs".equals(info.path("driver").asText()) ? pool : null;
    }

    /**
     * Restores the plan's LXD snapshot through LXD.
     *
     * @param pool the instance's zfs-driver storage pool ({@link #zfsPoolOf})
     * @throws RestoreException before any change when newer LXD snapshots exist and the volume's
     *                          {@code zfs.remove_snapshots} is not true; after a failed step with what state things are in
     */
    public void execute(RestorePlan plan, String pool, Consumer<String> progress) {
        String lxdName = plan.snapshot().name().substring(LXD_PREFIX.length());
        List<ZfsSnapshot> lxdNewer = lxdNewer(plan);
        if (!lxdNewer.isEmpty()) {
            JsonNode vol = lxd.get("/1.0/storage-pools/" + enc(pool) + "/volumes/container/" + enc(plan.instance()) + q());
            if (!"true".equals(vol.path("config").path("zfs.remove_snapshots").asText())) {
                throw new RestoreException("LXD snapshot " + lxdName + " of " + plan.instance() + " has newer LXD snapshots ("
                        + String.join(", ", lxdNewer.stream().map(s -> s.name().substring(LXD_PREFIX.length())).toList())
                        + ") and LXD deletes them only with zfs.remove_snapshots; nothing was changed. Delete them first"
                        + " (`lxc delete " + plan.instance() + "/NAME`) or allow it (`lxc storage volume set " + pool + " container/"
                        + plan.instance() + " zfs.remove_snapshots true`) and retry");
            }
        }
        List<ZfsSnapshot> foreign = foreignNewer(plan);
        try {
            zfs.releaseNewer(plan.snapshot(), S3ExportJob.HOLD_TAG, S3ExportJob.BASE_PREFIX);
            for (ZfsSnapshot s : foreign) {
                progress.accept("destroying " + s.fullName() + " (newer than LXD snapshot " + lxdName + "; LXD cannot restore past it)");
                zfs.destroy(s.fullName(), false, BUSY_WAIT);
            }
        } catch (CommandFailedException e) {
            throw new RestoreException("destroying the newer snapshots failed: " + e.getMessage() + "; " + plan.instance()
                    + " was not touched (its files are unchanged)", e);
        }
        progress.accept("restoring LXD snapshot " + lxdName + " of " + plan.instance() + " through LXD …");
        try {
            lxd.put(instancePath(plan.instance()) + q(), Map.of("restore", lxdName, "stateful", false));
        } catch (LxdException e) {
            String again = "";
            if (plan.running()) {
                try {
                    lxd.put(instancePath(plan.instance()) + "/state" + q(), Map.of("action", "start"));
                    again = "; " + plan.instance() + " was started again";
                } catch (LxdException s) {
                    again = "; starting " + plan.instance() + " again failed too: " + s.getMessage();
                }
            }
            throw new RestoreException("LXD could not restore snapshot " + lxdName + ": " + e.getMessage() + again, e);
        }
    }

    private String instancePath(String name) {
        return io.terrarium.host.lxd.LxdPaths.instance(name);
    }

    private String q() {
        return io.terrarium.host.lxd.LxdPaths.projectQuery(project);
    }

    private static String enc(String s) {
        return io.terrarium.host.lxd.LxdPaths.enc(s);
    }
}
