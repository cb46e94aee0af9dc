package io.terrarium.restore;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.terrarium.backup.InstanceDataset;
import io.terrarium.config.AtomicFiles;
import io.terrarium.config.TerrariumConfig;
import io.terrarium.host.exec.CommandFailedException;
import io.terrarium.host.zfs.ZfsAdapter;
import io.terrarium.host.zfs.ZfsStreamCommands;
import io.terrarium.jobs.JobResult;
import io.terrarium.jobs.StagedJob;
import io.terrarium.s3.Manifest;
import io.terrarium.s3.S3Catalog;
import io.terrarium.s3.S3ClientFactory;
import io.terrarium.s3.S3Settings;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.s3.S3Client;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Supplier;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Job {@code restore-drill} (issue 15 item 6; weekly, Sundays 05:00 UTC by default): proves that an
 * S3 restore point can really be restored, on this host, without touching a live dataset.
 *
 * <p>Each run drills one instance, rotating: of the instances this installation exported, the one
 * whose last drill is oldest (never drilled first; ties by name). Its newest restore point's chain
 * is checked ({@link S3Restorer#plan}) and received, exactly as {@code backup restore --source s3}
 * does, into a <b>scratch dataset</b> {@code <pool>/terrarium-drill/<instance>.drill-<UTC>}. The
 * scratch parent {@value #SCRATCH_PARENT} sits outside the containers dataset, so sanoid's recursive
 * template never snapshots it, {@code backup list} never sees it as an instance, and no export,
 * replication or restore ever chooses it; its mountpoint is {@code none}.
 *
 * <p>Then the comparison: the received snapshot's GUID against the manifest's {@code snapshot_guid};
 * when the source snapshot still exists locally ({@code <instance dataset>@<manifest snapshot>}) also
 * against the source's GUID, and a file-tree hash of the restored snapshot against the same hash of
 * the source snapshot (read through a throwaway clone, {@code <instance>.drill-<UTC>-source}). The
 * tree hash ({@link #treeHash}) covers every path, its type, mode and owner, a regular file's
 * SHA-256 and a symlink's target. Any difference is FAILED, naming what differs.
 *
 * <p>Time: the receive (download, authenticate, decompress, {@code zfs receive}) is timed; the drill
 * records {@code seconds}, the restored bytes ({@code zfs get used} of the scratch dataset) and the
 * RTO per GiB ({@code seconds / restored GiB}). Each instance's last drill is kept in
 * {@code <stateDir>/restore-drills.json} (for {@code backup list}); the whole run in the job result
 * store ({@code status}, {@code jobs list}).
 *
 * <p>Clean-up: the scratch datasets are destroyed at the end of every run, also after a failure
 * (step {@code remove-scratch}, and the route's on-completion); a run killed half-way leaves them for
 * the next run, whose first step ({@code remove-leftover-scratch}) destroys every
 * {@code *.drill-*} dataset under the scratch parent.
 *
 * <p>Steps (route {@code restore-drill}): {@link Run#removeLeftovers()}, {@link Run#choosePoint()},
 * {@link Run#receive()}, {@link Run#compare()}, {@link Run#cleanUp()}.
 */
public final class RestoreDrillJob implements StagedJob<RestoreDrillJob.Run> {
    /** Job and route id. */
    public static final String ID = "restore-drill";
    /** Leaf of the scratch parent dataset under the pool. */
    public static final String SCRATCH_PARENT = "terrarium-drill";
    /** Mark in a scratch dataset's leaf name. */
    public static final String MARK = ".drill-";
    /** A scratch dataset's leaf: {@code <instance>.drill-<yyyyMMdd'T'HHmmss'Z'>[-source]}. */
    public static final Pattern SCRATCH_LEAF = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_-]{0,127}\\.drill-\\d{8}T\\d{6}Z(-source)?");
    /** File (under the state directory) with each instance's last drill. */
    public static final String DRILLS_FILE = "restore-drills.json";

    private static final Logger LOG = LoggerFactory.getLogger(RestoreDrillJob.class);
    private static final DateTimeFormatter STAMP = DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss'Z'").withZone(ZoneOffset.UTC);
    private static final Duration BUSY_WAIT = Duration.ofSeconds(30);
    /** One GiB in bytes: the unit of the RTO figure, and the smallest restore it is scaled from in summaries. */
    public static final long GIB = 1L << 30;

    private final Supplier<TerrariumConfig.S3> config;
    private final Supplier<String> installationId;
    private final String pool;
    private final ZfsAdapter zfs;
    private final Supplier<List<InstanceDataset>> datasets;
    private final Path stateDir;
    private final Path runDir;
    private final Path secretsDir;
    private final Clock clock;
    private final ObjectMapper json;

    /**
     * @param config         the current {@code s3} section (read at each run)
     * @param installationId this installation's id (its folder in the bucket)
     * @param pool           pool the scratch parent {@code <pool>/terrarium-drill} is created in ({@code zfs.pool})
     * @param zfs            zfs adapter
     * @param datasets       the instances and their datasets here (for the source snapshot)
     * @param stateDir       where {@value #DRILLS_FILE} is kept
     * @param runDir         where scratch datasets are mounted while hashed ({@code <runDir>/drill/})
     * @param secretsDir     the backup keys (sealed restore points)
     * @param clock          names the scratch datasets, stamps the drill
     * @param json           mapper for {@value #DRILLS_FILE}
     */
    public RestoreDrillJob(Supplier<TerrariumConfig.S3> config, Supplier<String> installationId, String pool, ZfsAdapter zfs,
                           Supplier<List<InstanceDataset>> datasets, Path stateDir, Path runDir, Path secretsDir, Clock clock,
                           ObjectMapper json) {
        this.config = config;
        this.installationId = installationId;
        this.pool = pool;
        this.zfs = zfs;
        this.datasets = datasets;
        this.stateDir = stateDir;
        this.runDir = runDir;
        this.secretsDir = secretsDir;
        this.clock = clock;
        this.json = json;
    }

    @Override
    public String id() {
        return ID;
    }

    @Override
    public String description() {
        return "restore the newest S3 restore point of one instance (rotating) into a scratch dataset, compare GUID and file tree, time it, remove it";
    }

    /** Sundays 05:00 UTC (quartz), after {@code s3-verify} (03:00). */
    @Override
    public String defaultSchedule() {
        return "0 0 5 ? * SUN";
    }

    @Override
    public JobResult run() {
        try (Run r = newRun()) {
            r.removeLeftovers();
            r.choosePoint();
            r.receive();
            r.compare();
            r.cleanUp();
            return r.result();
        }
    }

    @Override
    public Run newRun() {
        return new Run();
    }

    /**
     * Each instance's last drill, from {@code <stateDir>/restore-drills.json}: instance → the row of
     * that drill ({@code at} UTC, {@code status} OK|FAILED, {@code restore_point}, {@code restored_bytes},
     * {@code seconds}, {@code rto_seconds_per_gib}, {@code summary}). Empty when there is none or the
     * file cannot be read.
     */
    public static Map<String, Map<String, Object>> lastDrills(Path stateDir, ObjectMapper json) {
        Path f = stateDir.resolve(DRILLS_FILE);
        try {
            return Files.exists(f) ? new TreeMap<>(json.readValue(f.toFile(), new TypeReference<Map<String, Map<String, Object>>>() { }))
                    : new TreeMap<>();
        } catch (IOException | RuntimeException e) {
            return new TreeMap<>();
        }
    }

    /** The scratch parent dataset in a pool: {@code <pool>/terrarium-drill}. */
    public static String scratchParent(String pool) {
        return pool + "/" + SCRATCH_PARENT;
    }

    /**
     * A file-tree hash (hex SHA-256) of everything below {@code root}: for each path in sorted order
     * its relative name, type, mode bits, uid and gid, and a regular file's content SHA-256 or a
     * symlink's target. Symlinks are not followed.
     *
     * @throws IOException when a file cannot be read
     */
    public static String treeHash(Path root) throws IOException {
        MessageDigest all = sha256();
        List<Path> paths;
        try (Stream<Path> s = Files.walk(root)) {
            paths = s.filter(p -> !p.equals(root)).sorted(Comparator.comparing(p -> root.relativize(p).toString())).toList();
        }
        byte[] buf = new byte[1 << 16];
        for (Path p : paths) {
            StringBuilder line = new StringBuilder(root.relativize(p).toString()).append('\0');
            Map<String, Object> a = Files.readAttributes(p, "unix:mode,uid,gid", LinkOption.NOFOLLOW_LINKS);
            line.append(Integer.toOctalString((Integer) a.get("mode"))).append(' ').append(a.get("uid")).append(' ').append(a.get("gid")).append(' ');
            if (Files.isSymbolicLink(p)) {
                line.append("link ").append(Files.readSymbolicLink(p));
            } else if (Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS)) {
                MessageDigest f = sha256();
                try (InputStream in = Files.newInputStream(p, LinkOption.NOFOLLOW_LINKS)) {
                    int k;
                    while ((k = in.read(buf)) >= 0) {
                        f.update(buf, 0, k);
                    }
                }
                line.append("file ").append(HexFormat.of().formatHex(f.digest()));
            } else if (Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS)) {
                line.append("dir");
            } else {
                line.append("other");
            }
            all.update(line.append('\n').toString().getBytes(StandardCharsets.UTF_8));
        }
        return HexFormat.of().formatHex(all.digest());
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** One drill. Steps record problems in the result (FAILED); they do not throw. {@link #close()} removes the scratch. */
    public final class Run implements StagedJob.Run, AutoCloseable {
        private final Map<String, Object> details = new LinkedHashMap<>();
        private final List<String> errors = new ArrayList<>();
        private final List<String> removedLeftovers = new ArrayList<>();
        private final List<String> scratch = new ArrayList<>();
        private final String stamp = STAMP.format(clock.instant());
        private JobResult done;
        private String inst;
        private String instance;
        private Manifest point;
        private S3RestorePlan plan;
        private S3Client s3;
        private S3Restorer restorer;
        private String target;
        private String restoredGuid;
        private long restoredBytes = -1;
        private double seconds = -1;
        private boolean cleaned;

        private Run() {
            details.put("errors", errors);
            // one instance per run: the metrics keep the other instances' drill series (JobItems
            // merges a partial run); without it each drill dropped the previous instance's series
            details.put("partial", true);
        }

        /** Step {@code remove-leftover-scratch}: destroys every scratch dataset a killed run left (a failure to do so is FAILED). */
        public void removeLeftovers() {
            for (String parent : parents()) {
                try {
                    if (!zfs.exists(parent)) {
                        continue;
                    }
                    for (String ds : zfs.filesystems(parent)) {
                        String leaf = ds.substring(ds.lastIndexOf('/') + 1);
                        if (!ds.equals(parent) && ds.indexOf('/', parent.length() + 1) < 0 && SCRATCH_LEAF.matcher(leaf).matches()) {
                            zfs.destroy(ds, true, BUSY_WAIT);
                            removedLeftovers.add(ds);
                            LOG.info("removed scratch dataset {} left by an earlier drill", ds);
                        }
                    }
                } catch (CommandFailedException e) {
                    fail("cannot remove the scratch datasets left under " + parent + ": " + e.getMessage()
                            + " (remove them with `zfs destroy -r " + parent + "/<name>.drill-…`)");
                }
            }
            details.put("leftovers_removed", removedLeftovers);
        }

        /** The scratch parents to look in: the configured pool's and each instance dataset's pool's. */
        private List<String> parents() {
            java.util.Set<String> pools = new java.util.TreeSet<>();
            pools.add(pool);
            try {
                for (InstanceDataset d : datasets.get()) {
                    if (d.resolved()) {
                        pools.add(d.dataset().substring(0, d.dataset().contains("/") ? d.dataset().indexOf('/') : d.dataset().length()));
                    }
                }
            } catch (RuntimeException e) {
                LOG.warn("cannot list the instances' datasets: {}", e.getMessage());
            }
            return pools.stream().map(RestoreDrillJob::scratchParent).toList();
        }

        /**
         * Step {@code choose-restore-point}: S3 configured, client opened, the instance to drill
         * (least recently drilled) and its newest restore point, the chain checked.
         */
        public void choosePoint() {
            if (done != null) {
                return;
            }
            TerrariumConfig.S3 s3c = config.get();
            if (s3c == null || !s3c.enabled()) {
                done = result(JobResult.Status.OK, "S3 exports are disabled; no restore point to drill");
                return;
            }
            inst = installationId.get();
            if (inst == null) {
                fail("the configuration has no installation_id yet");
                return;
            }
            S3Settings settings;
            try {
                settings = S3Settings.fromConfig(s3c);
            } catch (IllegalArgumentException e) {
                fail(e.getMessage());
                return;
            }
            try {
                s3 = S3ClientFactory.create(settings, 2);
                S3Catalog catalog = new S3Catalog(s3, settings.bucket(), settings.prefix());
                List<String> names = catalog.instances(inst);
                if (names.isEmpty()) {
                    done = result(JobResult.Status.WARNING, "no restore point to drill under " + settings.bucket() + "/"
                            + settings.prefix() + inst + "/ (no S3 export yet)");
                    return;
                }
                instance = next(names, lastDrills(stateDir, json));
                details.put("instance", instance);
                S3Catalog.Points points = catalog.points(inst, instance);
                point = points.newest();
                if (point == null) {
                    fail("instance " + instance + " has no readable restore point under " + settings.bucket() + "/" + settings.prefix() + inst);
                    return;
                }
                details.put("restore_point", point.id());
                details.put("snapshot", point.snapshot());
                restorer = S3Restorer.forHost(s3, settings.bucket(), secretsDir, false);
                plan = restorer.plan(points.chainTo(point));
                details.put("downloaded_bytes", plan.totalBytes());
            } catch (RestorePlanException e) {
                fail("restore point " + point.id() + " of " + instance + " cannot be restored: " + String.join("; ", e.problems()));
            } catch (IOException | SdkException e) {
                fail("cannot read " + settings.bucket() + "/" + settings.prefix() + ": " + e.getMessage());
            }
        }

        /** Step {@code receive-into-scratch}: the chain received into the scratch dataset, timed. */
        public void receive() {
            if (done != null || plan == null) {
                return;
            }
            try {
                String parent = scratchParent(pool);
                if (!zfs.exists(parent)) {
                    zfs.create(parent, Map.of("mountpoint", "none"));
                }
                target = parent + "/" + instance + MARK + stamp;
                scratch.add(target);
                details.put("scratch_dataset", target);
                boolean overrides = "openzfs".equals(zfs.capabilities().implementation());
                long t0 = System.nanoTime();
                restorer.restore(plan, m -> ZfsStreamCommands.restoreReceive(target, !m.full(), overrides));
                seconds = (System.nanoTime() - t0) / 1e9;
                restoredGuid = zfs.guid(target + "@" + point.snapshot());
                restoredBytes = zfs.usedBytes(target);
                details.put("restored_bytes", restoredBytes);
                details.put("seconds", round(seconds));
                details.put("rto_seconds_per_gib", restoredBytes > 0 ? round(seconds / ((double) restoredBytes / GIB)) : null);
            } catch (IOException | RuntimeException e) {
                fail("restoring " + point.id() + " of " + instance + " into " + target + " failed: " + e.getMessage());
            }
        }

        /** Step {@code compare-with-source}: GUID against manifest (and source snapshot), file-tree hash against the source snapshot. */
        public void compare() {
            if (done != null || restoredGuid == null) {
                return;
            }
            Map<String, Object> guid = new LinkedHashMap<>();
            guid.put("manifest", point.snapshotGuid());
            guid.put("restored", restoredGuid);
            details.put("guid", guid);
            if (!restoredGuid.equals(point.snapshotGuid())) {
                errors.add(instance + ": restored snapshot GUID " + restoredGuid + " differs from the manifest's " + point.snapshotGuid());
            }
            String source = datasets.get().stream().filter(d -> d.instance().equals(instance) && d.resolved())
                    .map(d -> d.dataset() + "@" + point.snapshot()).findFirst().orElse(null);
            try {
                Map<String, Object> tree = new LinkedHashMap<>();
                tree.put("restored", hashOf(null, target));
                if (source != null && zfs.exists(source)) {
                    details.put("compared_with", "local snapshot " + source);
                    String sourceGuid = zfs.guid(source);
                    guid.put("source", sourceGuid);
                    if (!sourceGuid.equals(restoredGuid)) {
                        errors.add(instance + ": restored snapshot GUID " + restoredGuid + " differs from the source snapshot " + source
                                + " (GUID " + sourceGuid + ")");
                    }
                    String clone = scratchParent(source.substring(0, source.indexOf('/'))) + "/" + instance + MARK + stamp + "-source";
                    tree.put("source", hashOf(source, clone));
                    if (!tree.get("source").equals(tree.get("restored"))) {
                        errors.add(instance + ": the restored file tree differs from the source snapshot " + source
                                + " (tree SHA-256 " + tree.get("restored") + " vs " + tree.get("source") + ")");
                    }
                } else {
                    details.put("compared_with", "manifest (the source snapshot " + (source == null ? "of " + instance : source)
                            + " does not exist here any more)");
                }
                details.put("tree_sha256", tree);
            } catch (IOException | RuntimeException e) {
                fail("comparing the restored " + target + " failed: " + e.getMessage());
            }
        }

        /**
         * The tree hash of a snapshot, mounted under {@code <runDir>/drill/<leaf>} while it is read:
         * the restored one through its own scratch dataset {@code ds} ({@code snapshot} null: the
         * dataset holds nothing newer), a source snapshot through a clone named {@code ds} (a
         * scratch dataset too, removed with the others).
         */
        private String hashOf(String snapshot, String ds) throws IOException {
            Path mnt = runDir.resolve("drill").resolve(ds.substring(ds.lastIndexOf('/') + 1));
            Files.createDirectories(mnt);
            if (snapshot == null) {
                zfs.setMountpoint(ds, mnt.toString(), BUSY_WAIT);
            } else {
                scratch.add(0, ds);
                String parent = ds.substring(0, ds.lastIndexOf('/'));
                if (!zfs.exists(parent)) {
                    zfs.create(parent, Map.of("mountpoint", "none"));
                }
                zfs.clone(snapshot, ds, Map.of("mountpoint", mnt.toString()));
            }
            try {
                zfs.ensureMounted(ds);
                return treeHash(mnt);
            } finally {
                zfs.setMountpoint(ds, "none", BUSY_WAIT);
                Files.deleteIfExists(mnt);
            }
        }

        /** Step {@code remove-scratch}: destroys this run's scratch datasets (idempotent; also on completion after a failure). */
        public void cleanUp() {
            if (cleaned) {
                return;
            }
            cleaned = true;
            List<String> left = new ArrayList<>();
            for (String ds : scratch) {
                try {
                    if (zfs.exists(ds)) {
                        zfs.destroy(ds, true, BUSY_WAIT);
                    }
                } catch (RuntimeException e) {
                    left.add(ds);
                    errors.add("cannot remove the scratch dataset " + ds + ": " + e.getMessage() + " (the next drill removes it)");
                }
            }
            details.put("scratch_removed", left.isEmpty());
            if (s3 != null) {
                s3.close();
                s3 = null;
            }
            if (instance != null && point != null && done == null) {
                record();
            }
        }

        private void record() {
            Map<String, Map<String, Object>> all = lastDrills(stateDir, json);
            Map<String, Object> row = new LinkedHashMap<>();
            row.put("at", clock.instant().truncatedTo(java.time.temporal.ChronoUnit.SECONDS).toString());
            row.put("status", errors.isEmpty() ? "OK" : "FAILED");
            row.put("restore_point", point.id());
            row.put("restored_bytes", restoredBytes);
            row.put("seconds", seconds < 0 ? null : round(seconds));
            row.put("rto_seconds_per_gib", details.get("rto_seconds_per_gib"));
            row.put("summary", summary());
            all.put(instance, row);
            try {
                Files.createDirectories(stateDir);
                AtomicFiles.write(stateDir.resolve(DRILLS_FILE), json.writerWithDefaultPrettyPrinter().writeValueAsBytes(all),
                        AtomicFiles.OWNER_ONLY);
            } catch (IOException e) {
                errors.add("cannot save the drill record: " + e.getMessage());
            }
        }

        private String summary() {
            if (!errors.isEmpty()) {
                return "restore drill of " + instance + (point == null ? "" : " (" + point.id() + ")") + " FAILED: " + String.join("; ", errors);
            }
            return "restore drill of " + instance + ": " + point.id() + " restored (" + mib(restoredBytes) + " MiB) in "
                    + round(seconds) + " s" + (restoredBytes >= GIB ? ", RTO " + details.get("rto_seconds_per_gib") + " s/GiB" : "")
                    + "; GUID "
                    + (((Map<?, ?>) details.get("guid")).containsKey("source") ? "and file tree match the local source snapshot"
                    : "matches the manifest (no local source snapshot)") + "; scratch removed";
        }

        private void fail(String message) {
            errors.add(message);
        }

        @Override
        public JobResult result() {
            if (done != null) {
                return done;
            }
            if (!cleaned) {
                cleanUp();
            }
            Map<String, Object> row = new LinkedHashMap<>();
            row.put("instance", instance);
            row.put("status", errors.isEmpty() ? "ok" : "failed");
            details.put("instances", instance == null ? List.of() : List.of(row));
            return result(errors.isEmpty() ? JobResult.Status.OK : JobResult.Status.FAILED,
                    instance == null ? "restore drill FAILED: " + String.join("; ", errors) : summary());
        }

        /** Removes the scratch datasets and closes the S3 client (idempotent). */
        @Override
        public void close() {
            cleanUp();
        }

        private JobResult result(JobResult.Status status, String summary) {
            return new JobResult(ID, status, summary, null, null, 0, null, details);
        }
    }

    /** The instance to drill: never drilled first, then the oldest drill; ties by name. */
    static String next(List<String> names, Map<String, Map<String, Object>> drills) {
        return names.stream().sorted().min(Comparator.comparing((String n) -> {
            Object at = drills.getOrDefault(n, Map.of()).get("at");
            try {
                return at == null ? Instant.EPOCH : Instant.parse(at.toString());
            } catch (RuntimeException e) {
                return Instant.EPOCH;
            }
        })).orElseThrow();
    }

    private static double round(double v) {
        return Math.round(v * 1000) / 1000.0;
    }

    private static String mib(long bytes) {
        return String.format(java.util.Locale.ROOT, "%.1f", bytes / 1024.0 / 1024.0);
    }
}
