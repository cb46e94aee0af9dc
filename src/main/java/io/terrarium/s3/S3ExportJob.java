package io.terrarium.s3;

import io.terrarium.host.zstd.Compression;
import io.terrarium.host.zfs.ZfsStreamCommands;

import io.terrarium.s3.ExportKeys;
import io.terrarium.backup.InstanceDataset;
import io.terrarium.s3.Manifest;
import io.terrarium.s3.ManifestCodec;
import io.terrarium.s3.ManifestException;
import io.terrarium.s3.RetentionPlanner;
import io.terrarium.config.TerrariumConfig;
import io.terrarium.host.exec.CommandRunner;
import io.terrarium.host.zfs.ZfsAdapter;
import io.terrarium.host.zfs.ZfsCapabilities;
import io.terrarium.host.zfs.ZfsSnapshot;
import io.terrarium.jobs.JobFailedException;
import io.terrarium.jobs.StagedJob;
import io.terrarium.jobs.JobResult;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.S3Object;

import java.io.Closeable;
import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.Set;
import java.util.function.Supplier;

/**
 * Job {@code s3-export} (issue 5, hourly): exports every instance dataset to S3 as a chain of
 * {@code zfs send} streams.
 *
 * <p>Per dataset: take a new export base {@code <dataset>@terrarium-export-<UTC stamp>} (sanoid
 * only prunes {@code autosnap_*}); send it incrementally from the previous base when that base
 * still exists locally, the newest committed manifest in S3 names it and the chain holds fewer
 * than {@code maxIncrementals} incrementals; otherwise send a full stream. Only after the manifest
 * is committed are the older {@code terrarium-export-*} snapshots destroyed (case C07: exactly one
 * base remains, leftovers of a crashed run are cleaned, other snapshots are never touched). When
 * the export fails only the new base is destroyed, so the previous base and the chain stay intact.
 *
 * <p>After a committed export, retention runs for that instance ({@link RetentionPlanner}, config
 * {@code s3.retention}): manifests of chains no longer kept are deleted newest first, then their
 * volumes. A retention failure does not undo the export: the row gets {@code retention_error} and
 * the run is WARNING.
 *
 * <p>Where the host's {@code zfs} has holds (capability probe), the new base is held with tag
 * {@value #HOLD_TAG} right after it is taken and the hold is released just before a base is
 * destroyed, so nothing else (an operator's {@code zfs destroy}, another tool) can remove a chain
 * base (DESIGN.md §4, "on OpenZFS it may add holds"). Where {@code zfs send -n -P} exists, its size
 * estimate (of the uncompressed stream: an upper bound for the zstd output) sizes the parts.
 *
 * <p>OK when S3 exports are disabled. FAILED when any instance failed or has no dataset.
 */
public final class S3ExportJob implements StagedJob<S3ExportJob.Run> {
    /** Job and route id. */
    public static final String ID = "s3-export";
    /** Name prefix of the export base snapshots. */
    public static final String BASE_PREFIX = "terrarium-export-";
    /** Longest chain of incrementals before the next export is a full again (config {@code s3.chain.max_incrementals}). */
    public static final int DEFAULT_MAX_INCREMENTALS = TerrariumConfig.Chain.DEFAULT_MAX_INCREMENTALS;
    /** Hold tag on export bases (where holds are supported). */
    public static final String HOLD_TAG = "terrarium-export";

    private static final Logger LOG = LoggerFactory.getLogger(S3ExportJob.class);
    private static final DateTimeFormatter STAMP = DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss'Z'")
            .withZone(ZoneOffset.UTC);
    private static final Duration BUSY_WAIT = Duration.ofSeconds(30);

    /** The S3 side of one run (a seam for tests). */
    public interface Target extends Closeable, S3ExportComponent.Destination {
        /** Ids of the committed manifests of {@code instance}, in any order. */
        List<String> manifestIds(String instance) throws IOException;

        /** Reads one manifest. */
        Manifest manifest(String instance, String id) throws IOException, ManifestException;

        /** Exports (see {@link S3Exporter#export}), telling {@code progress}; returns the committed manifest. */
        @Override
        Manifest export(S3Exporter.Request req, ExportProgress progress) throws IOException;

        /** The key layout of this destination (prefix, installation id). */
        ExportKeys keys();

        /**
         * Whether a new incremental may name {@code m} as its base: with a backup key, only a point
         * authenticated under it (a legacy or foreign point starts a new, sealed full instead).
         */
        default boolean canChainOn(Manifest m) {
            return true;
        }

        /** Every object key under {@link ExportKeys#instanceDir} of {@code instance}. */
        List<String> listKeys(String instance) throws IOException;

        /**
         * Deletes one object. One DeleteObject per key: s3proxy and some stores answer the batch
         * DeleteObjects with 501, and DELETE requests are not billed on AWS.
         */
        void delete(String key) throws IOException;

        /**
         * Aborts every unfinished multipart upload under this installation's folder
         * ({@link MultipartJanitor#installationScope}); called at the start of a run that holds the
         * export lock, when no upload of this installation can be live (issue 13 item 5: the uploads
         * a killed run left behind go at the next run, not ~48 h later).
         *
         * @throws IOException when the uploads cannot be listed
         */
        default MultipartJanitor.Report abortOrphanedUploads() throws IOException {
            return new MultipartJanitor.Report(List.of(), List.of(), List.of());
        }

