package io.terrarium.cli;

import io.terrarium.App;
import io.terrarium.restore.RestoreDrillJob;
import io.terrarium.restore.AsideCopies;
import io.terrarium.backup.InstanceDataset;
import io.terrarium.config.TerrariumConfig;
import io.terrarium.host.zfs.ZfsSnapshot;
import io.terrarium.s3.S3Catalog;
import io.terrarium.s3.S3ClientFactory;
import io.terrarium.s3.S3Settings;
import software.amazon.awssdk.services.s3.S3Client;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

/**
 * {@code terrariumctl backup list [--instance X] [--source local|s3|all]}: per instance its local
 * snapshots (name, UTC creation time, space used by the snapshot alone) and its S3 restore points
 * (id, UTC creation time, full/incremental, chain, stored bytes), in bytes in JSON/YAML and human
 * units in the table. S3 points are listed for every installation under the prefix, so a new host
 * sees the old host's points. Aside copies ({@link AsideCopies}: the state before an in-place restore)
 * are listed with their instance (source "aside"; key {@code asides} per instance in JSON/YAML), and
 * its last restore drill ({@code RestoreDrillJob}; source "drill"; key {@code last_drill}, or null). Exit 1 for an unknown instance, or when S3 is asked for and cannot be read.
 */
@Command(name = "list", description = {"List restore points: each instance's local snapshots (name, creation time UTC, size = space used",
        "by the snapshot alone) and its S3 restore points (id, creation time UTC, full or incremental, chain = id of the",
        "chain's full, size = stored compressed bytes). An instance without a ZFS dataset is listed with the reason.",
        "Aside copies (the state before an in-place restore, `backup aside list|remove`) are listed as source \"aside\".",
        "The last restore drill of each instance (job restore-drill) is listed as source \"drill\" (last_drill in JSON/YAML).",
        "S3 points of every installation under the prefix are shown (a new host sees the old host's points).",
        "--source all (default) shows S3 points when S3 is configured; --source s3 fails when it is not."},
        footerHeading = "%nExamples:%n",
        footer = {"  terrariumctl backup list", "  terrariumctl backup list --instance web",
                "  terrariumctl backup list --source s3", "  terrariumctl backup list --instance web -o json"})
