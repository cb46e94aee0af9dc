package io.terrarium.backup;

import io.terrarium.restore.AsideCopies;

import io.terrarium.config.AtomicFiles;
import io.terrarium.config.TerrariumConfig;
import io.terrarium.host.exec.CommandFailedException;
import io.terrarium.host.exec.CommandResult;
import io.terrarium.host.exec.CommandRunner;
import io.terrarium.host.lxd.LxdException;
import io.terrarium.host.sanoid.Sanoid;
import io.terrarium.host.zfs.ZfsAdapter;
import io.terrarium.host.zfs.ZfsSnapshot;
import io.terrarium.jobs.Job;
import io.terrarium.jobs.JobResult;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * Job {@code snapshot} (every 15 minutes, UTC): renders sanoid.conf (atomic, only when changed),
 * runs {@code sanoid --cron} with {@code TZ=UTC}, and reports per instance the snapshots taken and
 * pruned, found by listing the containers' snapshots before and after. Instances without a dataset
 * (or outside the containers dataset) make the result WARNING. A failed sanoid makes it FAILED —
 * also when sanoid exits 0 but printed a failure ({@code CRITICAL ERROR: zfs snapshot … failed} on a
 * full pool) or announced a snapshot that does not exist afterwards ({@link #failures}).
 */
public final class SnapshotJob implements Job {
    /** Job and route id. */
    public static final String ID = "snapshot";
    private static final Logger LOG = LoggerFactory.getLogger(SnapshotJob.class);

    private final TerrariumConfig config;
    private final CommandRunner runner;
    private final ZfsAdapter zfs;
    private final Supplier<List<InstanceDataset>> instances;
    private final String sanoid;
    private final Path sanoidState;

    /**
     * @param config      configuration (containers dataset, policy, sanoid.conf path)
     * @param runner      command seam
     * @param zfs         zfs adapter
     * @param instances   instance → dataset resolution (may throw {@link LxdException})
     * @param sanoid      sanoid executable
     * @param sanoidState directory for sanoid's cache and lock dirs (e.g. /var/lib/terrarium/sanoid)
     */
    public SnapshotJob(TerrariumConfig config, CommandRunner runner, ZfsAdapter zfs,
                       Supplier<List<InstanceDataset>> instances, String sanoid, Path sanoidState) {
        this.config = config;
        this.runner = runner;
        this.zfs = zfs;
        this.instances = instances;
        this.sanoid = sanoid;
        this.sanoidState = sanoidState;
    }

    @Override
    public String id() {
        return ID;
    }

    @Override
    public String description() {
        return "sanoid snapshots of every container dataset (taken and pruned by policy), names in UTC";
    }

    @Override
    public String defaultSchedule() {
        return "0 */15 * * * ?";
    }

    /**
     * Writes sanoid.conf when its content differs (0644; no secrets in it), excluding the aside copies
     * below the containers dataset ({@link SanoidConfRenderer}).
     *
     * @return true when the file was (re)written
     * @throws IOException when it cannot be written
     * @throws CommandFailedException when the aside copies cannot be listed
     */
    public boolean writeConf() throws IOException {
        Path conf = Path.of(config.backups().sanoidConf());
        String parent = config.zfs().containersDataset();
        // aside copies kept by restores are excluded (listed each run: restores create them, `backup aside remove` removes them)
        List<String> asides = new AsideCopies(zfs).list(List.of(parent)).stream().map(AsideCopies.Aside::dataset).toList();
        byte[] text = SanoidConfRenderer.render(parent, config.backups().policy(), asides).getBytes(StandardCharsets.UTF_8);
        if (Files.exists(conf) && AtomicFiles.sameContent(conf, text)) {
            return false;
        }
        Files.createDirectories(conf.getParent());
        AtomicFiles.write(conf, text, AtomicFiles.WORLD_READABLE);
        return true;
    }

    @Override
    public JobResult run() {
        String parent = config.zfs().containersDataset();
        Map<String, Object> details = new LinkedHashMap<>();
        boolean changed;
        try {
            changed = writeConf();
        } catch (CommandFailedException e) {
            return result(JobResult.Status.FAILED, "cannot list aside copies under " + parent + ": " + e.getMessage(), details);
        } catch (IOException e) {
            return result(JobResult.Status.FAILED, "cannot write " + config.backups().sanoidConf() + ": " + e.getMessage(), details);
        }
        details.put("sanoid_conf", Map.of("path", config.backups().sanoidConf(), "changed", changed));
        List<ZfsSnapshot> before = zfs.snapshots(parent, true);
        Path cache = sanoidState.resolve("cache");
        Path run = sanoidState.resolve("run");
        CommandResult r;
        try {
            Files.createDirectories(cache);
            Files.createDirectories(run);
            Files.deleteIfExists(cache.resolve("snapshots.txt"));
            r = runner.run(Sanoid.cron(sanoid, Path.of(config.backups().sanoidConf()).getParent(), cache, run, Duration.ofMinutes(30)));
        } catch (IOException e) {
            return result(JobResult.Status.FAILED, "cannot prepare " + sanoidState + ": " + e.getMessage(), details);
        } catch (CommandFailedException e) {
            details.put("changes", changes(before, zfs.snapshots(parent, true)));
            return result(JobResult.Status.FAILED, "sanoid failed: " + e.getMessage(), details);
        }
        List<ZfsSnapshot> after = zfs.snapshots(parent, true);
        Map<String, SnapshotDiff.Change> diff = SnapshotDiff.between(before, after);
        List<String> warnings = new ArrayList<>();
        String listing = Sanoid.listingProblem(r.stderrTail());
        if (listing != null) {
            warnings.add(listing);
        }
        List<Map<String, Object>> rows = new ArrayList<>();
        List<InstanceDataset> inst;
        try {
            inst = instances.get();
        } catch (LxdException e) {
            inst = List.of();
            warnings.add("cannot map datasets to instances: " + e.getMessage());
        }
        java.util.Set<String> mapped = new java.util.HashSet<>();
        for (InstanceDataset i : inst) {
            Map<String, Object> row = new LinkedHashMap<>();
            row.put("instance", i.instance());
            row.put("dataset", i.dataset());
            SnapshotDiff.Change c = i.resolved() ? diff.get(i.dataset()) : null;
            if (!i.resolved()) {
                row.put("problem", i.problem());
                warnings.add(i.instance() + ": " + i.problem());
            } else if (!i.dataset().startsWith(parent + "/")) {
                row.put("problem", "dataset is outside " + parent + ": not covered by the snapshot policy");
                warnings.add(i.instance() + ": dataset " + i.dataset() + " is outside " + parent);
            } else {
                mapped.add(i.dataset());
            }
            row.put("taken", c == null ? List.of() : c.taken());
            row.put("pruned", c == null ? List.of() : c.pruned());
            row.put("snapshots", c == null ? 0 : c.count());
            rows.add(row);
            if (c != null) {
                LOG.info("snapshot {}: {} taken, {} pruned, {} kept", i.instance(), c.taken().size(), c.pruned().size(), c.count());
            }
        }
        details.put("instances", rows);
        Map<String, SnapshotDiff.Change> other = new java.util.TreeMap<>(diff);
        other.keySet().removeAll(mapped);
        if (!other.isEmpty()) {
            details.put("other_datasets", other);
        }
        int taken = diff.values().stream().mapToInt(c -> c.taken().size()).sum();
        int pruned = diff.values().stream().mapToInt(c -> c.pruned().size()).sum();
        details.put("warnings", warnings);
        List<String> failures = failures(Sanoid.report(r.stdout(), r.stderrTail()), after);
        if (!failures.isEmpty()) {
            failures = keptForAsides(failures, asideOrigins(parent), warnings);
        }
        details.put("failures", failures);
        String summary = taken + " snapshot(s) taken, " + pruned + " pruned on " + diff.size() + " dataset(s) under " + parent
                + (failures.isEmpty() ? "" : "; FAILED: " + String.join("; ", failures))
                + (warnings.isEmpty() ? "" : "; " + String.join("; ", warnings));
        if (!failures.isEmpty()) {
            LOG.error("snapshot: sanoid exited {} but reported failures: {}", r.exitCode(), failures);
            return result(JobResult.Status.FAILED, summary, details);
        }
        return result(warnings.isEmpty() ? JobResult.Status.OK : JobResult.Status.WARNING, summary, details);
    }

    /**
     * What went wrong in a sanoid run whatever its exit code: each failure line it printed, and each
     * snapshot it announced ({@code taking snapshot …}) that does not exist afterwards (a due
     * snapshot that was not taken — e.g. the pool is out of space: sanoid 2.1 warns and exits 0).
     *
     * @param report what the run printed
     * @param after  the snapshots listed after the run
     * @return failure descriptions, empty when the run did what it announced
     */
    static List<String> failures(Sanoid.RunReport report, List<ZfsSnapshot> after) {
        List<String> out = new ArrayList<>(report.errors());
        java.util.Set<String> present = new java.util.HashSet<>();
        for (ZfsSnapshot s : after) {
            present.add(s.fullName());
        }
        for (String a : report.announced()) {
            if (!present.contains(a)) {
                out.add("snapshot " + a + " was due but does not exist after the run");
            }
        }
        return out;
    }

    private static final java.util.regex.Pattern COULD_NOT_REMOVE = java.util.regex.Pattern.compile("^could not remove (\\S+@\\S+) :.*");

    /**
     * Moves sanoid's {@code could not remove <snapshot>} from the failures to the warnings when that
     * snapshot is the origin of an aside copy (pure): a local restore's aside copy is a clone of the
     * restored snapshot, which therefore cannot be destroyed until the aside copy is removed
     * ({@link AsideCopies}) — expected, and said so, not a failed run.
     *
     * @param failures      what {@link #failures} found
     * @param originToAside origin snapshot (full name) → aside dataset
     * @param warnings      receives one line per kept snapshot
     * @return the remaining failures
     */
    static List<String> keptForAsides(List<String> failures, Map<String, String> originToAside, List<String> warnings) {
        List<String> rest = new ArrayList<>();
        for (String f : failures) {
            java.util.regex.Matcher m = COULD_NOT_REMOVE.matcher(f);
            String aside = m.matches() ? originToAside.get(m.group(1)) : null;
            if (aside == null) {
                rest.add(f);
            } else {
                warnings.add(m.group(1) + " is kept while aside copy " + aside + " exists (a clone of it); sanoid prunes it after"
                        + " `terrariumctl backup aside remove " + aside.substring(aside.lastIndexOf('/') + 1) + "`");
            }
        }
        return rest;
    }

    /** Origin snapshot → aside copy below {@code parent}; empty when they cannot be listed. */
    private Map<String, String> asideOrigins(String parent) {
        Map<String, String> m = new LinkedHashMap<>();
        try {
            for (AsideCopies.Aside a : new AsideCopies(zfs).list(List.of(parent))) {
                if (a.origin() != null) {
                    m.put(a.origin(), a.dataset());
                }
            }
        } catch (RuntimeException e) {
            LOG.warn("snapshot: cannot list aside copies under {}: {}", parent, e.getMessage());
        }
        return m;
    }

    private static Map<String, SnapshotDiff.Change> changes(List<ZfsSnapshot> before, List<ZfsSnapshot> after) {
        return SnapshotDiff.between(before, after);
    }

    private static JobResult result(JobResult.Status s, String summary, Map<String, Object> details) {
        return new JobResult(ID, s, summary, null, null, 0, null, details);
    }
}
