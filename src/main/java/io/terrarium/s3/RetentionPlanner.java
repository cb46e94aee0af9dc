package io.terrarium.s3;

import io.terrarium.config.TerrariumConfig;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Chain-aware retention of one instance's S3 restore points (issue 5, docs/s3.md "Retention").
 * Pure: it gets the object keys listed under the instance's folder and the manifests read from
 * them, and returns what to delete in which order. No I/O.
 *
 * <p>Rules, in the order they are applied:
 * <ol>
 *   <li>A <em>chain</em> is a full manifest and every incremental whose parents lead back to it.
 *       A manifest whose parents do not lead to a full (a parent is missing, or the parents loop)
 *       is <em>broken</em>: it is not a restore point and does not count.</li>
 *   <li>Kept: the newest {@code keep_chains} chains (by their newest manifest id; ids start with
 *       the UTC export time so they sort by time) and every chain that holds one of the newest
 *       {@code keep_points} restore points. A chain is kept or removed whole: a kept incremental
 *       needs every manifest back to its full. Because {@code keep_chains ≥ 1}, the newest chain is
 *       never deleted.</li>
 *   <li>Deleted: manifests of chains not kept, and broken manifests older than the oldest kept
 *       manifest (newer broken ones are left and reported). A manifest that cannot be read, and
 *       everything whose chain passes through one, is never touched and is reported.</li>
 *   <li>Order (the manifest is the commit point, DESIGN.md §4): all manifests first, newest first,
 *       then the volumes. Every prefix of that order leaves only manifests whose whole chain still
 *       exists, so an interrupted run never leaves a restore point that looks restorable but is
 *       not, and never leaves a manifest that names a deleted volume.</li>
 *   <li>Volumes deleted: every key under {@code data/<id>/} of a deleted manifest, and of an
 *       <em>orphan</em> export (data without any manifest object, e.g. left by a killed exporter)
 *       whose id is older than the newest manifest. Volumes a kept manifest names are never in the
 *       list.</li>
 *   <li>Keys under the instance folder that are not {@code manifests/<id>.json} or
 *       {@code data/<id>/…} are foreign and never touched. With no complete chain at all nothing is
 *       deleted.</li>
 * </ol>
 */