        /**
         * What went wrong extending the Object Lock of the chain of the point {@link #export} just
         * committed, or {@code null}; cleared by the call. The point itself is committed (a failure
         * here must not drop its base), so the run reports it as {@code lock_error} (WARNING).
         */
        default String takeLockError() {
            return null;
        }

        /** Whether {@code s3.object_lock} is set for this destination (retention then reads locks). */
        default boolean objectLock() {
            return false;
        }

        /**
         * The date (UTC) the object {@code key} is locked until (GetObjectRetention), empty when it
         * is not locked ({@link ObjectLock#retainUntil(S3Client, String, String)}).
         *
         * @throws IOException when the retention cannot be read (treat the object as locked)
         */
        default java.util.Optional<java.time.Instant> lockedUntil(String key) throws IOException {
            return java.util.Optional.empty();
        }

        @Override
        void close();
    }

    /** Opens the S3 side for the configured destination. */
    @FunctionalInterface
    public interface TargetFactory {
        /** @throws IOException or IllegalArgumentException when the destination is unusable */
        Target open(TerrariumConfig.S3 s3, String installationId, Clock clock) throws IOException;
    }

    private final Supplier<TerrariumConfig.S3> config;
    private final Supplier<String> installationId;
    private final CommandRunner runner;
    private final ZfsAdapter zfs;
    private final Supplier<List<InstanceDataset>> instances;
    private final TargetFactory targets;
    private final Clock clock;
    private final int maxIncrementals;
    private ExportProgress progress = ExportProgress.NONE;
    private Set<String> only = Set.of();
    private Duration maxChainAge = Duration.ZERO;
    private java.nio.file.Path lockFile;
    private HostManifestWriter hostManifest;

    /**
     * @param config          the current {@code s3} section (read at each run)
     * @param installationId  the installation id (names the folder under the prefix)
     * @param runner          command seam (for the {@code zfs send} size estimate)
     * @param zfs             zfs adapter
     * @param instances       instance → dataset resolution
     * @param targets         opens the S3 side ({@link #s3Target} in production)
     * @param clock           time source (snapshot names, manifest ids)
     * @param maxIncrementals incrementals after which the next export is a full
     */
    public S3ExportJob(Supplier<TerrariumConfig.S3> config, Supplier<String> installationId, CommandRunner runner,
                       ZfsAdapter zfs, Supplier<List<InstanceDataset>> instances, TargetFactory targets, Clock clock,
                       int maxIncrementals) {
        this.config = config;
        this.installationId = installationId;
        this.runner = runner;
        this.zfs = zfs;
        this.instances = instances;
        this.targets = targets;
        this.clock = clock;
        this.maxIncrementals = maxIncrementals;
    }

    @Override
    public String id() {
        return ID;
    }

    @Override
    public String description() {
        return "export every instance dataset to S3 (full or incremental zfs send, zstd, multipart)";
    }

    @Override
    public String defaultSchedule() {
        return "0 30 * * * ?";
    }

    @Override
    public JobResult run() {
        Run r = newRun();
        try {
            r.readInstances();
            r.openDestination();
            for (Item item : r.items()) {
                item.takeBase();
                item.chooseParent();
                if (item.request() != null) {
                    try {
                        item.streamed(S3ExportComponent.stream(r.target, item.request(), progress));
                    } catch (Exception e) {
                        item.dropNewBase(e);
                    }
                }
                item.dropOldBases();
                item.retention();
            }
            r.writeHostManifest();
            return r.result();
        } catch (JobFailedException e) {
            return e.result();
        } finally {
            r.close();
        }
    }

    @Override
    public Run newRun() {
        return new Run();
    }

    /** The listener the CLI's progress bar gets (default {@link ExportProgress#NONE}). */
    public ExportProgress progressListener() {
        return progress;
    }

    /**
     * One export run (the steps of route {@code s3-export}): {@link #readInstances},
     * {@link #openDestination}, then per dataset ({@link #items()}, split) {@link Item#takeBase},
     * {@link Item#chooseParent}, the stream ({@link Item#request()} → {@link Target#export} →
     * {@link Item#streamed}, or {@link Item#dropNewBase} when it failed), {@link Item#dropOldBases},
     * {@link Item#retention}; then {@link #result}. {@link #close} releases the destination and the
     * host lock (the route does it when the exchange completes, whatever happened).
     */
    public final class Run implements StagedJob.Run {
        private final Map<String, Object> details = new LinkedHashMap<>();
        private final List<Map<String, Object>> rows = new ArrayList<>();
        private final List<String> errors = new ArrayList<>();
        private final List<Item> items = new ArrayList<>();
        private TerrariumConfig.S3 s3c;
        private JobResult early;
        private io.terrarium.config.LockFile runLock;
        private Target target;
        private boolean hostManifestFailed;

        private Run() {
            details.put("datasets", rows);
            details.put("errors", errors);
        }

