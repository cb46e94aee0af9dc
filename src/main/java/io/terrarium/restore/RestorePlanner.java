package io.terrarium.restore;

import io.terrarium.host.zfs.ZfsSnapshot;

import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * Chooses the snapshot of a restore (pure).
 * <ul>
 *   <li>{@code --snapshot NAME}: exactly that snapshot (NAME or dataset@NAME);</li>
 *   <li>{@code --at FRAGMENT}: the newest snapshot whose name or UTC creation time
 *       ({@code yyyy-MM-dd_HH:mm:ss}; a 'T' in the fragment counts as '_') contains FRAGMENT,
 *       e.g. {@code 2026-01-31_12:15} or {@code 12:15};</li>
 *   <li>neither: the newest snapshot.</li>
 * </ul>
 * No match: a {@link RestoreException} naming up to four nearest snapshots (by creation time
 * around the fragment, else the newest).
 */
public final class RestorePlanner {
    private static final DateTimeFormatter STAMP = DateTimeFormatter.ofPattern("yyyy-MM-dd_HH:mm:ss").withZone(ZoneOffset.UTC);

    private RestorePlanner() {
    }

    /**
     * @param instance  for messages
     * @param snapshots the dataset's snapshots (any order)
     * @param at        fragment, or {@code null}
     * @param snapshot  exact name, or {@code null}
     * @return the chosen snapshot
     * @throws RestoreException when nothing matches or there are no snapshots
     */
    public static ZfsSnapshot choose(String instance, List<ZfsSnapshot> snapshots, String at, String snapshot) {
        List<ZfsSnapshot> sorted = new ArrayList<>(snapshots);
        sorted.sort(Comparator.comparing(ZfsSnapshot::created).thenComparing(ZfsSnapshot::name));
        if (sorted.isEmpty()) {
            throw new RestoreException("instance " + instance + " has no snapshots yet (take one with `terrariumctl backup snapshot --now --instance " + instance + "`)");
        }
        if (snapshot != null) {
            String name = snapshot.contains("@") ? snapshot.substring(snapshot.indexOf('@') + 1) : snapshot;
            return sorted.stream().filter(s -> s.name().equals(name)).findFirst().orElseThrow(() ->
                    new RestoreException("instance " + instance + " has no snapshot named " + name + "; nearest: "
                            + names(nearest(sorted, name))));
        }
        if (at != null) {
            String f = at.strip().replace('T', '_').replace("Z", "");
            ZfsSnapshot best = null;
            for (ZfsSnapshot s : sorted) {
                if (s.name().contains(f) || stamp(s).contains(f)) {
                    best = s;
                }
            }
            if (best == null) {
                throw new RestoreException("no snapshot of " + instance + " matches --at " + at + "; nearest: "
                        + names(nearest(sorted, f)) + " (see `terrariumctl backup list --instance " + instance + "`)");
            }
            return best;
        }
        return sorted.get(sorted.size() - 1);
    }

    /** Snapshots of the dataset created after {@code chosen} (what {@code zfs rollback -r} destroys). */
    public static List<ZfsSnapshot> newer(List<ZfsSnapshot> snapshots, ZfsSnapshot chosen) {
        List<ZfsSnapshot> sorted = new ArrayList<>(snapshots);
        sorted.sort(Comparator.comparing(ZfsSnapshot::created).thenComparing(ZfsSnapshot::name));
        int i = sorted.indexOf(chosen);
        return i < 0 ? List.of() : List.copyOf(sorted.subList(i + 1, sorted.size()));
    }

    /** The UTC creation stamp used for matching, e.g. {@code 2026-01-31_12:15:00}. */
    public static String stamp(ZfsSnapshot s) {
        return STAMP.format(s.created());
    }

    static List<ZfsSnapshot> nearest(List<ZfsSnapshot> sorted, String fragment) {
        int pos = 0;
        String key = fragment.startsWith("autosnap_") ? fragment.substring(9) : fragment;
        if (key.matches("\\d{4}-.*")) {
            while (pos < sorted.size() && stamp(sorted.get(pos)).compareTo(key) < 0) {
                pos++;
            }
        } else {
            pos = sorted.size();
        }
        int from = Math.max(0, Math.min(pos - 2, sorted.size() - 4));
        return sorted.subList(from, Math.min(sorted.size(), from + 4));
    }

    private static String names(List<ZfsSnapshot> l) {
        return String.join(", ", l.stream().map(s -> s.name() + " (" + s.created() + ")").toList());
    }
}