public final class BackupListCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    VerbosityOption verbosity;

    @Mixin
    FormatOption format;

    @Option(names = "--instance", paramLabel = "NAME", description = "Only this instance.")
    String instance;

    /** Which restore points to list. */
    enum Source { local, s3, all }

    @Option(names = "--source", paramLabel = "local|s3|all", defaultValue = "all",
            description = "local snapshots, S3 restore points, or both (default all; S3 only when configured).")
    Source source;

    @Override
    public Integer call() {
        App app = TerrariumCommand.app(spec);
        TerrariumConfig config = app.configStore().load().config();
        java.io.PrintWriter err = spec.commandLine().getErr();
        List<Map<String, Object>> table = new ArrayList<>();
        Map<String, Object> nested = new LinkedHashMap<>();
        boolean known = false;
        if (source != Source.s3) {
            List<InstanceDataset> every = app.datasets(config).resolveAll();
            List<InstanceDataset> all = every;
            if (instance != null) {
                all = all.stream().filter(i -> i.instance().equals(instance)).toList();
            }
            String project = config.lxd().project();
            List<AsideCopies.Aside> asides = new AsideCopies(app.zfs()).list(AsideCopies.roots(config.zfs().containersDataset(), every))
                    .stream().filter(a -> instance == null || a.instance(project).equals(instance)).toList();
            known = !all.isEmpty() || !asides.isEmpty();
            nested.put("local", local(app, all, asides, project, table));
        }
        boolean s3Configured = config.s3() != null && config.s3().bucket() != null;
        String s3Error = null;
        if (source == Source.s3 || (source == Source.all && s3Configured)) {
            List<Map<String, Object>> s3Points;
            try {
                s3Points = s3(config, table);
            } catch (IllegalArgumentException | java.io.IOException | software.amazon.awssdk.core.exception.SdkException e) {
                s3Error = "cannot list S3 restore points: " + e.getMessage();
                s3Points = List.of();
            }
            known |= !s3Points.isEmpty();
            nested.put("s3", s3Points);
        }
        if (s3Error != null && source == Source.s3) {
            err.println("ERROR: " + s3Error);
            err.flush();
            return ExitCodes.FAILURE;
        }
        if (instance != null && !known && s3Error == null) {
            err.println("ERROR: instance \"" + instance + "\" does not exist in LXD project " + config.lxd().project()
                    + (source == Source.local ? "" : " and has no S3 restore point"));
            err.flush();
            return ExitCodes.FAILURE;
        }
        if (format.format() == Format.table) {
            Output.rows(spec.commandLine().getOut(), Format.table, table);
        } else {
            Output.value(spec.commandLine().getOut(), format.format(), source == Source.local ? nested.get("local")
                    : source == Source.s3 ? nested.get("s3") : nested);
        }
        if (s3Error != null) { // the local snapshots were printed; the exit code says S3 could not be read
            err.println("ERROR: " + s3Error);
            err.flush();
            return ExitCodes.FAILURE;
        }
        return ExitCodes.OK;
    }

    private List<Map<String, Object>> local(App app, List<InstanceDataset> all, List<AsideCopies.Aside> asides, String project,
                                            List<Map<String, Object>> table) {
        List<Map<String, Object>> nested = new ArrayList<>();
        java.util.Set<String> listed = new java.util.HashSet<>();
        Map<String, Map<String, Object>> drills = io.terrarium.restore.RestoreDrillJob.lastDrills(app.paths().stateDir(), app.json());
        for (InstanceDataset i : all) {
            listed.add(i.instance());
            List<ZfsSnapshot> snaps = i.resolved() ? app.zfs().snapshots(i.dataset(), false) : List.of();
            List<Map<String, Object>> list = new ArrayList<>();
            for (ZfsSnapshot s : snaps) {
                list.add(Output.row("name", s.name(), "created", s.created().toString(), "used_bytes", s.usedBytes()));
                table.add(row(i.instance(), "local", s.name(), s.created().toString(), "snapshot", null, human(s.usedBytes())));
            }
            if (snaps.isEmpty()) {
                table.add(row(i.instance(), "local", i.resolved() ? "(none yet)" : "(no ZFS dataset: " + i.problem() + ")",
                        null, null, null, null));
            }
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("instance", i.instance());
            m.put("dataset", i.dataset());
            if (!i.resolved()) {
                m.put("problem", i.problem());
            }
            m.put("snapshots", list);
            m.put("asides", asides(i.instance(), asides, project, table));
            Map<String, Object> drill = drills.get(i.instance());
            m.put("last_drill", drill);
            if (drill != null) {
                table.add(drillRow(i.instance(), drill));
            }
            nested.add(m);
        }
        // aside copies of instances that no longer exist here
        for (String gone : new java.util.TreeSet<>(asides.stream().map(a -> a.instance(project)).filter(n -> !listed.contains(n)).toList())) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("instance", gone);
            m.put("dataset", null);
            m.put("problem", "no such instance here; only aside copies are left");
            m.put("snapshots", List.of());
            m.put("asides", asides(gone, asides, project, table));
            nested.add(m);
        }
        return nested;
    }

    /**
     * The table row of an instance's last restore drill: KIND {@code drill <STATUS>, RTO <n> s/GiB}
     * — no wider than an aside's "state before a restore" (tester, issue 15: "restore drill OK,
     * 3.217 s, RTO 52.33 s/GiB" widened the whole KIND column); the seconds and exact figures are
     * in {@code last_drill} of {@code -o json}. Below 1 GiB restored the row shows the drill's seconds
     * instead ({@code drill OK, 3.2 s}): scaled from a few MiB, fixed costs (the plan's HEADs, the start
     * of {@code zfs receive}) made a 3 MiB drill read "RTO 300 s/GiB" (tester, session 5).
     *
     * @param drill the drill's record ({@code status}, {@code restore_point}, {@code at},
     *              {@code rto_seconds_per_gib}, {@code restored_bytes}; any may be missing)
     */
    static Map<String, Object> drillRow(String instance, Map<String, Object> drill) {
        Object bytes = drill.get("restored_bytes");
        Object rto = drill.get("rto_seconds_per_gib");
        String kind = "drill " + drill.get("status");
        Object seconds = drill.get("seconds");
        if (bytes instanceof Number b && b.longValue() < RestoreDrillJob.GIB && seconds instanceof Number sec) {
            kind += ", " + figure(sec.doubleValue()) + " s";
        } else if (rto instanceof Number n) {
            kind += ", RTO " + figure(n.doubleValue()) + " s/GiB";
        }
        return row(instance, "drill", (String) drill.get("restore_point"), (String) drill.get("at"), kind, null,
                bytes instanceof Number b ? human(b.longValue()) : null);
    }

    /** One decimal below 10, whole numbers from there. */
    private static String figure(double v) {
        return v < 10 ? String.format(java.util.Locale.ROOT, "%.1f", v) : String.valueOf(Math.round(v));
    }

    /** The aside copies of one instance: JSON/YAML entries (bytes), and rows of source "aside" in the table. */
    private static List<Map<String, Object>> asides(String instance, List<AsideCopies.Aside> asides, String project,
                                                    List<Map<String, Object>> table) {
        List<Map<String, Object>> out = new ArrayList<>();
        for (AsideCopies.Aside a : asides) {
            if (!a.instance(project).equals(instance)) {
                continue;
            }
            out.add(BackupAsideListCommand.row(a, project, true));
            table.add(row(instance, "aside", a.dataset().substring(a.dataset().lastIndexOf('/') + 1), a.keptAt().toString(),
                    "state before a restore", a.origin() == null ? null : "clone of " + a.origin().substring(a.origin().indexOf('@') + 1),
                    human(a.usedBytes())));
        }
        return out;
    }

    /** S3 points of every installation (own first), filtered by --instance. */
    private List<Map<String, Object>> s3(TerrariumConfig config, List<Map<String, Object>> table) throws java.io.IOException {
        S3Settings settings = S3Lists.settings(config);
        List<Map<String, Object>> nested = new ArrayList<>();
        try (S3Client s3 = S3ClientFactory.create(settings, 2)) {
            S3Catalog catalog = new S3Catalog(s3, settings.bucket(), settings.prefix());
            List<String> installations = new ArrayList<>(catalog.installations());
            String own = config.installationId();
            if (own != null && installations.remove(own)) {
                installations.add(0, own);
            }
            for (String inst : installations) {
                List<String> names = instance != null ? (catalog.instances(inst).contains(instance) ? List.of(instance) : List.of())
                        : catalog.instances(inst);
                for (String name : names) {
                    S3Catalog.Points p = catalog.points(inst, name);
                    List<Map<String, Object>> points = S3Lists.points(p);
                    String source = inst.equals(own) ? "s3" : "s3 (" + inst + ")";
                    for (Map<String, Object> r : points) {
                        String chain = (String) r.get("chain");
                        String created = java.time.Instant.parse((String) r.get("created_at"))
                                .truncatedTo(java.time.temporal.ChronoUnit.SECONDS).toString();
                        table.add(row(name, source, (String) r.get("id"), created, (String) r.get("kind"),
                                chain.equals(r.get("id")) ? "(this)" : chain, human((Long) r.get("bytes"))));
                    }
                    p.unreadable().forEach(u -> table.add(row(name, source, "(unreadable manifest " + u.key() + ": " + u.reason() + ")",
                            null, null, null, null)));
                    Map<String, Object> m = new LinkedHashMap<>();
                    m.put("installation_id", inst);
                    m.put("instance", name);
                    m.put("restore_points", points);
                    m.put("unreadable", p.unreadable().stream().map(u -> Map.of("key", u.key(), "reason", u.reason())).toList());
                    nested.add(m);
                }
            }
        }
        return nested;
    }

    private static Map<String, Object> row(String instance, String source, String point, String created, String kind, String chain, String size) {
        return Output.row("instance", instance, "source", source, "restore point", point, "created (UTC)", created, "kind", kind,
                "chain", chain, "size", size);
    }

    /** Bytes in binary units with one decimal (e.g. 1.5M); "-" when unknown. */
    static String human(long bytes) {
        if (bytes < 0) {
            return "-";
        }
        String[] u = {"B", "K", "M", "G", "T", "P"};
        double v = bytes;
        int k = 0;
        while (v >= 1024 && k < u.length - 1) {
            v /= 1024;
            k++;
        }
        return k == 0 ? bytes + "B" : String.format(java.util.Locale.ROOT, "%.1f%s", v, u[k]);
    }
}