        /**
         * Step {@code read-instances}: the instance datasets to export ({@link #only} applied). A
         * disabled S3 export makes the run OK and idle (later steps do nothing).
         *
         * @throws JobFailedException when the instances cannot be listed or a name in {@code only} is unknown
         */
        public void readInstances() {
            s3c = config.get();
            if (s3c == null || !s3c.enabled()) {
                early = S3ExportJob.result(JobResult.Status.OK, "S3 exports are disabled", Map.of());
                return;
            }
            List<InstanceDataset> list;
            try {
                list = instances.get();
            } catch (RuntimeException e) {
                errors.add("cannot list instances: " + e.getMessage());
                throw new JobFailedException(S3ExportJob.result(JobResult.Status.FAILED, "cannot list instances: " + e.getMessage(), details));
            }
            if (!only.isEmpty()) {
                Set<String> known = new java.util.TreeSet<>();
                list.forEach(i -> known.add(i.instance()));
                List<String> unknown = only.stream().filter(n -> !known.contains(n)).sorted().toList();
                if (!unknown.isEmpty()) {
                    String msg = "no such instance: " + String.join(", ", unknown) + " (instances: " + String.join(", ", known) + ")";
                    errors.add(msg);
                    throw new JobFailedException(S3ExportJob.result(JobResult.Status.FAILED, msg, details));
                }
                list = list.stream().filter(i -> only.contains(i.instance())).toList();
                details.put("partial", true); // not every instance: the others keep their per-instance metrics (JobItems)
            }
            for (InstanceDataset i : list) {
                items.add(new Item(this, i));
            }
        }

        /**
         * Step {@code open-destination}: takes the host-wide export lock (taken: REJECTED, nothing
         * done) and opens the S3 side.
         *
         * @throws JobFailedException when the lock or the destination cannot be opened
         */
        public void openDestination() {
            if (early != null) {
                return;
            }
            if (lockFile != null) {
                try {
                    runLock = io.terrarium.config.LockFile.tryAcquire(lockFile);
                    if (runLock == null) {
                        String msg = "another s3-export is running on this host (lock " + lockFile + "); nothing was done";
                        errors.add(msg);
                        items.clear();
                        early = S3ExportJob.result(JobResult.Status.REJECTED, msg, details);
                        return;
                    }
                } catch (IOException e) {
                    errors.add("cannot take the export lock " + lockFile + ": " + e.getMessage());
                    throw new JobFailedException(S3ExportJob.result(JobResult.Status.FAILED, "cannot take the export lock: " + e.getMessage(), details));
                }
            }
            try {
                target = targets.open(s3c, installationId.get(), clock);
            } catch (IOException | RuntimeException e) {
                errors.add("cannot open S3 destination: " + e.getMessage());
                throw new JobFailedException(S3ExportJob.result(JobResult.Status.FAILED, "cannot open S3 destination: " + e.getMessage(), details));
            }
            if (runLock != null) {
                // holding the export lock, no upload of this installation is live: what is there was
                // left by a killed run (the janitor's coordination rule, MultipartJanitor#sweep)
                try {
                    MultipartJanitor.Report r = target.abortOrphanedUploads();
                    details.put("orphaned_uploads_aborted", r.aborted().size());
                    if (!r.errors().isEmpty()) {
                        details.put("orphaned_upload_errors", r.errors());
                        LOG.warn("s3-export: {} orphaned upload(s) could not be aborted: {}", r.errors().size(), r.errors());
                    }
                } catch (IOException | RuntimeException e) {
                    // not fatal for this run: the daily s3-janitor tries again
                    details.put("orphaned_upload_errors", List.of(String.valueOf(e.getMessage())));
                    LOG.warn("s3-export: cannot list orphaned uploads: {}", e.getMessage());
                }
            }
        }

        /**
         * Step {@code write-host-manifest} (issue 11): after every dataset's manifest is committed, the
         * host manifest ({@link HostManifestWriter#write}); a failure makes the run WARNING, never
         * undoes an export. Does nothing when idle, rejected, or no writer is set.
         */
        public void writeHostManifest() {
            if (early != null || hostManifest == null) {
                return;
            }
            hostManifestFailed = !hostManifest.write(s3c, installationId.get(), items.stream().filter(x -> x.committed != null)
                    .map(Item::instance).toList(), details, errors);
        }

        /** The datasets of this run, in order (empty when idle or rejected); the route splits on them. */
        public List<Item> items() {
            return early != null ? List.of() : List.copyOf(items);
        }

        /** The open S3 side (after {@link #openDestination}); the {@code stream-to-s3} producer writes to it. */
        public Target target() {
            return target;
        }

        /** Releases the S3 client and the host lock; safe to call more than once. */
        public void close() {
            if (target != null) {
                try {
                    target.close();
                } catch (RuntimeException e) {
                    LOG.debug("closing the S3 destination: {}", e.getMessage());
                }
                target = null;
            }
            if (runLock != null) {
                try {
                    runLock.release();
                } catch (IOException e) {
                    LOG.debug("closing {}: {}", lockFile, e.getMessage());
                }
                runLock = null;
            }
        }

