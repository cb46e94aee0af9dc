package io.terrarium.routes;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.terrarium.App;
import io.terrarium.jobs.JobResult;
import io.terrarium.jobs.JobResultStore;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;

class JobMetricsTest {
    static final Instant T0 = Instant.parse("2026-12-06T10:30:00Z");
    final ObjectMapper json = App.jsonMapper();
    @TempDir
    Path state;

    static Map<String, Object> row(String instance, String status, String kind, long bytes, Instant point) {
        Map<String, Object> r = new LinkedHashMap<>();
        r.put("instance", instance);
        r.put("dataset", "terrarium/containers/" + instance);
        r.put("status", status);
        if (kind != null) {
            r.put("kind", kind);
        }
        if (bytes >= 0) {
            r.put("bytes", bytes);
        }
        if (point != null) {
            r.put("restore_point_at", point.toString());
        }
        return r;
    }

    static JobResult export(JobResult.Status status, Instant at, long durationMs, List<Map<String, Object>> rows, List<String> errors) {
        return new JobResult("s3-export", status, "test", "schedule", at, durationMs, "daemon pid 1",
                Map.of("datasets", rows, "errors", errors));
    }

    /** The scrape's terrarium_* sample lines, sorted (HELP/TYPE lines and other families left out). */
    static List<String> samples(String scrape) {
        return scrape.lines().filter(l -> l.startsWith("terrarium_")).sorted().collect(Collectors.toList());
    }

    PrometheusMeterRegistry registry(Instant now, String... jobs) {
        PrometheusMeterRegistry r = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        new JobMetrics(new JobResultStore(state, json), List.of(jobs), Clock.fixed(now, ZoneOffset.UTC)).register(r);
        return r;
    }

    @Test
    void metricsBeforeAndAfterAFailingExportAndADeletedInstance() {
        JobResultStore store = new JobResultStore(state, json);
        PrometheusMeterRegistry reg = registry(T0.plusSeconds(7200), "s3-export");

        store.save(export(JobResult.Status.OK, T0, 61_250, List.of(
                row("web", "ok", "full", 1_000_000, T0.plusSeconds(30)),
                row("db", "ok", "full", 2_000_000, T0.plusSeconds(50))), List.of()));
        List<String> before = samples(reg.scrape());
        assertThat(before).containsExactly(
                "terrarium_instance_bytes{instance=\"db\",job=\"s3-export\"} 2000000.0",
                "terrarium_instance_bytes{instance=\"web\",job=\"s3-export\"} 1000000.0",
                "terrarium_instance_chain_length{instance=\"db\",job=\"s3-export\"} 1.0",
                "terrarium_instance_chain_length{instance=\"web\",job=\"s3-export\"} 1.0",
                "terrarium_instance_last_run_timestamp_seconds{instance=\"db\",job=\"s3-export\"} 1.796553E9",
                "terrarium_instance_last_run_timestamp_seconds{instance=\"web\",job=\"s3-export\"} 1.796553E9",
                "terrarium_instance_last_success_timestamp_seconds{instance=\"db\",job=\"s3-export\"} 1.796553E9",
                "terrarium_instance_last_success_timestamp_seconds{instance=\"web\",job=\"s3-export\"} 1.796553E9",
                "terrarium_instance_restore_point_age_seconds{instance=\"db\",job=\"s3-export\"} 7150.0",
                "terrarium_instance_restore_point_age_seconds{instance=\"web\",job=\"s3-export\"} 7170.0",
                "terrarium_instance_restore_point_timestamp_seconds{instance=\"db\",job=\"s3-export\"} 1.79655305E9",
                "terrarium_instance_restore_point_timestamp_seconds{instance=\"web\",job=\"s3-export\"} 1.79655303E9",
                "terrarium_job_bytes{job=\"s3-export\"} 3000000.0",
                "terrarium_job_duration_seconds{job=\"s3-export\"} 61.25",
                "terrarium_job_errors{job=\"s3-export\"} 0.0",
                "terrarium_job_item_failed{item=\"db\",job=\"s3-export\"} 0.0",
                "terrarium_job_item_failed{item=\"web\",job=\"s3-export\"} 0.0",
                "terrarium_job_last_run_timestamp_seconds{job=\"s3-export\"} 1.796553E9",
                "terrarium_job_last_success_timestamp_seconds{job=\"s3-export\"} 1.796553E9",
                "terrarium_job_status{job=\"s3-export\"} 0.0");

        // one hour later: web goes incremental, db fails → the job FAILED, last success stays at T0
        Instant t1 = T0.plusSeconds(3600);
        store.save(export(JobResult.Status.FAILED, t1, 2_500, List.of(
                row("web", "ok", "incremental", 4_096, t1.plusSeconds(5)),
                row("db", "failed", null, -1, null)), List.of("db: zfs send failed")));
        List<String> failed = samples(reg.scrape());
        assertThat(failed).contains(
                "terrarium_job_status{job=\"s3-export\"} 2.0",
                "terrarium_job_errors{job=\"s3-export\"} 1.0",
                "terrarium_job_duration_seconds{job=\"s3-export\"} 2.5",
                "terrarium_job_last_run_timestamp_seconds{job=\"s3-export\"} 1.7965566E9",
                "terrarium_job_last_success_timestamp_seconds{job=\"s3-export\"} 1.796553E9",
                "terrarium_job_item_failed{item=\"db\",job=\"s3-export\"} 1.0",
                "terrarium_job_item_failed{item=\"web\",job=\"s3-export\"} 0.0",
                "terrarium_instance_last_success_timestamp_seconds{instance=\"db\",job=\"s3-export\"} 1.796553E9",
                "terrarium_instance_last_success_timestamp_seconds{instance=\"web\",job=\"s3-export\"} 1.7965566E9",
                "terrarium_instance_chain_length{instance=\"web\",job=\"s3-export\"} 2.0",
                "terrarium_instance_chain_length{instance=\"db\",job=\"s3-export\"} 1.0",
                "terrarium_instance_restore_point_age_seconds{instance=\"db\",job=\"s3-export\"} 7150.0",
                "terrarium_instance_restore_point_age_seconds{instance=\"web\",job=\"s3-export\"} 3595.0",
                "terrarium_job_bytes{job=\"s3-export\"} 4096.0");
        assertThat(failed).noneMatch(l -> l.startsWith("terrarium_instance_bytes{instance=\"db\""));

        // db deleted in LXD: the next run no longer lists it, and every db series is gone
        Instant t2 = T0.plusSeconds(7200);
        store.save(export(JobResult.Status.OK, t2, 1_000, List.of(row("web", "ok", "incremental", 512, t2)), List.of()));
        List<String> after = samples(reg.scrape());
        assertThat(after).noneMatch(l -> l.contains("\"db\""));
        assertThat(after).contains("terrarium_job_status{job=\"s3-export\"} 0.0",
                "terrarium_instance_chain_length{instance=\"web\",job=\"s3-export\"} 3.0",
                "terrarium_instance_restore_point_age_seconds{instance=\"web\",job=\"s3-export\"} 0.0");
    }

