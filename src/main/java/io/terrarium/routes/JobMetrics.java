package io.terrarium.routes;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.prometheus.metrics.model.registry.MultiCollector;
import io.prometheus.metrics.model.snapshots.GaugeSnapshot;
import io.prometheus.metrics.model.snapshots.Labels;
import io.prometheus.metrics.model.snapshots.MetricSnapshot;
import io.prometheus.metrics.model.snapshots.MetricSnapshots;
import io.terrarium.jobs.JobItems;
import io.terrarium.jobs.JobResult;
import io.terrarium.jobs.JobResultStore;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;

/**
 * The job metrics of {@code /observe/metrics} (docs/monitoring.md lists every series and the
 * alert rules that read them).
 *
 * <p>Source of truth is the {@link JobResultStore}, read at every scrape: each process that runs a
 * job — the daemon, or the CLI's own process when no daemon runs ({@code jobs run},
 * {@code backup export}) — saves its result there, so a run of the CLI's process shows up on the
 * daemon's next scrape, and {@code status} and the metrics cannot disagree. Per-instance series
 * come from the last run's rows ({@link JobItems}): an instance that the last run no longer listed
 * (deleted in LXD) has no series any more.
 *
 * <p>Per job ({@code job}): {@code terrarium_job_status} (0 OK, 1 WARNING, 2 FAILED),
 * {@code terrarium_job_last_run_timestamp_seconds}, {@code terrarium_job_last_success_timestamp_seconds},
 * {@code terrarium_job_duration_seconds} (with fractions), {@code terrarium_job_errors},
 * {@code terrarium_job_bytes} (moved by the last run), and {@code terrarium_job_rejected}
 * (triggers refused since the daemon started: a Micrometer gauge, kept in memory).
 * Per item ({@code job}, {@code item}): {@code terrarium_job_item_failed},
 * {@code terrarium_job_item_contested}. Per instance ({@code job}, {@code instance}): the families
 * of {@link #INSTANCE_FAMILIES} — a job that reports new row keys adds a {@link JobItems.State}
 * field and one line there.
 */
public final class JobMetrics implements MultiCollector {

    /** One per-instance gauge family: name, HELP text, value of a state ({@code null}: no sample). */
    record Family(String name, String help, Function<Scrape, Double> value) {
    }

    /** What a per-instance family sees: the item's state and the scrape time. */
    record Scrape(JobItems.State state, Instant now) {
    }

    /** The per-instance families, in output order. */
    static final List<Family> INSTANCE_FAMILIES = List.of(
            new Family("terrarium_instance_last_run_timestamp_seconds",
                    "Start of the last run of the job that included this instance, Unix time in seconds (UTC).",
                    s -> seconds(s.state().lastRun())),
            new Family("terrarium_instance_last_success_timestamp_seconds",
                    "Start of the last run of the job in which this instance did not fail, Unix time in seconds (UTC).",
                    s -> seconds(s.state().lastSuccess())),
            new Family("terrarium_instance_bytes",
                    "Bytes the job's last run moved for this instance (s3-export: stream bytes exported; s3-verify: stored bytes read and verified).",
                    s -> s.state().bytes() == null ? null : s.state().bytes().doubleValue()),
            new Family("terrarium_instance_chain_length",
                    "Restore points in the instance's newest chain (a full counts 1, each incremental on it 1 more).",
                    s -> s.state().chainLength() == null ? null : s.state().chainLength().doubleValue()),
            new Family("terrarium_instance_restore_point_timestamp_seconds",
                    "Creation time of the instance's newest restore point, Unix time in seconds (UTC).",
                    s -> seconds(s.state().restorePointAt())),
            new Family("terrarium_instance_restore_point_age_seconds",
                    "Age of the instance's newest restore point at scrape time, in seconds.",
                    s -> s.state().restorePointAt() == null ? null
                            : Duration.between(s.state().restorePointAt(), s.now()).toMillis() / 1000.0));

    private final JobResultStore store;
    private final List<String> jobIds;
    private final Clock clock;
    private final Map<String, AtomicLong> rejected = new ConcurrentHashMap<>();
    private volatile MeterRegistry meters;

    /**
     * @param store  where every process saves its results
     * @param jobIds the jobs to publish (the daemon's job ids)
     * @param clock  scrape time (for ages)
     */
    public JobMetrics(JobResultStore store, Collection<String> jobIds, Clock clock) {
        this.store = store;
        this.jobIds = List.copyOf(new LinkedHashSet<>(jobIds));
        this.clock = clock;
    }

    /**
     * Serves these metrics from a Micrometer registry: the store-backed families when it is a
     * {@link PrometheusMeterRegistry} (Camel's {@code camel-micrometer-prometheus}), the rejected
     * counter on any registry.
     *
     * @return this
     */
    public JobMetrics register(MeterRegistry registry) {
        this.meters = registry;
        if (registry instanceof PrometheusMeterRegistry p) {
            p.getPrometheusRegistry().register(this);
        }
        return this;
    }