        @Override
        public JobResult result() {
            if (early != null) {
                return early;
            }
            int ok = 0;
            boolean warn = false;
            for (Item i : items) {
                if (i.committed != null) {
                    ok++;
                    warn |= i.row.containsKey("cleanup_error") || i.row.containsKey("retention_error")
                            || i.row.containsKey("lock_error");
                }
                io.terrarium.events.Events.current().publish(io.terrarium.events.Event.export(i.instance(), i.row));
            }
            warn |= hostManifestFailed;
            int failed = rows.size() - ok;
            String summary = ok + " dataset(s) exported" + (failed == 0 ? "" : ", " + failed + " failed")
                    + (errors.isEmpty() ? "" : "; " + String.join("; ", errors));
            JobResult.Status status = failed > 0 ? JobResult.Status.FAILED : warn ? JobResult.Status.WARNING : JobResult.Status.OK;
            return S3ExportJob.result(status, summary, details);
        }
    }

    /** One dataset of a run: the state the per-dataset steps share. */
    public final class Item {
        private final Run run;
        private final InstanceDataset i;
        private final Map<String, Object> row = new LinkedHashMap<>();
        private final String newBase;
        private ZfsCapabilities caps;
        private boolean failed;
        private S3Exporter.Request request;
        private Manifest committed;

        private Item(Run run, InstanceDataset i) {
            this.run = run;
            this.i = i;
            this.newBase = BASE_PREFIX + STAMP.format(clock.instant());
            row.put("instance", i.instance());
            row.put("dataset", i.dataset());
            run.rows.add(row);
        }

        /** Instance name. */
        public String instance() {
            return i.instance();
        }

        /** The full name of the new export base, {@code <dataset>@terrarium-export-<stamp>}. */
        public String newBase() {
            return i.dataset() + "@" + newBase;
        }

        private void fail(String msg) {
            failed = true;
            row.put("status", "failed");
            run.errors.add(msg);
        }

        /** Step {@code take-base}: snapshot {@code <dataset>@terrarium-export-<UTC stamp>}, held where holds exist. */
        public void takeBase() {
            if (!i.resolved()) {
                fail(i.instance() + ": " + i.problem());
                return;
            }
            try {
                zfs.snapshot(newBase());
            } catch (RuntimeException e) {
                fail(i.instance() + ": cannot snapshot " + newBase() + ": " + e.getMessage());
                return;
            }
            caps = capabilities();
            if (caps.holds()) {
                try {
                    zfs.hold(HOLD_TAG, newBase());
                    row.put("held", true);
                } catch (RuntimeException e) {
                    // the export base is still protected by the job's own clean-up order (C07)
                    row.put("hold_error", e.getMessage());
                    LOG.warn("s3-export {}: cannot hold {}: {}", i.instance(), newBase(), e.getMessage());
                }
            }
        }

        /**
         * Step {@code choose-parent}: full or incremental ({@link #chooseParent(Target, String, String, Set)}),
         * the snapshot's GUID, send flags and size estimate → {@link #request()}. On failure the new
         * base is dropped.
         */
        public void chooseParent() {
            if (failed) {
                return;
            }
            String ds = i.dataset();
            try {
                Manifest parent = S3ExportJob.this.chooseParent(run.target, i.instance(), ds, previousBases(ds, newBase));
                row.put("kind", parent == null ? "full" : "incremental");
                String guid = zfs.guid(newBase());
                List<String> flags = parent != null ? parent.sendFlags() : sendFlags(caps, encrypted(ds, caps));
                if (!flags.isEmpty()) {
                    row.put("send_flags", flags);
                }
                OptionalLong estimate = caps.sizeEstimate() ? estimate(ds, newBase, parent, flags) : OptionalLong.empty();
                estimate.ifPresent(b -> row.put("estimate_bytes", b));
                request = new S3Exporter.Request(i.instance(), ds, newBase, guid, parent, flags,
                        estimate, PartSizing.DEFAULT_FLOOR, 4, Compression.preferredEngine(),
                        Map.of("terrarium", version()));
            } catch (Exception e) {
                dropNewBase(e);
            }
        }

        /** What {@code stream-to-s3} sends, or {@code null} when this dataset already failed. */
        public S3Exporter.Request request() {
            return failed ? null : request;
        }

        /**
         * The stream's manifest is committed (the {@code stream-to-s3} producer's answer); {@code null}
         * when there was nothing to stream (the dataset failed before).
         */
        public void streamed(Manifest manifest) {
            if (manifest == null) {
                return;
            }
            committed = manifest;
            row.put("status", "ok");
            row.put("bytes", manifest.streamBytes());
            row.put("manifest", manifest.id());
            if (manifest.createdAt() != null) {
                row.put("restore_point_at", manifest.createdAt().toString());
            }
            LOG.info("s3-export {}: {} {} bytes, manifest {}", i.instance(), row.get("kind"), manifest.streamBytes(), manifest.id());
        }

        /**
         * Compensation of a failed stream (step {@code drop-new-base}): releases and destroys the new
         * base, so the previous base and the chain stay as they were; the manifest was never written.
         */
        public void dropNewBase(Exception cause) {
            String msg = i.instance() + ": export of " + newBase() + " failed: " + cause.getMessage();
            try {
                releaseAndDestroy(newBase(), caps == null ? capabilities() : caps);
            } catch (RuntimeException d) {
                msg += "; destroying the new base failed too: " + d.getMessage();
            }
            LOG.warn("{}", msg);
            fail(msg);
        }

