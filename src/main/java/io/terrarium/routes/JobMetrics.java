package io.terrarium.routes;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.terrarium.jobs.JobResult;

import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Publishes every job result as Prometheus gauges (served on {@code /observe/metrics}):
 *
 * <ul>
 *   <li>{@code terrarium_job_status{job}}: 0 OK, 1 WARNING, 2 FAILED of the last run (REJECTED
 *       triggers do not change it; they count in {@code terrarium_job_rejected{job}});</li>
 *   <li>{@code terrarium_job_last_run_seconds{job}}: start of the last run, Unix seconds (UTC);</li>
 *   <li>{@code terrarium_job_duration_seconds{job}}: length of the last run;</li>
 *   <li>{@code terrarium_job_errors{job}}: entries in the result's {@code details.errors};</li>
 *   <li>{@code terrarium_job_item_failed{job,item}}: 1 when an item of the last run failed, else 0 —
 *       items are the rows of {@code details.instances} or {@code details.datasets} (a proxy
 *       instance with a bad label or a conflict, a dataset whose replication failed, case C09).</li>
 *   <li>{@code terrarium_job_item_contested{job,item}}: claims another instance tried to take from
 *       this item in the last run and was refused (the row's {@code contested} list; proxy host
 *       ownership, issue 14) — the owner sees the conflict too.</li>
 * </ul>
 */
final class JobMetrics {
    private static final Set<String> FAILED_ITEM = Set.of("error", "conflict", "failed");

    private final MeterRegistry registry;
    private final Map<String, AtomicLong> values = new ConcurrentHashMap<>();
    private final Map<String, Set<String>> itemsByJob = new ConcurrentHashMap<>();

    /** @param registry where the gauges are registered */
    JobMetrics(MeterRegistry registry) {
        this.registry = registry;
    }

    /** Records one result. */
    void record(JobResult r) {
        String job = r.job();
        if (r.status() == JobResult.Status.REJECTED) {
            gauge("terrarium.job.rejected", Tags.of("job", job)).incrementAndGet();
            return;
        }
        gauge("terrarium.job.status", Tags.of("job", job)).set(switch (r.status()) {
            case OK -> 0;
            case WARNING -> 1;
            default -> 2;
        });
        if (r.startedAt() != null) {
            gauge("terrarium.job.last.run.seconds", Tags.of("job", job)).set(r.startedAt().getEpochSecond());
        }
        gauge("terrarium.job.duration.seconds", Tags.of("job", job)).set(Math.round(r.durationMs() / 1000.0));
        Map<String, Object> details = r.details() == null ? Map.of() : r.details();
        gauge("terrarium.job.errors", Tags.of("job", job)).set(details.get("errors") instanceof List<?> l ? l.size() : 0);
        Set<String> seen = new HashSet<>();
        for (String key : List.of("instances", "datasets")) {
            if (details.get(key) instanceof List<?> rows) {
                for (Object o : rows) {
                    if (o instanceof Map<?, ?> row) {
                        String item = firstString(row, "name", "instance", "dataset");
                        String status = firstString(row, "status", "outcome");
                        if (item != null) {
                            seen.add(item);
                            boolean failed = status != null && FAILED_ITEM.contains(status.toLowerCase(Locale.ROOT))
                                    || row.get("problem") != null;
                            gauge("terrarium.job.item.failed", Tags.of("job", job, "item", item)).set(failed ? 1 : 0);
                            if (row.get("contested") instanceof List<?> c) {
                                gauge("terrarium.job.item.contested", Tags.of("job", job, "item", item)).set(c.size());
                            }
                        }
                    }
                }
            }
        }
        Set<String> before = itemsByJob.put(job, seen);
        if (before != null) {
            before.stream().filter(i -> !seen.contains(i))
                    .forEach(i -> gauge("terrarium.job.item.failed", Tags.of("job", job, "item", i)).set(0));
        }
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

    private AtomicLong gauge(String name, Tags tags) {
        String key = name + tags;
        return values.computeIfAbsent(key, k -> {
            AtomicLong v = new AtomicLong();
            Gauge.builder(name, v, AtomicLong::get).tags(tags).register(registry);
            return v;
        });
    }
}
