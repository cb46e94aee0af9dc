package io.terrarium.backup;

import io.terrarium.host.zfs.ZfsSnapshot;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Collectors;

/**
 * What a sanoid run changed, per dataset: snapshots present after but not before (taken) and
 * before but not after (pruned). Pure.
 */
public final class SnapshotDiff {
    /**
     * @param taken  snapshot names (after '@') that appeared
     * @param pruned snapshot names that disappeared
     * @param count  snapshots of the dataset after the run
     */
    public record Change(List<String> taken, List<String> pruned, int count) {
    }

    private SnapshotDiff() {
    }

    /** Per dataset (sorted by name), including datasets with no change. */
    public static Map<String, Change> between(List<ZfsSnapshot> before, List<ZfsSnapshot> after) {
        Set<String> b = before.stream().map(ZfsSnapshot::fullName).collect(Collectors.toSet());
        Set<String> a = after.stream().map(ZfsSnapshot::fullName).collect(Collectors.toSet());
        Map<String, List<String>> taken = new TreeMap<>();
        Map<String, List<String>> pruned = new TreeMap<>();
        Map<String, Integer> count = new TreeMap<>();
        for (ZfsSnapshot s : after) {
            count.merge(s.dataset(), 1, Integer::sum);
            taken.computeIfAbsent(s.dataset(), k -> new ArrayList<>());
            pruned.computeIfAbsent(s.dataset(), k -> new ArrayList<>());
            if (!b.contains(s.fullName())) {
                taken.get(s.dataset()).add(s.name());
            }
        }
        for (ZfsSnapshot s : before) {
            taken.computeIfAbsent(s.dataset(), k -> new ArrayList<>());
            pruned.computeIfAbsent(s.dataset(), k -> new ArrayList<>());
            if (!a.contains(s.fullName())) {
                pruned.get(s.dataset()).add(s.name());
            }
        }
        Map<String, Change> out = new TreeMap<>();
        taken.forEach((ds, t) -> out.put(ds, new Change(List.copyOf(t), List.copyOf(pruned.get(ds)), count.getOrDefault(ds, 0))));
        return out;
    }
}