        /** Step {@code drop-old-bases}: after the commit, every other {@code terrarium-export-*} snapshot goes (C07). */
        public void dropOldBases() {
            if (failed || committed == null) {
                return;
            }
            try {
                for (ZfsSnapshot s : zfs.snapshots(i.dataset(), false)) {
                    if (s.name().startsWith(BASE_PREFIX) && !s.name().equals(newBase)) {
                        releaseAndDestroy(i.dataset() + "@" + s.name(), caps);
                    }
                }
            } catch (RuntimeException e) {
                row.put("cleanup_error", e.getMessage());
                run.errors.add(i.instance() + ": exported, but removing older export bases failed: " + e.getMessage());
            }
        }

        /**
         * Step {@code retention}: reports a failed Object Lock extension of the committed point's
         * chain ({@code lock_error}), then {@link #applyRetention} for this instance; either failure
         * makes the run WARNING.
         */
        public void retention() {
            if (failed || committed == null) {
                return;
            }
            String lockError = run.target.takeLockError();
            if (lockError != null) {
                row.put("lock_error", lockError);
                run.errors.add(i.instance() + ": " + lockError);
                LOG.warn("s3-export {}: {}", i.instance(), lockError);
            }
            String retentionError = applyRetention(run.target, i.instance(), row);
            if (retentionError != null) {
                row.put("retention_error", retentionError);
                run.errors.add(i.instance() + ": exported, but retention failed: " + retentionError);
            }
        }
    }

    /**
     * Runs retention for one instance (after its export committed). Manifests are deleted first,
     * newest first; the first failed manifest delete stops the run before any volume is deleted, so
     * no remaining manifest names a missing object. Volume delete failures leave orphans, which the
     * next run removes.
     *
     * @return {@code null} when retention completed, else what failed
     */
    String applyRetention(Target target, String instance, Map<String, Object> row) {
        TerrariumConfig.Retention policy = config.get().retention();
        List<String> keys;
        Map<String, Manifest> manifests = new java.util.HashMap<>();
        try {
            keys = target.listKeys(instance);
            String dir = target.keys().instanceDir(instance) + "manifests/";
            for (String k : keys) {
                if (k.startsWith(dir) && k.endsWith(".json") && k.indexOf('/', dir.length()) < 0) {
                    String id = k.substring(dir.length(), k.length() - ".json".length());
                    try {
                        Manifest m = target.manifest(instance, id);
                        if (m != null) {
                            manifests.put(id, m);
                        }
                    } catch (ManifestException | IllegalArgumentException e) {
                        LOG.warn("s3-export {}: retention: unreadable manifest {}: {}", instance, id, e.getMessage());
                    }
                }
            }
        } catch (IOException | RuntimeException e) {
            return "cannot list or read " + instance + "'s restore points: " + e.getMessage();
        }
        RetentionPlanner.Plan plan = RetentionPlanner.plan(target.keys(), instance, keys, manifests, policy);
        Map<String, java.time.Instant> locked = new java.util.HashMap<>();
        Set<String> lockedOrphanKeys = new HashSet<>();
        if (target.objectLock() && !plan.empty()) {
            // issue 13 item 4: never try to delete a locked object; the store's retention is the truth
            java.time.Instant now = clock.instant();
            try {
                for (String id : plan.deletedIds()) {
                    // the manifest, and its first volume too: a manifest PUT again by `backup rekey` is a new,
                    // unlocked version while the volumes keep their lock
                    List<String> probe = new ArrayList<>(List.of(target.keys().manifest(instance, id)));
                    Manifest pm = manifests.get(id);
                    if (pm != null && !pm.volumes().isEmpty()) {
                        probe.add(pm.volumes().get(0).key());
                    }
                    for (String k : probe) {
                        java.util.Optional<java.time.Instant> u = target.lockedUntil(k).filter(now::isBefore);
                        if (u.isPresent()) {
                            locked.merge(id, u.get(), (x, y) -> x.isAfter(y) ? x : y);
                        }
                    }
                }
                for (String k : plan.deleteVolumes()) {
                    if (plan.orphanIds().stream().anyMatch(o -> k.startsWith(target.keys().instanceDir(instance) + "data/" + o + "/"))
                            && target.lockedUntil(k).filter(now::isBefore).isPresent()) {
                        lockedOrphanKeys.add(k);
                    }
                }
            } catch (IOException | RuntimeException e) {
                return "cannot read the Object Lock retention of " + instance + "'s restore points (" + e.getMessage()
                        + "); nothing was deleted";
            }
            plan = RetentionPlanner.plan(target.keys(), instance, keys, manifests, policy, locked);
        }
        Map<String, Object> r = new LinkedHashMap<>();
        r.put("kept_points", plan.keptIds().size());
        r.put("deleted_points", plan.deletedIds());
        r.put("orphans", plan.orphanIds());
        if (!plan.warnings().isEmpty()) {
            r.put("warnings", plan.warnings());
            plan.warnings().forEach(w -> LOG.warn("s3-export {}: retention: {}", instance, w));
        }
        if (!plan.lockedKept().isEmpty()) {
            Map<String, String> lk = new java.util.TreeMap<>(java.util.Comparator.reverseOrder());
            plan.lockedKept().forEach((id, u) -> lk.put(id, "kept: locked until " + u));
            r.put("locked", lk);
            LOG.info("s3-export {}: retention kept {} locked restore point(s) (S3 Object Lock)", instance, lk.size());
        }
        if (!lockedOrphanKeys.isEmpty()) {
            r.put("locked_orphan_objects", lockedOrphanKeys.size());
        }
        row.put("retention", r);
        int deleted = 0;
        for (String k : plan.deleteManifests()) {
            try {
                target.delete(k);
                deleted++;
            } catch (IOException | RuntimeException e) {
                r.put("deleted_objects", deleted);
                return (ObjectLock.isLockRefusal(e) ? "deleting manifest " + k + " was refused (AccessDenied: "
                        + "the object is locked by S3 Object Lock or the key may not delete)"
                        : "deleting manifest " + k + " failed (" + e.getMessage() + ")")
                        + "; its volumes and older manifests are kept";
            }
        }
        List<String> failed = new ArrayList<>();
        for (String k : plan.deleteVolumes()) {
            if (lockedOrphanKeys.contains(k)) {
                continue;
            }
            try {
                target.delete(k);
                deleted++;
            } catch (IOException | RuntimeException e) {
                failed.add(k + ": " + (ObjectLock.isLockRefusal(e)
                        ? "refused (AccessDenied: locked by S3 Object Lock or not permitted)" : e.getMessage()));
            }
        }
        r.put("deleted_objects", deleted);
        if (!plan.empty()) {
            LOG.info("s3-export {}: retention kept {} restore point(s), deleted {} ({} object(s))", instance,
                    plan.keptIds().size(), plan.deletedIds(), deleted);
        }
        if (!failed.isEmpty()) {
            return "deleting " + failed.size() + " volume object(s) failed (the next run retries): " + failed.get(0);
        }
        return null;
    }