public final class RetentionPlanner {
    private static final Pattern ID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._:-]{0,127}");

    /**
     * The decision for one instance.
     *
     * @param deleteManifests manifest keys to delete, in this order (newest first)
     * @param deleteVolumes   volume keys to delete after every manifest delete succeeded
     * @param keptIds         manifest ids of the kept restore points, newest first
     * @param deletedIds      manifest ids whose manifests are deleted, newest first
     * @param orphanIds       export ids without a manifest whose volumes are deleted
     * @param warnings        what was left alone and why (broken or unreadable manifests)
     * @param lockedKept      restore points the policy would delete but that are kept because an
     *                        object of their chain is still under S3 Object Lock: id → the latest
     *                        retain-until date (UTC) in that chain; empty without Object Lock
     */
    public record Plan(List<String> deleteManifests, List<String> deleteVolumes, List<String> keptIds,
                       List<String> deletedIds, List<String> orphanIds, List<String> warnings,
                       Map<String, java.time.Instant> lockedKept) {
        /** A plan without locked points. */
        public Plan(List<String> deleteManifests, List<String> deleteVolumes, List<String> keptIds,
                    List<String> deletedIds, List<String> orphanIds, List<String> warnings) {
            this(deleteManifests, deleteVolumes, keptIds, deletedIds, orphanIds, warnings, Map.of());
        }

        /** True when nothing is to be deleted. */
        public boolean empty() {
            return deleteManifests.isEmpty() && deleteVolumes.isEmpty();
        }
    }

    private RetentionPlanner() {
    }

    /**
     * Plans retention for one instance.
     *
     * @param keys       the key layout (prefix, installation id)
     * @param instance   instance name
     * @param objectKeys every object key listed under {@link ExportKeys#instanceDir}
     * @param manifests  manifest id → the manifest read from {@code manifests/<id>.json}; an id
     *                   listed as a manifest key but absent here could not be read
     * @param retention  the policy ({@code keep_chains ≥ 1})
     * @return the plan; empty when nothing may be deleted
     * @throws IllegalArgumentException when {@code keep_chains < 1}
     */
    public static Plan plan(ExportKeys keys, String instance, List<String> objectKeys, Map<String, Manifest> manifests,
                            TerrariumConfig.Retention retention) {
        return plan(keys, instance, objectKeys, manifests, retention, Map.of());
    }

    /**
     * Plans retention for one instance, never deleting a locked restore point (issue 13 item 4): a
     * chain that holds a point in {@code lockedUntil} is kept whole (its incrementals need the full,
     * and S3 would refuse — or, on a versioned bucket, hide behind a delete marker — the locked
     * objects), and reported in {@link Plan#lockedKept}. A locked broken manifest is left in place.
     *
     * @param lockedUntil manifest id → the date (UTC) its objects are locked until, for points whose
     *                    lock has not passed yet (the caller reads it with GetObjectRetention)
     */
    public static Plan plan(ExportKeys keys, String instance, List<String> objectKeys, Map<String, Manifest> manifests,
                            TerrariumConfig.Retention retention, Map<String, java.time.Instant> lockedUntil) {
        if (retention.keepChains() < 1) {
            throw new IllegalArgumentException("keep_chains must be at least 1 (got " + retention.keepChains() + ")");
        }
        String dir = keys.instanceDir(instance);
        Pattern manifestKey = Pattern.compile(Pattern.quote(dir + "manifests/") + "(" + ID.pattern() + ")\\.json");
        Pattern dataKey = Pattern.compile(Pattern.quote(dir + "data/") + "(" + ID.pattern() + ")/[^/].*");
        TreeSet<String> manifestIds = new TreeSet<>();
        Map<String, List<String>> data = new TreeMap<>();
        for (String k : objectKeys) {
            Matcher m = manifestKey.matcher(k);
            if (m.matches()) {
                manifestIds.add(m.group(1));
                continue;
            }
            Matcher d = dataKey.matcher(k);
            if (d.matches()) {
                data.computeIfAbsent(d.group(1), x -> new ArrayList<>()).add(k);
            }
        }
        List<String> warnings = new ArrayList<>();
        Set<String> unreadable = new TreeSet<>();
        Map<String, Manifest> readable = new HashMap<>();
        for (String id : manifestIds) {
            Manifest m = manifests.get(id);
            if (m == null) {
                unreadable.add(id);
                warnings.add("manifest " + id + " could not be read; it and every restore point built on it are left untouched");
            } else {
                readable.put(id, m);
            }
        }
        // resolve each readable manifest to its full (root), or mark it broken / unknown
        Map<String, String> root = new HashMap<>();
        Set<String> broken = new TreeSet<>();
        Set<String> unknown = new TreeSet<>();
        for (String id : readable.keySet()) {
            Set<String> seen = new HashSet<>();
            String cur = id;
            while (true) {
                Manifest m = readable.get(cur);
                if (m == null) {
                    if (unreadable.contains(cur)) {
                        unknown.add(id);
                    } else {
                        broken.add(id);
                    }
                    break;
                }
                if (!seen.add(cur)) {
                    broken.add(id);
                    break;
                }
                if (m.full()) {
                    root.put(id, cur);
                    break;
                }
                cur = m.parentId();
            }
        }
        // chains: root → members; ordered by newest member, newest chain first
        Map<String, TreeSet<String>> chains = new HashMap<>();
        root.forEach((id, r) -> chains.computeIfAbsent(r, x -> new TreeSet<>()).add(id));
        List<String> chainOrder = new ArrayList<>(chains.keySet());
        chainOrder.sort(Comparator.comparing((String r) -> chains.get(r).last()).reversed());
        List<String> points = new ArrayList<>(root.keySet());
        points.sort(Comparator.reverseOrder());

        if (chains.isEmpty()) {
            if (!broken.isEmpty()) {
                warnings.add("no complete chain (full → incrementals) exists; nothing is deleted; broken: " + broken);
            }
            return new Plan(List.of(), List.of(), List.of(), List.of(), List.of(), List.copyOf(warnings));
        }
        Set<String> keptRoots = new HashSet<>(chainOrder.subList(0, Math.min(retention.keepChains(), chainOrder.size())));
        for (String p : points.subList(0, Math.min(retention.keepPoints(), points.size()))) {
            keptRoots.add(root.get(p));
        }
        // a chain with a locked point is kept whole, and said so
        Map<String, java.time.Instant> chainLock = new HashMap<>();
        for (Map.Entry<String, java.time.Instant> e : lockedUntil.entrySet()) {
            String r = root.get(e.getKey());
            if (r != null && !keptRoots.contains(r)) {
                chainLock.merge(r, e.getValue(), (a, b) -> a.isAfter(b) ? a : b);
            }
        }
        Map<String, java.time.Instant> lockedKept = new TreeMap<>(Comparator.reverseOrder());
        for (String p : points) {
            java.time.Instant until = chainLock.get(root.get(p));
            if (until != null) {
                lockedKept.put(p, until);
            }
        }
        keptRoots.addAll(chainLock.keySet());
        List<String> kept = points.stream().filter(p -> keptRoots.contains(root.get(p))).toList();
        String oldestKept = kept.get(kept.size() - 1);

        TreeSet<String> delete = new TreeSet<>(Comparator.reverseOrder());
        points.stream().filter(p -> !keptRoots.contains(root.get(p))).forEach(delete::add);
        for (String b : broken) {
            if (lockedUntil.containsKey(b)) {
                warnings.add("manifest " + b + " is not part of a complete chain but kept: locked until "
                        + lockedUntil.get(b));
            } else if (b.compareTo(oldestKept) < 0) {
                delete.add(b);
            } else {
                warnings.add("manifest " + b + " is not part of a complete chain (its parent is missing) but newer than "
                        + "the oldest kept restore point " + oldestKept + "; left in place, it cannot be restored");
            }
        }
        if (!unknown.isEmpty()) {
            warnings.add("left untouched because their chain passes through an unreadable manifest: " + unknown);
        }
        // volumes a kept (or untouched) manifest names are never deleted
        Set<String> protectedKeys = new HashSet<>();
        for (Manifest m : readable.values()) {
            if (!delete.contains(m.id())) {
                m.volumes().forEach(v -> protectedKeys.add(v.key()));
            }
        }
        List<String> deleteManifests = new ArrayList<>();
        List<String> deleteVolumes = new ArrayList<>();
        for (String id : delete) {
            deleteManifests.add(keys.manifest(instance, id));
        }
        for (String id : delete) {
            for (String k : data.getOrDefault(id, List.of())) {
                if (!protectedKeys.contains(k)) {
                    deleteVolumes.add(k);
                }
            }
        }
        String newestManifest = manifestIds.last();
        List<String> orphans = new ArrayList<>();
        for (Map.Entry<String, List<String>> e : data.entrySet()) {
            String id = e.getKey();
            if (!manifestIds.contains(id) && id.compareTo(newestManifest) < 0) {
                orphans.add(id);
                e.getValue().stream().filter(k -> !protectedKeys.contains(k)).forEach(deleteVolumes::add);
            }
        }
        return new Plan(List.copyOf(deleteManifests), List.copyOf(deleteVolumes), List.copyOf(kept),
                List.copyOf(delete), List.copyOf(orphans), List.copyOf(warnings),
                java.util.Collections.unmodifiableMap(lockedKept));
    }
}