    @Test
    void aRunThatStoppedBeforeListingInstancesKeepsThePerInstanceSeries() {
        JobResultStore store = new JobResultStore(state, json);
        PrometheusMeterRegistry reg = registry(T0.plusSeconds(60), "s3-export");
        store.save(export(JobResult.Status.OK, T0, 1_000, List.of(row("web", "ok", "full", 10, T0)), List.of()));
        store.save(export(JobResult.Status.FAILED, T0.plusSeconds(30), 5, List.of(), List.of("cannot list instances: LXD is down")));
        assertThat(samples(reg.scrape())).contains("terrarium_job_status{job=\"s3-export\"} 2.0",
                "terrarium_instance_restore_point_timestamp_seconds{instance=\"web\",job=\"s3-export\"} 1.796553E9");
    }

    @Test
    void anExportOfSomeInstancesKeepsTheOthersSeries() {
        JobResultStore store = new JobResultStore(state, json);
        PrometheusMeterRegistry reg = registry(T0.plusSeconds(120), "s3-export");
        store.save(export(JobResult.Status.OK, T0, 1_000, List.of(row("web", "ok", "full", 10, T0), row("db", "ok", "full", 20, T0)), List.of()));
        // `backup export --instance web`
        store.save(new JobResult("s3-export", JobResult.Status.OK, "1 exported", "cli", T0.plusSeconds(60), 500, "in-process pid 7",
                Map.of("datasets", List.of(row("web", "ok", "incremental", 5, T0.plusSeconds(60))), "errors", List.of(), "partial", true)));
        assertThat(samples(reg.scrape())).contains(
                "terrarium_instance_restore_point_age_seconds{instance=\"db\",job=\"s3-export\"} 120.0",
                "terrarium_instance_restore_point_age_seconds{instance=\"web\",job=\"s3-export\"} 60.0",
                "terrarium_instance_chain_length{instance=\"web\",job=\"s3-export\"} 2.0");
    }

    @Test
    void aRunRecordedByAnotherProcessShowsOnTheNextScrape() {
        PrometheusMeterRegistry daemon = registry(T0, "host-facts");
        assertThat(samples(daemon.scrape())).isEmpty();
        // the CLI's own process (no daemon running) saves into the same state directory
        new JobResultStore(state, json).save(new JobResult("host-facts", JobResult.Status.OK, "facts", "cli-in-process", T0,
                730, "in-process pid 42", Map.of()));
        assertThat(samples(daemon.scrape())).containsExactly(
                "terrarium_job_duration_seconds{job=\"host-facts\"} 0.73",
                "terrarium_job_errors{job=\"host-facts\"} 0.0",
                "terrarium_job_last_run_timestamp_seconds{job=\"host-facts\"} 1.796553E9",
                "terrarium_job_last_success_timestamp_seconds{job=\"host-facts\"} 1.796553E9",
                "terrarium_job_status{job=\"host-facts\"} 0.0");
    }

    @Test
    void everyFamilyHasAHelpText() {
        JobResultStore store = new JobResultStore(state, json);
        store.save(export(JobResult.Status.OK, T0, 1_000, List.of(row("web", "ok", "full", 10, T0)), List.of()));
        store.save(new JobResult("proxy-sync", JobResult.Status.WARNING, "1 conflict", "schedule", T0, 12, "daemon pid 1",
                Map.of("instances", List.of(Map.of("name", "web", "status", "ok", "contested", List.of("shop.example.org"))))));
        String scrape = registry(T0, "s3-export", "proxy-sync").scrape();
        assertThat(scrape).contains("terrarium_job_item_contested{item=\"web\",job=\"proxy-sync\"} 1.0");
        List<String> names = new JobMetrics(new JobResultStore(state, json), List.of(), Clock.systemUTC()).getPrometheusNames();
        for (String n : names) {
            assertThat(scrape).as(n).containsPattern("# HELP " + n + " [A-Z0-9].{20,}");
        }
    }
}