    /**
     * A chain whose full is older than this gets a new full at the next export (config
     * {@code s3.chain.max_age_days}); {@link Duration#ZERO} (default) = no age limit.
     */
    public S3ExportJob maxChainAge(Duration age) {
        this.maxChainAge = age == null ? Duration.ZERO : age;
        return this;
    }

    /**
     * Limits a run to these instances ({@code backup export --instance}); empty (default) = all.
     * A name that is not an instance makes the run FAILED before anything is exported.
     */
    public S3ExportJob only(Set<String> instanceNames) {
        this.only = instanceNames == null ? Set.of() : Set.copyOf(instanceNames);
        return this;
    }

    /**
     * A host-wide lock file (e.g. {@code /run/terrarium/s3-export.lock}) held for the whole run, so
     * the daemon's scheduled export and an in-process {@code backup export} (or two of them) never
     * work on the same chains at once; a run that finds it taken is REJECTED. {@code null}: no lock.
     */
    public S3ExportJob lockFile(java.nio.file.Path file) {
        this.lockFile = file;
        return this;
    }

    /** Writes the host manifest after the instance exports ({@link HostManifestWriter#write}); {@code null} (default): none. */
    public S3ExportJob hostManifest(HostManifestWriter writer) {
        this.hostManifest = writer;
        return this;
    }

    /** Sets the listener told about each dataset's progress (the CLI's progress bar); default none. */
    public S3ExportJob progress(ExportProgress listener) {
        this.progress = listener == null ? ExportProgress.NONE : listener;
        return this;
    }

    /**
     * {@code zfs send} flags for a new full stream, from the probed capabilities: {@code -w} (raw: the
     * blocks stay encrypted, the key never leaves the host, and the stream is restorable only with
     * the key) for an encrypted dataset where raw sends exist; otherwise {@code -L -c} (large blocks
     * and the on-disk compressed blocks as they are, zfs-send(8)) where they exist; none on zfs-fuse.
     * An incremental always repeats its chain's full's flags (from the parent manifest): switching
     * {@code -L} or {@code -w} within a chain is what zfs-send(8) warns against.
     *
     * @param caps      probed capabilities
     * @param encrypted whether the dataset is encrypted ({@code encryption} not {@code off})
     * @return flags in send order, possibly empty
     */
    static List<String> sendFlags(ZfsCapabilities caps, boolean encrypted) {
        if (encrypted && caps.rawSend()) {
            return List.of("-w");
        }
        return caps.compressedSend() ? List.of("-L", "-c") : List.of();
    }

    /** Whether {@code ds} is encrypted; false where the host's zfs has no raw sends (no encryption either). */
    private boolean encrypted(String ds, ZfsCapabilities caps) {
        if (!caps.rawSend()) {
            return false;
        }
        String v = zfs.property(ds, "encryption")[0];
        return !v.isEmpty() && !v.equals("off") && !v.equals("-");
    }

    /** Releases this job's hold (if any, where holds exist), then destroys the snapshot. */
    private void releaseAndDestroy(String snapshot, ZfsCapabilities caps) {
        if (caps.holds()) {
            zfs.release(HOLD_TAG, snapshot);
        }
        zfs.destroy(snapshot, false, BUSY_WAIT);
    }

    /** The probed capabilities; none when the probe itself fails (the export then runs as on zfs-fuse). */
    private ZfsCapabilities capabilities() {
        try {
            return zfs.capabilities();
        } catch (RuntimeException e) {
            LOG.warn("s3-export: zfs capability probe failed ({}); exporting without holds and size estimates", e.getMessage());
            return new ZfsCapabilities("unknown", "", Set.of(), false, false, false, false);
        }
    }

