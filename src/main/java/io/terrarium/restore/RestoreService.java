package io.terrarium.restore;

import io.terrarium.backup.DatasetResolver;
import io.terrarium.backup.InstanceDataset;

import com.fasterxml.jackson.databind.JsonNode;
import io.terrarium.host.exec.CommandFailedException;
import io.terrarium.host.lxd.LxdBackupImport;
import io.terrarium.host.lxd.LxdClient;
import io.terrarium.host.lxd.LxdException;
import io.terrarium.host.zfs.ZfsAdapter;
import io.terrarium.host.zfs.ZfsSnapshot;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;
import java.util.regex.Pattern;

/**
 * Local restore from a snapshot (issue 4, DESIGN.md §4): {@link #plan} first (no change), then
 * {@link #execute}. In place nothing is destroyed (issue 11): graceful stop through the LXD API, the live
 * dataset renamed aside to {@code <dataset>.pre-restore-<UTC>} ({@link AsideCopies}: it keeps the
 * changes made since the snapshot and the newer snapshots), a clone of the chosen snapshot (now
 * {@code <aside>@<snapshot>}) created under the live name with the live mountpoint and promoted (it
 * takes over the snapshots up to the chosen one; the aside becomes a clone of that snapshot), start
 * again if it ran. No bytes are copied. As new: {@code zfs send | zfs receive} into a new dataset (no clone, so the source
 * snapshot stays prunable), an LXD instance created around it without {@code user.proxy} and
 * without {@code terrarium-proxy-*} devices, left stopped; on LXD's zfs storage driver LXD imports a
 * plain full stream of the snapshot itself ({@link LxdBackupImport}). One restore per instance at a time
 * (a lock file under the run directory).
 */
public final class RestoreService {
    private static final Logger LOG = LoggerFactory.getLogger(RestoreService.class);
    /** LXD instance names: a letter, then letters, digits, '-'; at most 63. */
    public static final Pattern INSTANCE_NAME = Pattern.compile("[a-zA-Z][a-zA-Z0-9-]{0,62}");
    private static final Set<String> KEPT_VOLATILE = Set.of("volatile.idmap.base", "volatile.idmap.next",
            "volatile.last_state.idmap", "volatile.base_image");
    private static final Duration BUSY_WAIT = Duration.ofSeconds(30);

    private final LxdClient lxd;
    private final ZfsAdapter zfs;
    private final DatasetResolver resolver;
    private final String project;
    private final Path lockDir;
    private final LxdBackupImport importer;
    private final java.time.Clock clock;

    /**
     * Without an LXD importer: {@code --as-new} on LXD's zfs storage driver then fails with a clear error.
     *
     * @param lxd      LXD client
     * @param zfs      zfs adapter
     * @param resolver dataset resolution
     * @param project  LXD project
     * @param lockDir  directory for per-instance restore locks (e.g. /run/terrarium)
     */
    public RestoreService(LxdClient lxd, ZfsAdapter zfs, DatasetResolver resolver, String project, Path lockDir) {
        this(lxd, zfs, resolver, project, lockDir, null, java.time.Clock.systemUTC());
    }

    /**
     * @param lxd      LXD client
     * @param zfs      zfs adapter
     * @param resolver dataset resolution
     * @param project  LXD project
     * @param lockDir  directory for per-instance restore locks (e.g. /run/terrarium)
     * @param importer LXD's backup import, for {@code --as-new} on LXD's zfs storage driver
     */
    public RestoreService(LxdClient lxd, ZfsAdapter zfs, DatasetResolver resolver, String project, Path lockDir,
                          LxdBackupImport importer) {
        this(lxd, zfs, resolver, project, lockDir, importer, java.time.Clock.systemUTC());
    }

    /**
     * As {@link #RestoreService(LxdClient, ZfsAdapter, DatasetResolver, String, Path)}; {@code clock}
     * names the aside dataset of an in-place restore (UTC stamp).
     */
    public RestoreService(LxdClient lxd, ZfsAdapter zfs, DatasetResolver resolver, String project, Path lockDir,
                          java.time.Clock clock) {
        this(lxd, zfs, resolver, project, lockDir, null, clock);
    }