    /** Counts one REJECTED trigger of {@code job} ({@code terrarium_job_rejected{job}}). */
    void rejected(String job) {
        MeterRegistry m = meters;
        if (m == null) {
            return;
        }
        rejected.computeIfAbsent(job, k -> {
            AtomicLong v = new AtomicLong();
            Gauge.builder("terrarium.job.rejected", v, AtomicLong::get)
                    .description("Triggers of the job refused since the daemon started because a run was in progress.")
                    .tags(Tags.of("job", job)).register(m);
            return v;
        }).incrementAndGet();
    }

    @Override
    public List<String> getPrometheusNames() {
        List<String> names = new ArrayList<>(List.of("terrarium_job_status", "terrarium_job_last_run_timestamp_seconds",
                "terrarium_job_last_success_timestamp_seconds", "terrarium_job_duration_seconds", "terrarium_job_errors",
                "terrarium_job_bytes", "terrarium_job_item_failed", "terrarium_job_item_contested"));
        INSTANCE_FAMILIES.forEach(f -> names.add(f.name()));
        return names;
    }

    /** The store-backed families as they are now (one read of the store per job). */
    @Override
    public MetricSnapshots collect() {
        Instant now = clock.instant();
        Map<String, GaugeSnapshot.Builder> families = new LinkedHashMap<>();
        gauge(families, "terrarium_job_status", "Outcome of the job's last run: 0 OK, 1 WARNING, 2 FAILED (a rejected trigger does not change it).");
        gauge(families, "terrarium_job_last_run_timestamp_seconds", "Start of the job's last run, Unix time in seconds (UTC).");
        gauge(families, "terrarium_job_last_success_timestamp_seconds", "Start of the job's last OK or WARNING run, Unix time in seconds (UTC).");
        gauge(families, "terrarium_job_duration_seconds", "Length of the job's last run in seconds.");
        gauge(families, "terrarium_job_errors", "Error lines of the job's last run (details.errors).");
        gauge(families, "terrarium_job_bytes", "Bytes the job's last run moved, summed over its instances (exported, verified).");
        gauge(families, "terrarium_job_item_failed", "1 when the item (instance or dataset row) failed in the job's last run, else 0.");
        gauge(families, "terrarium_job_item_contested", "Claims on this item's proxy hosts refused to other instances in the last run.");
        INSTANCE_FAMILIES.forEach(f -> gauge(families, f.name(), f.help()));
        for (String job : jobIds) {
            Labels jl = Labels.of("job", job);
            JobResult last = store.last(job);
            if (last != null) {
                sample(families, "terrarium_job_status", jl, switch (last.status()) {
                    case OK -> 0.0;
                    case WARNING -> 1.0;
                    default -> 2.0;
                });
                sample(families, "terrarium_job_last_run_timestamp_seconds", jl, seconds(last.startedAt()));
                sample(families, "terrarium_job_duration_seconds", jl, last.durationMs() / 1000.0);
                Object errors = last.details() == null ? null : last.details().get("errors");
                sample(families, "terrarium_job_errors", jl, (double) (errors instanceof List<?> l ? l.size() : 0));
            }
            JobResult good = store.lastSuccess(job);
            if (good != null) {
                sample(families, "terrarium_job_last_success_timestamp_seconds", jl, seconds(good.startedAt()));
            }
            Map<String, JobItems.State> items = store.items(job);
            long bytes = 0;
            boolean anyBytes = false;
            for (var e : items.entrySet()) {
                JobItems.State st = e.getValue();
                Labels il = Labels.of("item", e.getKey(), "job", job);
                sample(families, "terrarium_job_item_failed", il, st.failed() ? 1.0 : 0.0);
                if (st.contested() != null) {
                    sample(families, "terrarium_job_item_contested", il, st.contested().doubleValue());
                }
                if (st.bytes() != null) {
                    bytes += st.bytes();
                    anyBytes = true;
                }
                Labels instance = Labels.of("instance", e.getKey(), "job", job);
                Scrape s = new Scrape(st, now);
                for (Family f : INSTANCE_FAMILIES) {
                    sample(families, f.name(), instance, f.value().apply(s));
                }
            }
            if (anyBytes) {
                sample(families, "terrarium_job_bytes", jl, (double) bytes);
            }
        }
        List<MetricSnapshot> out = new ArrayList<>();
        families.values().forEach(b -> out.add(b.build()));
        return new MetricSnapshots(out);
    }

    private static void gauge(Map<String, GaugeSnapshot.Builder> families, String name, String help) {
        families.put(name, GaugeSnapshot.builder().name(name).help(help));
    }

    private static void sample(Map<String, GaugeSnapshot.Builder> families, String name, Labels labels, Double value) {
        if (value != null) {
            families.get(name).dataPoint(GaugeSnapshot.GaugeDataPointSnapshot.builder().labels(labels).value(value).build());
        }
    }

    private static Double seconds(Instant t) {
        return t == null ? null : t.toEpochMilli() / 1000.0;
    }
}
