package io.terrarium.jobs;

import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Per-item state of a job across runs (an item is an instance, or a dataset row naming one): what
 * {@code /observe/metrics} publishes per instance and what the alert rules of docs/monitoring.md
 * read. Pure: {@link #merge} folds one finished run into the previous state.
 *
 * <p>A result's items are the rows of {@code details.instances} or {@code details.datasets}; a
 * row is named by its {@code name}, {@code instance} or {@code dataset} key (the first present).
 * Row keys read: {@code status}/{@code outcome} ({@code error}, {@code conflict}, {@code failed}
 * mean failed, as does a {@code problem}), {@code bytes}, {@code kind} ({@code full} /
 * {@code incremental}), {@code chain_length}, {@code restore_point_at} (ISO-8601 UTC) and
 * {@code contested} (a list).
 */
public final class JobItems {
    private static final Set<String> FAILED = Set.of("error", "conflict", "failed");

    private JobItems() {
    }

    /**
     * One item's state after the runs seen so far.
     *
     * @param failed         whether the item failed in the last run that listed it
     * @param lastRun        start of the last run that listed the item (UTC)
     * @param lastSuccess    start of the last run in which the item did not fail (UTC), or {@code null}
     * @param bytes          bytes the last run moved for this item (exported, verified, restored), or {@code null}
     * @param chainLength    restore points in the item's newest chain (full = 1, each incremental + 1), or {@code null}
     * @param restorePointAt creation time of the item's newest restore point (UTC), or {@code null}
     * @param contested      claims refused to other instances in the last run (proxy host ownership), or {@code null}
     */
    public record State(boolean failed, Instant lastRun, Instant lastSuccess, Long bytes, Integer chainLength,
                        Instant restorePointAt, Integer contested) {
    }

    /** Whether a result lists items at all ({@code details.instances} or {@code details.datasets} present). */
    public static boolean listsItems(JobResult r) {
        Map<String, Object> d = r.details() == null ? Map.of() : r.details();
        return d.get("instances") instanceof List<?> || d.get("datasets") instanceof List<?>;
    }

    /**
     * Folds one finished run into the previous states.
     *
     * <p>Items the run did not list are removed (an instance deleted in LXD loses its series on the
     * next run) — unless the run listed nothing and FAILED, which is a run that stopped before it
     * could read its instances (e.g. LXD unreachable): then the previous states stay as they were;
     * or the run covered only some instances ({@code details.partial = true}, e.g.
     * {@code backup export --instance web}): then the others stay. REJECTED runs change nothing.
     *
     * @param previous state before the run (item → state); not modified
     * @param r        the stamped result (its {@code startedAt} is the run time; {@code null} → now)
     * @return the new state, ordered by item as the run listed them
     */
    public static Map<String, State> merge(Map<String, State> previous, JobResult r) {
        if (r.status() == JobResult.Status.REJECTED) {
            return previous;
        }
        Map<String, Object> d = r.details() == null ? Map.of() : r.details();
        Instant at = r.startedAt() == null ? Instant.now() : r.startedAt();
        Map<String, State> next = new LinkedHashMap<>();
        boolean any = false;
        for (String key : List.of("instances", "datasets")) {
            if (!(d.get(key) instanceof List<?> rows)) {
                continue;
            }
            for (Object o : rows) {
                if (!(o instanceof Map<?, ?> row)) {
                    continue;
                }
                String item = firstString(row, "name", "instance", "dataset");
                if (item == null) {
                    continue;
                }
                any = true;
                State before = next.containsKey(item) ? next.get(item) : previous.get(item);
                State sameRun = next.get(item);
                String status = firstString(row, "status", "outcome");
                boolean failed = status != null && FAILED.contains(status.toLowerCase(Locale.ROOT)) || row.get("problem") != null;
                if (sameRun != null) {
                    failed |= sameRun.failed();
                }
                Long bytes = row.get("bytes") instanceof Number n ? Long.valueOf(n.longValue()) : null;
                if (sameRun != null && sameRun.bytes() != null) {
                    bytes = bytes == null ? sameRun.bytes() : bytes + sameRun.bytes();
                }
                Integer chain = before == null ? null : before.chainLength();
                if (row.get("chain_length") instanceof Number n) {
                    chain = n.intValue();
                } else if ("full".equals(row.get("kind")) && !failed) {
                    chain = 1;
                } else if ("incremental".equals(row.get("kind")) && !failed && chain != null && sameRun == null) {
                    chain = chain + 1;
                }
                Instant point = before == null ? null : before.restorePointAt();
                if (row.get("restore_point_at") instanceof String s) {
                    try {
                        Instant p = Instant.parse(s);
                        point = point == null || p.isAfter(point) ? p : point;
                    } catch (DateTimeParseException ignored) {
                        // an unreadable time is no newer point
                    }
                }
                Integer contested = row.get("contested") instanceof List<?> c ? Integer.valueOf(c.size()) : null;
                Instant lastSuccess = failed ? (previous.get(item) == null ? null : previous.get(item).lastSuccess()) : at;
                next.put(item, new State(failed, at, lastSuccess, bytes, chain, point, contested));
            }
        }
        if (!any && r.status() == JobResult.Status.FAILED) {
            return previous;
        }
        if (Boolean.TRUE.equals(d.get("partial"))) {
            Map<String, State> merged = new LinkedHashMap<>(previous);
            merged.putAll(next);
            return merged;
        }
        return next;
    }

    private static String firstString(Map<?, ?> row, String... keys) {
        for (String k : keys) {
            Object v = row.get(k);
            if (v != null) {
                return String.valueOf(v);
            }
        }
        return null;
    }
}
