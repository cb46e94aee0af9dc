package io.terrarium.restore;

import io.terrarium.s3.HostManifestWriter;
import io.terrarium.s3.S3Catalog;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.terrarium.backup.DatasetResolver;
import io.terrarium.s3.HostManifest;
import io.terrarium.s3.HostManifestCodec;
import io.terrarium.backup.InstanceDataset;
import io.terrarium.s3.Manifest;
import io.terrarium.s3.ManifestException;
import io.terrarium.restore.RestoreException;
import io.terrarium.config.ConfigCodec;
import io.terrarium.config.TerrariumConfig;
import io.terrarium.host.lxd.LxdClient;
import io.terrarium.host.lxd.LxdEditor;
import io.terrarium.host.lxd.LxdException;
import io.terrarium.host.zfs.ZfsAdapter;
import io.terrarium.host.zfs.ZfsSnapshot;

import java.io.IOException;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * A whole host back from S3 in one command (issue 11 item 3; {@code backup restore --source s3 --all}).
 *
 * <p>{@link #plan} changes nothing: it chooses the installation (the one with host manifests under
 * the prefix, or {@code --installation}; several and none given is an error listing them), reads its
 * newest {@link HostManifest} — with {@code --at}, the one written by the export run of the points it
 * picks ({@link #hostManifestFor}) — (a newer format is refused), compares every storage pool, network,
 * project and profile it names with this host's, checks every exported instance's chain (as
 * {@link S3RestoreService#plan} does) and how that instance stands here. Everything that is wrong is
 * reported at once and nothing is changed: a profile, network or project that exists with other
 * content (the message names each difference; {@code --force} replaces it with the backup's), a pool
 * with another driver (never changed), an instance that exists and was not restored by this command
 * ({@code --force} restores it in place, keeping its dataset aside), a missing parent dataset.
 *
 * <p>{@link #execute} creates what is missing (pools, project, networks, profiles — contents on
 * stdin, {@link LxdEditor}), then restores each instance through {@link S3RestoreService} (plan +
 * execute, the same path as {@code --instance}), starts those that were running, runs proxy sync and
 * returns per-instance and total times.
 *
 * <p>Re-runnable: an instance this command restored is recognised by the description
 * {@link S3RestoreService} gives it ({@code restored from NAME S3 restore point ID}) and is complete
 * when its description names the same point (set last, after LXD's import on the zfs driver) or its
 * dataset holds the point's snapshot (the dir driver's received dataset); complete ones are skipped (started when they should
 * run), incomplete ones (a run killed between creating the instance and swapping its dataset in) are
 * deleted with their datasets and restored again, and staging datasets {@code *.s3restore-*} left by
 * a killed receive are destroyed first.
 */
public final class HostRestoreService {
    private static final Duration BUSY_WAIT = Duration.ofSeconds(30);

    /** Where host manifests are read (a seam for tests; {@link #s3Manifests} in production). */
    public interface Manifests {
        /** Installations under the prefix that have at least one host manifest, sorted. */
        List<String> installations() throws IOException;

        /** Host manifest keys of one installation, oldest first. */
        List<String> keys(String installationId) throws IOException;

        /** The bytes of one object. */
        byte[] read(String key) throws IOException;
    }

    /**
     * This host's stored Terrarium configuration, where the old host's is applied ({@link ConfigMerge});
     * in production the signed LXD store ({@code LxdConfigStore}: re-signed with this host's key).
     */
    public interface ConfigTarget {
        /** The stored YAML document, or {@code null} when none is stored. */
        String document();

        /**
         * Checks a document as the store would before writing it.
         *
         * @throws RuntimeException (a {@code ConfigException}) naming what is invalid
         */
        void validate(String yaml);

        /** Stores a document (validated again, signed with this host's key). */
        void store(String yaml);

        /** Where it is stored, for messages. */
        String describe();
    }

    /** What is done to one LXD object. */
    public enum Action { CREATE, KEEP, REPLACE }

    /** One LXD object step: kind ({@code storage pool}, {@code network}, {@code project}, {@code profile}). */
    public record Step(String kind, String name, Action action, String detail, ObjectNode definition) {
        String line() {
            return kind + " " + name + ": " + switch (action) {
                case CREATE -> "create" + (detail == null ? "" : " (" + detail + ")");
                case KEEP -> "exists here, kept" + (detail == null ? "" : " (" + detail + ")");
                case REPLACE -> "exists here with other content, REPLACED with the backup's (--force): " + detail;
            };
        }
    }

    /** How one instance is brought back. */
    public enum Mode { RESTORE, REDO, IN_PLACE, DONE }

    /**
     * One instance of the plan.
     *
     * @param name     instance name
     * @param mode     RESTORE (new here), REDO (an earlier restore left an instance record without its dataset: the
     *                 record is removed first; an instance with its dataset is never deleted), IN_PLACE
     *                 (exists, --force), DONE (restored by an earlier run)
     * @param point    the restore point
     * @param bytes    bytes to download for it
     * @param start    start it afterwards (it was running)
     * @param cleanup  datasets (staging leftovers, an incomplete restore's) to destroy first
     * @param resume   a staging dataset an interrupted run left that holds the first streams of this chain:
     *                 the restore continues in it ({@link StagingResume}; {@link StagingResume#NONE} otherwise)
     * @param streams  streams in the point's chain (full + incrementals)
     */
    public record InstancePlan(String name, Mode mode, Manifest point, long bytes, boolean start, List<String> cleanup,
                               StagingResume resume, int streams) {
        public InstancePlan {
            resume = resume == null ? StagingResume.NONE : resume;
        }

        /** An instance plan that resumes nothing. */
        public InstancePlan(String name, Mode mode, Manifest point, long bytes, boolean start, List<String> cleanup) {
            this(name, mode, point, bytes, start, cleanup, StagingResume.NONE, 0);
        }
    }

    /**
     * A checked whole-host restore.
     *
     * @param installationId the installation restored
     * @param manifestKey    the host manifest's object key
     * @param manifest       the host manifest
     * @param steps          LXD objects, in the order they are made (pools, project, networks, profiles)
     * @param instances      instances, in the manifest's order
     * @param notes          what the operator should know (secrets this host lacks, skipped instances)
     * @param at             the --at fragment, or {@code null}
     * @param force          --force given
     * @param parentDataset  --parent-dataset, or {@code null}
     * @param config         the old host's configuration merged into this host's ({@code null}: not applied, see notes)
     * @param configStore    where {@code config} is stored, for messages
     */
    public record Plan(String installationId, String manifestKey, HostManifest manifest, List<Step> steps,
                       List<InstancePlan> instances, List<String> notes, String at, boolean force, String parentDataset,
                       ConfigMerge config, String configStore) {
        /** Human-readable plan lines. */
        public List<String> describe() {
            List<String> l = new ArrayList<>();
            l.add("restore the host of installation " + installationId + " from " + manifestKey + " (written " + manifest.createdAt()
                    + " by terrariumctl " + manifest.terrariumVersion() + "), LXD project " + manifest.project());
            if (config != null) {
                config.describe(configStore).forEach(c -> l.add("  " + c));
            }
            steps.forEach(s -> l.add("  " + s.line()));
            for (InstancePlan i : instances) {
                String how = switch (i.mode()) {
                    case RESTORE -> "restore point " + i.point().id() + " (" + i.bytes() + " bytes) as a new instance";
                    case REDO -> "an earlier run left it incomplete: delete it and restore point " + i.point().id() + " (" + i.bytes()
                            + " bytes) again";
                    case IN_PLACE -> "EXISTS here: restore point " + i.point().id() + " in place (--force; its current dataset is kept aside)";
                    case DONE -> "already restored from point " + i.point().id() + " by an earlier run: skipped";
                };
                l.add("  instance " + i.name() + ": " + how + (i.start() ? ", then start it (it was running)" : ", left stopped"));
                i.cleanup().forEach(c -> l.add("    first destroy " + c + " (left by an interrupted restore)"));
                if (i.resume().resumes() && i.mode() != Mode.DONE) {
                    l.add("    " + i.resume().describe(i.streams()));
                }
            }
            l.add("  then run proxy sync");
            notes.forEach(n -> l.add("note: " + n));
            return l;
        }

        /**
         * The command that carries out exactly this plan with --yes: it names the host manifest
         * ({@code --host-manifest KEY}), which pins every instance's restore point to the newest one
         * at or before that manifest, so running it later (after newer exports) restores the same points.
         */
        public String exactCommand() {
            List<String> a = new ArrayList<>(List.of("terrariumctl", "backup", "restore", "--source", "s3", "--all",
                    "--installation", installationId, "--host-manifest", manifestKey));
            if (at != null) {
                a.add("--at");
                a.add(at);
            }
            if (parentDataset != null) {
                a.add("--parent-dataset");
                a.add(parentDataset);
            }
            if (force) {
                a.add("--force");
            }
            a.add("--yes");
            return String.join(" ", a);
        }
    }

    /**
     * What was done to one instance.
     *
     * @param name    instance
     * @param outcome {@code restored}, {@code skipped}, {@code failed: …}
     * @param millis  wall time for it, ms
     * @param running whether it runs now
     */
    public record InstanceResult(String name, String outcome, long millis, boolean running) {
        /** True unless it failed. */
        public boolean ok() {
            return !outcome.startsWith("failed");
        }
    }

    /** The result: per instance, the proxy sync line, total ms. */
    public record Summary(List<InstanceResult> instances, String proxySync, long totalMillis) {
        /** True when every instance came back. */
        public boolean ok() {
            return instances.stream().allMatch(InstanceResult::ok);
        }
    }

    private final LxdClient lxd;
    private final LxdEditor editor;
    private final ZfsAdapter zfs;
    private final Manifests manifests;
    private final S3Catalog catalog;
    private final S3Restorer restorer;
    private final Function<String, S3RestoreService> restores;
    private final Function<String, DatasetResolver> resolvers;
    private final String ownInstallation;
    private final String where;
    private String localParent;
    private boolean trustConfig;
    private ConfigTarget configTarget;

    /**
     * @param lxd             LXD client (GETs, instance state and delete)
     * @param editor          creates/replaces LXD objects (contents on stdin)
     * @param zfs             zfs adapter
     * @param manifests       host manifests in the bucket
     * @param catalog         the bucket's restore points
     * @param restorer        checks chains
     * @param restores        project → the single-instance S3 restore for that project
     * @param resolvers       project → instance/dataset resolution
     * @param ownInstallation this host's installation id ({@code null} on a fresh host)
     * @param where           {@code s3://bucket/prefix}, for messages
     */
    public HostRestoreService(LxdClient lxd, LxdEditor editor, ZfsAdapter zfs, Manifests manifests, S3Catalog catalog,
                              S3Restorer restorer, Function<String, S3RestoreService> restores,
                              Function<String, DatasetResolver> resolvers, String ownInstallation, String where) {
        this.lxd = lxd;
        this.editor = editor;
        this.zfs = zfs;
        this.manifests = manifests;
        this.catalog = catalog;
        this.restorer = restorer;
        this.restores = restores;
        this.resolvers = resolvers;
        this.ownInstallation = ownInstallation;
        this.where = where;
    }

    /**
     * Where new instances' datasets go without {@code --parent-dataset}: this host's
     * {@code zfs.containers_dataset} (issue 13 item 3: never the parent named in the bucket).
     * {@code null} (default): {@code --parent-dataset} is required.
     *
     * @return this service
     */
    public HostRestoreService localParent(String dataset) {
        this.localParent = dataset;
        return this;
    }

    /**
     * Applies the old host's Terrarium configuration to {@code target} ({@link ConfigMerge}: what is
     * missing here; differing values only with {@code --force}; never installation id, s3, zfs,
     * storage; not a section whose secret file is missing here). {@code null} (default): it is only
     * reported.
     *
     * @return this service
     */
    public HostRestoreService configTarget(ConfigTarget target) {
        this.configTarget = target;
        return this;
    }

    /**
     * {@code --trust-config}: create the host manifest's profiles as they are, without
     * {@link io.terrarium.host.lxd.ImportAllowlist} (default {@code false}: dropped items are listed
     * in the plan's notes).
     *
     * @return this service
     */
    public HostRestoreService trustConfig(boolean trust) {
        this.trustConfig = trust;
        return this;
    }

    /**
     * Plans the restore of a whole host; changes nothing.
     *
     * @param installation  installation to restore, or {@code null} (the only one with host manifests)
     * @param at            restore point fragment for every instance ({@code null}: each one's newest)
     * @param force         replace differing profiles/networks/project and restore existing instances in place
     * @param parentDataset parent dataset for new instances' datasets ({@code null}: where they lived on the old host)
     * @throws RestoreException naming every problem (nothing was changed)
     * @throws IOException      S3 cannot be read
     */
    public Plan plan(String installation, String at, boolean force, String parentDataset) throws IOException {
        return plan(installation, at, force, parentDataset, null);
    }

    /**
     * As {@link #plan(String, String, boolean, String)}, pinned to one host manifest.
     *
     * @param hostManifest {@code --host-manifest KEY}: restore the host as this host manifest describes it, each
     *                     instance from its newest restore point created at or before the manifest (with {@code at}:
     *                     the newest such point matching it) — never a point exported later; {@code null}: newest
     *                     (or the one {@code at} picks, {@link #hostManifestFor})
     * @throws RestoreException when the key is not a host manifest of the installation (nothing was changed)
     */
    public Plan plan(String installation, String at, boolean force, String parentDataset, String hostManifest) throws IOException {
        String inst = chooseInstallation(installation);
        List<String> keys = manifests.keys(inst);
        if (hostManifest != null && !keys.contains(hostManifest)) {
            throw new RestoreException("--host-manifest " + hostManifest + " is not a host manifest of installation " + inst + " under "
                    + where + "; its host manifests: " + String.join(", ", keys) + "; nothing was changed");
        }
        String key = hostManifest != null ? hostManifest : hostManifestFor(inst, keys, at);
        HostManifest m = readHostManifest(key);
        java.time.Instant notAfter = hostManifest != null ? m.createdAt() : null;
        List<String> problems = new ArrayList<>();
        List<String> notes = new ArrayList<>(secretNotes(m, configTarget == null));
        ConfigMerge config = null;
        if (configTarget != null) {
            try {
                config = ConfigMerge.of(m.config(), configTarget.document(), force, p -> Files.exists(Path.of(p)));
                if (config.document() != null) {
                    configTarget.validate(config.document());
                }
            } catch (RuntimeException e) {
                config = null;
                notes.add("the old host's configuration is not applied: " + e.getMessage() + "; this host keeps its own (set it with"
                        + " `terrariumctl config …`)");
            }
        }
        List<Step> steps = new ArrayList<>();
        String project = m.project();
        for (ObjectNode pool : m.storagePools()) {
            steps.add(poolStep(pool, problems));
        }
        JsonNode projectHere = getOrNull("/1.0/projects/" + enc(project));
        steps.add(objectStep("project", project, m.projectConfig().deepCopy().put("name", project), "/1.0/projects/" + enc(project),
                List.of("config"), force, problems));
        // networks and profiles live in the project when it has features.networks/profiles=true, else in the default project
        JsonNode features = projectHere != null ? projectHere.path("config") : m.projectConfig().path("config");
        String netProject = "true".equals(features.path("features.networks").asText("false")) ? project : "default";
        for (ObjectNode net : m.networks()) {
            steps.add(projectHere == null && netProject.equals(project) ? new Step("network", name(net), Action.CREATE, null, net)
                    : objectStep("network", netProject, net, "/1.0/networks/" + enc(name(net)) + "?project=" + enc(netProject),
                    List.of("config"), force, problems));
        }
        String profileProject = "true".equals(features.path("features.profiles").asText("false")) ? project : "default";
        for (ObjectNode bucketProf : m.profiles()) {
            // the host manifest comes from the bucket (untrusted, issue 13 item 3): a profile must not
            // bring privileged, raw.*, idmap keys, host-path disks, unix-* or proxy devices to every instance
            ObjectNode prof = bucketProf.deepCopy();
            if (!trustConfig) {
                for (String d : io.terrarium.host.lxd.ImportAllowlist.filter(prof)) {
                    notes.add("profile " + name(prof) + ": dropped " + d + " (not allowed without --trust-config)");
                }
            }
            if (projectHere == null && profileProject.equals(project) && "default".equals(name(prof))) {
                // LXD gives a new project with its own profiles an empty default profile: fill it
                steps.add(new Step("profile", "default", Action.REPLACE, "the new project's empty default profile gets the backup's", prof));
                continue;
            }
            steps.add(projectHere == null && profileProject.equals(project)
                    ? new Step("profile", name(prof), Action.CREATE, null, prof)
                    : objectStep("profile", profileProject, prof, "/1.0/profiles/" + enc(name(prof)) + "?project=" + enc(profileProject),
                    List.of("config", "devices"), force, problems));
        }

        Map<String, JsonNode> here = new TreeMap<>();
        Map<String, InstanceDataset> datasets = new TreeMap<>();
        if (projectHere != null) {
            for (JsonNode i : lxd.get("/1.0/instances?recursion=1&project=" + enc(project))) {
                here.put(i.path("name").asText(), i);
            }
            if (!here.isEmpty()) {
                resolvers.apply(project).resolveAll().forEach(d -> datasets.put(d.instance(), d));
            }
        }
        List<InstancePlan> instances = new ArrayList<>();
        for (HostManifest.Instance i : m.instances()) {
            if (!i.exported()) {
                notes.add("instance " + i.name() + " was not exported by the run that wrote this host manifest: not restored");
                continue;
            }
            S3Catalog.Points points = catalog.points(inst, i.name());
            Manifest point = notAfter == null ? points.choose(at) : asOf(points, at, notAfter);
            if (point == null) {
                problems.add("instance " + i.name() + ": " + (points.manifests().isEmpty() ? "no readable restore point in installation "
                        + inst : "no restore point matches " + (at == null ? "" : "--at " + at + " ")
                        + (notAfter == null ? "" : "at or before host manifest " + key + " ") + "(newest " + points.newest().id() + ")"));
                continue;
            }
            S3RestorePlan chain;
            try {
                chain = restorer.plan(points.chainTo(point));
            } catch (RestorePlanException e) {
                problems.add("instance " + i.name() + ": the chain of " + point.id() + " is incomplete: " + String.join("; ", e.problems()));
                continue;
            }
            // never the manifest's dataset (issue 13 item 3): this host's layout, or --parent-dataset
            String parent = parentDataset != null ? parentDataset : localParent;
            String leaf = parent + "/" + ("default".equals(project) ? i.name() : project + "_" + i.name());
            List<String> cleanup = new ArrayList<>();
            if (parent == null) {
                problems.add("instance " + i.name() + ": no parent dataset for its new dataset is configured here; choose one with"
                        + " --parent-dataset POOL/containers");
                continue;
            }
            if (!zfs.exists(parent)) {
                problems.add("instance " + i.name() + ": dataset " + parent + (parentDataset != null ? " (--parent-dataset)"
                        : " (zfs.containers_dataset of this host's configuration)") + " does not exist here; create it (`zfs create -o mountpoint=none "
                        + parent + "`) or choose one with --parent-dataset");
                continue;
            }
            // a staging dataset that holds the first streams of this chain is continued in (issue 11 item 5); others go
            StagingResume resume = StagingResume.inspect(zfs, parent, leaf.substring(parent.length() + 1), chain.chain());
            cleanup.addAll(resume.discard());
            JsonNode existing = here.get(i.name());
            Mode mode;
            if (existing == null) {
                mode = Mode.RESTORE;
                if (zfs.exists(leaf)) {
                    problems.add("instance " + i.name() + ": dataset " + leaf + " exists here but no instance uses it; remove it (`zfs destroy -r "
                            + leaf + "`) or choose another --parent-dataset");
                }
            } else if (existing.path("description").asText("").startsWith("restored from " + i.name() + " S3 restore point ")) {
                // restored by this command (or `backup restore --source s3`) before. Never delete one that has its data:
                // its dataset may hold changes made since, and later exports drop the restored point's snapshot.
                InstanceDataset d = datasets.get(i.name());
                boolean hasData = d != null && d.resolved() && zfs.exists(d.dataset());
                if (!hasData) {
                    mode = Mode.REDO; // an instance record without its dataset: nothing to lose, made again
                } else if (existing.path("description").asText("").equals(restoredFrom(i.name(), point))
                        || zfs.snapshots(d.dataset(), false).stream().map(ZfsSnapshot::name).anyMatch(point.snapshot()::equals)) {
                    // LXD's zfs driver imports a plain full stream: its dataset has no snapshot of the point, the
                    // description (set last, after the import) names it; the dir driver's received dataset keeps it
                    mode = Mode.DONE;
                } else if (force) {
                    mode = Mode.IN_PLACE;
                } else {
                    problems.add("instance " + i.name() + " was restored here before, from another restore point (its dataset "
                            + d.dataset() + " has no snapshot " + point.snapshot() + "); it is left as it is: restore over it with"
                            + " --force (its current dataset is kept aside) or choose its point with --at");
                    continue;
                }
            } else if (force) {
                mode = Mode.IN_PLACE;
            } else {
                problems.add("instance " + i.name() + " already exists here (status " + existing.path("status").asText()
                        + ") and was not restored by this command; delete or rename it, or restore over it with --force (its current"
                        + " dataset is kept aside)");
                continue;
            }
            instances.add(new InstancePlan(i.name(), mode, point, chain.totalBytes(), i.running(), cleanup, resume, chain.chain().size()));
        }
        if (!problems.isEmpty()) {
            throw new RestoreException("cannot restore the host of installation " + inst + " from " + key + "; nothing was changed:\n  - "
                    + String.join("\n  - ", problems));
        }
        return new Plan(inst, key, m, steps, instances, notes, at, force, parentDataset, config,
                configTarget == null ? null : configTarget.describe());
    }

    /**
     * Carries a plan out. LXD objects first (a failure there stops before any instance), then each
     * instance (a failed instance is reported and the others go on), then {@code proxySync}.
     *
     * @param plan      from {@link #plan}
     * @param proxySync runs proxy sync and returns its summary line
     * @param progress  progress lines
     * @throws RestoreException when creating an LXD object fails (the message says which were made)
     */
    public Summary execute(Plan plan, Supplier<String> proxySync, Consumer<String> progress) {
        long t0 = System.nanoTime();
        String project = plan.manifest().project();
        List<String> made = new ArrayList<>();
        if (plan.config() != null && plan.config().document() != null) {
            progress.accept("applying " + plan.config().applied().size() + " key(s) of the old host's configuration to "
                    + plan.configStore() + " …");
            try {
                // the same rule against the document as it is now (a change since the plan is kept, not overwritten)
                ConfigMerge now = ConfigMerge.of(plan.manifest().config(), configTarget.document(), plan.force(),
                        p -> Files.exists(Path.of(p)));
                if (now.document() != null) {
                    configTarget.store(now.document());
                }
            } catch (RuntimeException e) {
                throw new RestoreException("storing the old host's configuration failed: " + e.getMessage() + "; nothing was changed", e);
            }
            made.add("the terrarium configuration");
        }
        for (Step s : plan.steps()) {
            if (s.action() == Action.KEEP) {
                continue;
            }
            progress.accept((s.action() == Action.CREATE ? "creating " : "replacing ") + s.kind() + " " + s.name() + " …");
            try {
                apply(s, project);
            } catch (RuntimeException e) {
                throw new RestoreException(s.kind() + " " + s.name() + ": " + e.getMessage() + "; made before it: "
                        + (made.isEmpty() ? "nothing" : String.join(", ", made)) + "; no instance was touched. Fix it and run the same command again", e);
            }
            made.add(s.kind() + " " + s.name());
        }
        S3RestoreService single = restores.apply(project);
        List<InstanceResult> results = new ArrayList<>();
        for (InstancePlan i : plan.instances()) {
            long t = System.nanoTime();
            try {
                String outcome = restoreOne(plan, i, single, progress);
                boolean running = false;
                if (i.start()) {
                    String status = lxd.get(instancePath(i.name(), project)).path("status").asText();
                    if (!"Running".equalsIgnoreCase(status)) {
                        progress.accept("starting " + i.name() + " …");
                        lxd.put(instancePath(i.name(), project).replace("?", "/state?"), Map.of("action", "start"));
                    }
                    running = true;
                }
                results.add(new InstanceResult(i.name(), outcome, (System.nanoTime() - t) / 1_000_000, running));
            } catch (RuntimeException e) {
                progress.accept("ERROR: " + i.name() + ": " + e.getMessage());
                results.add(new InstanceResult(i.name(), "failed: " + e.getMessage(), (System.nanoTime() - t) / 1_000_000, false));
            }
        }
        String sync;
        try {
            progress.accept("running proxy sync …");
            sync = proxySync.get();
        } catch (RuntimeException e) {
            sync = "proxy sync failed: " + e.getMessage() + " (run `terrariumctl proxy sync`)";
        }
        return new Summary(results, sync, (System.nanoTime() - t0) / 1_000_000);
    }

    private String restoreOne(Plan plan, InstancePlan i, S3RestoreService single, Consumer<String> progress) {
        String project = plan.manifest().project();
        if (i.mode() == Mode.DONE) {
            progress.accept(i.name() + ": already restored from " + i.point().id() + ": skipped");
            return "skipped (restored earlier from " + i.point().id() + ")";
        }
        if (i.mode() == Mode.REDO) {
            progress.accept(i.name() + ": removing the incomplete instance left by an interrupted run …");
            deleteIncomplete(i.name(), project);
        }
        for (String ds : i.cleanup()) {
            if (zfs.exists(ds)) {
                progress.accept("destroying " + ds + " (left by an interrupted restore) …");
                zfs.destroy(ds, true, BUSY_WAIT);
            }
        }
        S3RestoreService.Plan p;
        try {
            p = single.plan(i.name(), i.point().id(), null, plan.installationId(), i.mode() == Mode.IN_PLACE ? null : plan.parentDataset());
        } catch (IOException e) {
            throw new RestoreException("S3: " + e.getMessage(), e);
        }
        single.execute(p, progress);
        return "restored from " + i.point().id() + (p.inPlace() ? " in place (previous dataset kept as " + p.asideDataset() + ")" : "");
    }

    private HostManifest readHostManifest(String key) throws IOException {
        try {
            return new HostManifestCodec().read(manifests.read(key), key);
        } catch (ManifestException e) {
            throw new RestoreException(e.getMessage() + "; nothing was changed");
        }
    }

    /**
     * The host manifest that describes the host as it was at the restore points {@code at} picks
     * ({@code keys} oldest first, named {@code <yyyyMMdd'T'HHmmss'Z'>.json}). Without {@code at}: the
     * newest. With it: the newest whose name contains {@code at}; else the first one written at or
     * after the newest restore point {@code at} picks among the instances the newest host manifest
     * lists — the export run that made those points writes its host manifest after committing them
     * (S3ExportJob's step {@code write-host-manifest}); else the newest (the plan then names the
     * instances without a matching point).
     */
    String hostManifestFor(String inst, List<String> keys, String at) throws IOException {
        String newest = keys.get(keys.size() - 1);
        if (at == null) {
            return newest;
        }
        for (int k = keys.size() - 1; k >= 0; k--) {
            if (stamp(keys.get(k)).contains(at)) {
                return keys.get(k);
            }
        }
        java.time.Instant t = null;
        for (HostManifest.Instance i : readHostManifest(newest).instances()) {
            Manifest p = i.exported() ? catalog.points(inst, i.name()).choose(at) : null;
            if (p != null && (t == null || p.createdAt().isAfter(t))) {
                t = p.createdAt();
            }
        }
        if (t == null) {
            return newest;
        }
        String floor = java.time.format.DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss'Z'").withZone(java.time.ZoneOffset.UTC).format(t);
        for (String k : keys) {
            if (stamp(k).compareTo(floor) >= 0) {
                return k;
            }
        }
        return newest;
    }

    /**
     * The newest point created at or before {@code notAfter} (the pinned host manifest's time) whose
     * id or time contains {@code at} ({@code null}: any), or {@code null}.
     */
    static Manifest asOf(S3Catalog.Points points, String at, java.time.Instant notAfter) {
        List<Manifest> ms = points.manifests();
        for (int k = ms.size() - 1; k >= 0; k--) {
            Manifest p = ms.get(k);
            if (!p.createdAt().isAfter(notAfter)) {
                Manifest chosen = new S3Catalog.Points(points.installationId(), points.instance(), ms.subList(0, k + 1), List.of()).choose(at);
                return chosen;
            }
        }
        return null;
    }

    /** {@code …/20261206T100000Z.json} → {@code 20261206T100000Z}. */
    private static String stamp(String key) {
        String name = key.substring(key.lastIndexOf('/') + 1);
        return name.endsWith(".json") ? name.substring(0, name.length() - ".json".length()) : name;
    }

    /** The description {@link S3RestoreService} gives an instance restored from {@code point}. */
    static String restoredFrom(String instance, Manifest point) {
        return "restored from " + instance + " S3 restore point " + point.id();
    }

    /** Deletes an instance this command created but did not finish (its dataset is destroyed by the caller's clean-up list). */
    private void deleteIncomplete(String name, String project) {
        JsonNode inst = lxd.get(instancePath(name, project));
        if (!"Stopped".equalsIgnoreCase(inst.path("status").asText("Stopped"))) {
            lxd.put(instancePath(name, project).replace("?", "/state?"), Map.of("action", "stop", "force", true));
        }
        InstanceDataset d = resolvers.apply(project).resolve(name);
        if (d != null && d.resolved() && zfs.exists(d.dataset())) {
            // planning chose REDO only for a record without its dataset; if one appeared since, keep it and stop
            throw new RestoreException("instance " + name + " has a dataset (" + d.dataset() + ") again since the plan; nothing"
                    + " was deleted: run the command again to re-plan");
        }
        // a dir pool's delete needs the instance directory (the dataset was mounted on it)
        String pool = io.terrarium.restore.RestoreService.rootPool(inst.path("expanded_devices"));
        {
            JsonNode poolInfo = lxd.get("/1.0/storage-pools/" + enc(pool));
            if ("dir".equals(poolInfo.path("driver").asText())) {
                Path dir = Path.of(poolInfo.path("config").path("source").asText(), "containers",
                        "default".equals(project) ? name : project + "_" + name);
                try {
                    Files.createDirectories(dir);
                } catch (IOException e) {
                    throw new RestoreException("cannot create " + dir + ": " + e.getMessage(), e);
                }
            }
        }
        lxd.delete(instancePath(name, project));
    }

    private void apply(Step s, String project) {
        ObjectNode def = s.definition();
        switch (s.kind()) {
            case "storage pool" -> {
                Map<String, String> cfg = new TreeMap<>();
                def.path("config").fields().forEachRemaining(e -> cfg.put(e.getKey(), e.getValue().asText()));
                editor.createPool(s.name(), def.path("driver").asText(), cfg);
            }
            case "network" -> {
                String np = featureProject(project, "features.networks");
                if (s.action() == Action.CREATE) {
                    editor.create("network", np, s.name(), def.path("type").asText("bridge"));
                }
                editor.edit("network", np, s.name(), writable(def, "description", "config"));
            }
            case "project" -> {
                if (s.action() == Action.CREATE) {
                    editor.create("project", null, s.name(), null);
                }
                editor.edit("project", null, s.name(), writable(def, "description", "config"));
            }
            case "profile" -> {
                String pp = featureProject(project, "features.profiles");
                if (s.action() == Action.CREATE) {
                    editor.create("profile", pp, s.name(), null);
                }
                editor.edit("profile", pp, s.name(), writable(def, "description", "config", "devices"));
            }
            default -> throw new IllegalStateException(s.kind());
        }
    }

    /** {@code project} when it has {@code feature=true} (its own profiles/networks), else {@code default}. */
    private String featureProject(String project, String feature) {
        JsonNode p = getOrNull("/1.0/projects/" + enc(project));
        return p != null && "true".equals(p.path("config").path(feature).asText("false")) ? project : "default";
    }

    private Step poolStep(ObjectNode pool, List<String> problems) {
        String name = name(pool);
        JsonNode here = getOrNull("/1.0/storage-pools/" + enc(name));
        if (here == null) {
            return new Step("storage pool", name, Action.CREATE, "driver " + pool.path("driver").asText(), pool);
        }
        if (!here.path("driver").asText().equals(pool.path("driver").asText())) {
            problems.add("storage pool " + name + " uses driver " + here.path("driver").asText() + " here, the backup's uses "
                    + pool.path("driver").asText() + "; LXD cannot change a pool's driver (and --force does not try): create the pool"
                    + " under that name with driver " + pool.path("driver").asText() + " or move the instances' pool by hand");
            return new Step("storage pool", name, Action.KEEP, null, pool);
        }
        List<String> diff = differences(pool, here, List.of("config"), List.of("source"));
        return new Step("storage pool", name, Action.KEEP, diff.isEmpty() ? "same" : "differs, a pool is never changed: "
                + String.join("; ", diff), pool);
    }

    private Step objectStep(String kind, String project, ObjectNode def, String path, List<String> fields, boolean force,
                            List<String> problems) {
        String name = name(def);
        JsonNode here = getOrNull(path);
        if (here == null) {
            return new Step(kind, name, Action.CREATE, kind.equals("network") ? "type " + def.path("type").asText() : null, def);
        }
        List<String> diff = differences(def, here, fields, List.of());
        if (diff.isEmpty()) {
            return new Step(kind, name, Action.KEEP, "same", def);
        }
        if (!force) {
            problems.add(kind + " " + name + " exists here with other content: " + String.join("; ", diff)
                    + "; make it match, remove it, or replace it with the backup's with --force");
            return new Step(kind, name, Action.KEEP, null, def);
        }
        return new Step(kind, name, Action.REPLACE, String.join("; ", diff), def);
    }

    /**
     * The differences between the backup's object and this host's in {@code fields} (maps of strings,
     * or of device maps), ignoring {@code volatile.*} keys and {@code ignored}; each says the key, the
     * value here and the backup's.
     */
    static List<String> differences(JsonNode backup, JsonNode here, List<String> fields, List<String> ignored) {
        List<String> out = new ArrayList<>();
        for (String f : fields) {
            Map<String, String> b = flat(backup.path(f));
            Map<String, String> h = flat(here.path(f));
            for (String k : new TreeSet<>(union(b, h))) {
                if (k.startsWith("volatile.") || ignored.contains(k)) {
                    continue;
                }
                String bv = b.get(k);
                String hv = h.get(k);
                if (!Objects.equals(bv, hv)) {
                    String label = f.equals("devices") ? "device " + k : f + " " + k;
                    out.add(label + ": here " + (hv == null ? "(not set)" : "\"" + hv + "\"") + ", backup "
                            + (bv == null ? "(not set)" : "\"" + bv + "\""));
                }
            }
        }
        return out;
    }

    private static TreeSet<String> union(Map<String, String> a, Map<String, String> b) {
        TreeSet<String> s = new TreeSet<>(a.keySet());
        s.addAll(b.keySet());
        return s;
    }

    /** A config map as key → value; a devices map as device → its sorted {@code k=v,…}. */
    private static Map<String, String> flat(JsonNode obj) {
        Map<String, String> m = new TreeMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = obj.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            if (e.getValue().isObject()) {
                Map<String, String> d = new TreeMap<>();
                e.getValue().fields().forEachRemaining(x -> d.put(x.getKey(), x.getValue().asText()));
                m.put(e.getKey(), d.toString());
            } else {
                m.put(e.getKey(), e.getValue().asText());
            }
        }
        return m;
    }

    private static ObjectNode writable(ObjectNode def, String... fields) {
        return HostManifestWriter.pick(def, fields);
    }

    private String chooseInstallation(String installation) throws IOException {
        List<String> with = manifests.installations();
        if (installation != null) {
            if (!with.contains(installation)) {
                throw new RestoreException("installation " + installation + " has no host manifest under " + where
                        + (with.isEmpty() ? "" : "; installations with one: " + String.join(", ", with)) + "; nothing was changed");
            }
            return installation;
        }
        if (with.isEmpty()) {
            throw new RestoreException("no host manifest under " + where + ": the old host's `s3-export` writes one with every run"
                    + " (check bucket and prefix with `terrariumctl backup list --source s3`); nothing was changed");
        }
        if (with.size() == 1) {
            return with.get(0);
        }
        if (ownInstallation != null && with.contains(ownInstallation)) {
            return ownInstallation;
        }
        List<String> desc = new ArrayList<>();
        for (String w : with) {
            List<String> k = manifests.keys(w);
            String last = k.get(k.size() - 1);
            desc.add(w + " (newest host manifest " + last.substring(last.lastIndexOf('/') + 1, last.length() - ".json".length()) + ")");
        }
        throw new RestoreException("several installations have host manifests under " + where + ": " + String.join(", ", desc)
                + "; choose one with --installation ID; nothing was changed");
    }

    /** Notes about secret files the old configuration read that this host does not have. */
    private static List<String> secretNotes(HostManifest m, boolean reportOnly) {
        List<String> out = new ArrayList<>();
        TerrariumConfig old;
        try {
            old = new ConfigCodec().parse(m.config(), "the host manifest's config");
        } catch (RuntimeException e) {
            out.add("the old host's configuration in the host manifest cannot be read (" + e.getMessage() + "); set this host up by hand");
            return out;
        }
        Map<String, String> secrets = new LinkedHashMap<>();
        if (old.s3() != null && old.s3().secretKeyFile() != null) {
            secrets.put("the S3 secret key", old.s3().secretKeyFile());
        }
        if (old.idp() != null && old.idp().clientSecretFile() != null) {
            secrets.put("the OIDC client secret", old.idp().clientSecretFile());
        }
        if (old.dns() != null && old.dns().envFiles() != null) {
            old.dns().envFiles().forEach((k, v) -> secrets.put("DNS variable " + k, v));
        }
        secrets.forEach((what, path) -> {
            if (reportOnly && !Files.exists(Path.of(path))) {
                out.add("the old host read " + what + " from " + path + ", which does not exist here: write it (0600, root) before"
                        + " using that feature; secrets are never in the bucket");
            }
        });
        if (reportOnly && old.domains() != null && old.domains().base() != null) {
            out.add("the old host served domain " + old.domains().base() + (old.idp() == null ? "" : " with idp mode " + old.idp().mode())
                    + "; its configuration is in the host manifest (`config` field) — this host keeps its own");
        }
        return out;
    }

    private JsonNode getOrNull(String path) {
        try {
            return lxd.get(path);
        } catch (LxdException e) {
            if (e.notFound()) {
                return null;
            }
            throw e;
        }
    }

    private static String name(JsonNode o) {
        return o.path("name").asText();
    }


    private static String instancePath(String name, String project) {
        return io.terrarium.host.lxd.LxdPaths.instance(name) + io.terrarium.host.lxd.LxdPaths.projectQuery(project);
    }

    private static String enc(String s) {
        return io.terrarium.host.lxd.LxdPaths.enc(s);
    }
}
