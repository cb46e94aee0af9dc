package io.terrarium.restore;

import io.terrarium.s3.S3Catalog;
import io.terrarium.host.zfs.ZfsStreamCommands;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import io.terrarium.backup.DatasetResolver;
import io.terrarium.backup.InstanceDataset;
import io.terrarium.s3.Manifest;
import io.terrarium.restore.RestoreException;
import io.terrarium.restore.RestoreService;
import io.terrarium.host.exec.CommandFailedException;
import io.terrarium.host.lxd.LxdBackupImport;
import io.terrarium.host.lxd.LxdClient;
import io.terrarium.host.lxd.LxdException;
import io.terrarium.host.zfs.ZfsAdapter;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * Restore from S3 (issue 5 item 5, DESIGN.md §4): {@link #plan} first, then {@link #execute}.
 *
 * <p>Plan (changes nothing): find the instance's restore points (its own installation's folder, or
 * the one other installation that has it: a new host after a disaster has a new installation id),
 * choose the point, check the whole chain from its full with {@link S3Restorer#plan} (every manifest,
 * every volume's size by HEAD). A broken chain fails here, naming the missing piece and the newest
 * point that could be restored, before any byte reaches {@code zfs receive}.
 *
 * <p>Execute: receive the chain into a staging dataset {@code <parent>/<name>.s3restore-<UTC>}
 * (GetObject → SHA-256 per part → zstd -d → {@code zfs receive}); a failure destroys the staging
 * dataset and leaves everything else untouched. Only then:
 * <ul>
 *   <li><b>in place</b> (the instance exists here): stop it, unmount the live dataset, rename it
 *       aside to {@code <parent>/<name>.pre-restore-<UTC>} (kept, mountpoint none, until the
 *       operator destroys it), rename the staging dataset to the live name with the live mountpoint,
 *       start again if it ran;</li>
 *   <li><b>new instance</b> ({@code --as-new NEW}, or the instance does not exist on this host):
 *       read {@code backup.yaml} from the received dataset (the instance's LXD description, as
 *       {@code lxd recover} does), create the instance around it on LXD's pool (dataset mounted at
 *       the instance directory, DESIGN.md §7), left stopped. As new: without {@code user.proxy};
 *       both: without {@code terrarium-proxy-*} devices (proxy sync recreates them). On LXD's zfs
 *       storage driver (the staging dataset sits under a zfs pool's {@code <zfs.pool_name>/containers})
 *       LXD imports a plain full stream of the received snapshot itself ({@link LxdBackupImport});
 *       as new, the identity keys ({@code volatile.uuid}, the NIC's MAC …) are dropped too.</li>
 * </ul>
 * One restore per target instance at a time (a lock file under the run directory).
 */
public final class S3RestoreService {
    private static final Logger LOG = LoggerFactory.getLogger(S3RestoreService.class);
    private static final DateTimeFormatter STAMP = DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss'Z'").withZone(ZoneOffset.UTC);
    private static final Duration BUSY_WAIT = Duration.ofSeconds(30);

    private final LxdClient lxd;
    private final ZfsAdapter zfs;
    private final DatasetResolver resolver;
    private final String project;
    private final Path runDir;
    private final S3Catalog catalog;
    private final S3Restorer restorer;
    private final String ownInstallation;
    private final String where;
    private final Clock clock;
    private final LxdBackupImport importer;
    private String localParent;
    private boolean trustConfig;

    /**
     * A checked restore.
     *
     * @param instance        instance whose restore points are used
     * @param installationId  installation folder the points come from
     * @param point           the chosen restore point
     * @param chain           the checked chain (full first) and bytes to download
     * @param inPlace         true: replace the live dataset of {@code instance}; false: create {@code target}
     * @param target          instance that holds the result ({@code instance} in place or after a
     *                        disaster; NEW with --as-new)
     * @param asNew           --as-new given
     * @param running         in place: the instance runs now (it is started again afterwards)
     * @param liveDataset     in place: the current dataset; else {@code null}
     * @param targetDataset   the dataset the result ends up as
     * @param stagingDataset  where the chain is received first
     * @param asideDataset    in place: where the previous dataset is kept; else {@code null}
     * @param resume          what an interrupted restore of the same target left: the staging dataset
     *                        kept and the streams it already holds, leftovers to destroy ({@link StagingResume})
     */
    public record Plan(String instance, String installationId, Manifest point, S3RestorePlan chain, boolean inPlace,
                       String target, boolean asNew, boolean running, String liveDataset, String targetDataset,
                       String stagingDataset, String asideDataset, StagingResume resume) {
        public Plan {
            resume = resume == null ? StagingResume.NONE : resume;
        }

        /** A plan that resumes nothing. */
        public Plan(String instance, String installationId, Manifest point, S3RestorePlan chain, boolean inPlace,
                    String target, boolean asNew, boolean running, String liveDataset, String targetDataset,
                    String stagingDataset, String asideDataset) {
            this(instance, installationId, point, chain, inPlace, target, asNew, running, liveDataset, targetDataset,
                    stagingDataset, asideDataset, StagingResume.NONE);
        }

        /** Human-readable plan lines. */
        public List<String> describe() {
            List<String> l = new ArrayList<>();
            l.add("restore " + instance + " from S3 restore point " + point.id() + " (" + (point.full() ? "full" : "incremental")
                    + ", created " + point.createdAt() + ", snapshot " + point.snapshot() + ")");
            l.add("chain: " + chain.chain().size() + " stream(s), " + chain.totalBytes() + " bytes to download from installation "
                    + installationId + ": " + String.join(" → ", chain.chain().stream().map(Manifest::id).toList()));
            resume.discard().forEach(d -> l.add("first destroy " + d + " (left by an interrupted restore; it holds no stream of this chain)"));
            if (resume.resumes()) {
                l.add(resume.describe(chain.chain().size()));
                l.add("receive the remaining " + (chain.chain().size() - resume.received()) + " stream(s) into staging dataset "
                        + stagingDataset + " first");
            } else {
                l.add("receive into staging dataset " + stagingDataset + " first");
            }
            if (inPlace) {
                l.add("then" + (running ? " stop " + instance + "," : "") + " keep the live dataset " + liveDataset + " as " + asideDataset
                        + ", put the restored one in its place" + (running ? ", start " + instance + " again" : ""));
            } else {
                l.add("then create instance " + target + " (stopped) on dataset " + targetDataset
                        + (asNew ? ", without user.proxy and terrarium-proxy-* devices" : ", from the backup.yaml it holds"));
                l.add("the restored backup.yaml is untrusted: security.privileged, raw.*, security.idmap.*, linux.kernel_modules,"
                        + " host-path disk, unix-* and proxy devices are dropped and listed (--trust-config keeps them)");
            }
            return l;
        }
    }

    /**
     * @param lxd             LXD client
     * @param zfs             zfs adapter
     * @param resolver        instance → dataset resolution on this host
     * @param project         LXD project
     * @param runDir          directory for locks and temporary mount points
     * @param catalog         the bucket's restore points
     * @param restorer        plan and stream
     * @param ownInstallation this host's installation id (may be {@code null} on a fresh host)
     * @param where           {@code s3://bucket/prefix} for messages
     * @param clock           names the staging and aside datasets
     */
    public S3RestoreService(LxdClient lxd, ZfsAdapter zfs, DatasetResolver resolver, String project, Path runDir,
                            S3Catalog catalog, S3Restorer restorer, String ownInstallation, String where, Clock clock) {
        this(lxd, zfs, resolver, project, runDir, catalog, restorer, ownInstallation, where, clock, null);
    }

    /**
     * As the constructor without {@code importer}, plus LXD's backup import: with it a new instance
     * on LXD's zfs storage driver is imported by LXD itself.
     *
     * @param importer LXD's backup import ({@code null}: the zfs driver is refused with a clear error)
     */
    public S3RestoreService(LxdClient lxd, ZfsAdapter zfs, DatasetResolver resolver, String project, Path runDir,
                            S3Catalog catalog, S3Restorer restorer, String ownInstallation, String where, Clock clock,
                            LxdBackupImport importer) {
        this.importer = importer;
        this.lxd = lxd;
        this.zfs = zfs;
        this.resolver = resolver;
        this.project = project;
        this.runDir = runDir;
        this.catalog = catalog;
        this.restorer = restorer;
        this.ownInstallation = ownInstallation;
        this.where = where;
        this.clock = clock;
    }

    /**
     * Where a new instance's dataset goes without {@code --parent-dataset}: this host's
     * {@code zfs.containers_dataset} (issue 13 item 3: never the parent named in the bucket's
     * manifest). {@code null} (default): {@code --parent-dataset} is required for a new instance.
     *
     * @return this service
     */
    public S3RestoreService localParent(String dataset) {
        this.localParent = dataset;
        return this;
    }

    /**
     * {@code --trust-config}: import the restored {@code backup.yaml} as it is, without the
     * {@link ImportAllowlist} (default {@code false}: keys and devices outside it are dropped).
     *
     * @return this service
     */
    public S3RestoreService trustConfig(boolean trust) {
        this.trustConfig = trust;
        return this;
    }

    /**
     * Plans a restore without changing anything.
     *
     * @param instance      instance whose restore points to use
     * @param at            fragment of the point's id or UTC time ({@code null}: newest)
     * @param asNew         new instance name, or {@code null}
     * @param installation  installation folder to read ({@code null}: this host's, else the only one holding the instance)
     * @param parentDataset parent dataset for a new instance ({@code null}: beside the instance's dataset here,
     *                      else {@link #localParent}; never the dataset named in the manifest)
     * @throws RestorePlanException the chain is incomplete (names the missing piece and the newest restorable point)
     * @throws RestoreException     any other reason it cannot be done (bad names, no points, busy instance, target exists)
     * @throws IOException          S3 cannot be read
     */
    public Plan plan(String instance, String at, String asNew, String installation, String parentDataset) throws IOException {
        checkName("--instance", instance);
        if (asNew != null) {
            checkName("--as-new", asNew);
        }
        String inst = chooseInstallation(instance, installation);
        S3Catalog.Points points = catalog.points(inst, instance);
        for (S3Catalog.Unreadable u : points.unreadable()) {
            LOG.warn("ignoring unreadable manifest {}: {}", u.key(), u.reason());
        }
        Manifest point = points.choose(at);
        if (point == null) {
            Manifest newest = points.newest();
            throw new RestoreException(newest == null
                    ? "no readable restore point of " + instance + " in installation " + inst + " under " + where
                    + points.unreadable().stream().map(u -> "; refused " + u.key() + ": " + u.reason()).collect(java.util.stream.Collectors.joining())
                    : "no restore point of " + instance + " matches --at " + at + "; newest: " + newest.id() + " (" + newest.createdAt() + ")");
        }
        S3RestorePlan chain;
        try {
            chain = restorer.plan(points.chainTo(point));
        } catch (RestorePlanException e) {
            throw new RestorePlanException(e.problems(), newestRestorable(points, point));
        }

        List<InstanceDataset> all = resolver.resolveAll();
        InstanceDataset local = all.stream().filter(x -> x.instance().equals(instance)).findFirst().orElse(null);
        String stamp = STAMP.format(clock.instant());
        if (asNew == null && local != null) {
            if (parentDataset != null) {
                throw new RestoreException("--parent-dataset applies only to a new instance; " + instance
                        + " exists here and is restored in place on its dataset");
            }
            if (!local.resolved()) {
                throw new RestoreException("instance " + instance + " exists here but has no ZFS dataset: " + local.problem()
                        + "; restore it under another name with --as-new NEW");
            }
            boolean running = "Running".equalsIgnoreCase(local.status());
            if (!running && !"Stopped".equalsIgnoreCase(local.status())) {
                throw new RestoreException("instance " + instance + " is busy (status " + local.status() + "); wait until it is Running or Stopped and retry");
            }
            String ds = local.dataset();
            String parent = parent(ds);
            String leaf = ds.substring(parent.length() + 1);
            StagingResume resume = leftovers(instance, parent, leaf, chain);
            String staging = resume.resumes() ? resume.dataset() : parent + "/" + leaf + StagingResume.STAGING + stamp;
            String aside = parent + "/" + leaf + ".pre-restore-" + stamp;
            for (String d : resume.resumes() ? List.of(aside) : List.of(staging, aside)) {
                if (zfs.exists(d)) {
                    throw new RestoreException("dataset " + d + " already exists; retry in a second");
                }
            }
            return new Plan(instance, inst, point, chain, true, instance, false, running, ds, ds, staging, aside, resume);
        }
        String target = asNew == null ? instance : asNew;
        if (asNew != null && all.stream().anyMatch(x -> x.instance().equals(asNew))) {
            throw new RestoreException("--as-new " + asNew + ": an instance with that name already exists; choose another name");
        }
        String parent = parentDataset;
        if (parent == null && local != null && local.resolved()) {
            parent = parent(local.dataset());
        }
        if (parent == null) {
            // never the manifest's dataset (issue 13 item 3): the bucket would choose where on this host
            // a dataset is created; this host's own layout decides
            if (localParent == null) {
                throw new RestoreException("no parent dataset for the new instance " + target + " is configured here;"
                        + " say where its dataset goes with --parent-dataset POOL/containers");
            }
            if (!zfs.exists(localParent)) {
                throw new RestoreException("dataset " + localParent + " (zfs.containers_dataset of this host's configuration) does not exist"
                        + " here; create it (`zfs create -o mountpoint=none " + localParent + "`) or choose another with --parent-dataset");
            }
            parent = localParent;
        } else if (!zfs.exists(parent)) {
            throw new RestoreException("--parent-dataset " + parent + " does not exist; create it (`zfs create -o mountpoint=none "
                    + parent + "`) or choose another");
        }
        String leaf = "default".equals(project) ? target : project + "_" + target;
        String targetDs = parent + "/" + leaf;
        if (zfs.exists(targetDs)) {
            throw new RestoreException("dataset " + targetDs + " already exists but no instance " + target + " uses it; remove it ("
                    + "`zfs destroy -r " + targetDs + "`) or choose another name or --parent-dataset");
        }
        StagingResume resume = leftovers(target, parent, leaf, chain);
        return new Plan(instance, inst, point, chain, false, target, asNew != null, false, null, targetDs,
                resume.resumes() ? resume.dataset() : parent + "/" + leaf + StagingResume.STAGING + stamp, null, resume);
    }

    /**
     * The staging leftovers of {@code <parent>/<leaf>} against the chain, inspected holding the
     * target's restore lock: a restore of it that still runs owns its staging dataset, so planning
     * then fails as busy instead of offering to resume (or destroy) it.
     */
    private StagingResume leftovers(String target, String parent, String leaf, S3RestorePlan chain) {
        return RestoreLock.holding(runDir, target, () -> StagingResume.inspect(zfs, parent, leaf, chain.chain()));
    }

    /** The newest point whose whole chain passes the plan check, or {@code null}. */
    private String newestRestorable(S3Catalog.Points points, Manifest failed) {
        List<Manifest> ms = points.manifests();
        for (int i = ms.size() - 1; i >= 0; i--) {
            if (ms.get(i) == failed) {
                continue;
            }
            try {
                restorer.plan(points.chainTo(ms.get(i)));
                return ms.get(i).id();
            } catch (RestorePlanException e) {
                // try an older one
            }
        }
        return null;
    }

    private String chooseInstallation(String instance, String installation) throws IOException {
        if (installation != null) {
            if (catalog.points(installation, instance).manifests().isEmpty()) {
                throw new RestoreException("installation " + installation + " has no readable restore point of " + instance + " under " + where);
            }
            return installation;
        }
        List<String> with = catalog.installationsWith(instance);
        if (ownInstallation != null && with.contains(ownInstallation)) {
            return ownInstallation;
        }
        if (with.size() == 1) {
            return with.get(0);
        }
        if (with.isEmpty()) {
            throw new RestoreException("no restore point of " + instance + " under " + where
                    + " (see `terrariumctl backup list --source s3`)");
        }
        throw new RestoreException(instance + " has restore points from several installations (" + String.join(", ", with)
                + "); choose one with --installation ID");
    }

    /**
     * Carries a plan out; progress lines go to {@code progress}.
     *
     * @return lines for the operator about what was done (e.g. where the previous dataset is kept)
     * @throws RestoreException when a step fails (the message says what state things are in)
     */
    public List<String> execute(Plan plan, Consumer<String> progress) {
        return RestoreLock.holding(runDir, plan.target(), () -> {
            receive(plan, progress);
            return plan.inPlace() ? swap(plan, progress) : importNew(plan, progress);
        });
    }

    private void receive(Plan plan, Consumer<String> progress) {
        List<Manifest> chain = plan.chain().chain();
        int done;
        try {
            done = prepareStaging(plan, progress);
        } catch (RuntimeException e) {
            throw new RestoreException("preparing the staging dataset failed: " + e.getMessage() + "; nothing was received"
                    + (plan.inPlace() ? "; " + plan.instance() + " was not touched" : ""), e);
        }
        List<Manifest> rest = chain.subList(done, chain.size());
        long bytes = rest.stream().flatMap(m -> m.volumes().stream()).mapToLong(Manifest.Volume::bytes).sum();
        if (rest.isEmpty()) {
            progress.accept("all " + chain.size() + " stream(s) were received by an earlier run into " + plan.stagingDataset());
            return;
        }
        progress.accept("receiving " + rest.size() + " stream(s) (" + bytes + " bytes) into " + plan.stagingDataset() + " …");
        long t0 = System.nanoTime();
        try {
            boolean overrides = "openzfs".equals(zfs.capabilities().implementation());
            // only the streams not yet received: the byte path (download, verify, decrypt, receive) is S3Restorer's, unchanged
            restorer.restore(new S3RestorePlan(rest, bytes),
                    m -> ZfsStreamCommands.restoreReceive(plan.stagingDataset(), !m.full(), overrides));
        } catch (IOException | RuntimeException e) {
            throw new RestoreException("restore from S3 failed while receiving: " + e.getMessage() + "; " + keepOrRemove(plan)
                    + (plan.inPlace() ? "; " + plan.instance() + " was not touched" : ""), e);
        }
        progress.accept("received and verified in " + (System.nanoTime() - t0) / 1_000_000 + " ms");
    }

    /**
     * Under the target's restore lock: destroys the plan's unusable leftovers, re-checks that the
     * staging dataset to resume still holds a prefix of the chain (by snapshot GUID; it may have
     * changed since the plan) and discards the partial state of an interrupted resumable receive.
     *
     * @return streams of the chain already received (0: start from the full)
     */
    private int prepareStaging(Plan plan, Consumer<String> progress) {
        for (String d : plan.resume().discard()) {
            if (zfs.exists(d)) {
                progress.accept("destroying " + d + " (left by an interrupted restore; it holds no stream of this chain) …");
                zfs.destroy(d, true, BUSY_WAIT);
            }
        }
        if (!plan.resume().resumes()) {
            return 0;
        }
        String staging = plan.stagingDataset();
        int k = zfs.exists(staging) ? StagingResume.receivedPrefix(zfs.snapshotGuids(staging), plan.chain().chain()) : 0;
        if (k == 0) {
            throw new RestoreException("the staging dataset " + staging + " changed since the plan and no longer holds a stream of"
                    + " this chain; run the command again to re-plan");
        }
        if (zfs.resumeToken(staging) != null) {
            progress.accept("discarding the partial state of the interrupted receive in " + staging + " (zfs receive -A) …");
            zfs.abortPartialReceive(staging);
        }
        long skipped = plan.chain().chain().subList(0, k).stream().flatMap(m -> m.volumes().stream())
                .mapToLong(Manifest.Volume::bytes).sum();
        progress.accept(new StagingResume(staging, k, skipped, false, List.of()).describe(plan.chain().chain().size()));
        return k;
    }

    /**
     * After a failed receive: a staging dataset that holds at least one stream of the chain is kept
     * for the next run to resume from; anything else is destroyed.
     */
    private String keepOrRemove(Plan plan) {
        String staging = plan.stagingDataset();
        try {
            int k = zfs.exists(staging) ? StagingResume.receivedPrefix(zfs.snapshotGuids(staging), plan.chain().chain()) : 0;
            if (k > 0) {
                return "the staging dataset " + staging + " keeps the " + k + " of " + plan.chain().chain().size()
                        + " stream(s) received so far: run the same command again to continue with stream " + (k + 1)
                        + " (or remove it with `zfs destroy -r " + staging + "`)";
            }
        } catch (RuntimeException e) {
            LOG.warn("could not inspect {}: {}", staging, e.getMessage());
        }
        return destroyQuietly(staging);
    }

    private List<String> swap(Plan plan, Consumer<String> progress) {
        String path = instancePath(plan.instance());
        if (plan.running()) {
            progress.accept("stopping " + plan.instance() + " …");
            try {
                lxd.put(path + "/state" + q(), Map.of("action", "stop", "timeout", 60));
            } catch (LxdException e) {
                String removed = destroyQuietly(plan.stagingDataset());
                throw new RestoreException("could not stop " + plan.instance() + " gracefully: " + e.getMessage() + "; " + removed
                        + "; " + plan.instance() + " was not touched (stop it yourself and retry)", e);
            }
        }
        String live = plan.liveDataset();
        String[] mp = zfs.property(live, "mountpoint");
        boolean localMp = "local".equals(mp[1]);
        int step = 0;
        try {
            progress.accept("keeping " + live + " as " + plan.asideDataset() + " …");
            zfs.setMountpoint(live, "none", BUSY_WAIT);
            step = 1;
            zfs.rename(live, plan.asideDataset(), BUSY_WAIT);
            step = 2;
            zfs.rename(plan.stagingDataset(), live, BUSY_WAIT);
            step = 3;
            if (localMp) {
                zfs.setMountpoint(live, mp[0], BUSY_WAIT);
            }
            if (!"none".equals(mp[0]) && !"legacy".equals(mp[0])) {
                zfs.ensureMounted(live);
            }
        } catch (CommandFailedException e) {
            String undo = undoSwap(plan, step, mp, localMp);
            throw new RestoreException("swapping in the restored dataset failed: " + e.getMessage() + "; " + undo, e);
        }
        List<String> done = new ArrayList<>();
        if (plan.running()) {
            progress.accept("starting " + plan.instance() + " …");
            try {
                lxd.put(path + "/state" + q(), Map.of("action", "start"));
            } catch (LxdException e) {
                done.add("WARNING: starting " + plan.instance() + " failed: " + e.getMessage() + " (see `lxc info --show-log "
                        + plan.instance() + "`)");
            }
        }
        // not `zfs destroy -r`: it fails on the export job's hold after destroying the aside's other snapshots
        done.add("the previous dataset is kept as " + plan.asideDataset() + " (not mounted); when the restore is good, remove it with"
                + " `terrariumctl backup aside remove " + plan.asideDataset().substring(plan.asideDataset().lastIndexOf('/') + 1) + "`");
        return done;
    }

    /** Best-effort reversal of the first {@code step} swap steps; says what state things are in. */
    private String undoSwap(Plan plan, int step, String[] mp, boolean localMp) {
        String live = plan.liveDataset();
        try {
            if (step >= 3) {
                zfs.setMountpoint(live, "none", BUSY_WAIT);
                zfs.rename(live, plan.stagingDataset(), BUSY_WAIT);
            }
            if (step >= 2) {
                zfs.rename(plan.asideDataset(), live, BUSY_WAIT);
            }
            if (step >= 1) {
                if (localMp) {
                    zfs.setMountpoint(live, mp[0], BUSY_WAIT);
                } else {
                    zfs.inheritMountpoint(live);
                }
            }
        } catch (RuntimeException u) {
            return "undoing it failed too (" + u.getMessage() + "): the previous data is in " + (step >= 2 ? plan.asideDataset() : live)
                    + ", the restored data in " + (step >= 3 ? live : plan.stagingDataset()) + "; fix by hand";
        }
        String removed = destroyQuietly(plan.stagingDataset());
        String restart = "";
        if (plan.running()) {
            try {
                lxd.put(instancePath(plan.instance()) + "/state" + q(), Map.of("action", "start"));
                restart = "; " + plan.instance() + " was started again unchanged";
            } catch (LxdException e) {
                restart = "; starting " + plan.instance() + " again failed: " + e.getMessage();
            }
        }
        return "the live dataset " + live + " is back in place; " + removed + restart;
    }

    private List<String> importNew(Plan plan, Consumer<String> progress) {
        String staging = plan.stagingDataset();
        String zfsPool;
        try {
            zfsPool = zfsDriverPoolFor(parent(staging));
        } catch (RuntimeException e) {
            String removed = destroyQuietly(staging);
            throw new RestoreException("reading LXD's storage pools failed: " + e.getMessage() + "; " + removed, e);
        }
        if (zfsPool != null) {
            return importOnZfsDriver(plan, zfsPool, progress);
        }
        JsonNode container;
        Path tmp = runDir.resolve("s3restore-" + plan.target());
        try {
            Files.createDirectories(tmp);
            zfs.setMountpoint(staging, tmp.toString(), BUSY_WAIT);
            zfs.ensureMounted(staging);
            Path yaml = tmp.resolve("backup.yaml");
            if (!Files.isRegularFile(yaml)) {
                throw new RestoreException("the restored dataset has no backup.yaml at its root: it is not an LXD instance directory");
            }
            container = new YAMLMapper().readTree(yaml.toFile()).path("container");
            if (!container.isObject()) {
                throw new RestoreException(yaml + " has no container section");
            }
            zfs.setMountpoint(staging, "none", BUSY_WAIT);
            Files.deleteIfExists(tmp);
        } catch (IOException | RuntimeException e) {
            String removed = destroyQuietly(staging);
            throw new RestoreException("reading the instance description from the restored dataset failed: " + e.getMessage() + "; " + removed, e);
        }
        String pool;
        String dir;
        try {
            JsonNode devs = container.path("expanded_devices").isEmpty() ? container.path("devices") : container.path("expanded_devices");
            pool = RestoreService.rootPool(devs);
            JsonNode poolInfo;
            try {
                poolInfo = lxd.get("/1.0/storage-pools/" + enc(pool));
            } catch (LxdException e) {
                throw new RestoreException("storage pool " + pool + " (the instance's root disk) does not exist here: " + e.getMessage()
                        + "; create it (`lxc storage create " + pool + " …`) and retry");
            }
            if ("zfs".equals(poolInfo.path("driver").asText())) {
                throw new RestoreException("storage pool " + pool + " uses LXD's zfs driver: restore into its dataset tree with"
                        + " `--parent-dataset " + poolInfo.path("config").path("zfs.pool_name").asText() + "/containers`"
                        + " (LXD then imports the instance itself)");
            }
            List<String> missing = new ArrayList<>();
            for (JsonNode p : container.path("profiles")) {
                try {
                    lxd.get("/1.0/profiles/" + enc(p.asText()) + q());
                } catch (LxdException e) {
                    missing.add(p.asText());
                }
            }
            if (!missing.isEmpty()) {
                throw new RestoreException("profile(s) " + String.join(", ", missing) + " used by " + plan.instance()
                        + " do not exist here; create them (e.g. from the old host's `lxc profile show`) and retry");
            }
            dir = poolInfo.path("config").path("source").asText() + "/containers/"
                    + ("default".equals(project) ? plan.target() : project + "_" + plan.target());
        } catch (RuntimeException e) {
            String removed = destroyQuietly(staging);
            throw e instanceof RestoreException re ? new RestoreException(re.getMessage() + "; " + removed, re)
                    : new RestoreException(e.getMessage() + "; " + removed, e);
        }
        com.fasterxml.jackson.databind.node.ObjectNode allowed = container.deepCopy();
        List<String> dropped = trustConfig ? List.of() : io.terrarium.host.lxd.ImportAllowlist.filter(allowed);
        if (!dropped.isEmpty()) {
            progress.accept("dropped from the restored backup.yaml (not allowed without --trust-config): " + String.join(", ", dropped));
        }
        Map<String, Object> body = RestoreService.createBody(allowed, plan.target(),
                plan.instance() + " S3 restore point " + plan.point().id(), !plan.asNew());
        progress.accept("creating instance " + plan.target() + " (stopped) on " + plan.targetDataset() + " …");
        boolean created = false;
        boolean renamed = false;
        try {
            lxd.post("/1.0/instances" + q(), body);
            created = true;
            RestoreService.clearDirectory(Path.of(dir));
            zfs.rename(staging, plan.targetDataset(), BUSY_WAIT);
            renamed = true;
            zfs.setMountpoint(plan.targetDataset(), dir, BUSY_WAIT);
            zfs.ensureMounted(plan.targetDataset());
            // any change makes LXD rewrite backup.yaml (the received one describes the exported instance)
            lxd.patch(instancePath(plan.target()) + q(), Map.of("description", "restored from " + plan.instance()
                    + " S3 restore point " + plan.point().id()));
        } catch (RuntimeException e) {
            String why = e.getMessage();
            try {
                destroyQuietly(renamed ? plan.targetDataset() : staging);
                if (created) {
                    Files.createDirectories(Path.of(dir));
                    lxd.delete(instancePath(plan.target()) + q());
                }
            } catch (RuntimeException | IOException c) {
                why += "; cleanup incomplete: " + c.getMessage();
            }
            throw new RestoreException("creating instance " + plan.target() + " failed: " + why
                    + "; the partial instance and dataset were removed", e);
        }
        List<String> notes = new ArrayList<>();
        if (!dropped.isEmpty()) {
            notes.add("dropped from its backup.yaml: " + String.join(", ", dropped)
                    + " (re-add what you trust with `lxc config set` / `lxc config device add`)");
        }
        notes.add("instance " + plan.target() + " is stopped" + (plan.asNew() ? " and has no proxy routes" : "")
                + "; start it with `lxc start " + plan.target() + "`");
        return notes;
    }

    /**
     * The LXD storage pool with the zfs driver whose instance datasets live under {@code parent}
     * ({@code <zfs.pool_name>/containers}), or {@code null} when no such pool exists (LXD's dir
     * driver: the dataset is mounted at the instance directory instead).
     */
    private String zfsDriverPoolFor(String parent) {
        for (JsonNode p : lxd.get("/1.0/storage-pools?recursion=1")) {
            if ("zfs".equals(p.path("driver").asText())
                    && parent.equals(p.path("config").path("zfs.pool_name").asText() + "/containers")) {
                return p.path("name").asText();
            }
        }
        return null;
    }

    /**
     * LXD's zfs storage driver (new host, or {@code --as-new}): LXD imports a plain full stream of
     * the received snapshot itself ({@link LxdBackupImport}, the instance's own {@code backup.yaml}
     * gives its config, profiles and devices); then the staging dataset is destroyed.
     */
    private List<String> importOnZfsDriver(Plan plan, String pool, Consumer<String> progress) {
        String staging = plan.stagingDataset();
        if (importer == null) {
            String removed = destroyQuietly(staging);
            throw new RestoreException("importing onto LXD's zfs storage driver needs LXD's backup import, which this command"
                    + " was built without; " + removed);
        }
        List<String> flags = zfs.capabilities().compressedSend() ? List.of("-L", "-c") : List.of();
        try {
            LxdBackupImport.Result r = importer.importSnapshot(staging + "@" + plan.point().snapshot(), plan.target(), pool,
                    project, flags, plan.asNew(), trustConfig, progress);
            if (!r.dropped().isEmpty()) {
                progress.accept("dropped from the restored backup.yaml (not allowed without --trust-config): "
                        + String.join(", ", r.dropped()));
            }
            progress.accept("LXD imported " + r.streamBytes() + " bytes in " + r.importMillis() + " ms");
            lxd.patch(instancePath(plan.target()) + q(), Map.of("description", "restored from " + plan.instance()
                    + " S3 restore point " + plan.point().id()));
        } catch (RuntimeException e) {
            String removed = destroyQuietly(staging);
            throw new RestoreException("LXD could not import " + plan.target() + ": " + e.getMessage() + "; " + removed, e);
        }
        String removed = destroyQuietly(staging);
        return List.of("instance " + plan.target() + " was imported by LXD on storage pool " + pool + " (" + removed + ")",
                "instance " + plan.target() + " is stopped" + (plan.asNew() ? " and has no proxy routes" : "")
                        + "; start it with `lxc start " + plan.target() + "`");
    }

    private String destroyQuietly(String ds) {
        try {
            if (zfs.exists(ds)) {
                zfs.destroy(ds, true, BUSY_WAIT);
            }
            return "the staging dataset " + ds + " was removed";
        } catch (RuntimeException e) {
            LOG.warn("could not destroy {}: {}", ds, e.getMessage());
            return "removing the staging dataset " + ds + " failed (" + e.getMessage() + "); destroy it with `zfs destroy -r " + ds + "`";
        }
    }

    private static void checkName(String option, String name) {
        if (name == null || !RestoreService.INSTANCE_NAME.matcher(name).matches()) {
            throw new RestoreException(option + " " + name + ": not a valid instance name (a letter, then letters, digits, '-'; at most 63)");
        }
    }

    private static String parent(String ds) {
        int i = ds.lastIndexOf('/');
        if (i <= 0) {
            throw new RestoreException("dataset " + ds + " has no parent");
        }
        return ds.substring(0, i);
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