    /** {@code zfs send -n -P} size estimate; empty when the dry run fails or prints no size. */
    private OptionalLong estimate(String ds, String snapshot, Manifest parent, List<String> flags) {
        try {
            return ZfsStreamCommands.parseEstimate(runner.run(ZfsStreamCommands.estimate(ds, snapshot,
                    parent == null ? null : parent.snapshot(), flags)).stdout());
        } catch (RuntimeException e) {
            LOG.warn("s3-export: no size estimate for {}@{}: {}", ds, snapshot, e.getMessage());
            return OptionalLong.empty();
        }
    }

    /** The {@code terrarium-export-*} snapshots of {@code ds} other than {@code newBase}. */
    private Set<String> previousBases(String ds, String newBase) {
        Set<String> out = new HashSet<>();
        zfs.snapshots(ds, false).stream().map(ZfsSnapshot::name)
                .filter(n -> n.startsWith(BASE_PREFIX) && !n.equals(newBase)).forEach(out::add);
        return out;
    }

    /**
     * The manifest to send incrementally from, or {@code null} for a full: the newest committed
     * manifest of this dataset must name one of the local export bases {@code bases}, by name and by
     * GUID ({@code zfs get guid} of the local snapshot equals the manifest's {@code snapshot_guid}), and its chain
     * must be shorter than the limit and its full younger than {@link #maxChainAge} (when set). (Any base, not only the newest: a run killed before its
     * manifest was committed leaves a newer base that no manifest names, and the chain must go on
     * from the committed one — case C08.)
     */
    Manifest chooseParent(Target target, String instance, String ds, Set<String> bases) throws IOException {
        if (bases.isEmpty()) {
            return null;
        }
        List<String> ids = new ArrayList<>(target.manifestIds(instance));
        ids.sort(Comparator.reverseOrder());
        Manifest newest = null;
        for (String id : ids) {
            try {
                Manifest m = target.manifest(instance, id);
                if (ds.equals(m.dataset())) {
                    newest = m;
                    break;
                }
            } catch (ManifestException e) {
                LOG.warn("s3-export {}: unreadable manifest {}: {}", instance, id, e.getMessage());
                return null;
            }
        }
        if (newest == null || !bases.contains(newest.snapshot()) || !target.canChainOn(newest)) {
            return null;
        }
        // the name is not enough (issue 13 item 5): a base destroyed and taken again under the same
        // name, or a dataset re-created, has another GUID, and zfs receive of an incremental from it
        // would fail at restore time — the chain would be broken without anyone noticing
        String localGuid;
        try {
            localGuid = zfs.guid(ds + "@" + newest.snapshot());
        } catch (RuntimeException e) {
            LOG.warn("s3-export {}: cannot read the GUID of {}@{}: {}; starting a new full", instance, ds, newest.snapshot(),
                    e.getMessage());
            return null;
        }
        if (!localGuid.equals(newest.snapshotGuid())) {
            LOG.warn("s3-export {}: local {}@{} has GUID {}, the manifest {} names GUID {}: not the same snapshot; starting a new full",
                    instance, ds, newest.snapshot(), localGuid, newest.id(), newest.snapshotGuid());
            return null;
        }
        int incrementals = 0;
        Set<String> seen = new HashSet<>();
        Manifest m = newest;
        while (!m.full()) {
            incrementals++;
            if (incrementals >= maxIncrementals || !seen.add(m.id())) {
                return null;
            }
            try {
                m = target.manifest(instance, m.parentId());
            } catch (IOException e) {
                return null; // a broken chain: start a new one
            }
            if (m == null) {
                return null;
            }
        }
        if (!maxChainAge.isZero() && m.createdAt() != null
                && m.createdAt().isBefore(clock.instant().minus(maxChainAge))) {
            LOG.info("s3-export {}: the chain's full {} is older than {} days: starting a new full", instance, m.id(),
                    maxChainAge.toDays());
            return null;
        }
        return newest;
    }

    private static String version() {
        String v = S3ExportJob.class.getPackage().getImplementationVersion();
        return v == null ? "dev" : v;
    }