    /**
     * @param lxd      LXD client
     * @param zfs      zfs adapter
     * @param resolver dataset resolution
     * @param project  LXD project
     * @param lockDir  directory for per-instance restore locks (e.g. /run/terrarium)
     * @param importer LXD's backup import for {@code --as-new} on LXD's zfs storage driver, or {@code null}
     * @param clock    names the aside dataset of an in-place restore (UTC stamp)
     */
    public RestoreService(LxdClient lxd, ZfsAdapter zfs, DatasetResolver resolver, String project, Path lockDir,
                          LxdBackupImport importer, java.time.Clock clock) {
        this.clock = clock;
        this.lxd = lxd;
        this.zfs = zfs;
        this.resolver = resolver;
        this.project = project;
        this.lockDir = lockDir;
        this.importer = importer;
    }

    /**
     * Plans a restore without changing anything.
     *
     * @throws RestoreException unknown instance, no dataset, instance busy, no matching snapshot,
     *                          target exists or has an invalid name
     */
    public RestorePlan plan(String instance, String at, String snapshot, String asNew) {
        List<InstanceDataset> all = resolver.resolveAll();
        InstanceDataset i = all.stream().filter(x -> x.instance().equals(instance)).findFirst().orElseThrow(() ->
                new RestoreException("instance \"" + instance + "\" does not exist in LXD project " + project
                        + " (instances: " + String.join(", ", all.stream().map(InstanceDataset::instance).toList()) + ")"));
        if (!i.resolved()) {
            throw new RestoreException("instance " + instance + " has no ZFS dataset: " + i.problem());
        }
        boolean running = "Running".equalsIgnoreCase(i.status());
        if (!running && !"Stopped".equalsIgnoreCase(i.status())) {
            throw new RestoreException("instance " + instance + " is busy (status " + i.status() + "); wait until it is Running or Stopped and retry");
        }
        List<ZfsSnapshot> snaps = zfs.snapshots(i.dataset(), false);
        ZfsSnapshot chosen = RestorePlanner.choose(instance, snaps, at, snapshot);
        String newDataset = null;
        if (asNew != null) {
            if (!INSTANCE_NAME.matcher(asNew).matches()) {
                throw new RestoreException("--as-new " + asNew + ": not a valid instance name (a letter, then letters, digits, '-'; at most 63)");
            }
            if (all.stream().anyMatch(x -> x.instance().equals(asNew))) {
                throw new RestoreException("--as-new " + asNew + ": an instance with that name already exists; choose another name");
            }
            newDataset = i.dataset().substring(0, i.dataset().lastIndexOf('/') + 1)
                    + ("default".equals(project) ? asNew : project + "_" + asNew);
            if (zfs.exists(newDataset)) {
                throw new RestoreException("--as-new " + asNew + ": dataset " + newDataset + " already exists; choose another name or remove it");
            }
        }
        String aside = null;
        if (asNew == null) {
            aside = AsideCopies.asideFor(i.dataset(), clock.instant());
            if (zfs.exists(aside)) {
                throw new RestoreException("dataset " + aside + " already exists (another restore this second?); retry in a second");
            }
        }
        // one of LXD's own snapshots on its zfs driver is restored by LXD (LxdSnapshotRestore): the plan must say so
        boolean byLxd = asNew == null && chosen.name().startsWith(LxdSnapshotRestore.LXD_PREFIX)
                && new LxdSnapshotRestore(lxd, zfs, project).zfsPoolOf(instance) != null;
        return new RestorePlan(instance, i.dataset(), chosen, RestorePlanner.newer(snaps, chosen), running, asNew, newDataset, aside, byLxd);
    }

    /**
     * Carries a plan out. Progress lines go to {@code progress}.
     *
     * @throws RestoreException when a step fails (the message says what state things are in)
     */
    public void execute(RestorePlan plan, Consumer<String> progress) {
        RestoreLock.holding(lockDir, plan.instance(), () -> {
            String lxdZfsPool = LxdSnapshotRestore.applies(plan)
                    ? new LxdSnapshotRestore(lxd, zfs, project).zfsPoolOf(plan.instance()) : null;
            if (lxdZfsPool != null) {
                // one of LXD's own snapshots on its zfs driver: LXD restores it (issue 11, LxdSnapshotRestore)
                new LxdSnapshotRestore(lxd, zfs, project).execute(plan, lxdZfsPool, progress);
            } else if (plan.inPlace()) {
                inPlace(plan, progress);
            } else {
                asNew(plan, progress);
            }
            return null;
        });
    }

    private void inPlace(RestorePlan plan, Consumer<String> progress) {
        String path = instancePath(plan.instance());
        if (plan.running()) {
            progress.accept("stopping " + plan.instance() + " …");
            try {
                lxd.put(path + "/state" + q(), Map.of("action", "stop", "timeout", 60));
            } catch (LxdException e) {
                throw new RestoreException("could not stop " + plan.instance() + " gracefully: " + e.getMessage()
                        + "; nothing was changed (stop it yourself, e.g. `lxc stop --force " + plan.instance() + "`, and retry)", e);
            }
        }
        try {
            new AsideCopies(zfs).swapInClone(plan.dataset(), plan.asideDataset(), plan.snapshot().name(), progress);
        } catch (RestoreException e) {
            throw new RestoreException(e.getMessage() + (plan.running() ? startQuietly(plan.instance()) : ""), e);
        }
        if (plan.running()) {
            progress.accept("starting " + plan.instance() + " …");
            lxd.put(path + "/state" + q(), Map.of("action", "start"));
        }
    }

    private String startQuietly(String instance) {
        try {
            lxd.put(instancePath(instance) + "/state" + q(), Map.of("action", "start"));
            return "; " + instance + " was started again unchanged";
        } catch (LxdException e) {
            return "; starting " + instance + " again also failed: " + e.getMessage();
        }
    }

    private void asNew(RestorePlan plan, Consumer<String> progress) {
        JsonNode src = lxd.get(instancePath(plan.instance()) + q());
        String pool = rootPool(src.path("expanded_devices"));
        JsonNode poolInfo = lxd.get("/1.0/storage-pools/" + enc(pool));
        String driver = poolInfo.path("driver").asText();
        if ("zfs".equals(driver)) {
            asNewOnZfsDriver(plan, pool, progress);
            return;
        }
        String dir = poolInfo.path("config").path("source").asText() + "/containers/"
                + ("default".equals(project) ? plan.asNew() : project + "_" + plan.asNew());
        Map<String, Object> body = createBody(src, plan.asNew(), plan.instance() + "@" + plan.snapshot().name());
        progress.accept("creating instance " + plan.asNew() + " (empty, stopped) …");
        lxd.post("/1.0/instances" + q(), body);
        boolean received = false;
        try {
            clearDirectory(Path.of(dir));
            progress.accept("copying " + plan.snapshot().fullName() + " → " + plan.newDataset() + " (zfs send | zfs receive) …");
            long t0 = System.nanoTime();
            received = true;
            long bytes = zfs.copySnapshot(plan.snapshot().fullName(), plan.newDataset(), Duration.ofHours(12));
            progress.accept("received " + bytes + " bytes in " + (System.nanoTime() - t0) / 1_000_000 + " ms");
            zfs.setMountpoint(plan.newDataset(), dir);
            // any change makes LXD rewrite backup.yaml (the received one describes the source instance)
            lxd.patch(instancePath(plan.asNew()) + q(), Map.of("description",
                    "restored from " + plan.instance() + "@" + plan.snapshot().name()));
        } catch (RuntimeException e) {
            progress.accept("failed: " + e.getMessage() + "; removing the partial copy " + plan.asNew());
            cleanup(plan, dir, received);
            throw new RestoreException("restore as " + plan.asNew() + " failed: " + e.getMessage()
                    + "; the partial instance and dataset were removed, " + plan.instance() + " is untouched", e);
        }
    }

    /**
     * LXD's zfs storage driver: LXD itself receives a plain full stream of the snapshot through its
     * backup import ({@link LxdBackupImport}) and owns the new instance's dataset; the copy keeps the
     * source's config without {@code user.proxy}, proxy devices and identity keys, stopped.
     */
    private void asNewOnZfsDriver(RestorePlan plan, String pool, Consumer<String> progress) {
        if (importer == null) {
            throw new RestoreException("--as-new on LXD's zfs storage driver needs LXD's backup import, which this command was"
                    + " built without");
        }
        List<String> flags = zfs.capabilities().compressedSend() ? List.of("-L", "-c") : List.of();
        try {
            LxdBackupImport.Result r = importer.importSnapshot(plan.snapshot().fullName(), plan.asNew(), pool, project, flags,
                    true, progress);
            progress.accept("imported " + r.streamBytes() + " bytes in " + r.importMillis() + " ms");
            lxd.patch(instancePath(plan.asNew()) + q(), Map.of("description",
                    "restored from " + plan.instance() + "@" + plan.snapshot().name()));
        } catch (LxdException | CommandFailedException e) {
            throw new RestoreException("restore as " + plan.asNew() + " failed: " + e.getMessage() + "; "
                    + plan.instance() + " is untouched", e);
        }
    }