    /** The production {@link TargetFactory}: S3 through {@link S3ClientFactory}, manifests via {@link ExportKeys}. */
    public static Target s3Target(TerrariumConfig.S3 s3c, String installationId, Clock clock) throws IOException {
        if (installationId == null) {
            throw new IllegalArgumentException("the configuration has no installation_id yet");
        }
        S3Settings settings = S3Settings.fromConfig(s3c);
        io.terrarium.s3.crypto.BackupKeys backupKeys = io.terrarium.s3.crypto.BackupKeys
                .load(io.terrarium.config.TerrariumPaths.fromEnvironment().secretsDir()).orElse(null);
        S3Client s3 = S3ClientFactory.create(settings, 6);
        ObjectLock lock;
        try {
            lock = ObjectLock.fromConfig(s3c.objectLock(), clock);
            if (lock != null) {
                ObjectLock.checkBucket(s3, settings.bucket()); // before any stream is uploaded
            }
        } catch (IOException | RuntimeException e) {
            s3.close();
            throw e;
        }
        S3Exporter exporter = new S3Exporter(lock == null ? s3 : lock.locking(s3), settings, installationId, clock, backupKeys);
        ManifestCodec codec = new ManifestCodec();
        return new Target() {
            @Override
            public boolean canChainOn(Manifest m) {
                if (backupKeys == null) {
                    return true;
                }
                try {
                    new io.terrarium.s3.crypto.ManifestSeal().authenticate(m, backupKeys,
                            io.terrarium.s3.crypto.ManifestSeal.Legacy.REFUSE);
                    return true;
                } catch (ManifestException e) {
                    LOG.info("s3-export {}: not chaining on {}: {}", m.instance(), m.id(), e.getMessage());
                    return false;
                }
            }

            @Override
            public List<String> manifestIds(String instance) throws IOException {
                String dir = exporter.keys().instanceDir(instance) + "manifests/";
                try {
                    return s3.listObjectsV2Paginator(b -> b.bucket(settings.bucket()).prefix(dir)).contents().stream()
                            .map(S3Object::key).filter(k -> k.endsWith(".json") && k.indexOf('/', dir.length()) < 0)
                            .map(k -> k.substring(dir.length(), k.length() - ".json".length())).toList();
                } catch (SdkException e) {
                    throw new IOException("cannot list " + dir + ": " + e.getMessage(), e);
                }
            }

            @Override
            public Manifest manifest(String instance, String id) throws IOException, ManifestException {
                String key = exporter.keys().manifest(instance, id);
                byte[] body;
                try {
                    body = ManifestCodec.readObject(s3, settings.bucket(), key);
                } catch (software.amazon.awssdk.services.s3.model.NoSuchKeyException e) {
                    return null;
                } catch (SdkException e) {
                    throw new IOException("cannot read " + key + ": " + e.getMessage(), e);
                }
                return codec.read(body, settings.prefix());
            }

            @Override
            public Manifest export(S3Exporter.Request req, ExportProgress progress) throws IOException {
                Manifest m = exporter.export(req, progress::uploaded, progress::sent);
                if (lock != null && !m.full()) {
                    try {
                        extendChain(m);
                    } catch (IOException e) {
                        lockError = e.getMessage();
                    }
                }
                return m;
            }

            private String lockError;

            @Override
            public String takeLockError() {
                String e = lockError;
                lockError = null;
                return e;
            }

            /** Extends every earlier point of the incremental's chain to at least its own lock date. */
            private void extendChain(Manifest m) throws IOException {
                java.time.Instant until = lock.retainUntil();
                List<String> chainKeys = new ArrayList<>();
                Set<String> seen = new HashSet<>();
                String parent = m.parentId();
                try {
                    while (parent != null && seen.add(parent)) {
                        Manifest p = manifest(m.instance(), parent);
                        if (p == null) {
                            throw new IOException("its parent " + parent + " is missing");
                        }
                        chainKeys.add(exporter.keys().manifest(m.instance(), p.id()));
                        p.volumes().forEach(v -> chainKeys.add(v.key()));
                        parent = p.full() ? null : p.parentId();
                    }
                    List<String> extended = lock.extend(s3, settings.bucket(), chainKeys, until);
                    LOG.info("s3-export {}: extended the Object Lock of {} object(s) of {}'s chain to {}", m.instance(),
                            extended.size(), m.id(), until);
                } catch (IOException e) {
                    throw new IOException("restore point " + m.id() + " is committed, but extending the Object Lock of "
                            + "its chain to " + until + " failed (" + e.getMessage() + "); the next export retries", e);
                }
            }

            @Override
            public boolean objectLock() {
                return lock != null;
            }

            @Override
            public java.util.Optional<java.time.Instant> lockedUntil(String key) throws IOException {
                return ObjectLock.retainUntil(s3, settings.bucket(), key);
            }

            @Override
            public ExportKeys keys() {
                return exporter.keys();
            }

            @Override
            public List<String> listKeys(String instance) throws IOException {
                String dir = exporter.keys().instanceDir(instance);
                try {
                    return s3.listObjectsV2Paginator(b -> b.bucket(settings.bucket()).prefix(dir)).contents().stream()
                            .map(S3Object::key).toList();
                } catch (SdkException e) {
                    throw new IOException("cannot list " + dir + ": " + e.getMessage(), e);
                }
            }

            @Override
            public void delete(String key) throws IOException {
                try {
                    s3.deleteObject(b -> b.bucket(settings.bucket()).key(key));
                } catch (SdkException e) {
                    throw new IOException("cannot delete " + key + ": " + e.getMessage(), e);
                }
            }

            @Override
            public MultipartJanitor.Report abortOrphanedUploads() throws IOException {
                try {
                    return new MultipartJanitor(s3, settings.bucket(),
                            MultipartJanitor.installationScope(settings.prefix(), installationId), Duration.ZERO, clock).runAll();
                } catch (SdkException e) {
                    throw new IOException("cannot list the unfinished uploads: " + e.getMessage(), e);
                }
            }

            @Override
            public void close() {
                s3.close();
            }
        };
    }

    private static JobResult result(JobResult.Status status, String summary, Map<String, Object> details) {
        return new JobResult(ID, status, summary, null, null, 0, null, details);
    }
}