    private void cleanup(RestorePlan plan, String dir, boolean received) {
        try {
            if (received && zfs.exists(plan.newDataset())) {
                zfs.destroy(plan.newDataset(), true, BUSY_WAIT);
            }
            Files.createDirectories(Path.of(dir));
            lxd.delete(instancePath(plan.asNew()) + q());
        } catch (RuntimeException | IOException e) {
            LOG.warn("cleanup of {} incomplete: {}", plan.asNew(), e.getMessage());
        }
    }

    /**
     * The body of {@code POST /1.0/instances} for the copy (pure): profiles, architecture,
     * ephemeral flag and local config of the source, without {@code user.proxy}, without volatile
     * keys except the id-map ones (the received files are already shifted: without
     * {@code volatile.last_state.idmap} LXD would shift them a second time), without
     * {@code terrarium-proxy-*} devices; {@code source: none} (the dataset is put in place after).
     */
    public static Map<String, Object> createBody(JsonNode src, String name, String provenance) {
        return createBody(src, name, provenance, false);
    }

    /**
     * As {@link #createBody(JsonNode, String, String)}; with {@code keepProxyLabel} the
     * {@code user.proxy} label stays (a disaster-recovery import under the instance's own name keeps
     * its routes; proxy sync recreates the {@code terrarium-proxy-*} devices, which are always dropped).
     * {@code src} may be an instance from the LXD API or the {@code container} section of an
     * instance's {@code backup.yaml} (same field names).
     */
    public static Map<String, Object> createBody(JsonNode src, String name, String provenance, boolean keepProxyLabel) {
        Map<String, Object> config = new LinkedHashMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = src.path("config").fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            String k = e.getKey();
            if ((k.equals("user.proxy") && !keepProxyLabel) || (k.startsWith("volatile.") && !KEPT_VOLATILE.contains(k))) {
                continue;
            }
            config.put(k, e.getValue().asText());
        }
        Map<String, Object> devices = new LinkedHashMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = src.path("devices").fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            if (e.getKey().startsWith("terrarium-proxy-")) {
                continue;
            }
            Map<String, String> d = new LinkedHashMap<>();
            e.getValue().fields().forEachRemaining(f -> d.put(f.getKey(), f.getValue().asText()));
            devices.put(e.getKey(), d);
        }
        List<String> profiles = new java.util.ArrayList<>();
        src.path("profiles").forEach(p -> profiles.add(p.asText()));
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("name", name);
        body.put("type", src.path("type").asText("container"));
        body.put("architecture", src.path("architecture").asText());
        body.put("description", "restored from " + provenance);
        body.put("profiles", profiles);
        body.put("config", config);
        body.put("devices", devices);
        body.put("ephemeral", false);
        body.put("source", Map.of("type", "none"));
        return body;
    }

    /**
     * Deletes the files LXD put into a new instance's directory (it is then a mount point for the
     * received dataset). @throws RestoreException when it holds a directory or cannot be listed
     */
    public static void clearDirectory(Path dir) {
        try (var s = Files.list(dir)) {
            for (Path p : s.toList()) {
                if (Files.isDirectory(p)) {
                    throw new RestoreException("unexpected directory " + p + " in the new instance's directory");
                }
                Files.delete(p);
            }
        } catch (IOException e) {
            throw new RestoreException("cannot prepare " + dir + ": " + e.getMessage(), e);
        }
    }

    /** Name of the storage pool of the root disk device in {@code devices}. @throws RestoreException when there is none */
    public static String rootPool(JsonNode devices) {
        for (JsonNode d : devices) {
            if ("disk".equals(d.path("type").asText()) && "/".equals(d.path("path").asText())) {
                return d.path("pool").asText();
            }
        }
        throw new RestoreException("source instance has no root disk device");
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
