package io.terrarium.routes;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.terrarium.App;
import io.terrarium.jobs.JobResult;
import io.terrarium.jobs.JobResultStore;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static io.terrarium.routes.JobMetricsTest.row;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The shipped alert rules (docs/alerts/terrarium.rules.yml) load in Prometheus' own checker and
 * fire on the series {@link JobMetrics} really publishes: the scrape of a result store with a
 * failing snapshot job, a failing export with one stale instance and a failed verification is
 * turned into promtool's input series, and {@code promtool test rules} evaluates every alert.
 * promtool comes from Debian's prometheus package (scripts/test.sh's ensure_promtool).
 */
class AlertRulesTest {
    static final Path RULES = Path.of("docs/alerts/terrarium.rules.yml").toAbsolutePath();
    final ObjectMapper json = App.jsonMapper();
    @TempDir
    Path dir;

    @BeforeAll
    static void promtoolIsInstalled() throws Exception {
        assertThat(run(List.of("promtool", "--version")).exit())
                .as("promtool is missing: scripts/test.sh's ensure_promtool installs it from Debian's prometheus package")
                .isZero();
    }

    record Run(int exit, String out) {
    }

    static Run run(List<String> argv) throws IOException, InterruptedException {
        Process p;
        try {
            p = new ProcessBuilder(argv).redirectErrorStream(true).start();
        } catch (IOException e) {
            return new Run(127, e.getMessage());
        }
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        return new Run(p.exitValue(), out);
    }

    @Test
    void theRulesLoadInPromtool() throws Exception {
        Run r = run(List.of("promtool", "check", "rules", RULES.toString()));
        assertThat(r.exit()).as(r.out()).isZero();
        assertThat(r.out()).contains("SUCCESS: 8 rules found");
    }

    @Test
    void theRulesFireOnTheSeriesTheDaemonPublishes() throws Exception {
        // promtool's test clock starts at Unix time 0: the runs happen in the first hours of 1970
        JobResultStore store = new JobResultStore(dir.resolve("state"), json);
        store.save(new JobResult("snapshot", JobResult.Status.OK, "1 snapshot taken", "schedule", at(60), 900, "daemon pid 1", Map.of()));
        store.save(new JobResult("snapshot", JobResult.Status.FAILED, "sanoid: zfs snapshot failed", "schedule", at(4 * 3600), 900,
                "daemon pid 1", Map.of("errors", List.of("sanoid: CRITICAL ERROR: zfs snapshot failed"))));
        store.save(JobMetricsTest.export(JobResult.Status.OK, at(1800), 60_000, List.of(
                row("web", "ok", "full", 1_000, at(1800)), row("db", "ok", "full", 2_000, at(1800))), List.of()));
        store.save(JobMetricsTest.export(JobResult.Status.FAILED, at(16_200), 60_000, List.of(
                row("web", "ok", "incremental", 10, at(16_200)), row("db", "failed", null, -1, null)), List.of("db: zfs send failed")));
        store.save(new JobResult("s3-verify", JobResult.Status.FAILED, "1 of 1 failed", "schedule", at(3 * 3600), 5_000, "daemon pid 1",
                Map.of("instances", List.of(Map.of("instance", "web", "status", "failed", "bytes", 10,
                        "problems", List.of("volume 0: SHA-256 mismatch"))), "errors", List.of("web: SHA-256 mismatch"))));
        PrometheusMeterRegistry reg = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        new JobMetrics(store, List.of("snapshot", "replicate", "s3-export", "s3-verify"),
                Clock.fixed(at(5 * 3600), ZoneOffset.UTC)).register(reg);

        StringBuilder series = new StringBuilder();
        reg.scrape().lines().filter(l -> l.startsWith("terrarium_")).forEach(l -> {
            int space = l.lastIndexOf(' ');
            String value = BigDecimal.valueOf(Double.parseDouble(l.substring(space + 1))).toPlainString();
            series.append("      - series: '").append(l, 0, space).append("'\n")
                    .append("        values: '").append(value).append("+0x300'\n");
        });
        String test = """
                rule_files: ['%s']
                evaluation_interval: 1m
                tests:
                  - interval: 1m
                    input_series:
                %s
                    alert_rule_test:
                      - eval_time: 5h
                        alertname: TerrariumJobFailed
                        exp_alerts:
                %s
                      - eval_time: 5h
                        alertname: TerrariumInstanceFailing
                        exp_alerts:
                          - exp_labels: {severity: warning, job: s3-export, item: db}
                            exp_annotations: {summary: "Terrarium job s3-export failed for db", description: "%s"}
                          - exp_labels: {severity: warning, job: s3-verify, item: web}
                            exp_annotations: {summary: "Terrarium job s3-verify failed for web", description: "%s"}
                      - eval_time: 5h
                        alertname: TerrariumVerifyFailed
                        exp_alerts:
                          - exp_labels: {severity: critical, job: s3-verify}
                            exp_annotations: {summary: "Terrarium backup verification failed", description: "%s"}
                          - exp_labels: {severity: critical, job: s3-verify, item: web}
                            exp_annotations: {summary: "Terrarium backup verification failed", description: "%s"}
                      - eval_time: 5h
                        alertname: TerrariumBackupStale
                        exp_alerts:
                          - exp_labels: {severity: critical, job: s3-export, instance: db}
                            exp_annotations: {summary: "No S3 restore point for db in 3 hours", description: "%s"}
                      - eval_time: 5h
                        alertname: TerrariumSnapshotStale
                        exp_alerts:
                          - exp_labels: {severity: critical, job: snapshot}
                            exp_annotations: {summary: "No successful snapshot run in an hour", description: "%s"}
                      - eval_time: 5h
                        alertname: TerrariumReplicationStale
                        exp_alerts: []
                      - eval_time: 5h
                        alertname: TerrariumVerifyStale
                        exp_alerts: []
                      - eval_time: 5h
                        alertname: TerrariumDaemonDown
                        exp_alerts: []
                """.formatted(RULES, series.toString().stripTrailing(), jobFailed("snapshot", "s3-export", "s3-verify"),
                INSTANCE_FAILING, INSTANCE_FAILING, VERIFY_FAILED, VERIFY_FAILED, BACKUP_STALE, SNAPSHOT_STALE);
        Path file = dir.resolve("terrarium.rules.test.yml");
        Files.writeString(file, test);
        Run r = run(List.of("promtool", "test", "rules", file.toString()));
        assertThat(r.exit()).as(r.out() + "\n" + test).isZero();
        assertThat(r.out()).contains("SUCCESS");
    }

    /** Tester, session 5: with the daemon down every other rule went quiet and nothing fired. */
    @Test
    void theDaemonDownAlertFiresWhenNoSeriesAreScraped() throws Exception {
        String test = """
                rule_files: ['%s']
                evaluation_interval: 1m
                tests:
                  - interval: 1m
                    input_series:
                      - series: 'up{job="terrarium"}'
                        values: '0+0x30'
                    alert_rule_test:
                      - eval_time: 5m
                        alertname: TerrariumDaemonDown
                        exp_alerts: []
                      - eval_time: 15m
                        alertname: TerrariumDaemonDown
                        exp_alerts:
                          - exp_labels: {severity: critical}
                            exp_annotations: {summary: "Terrarium daemon not scraped", description: "%s"}
                """.formatted(RULES, DAEMON_DOWN);
        Path file = dir.resolve("daemon-down.test.yml");
        Files.writeString(file, test);
        Run r = run(List.of("promtool", "test", "rules", file.toString()));
        assertThat(r.exit()).as(r.out() + "\n" + test).isZero();
    }

    static final String DAEMON_DOWN = "No Terrarium job series for 10 minutes: the daemon is down or its scrape fails"
            + " (`terrariumctl status`, `journalctl -u terrarium`); no other Terrarium alert can fire meanwhile.";
    static final String JOB_FAILED = "The last run of the job failed. `terrariumctl jobs list` and `terrariumctl status` name the error.";
    static final String INSTANCE_FAILING = "The job's last run failed for this instance or dataset while others may have passed.";
    static final String VERIFY_FAILED = "A restore point in S3 did not verify (missing object, wrong size or SHA-256, broken chain). "
            + "`terrariumctl backup verify` shows which.";
    static final String BACKUP_STALE = "The newest restore point in S3 is older than three hourly exports.";
    static final String SNAPSHOT_STALE = "The snapshot job (every 15 minutes) has not succeeded for an hour: the local time machine is standing still.";

    private static String jobFailed(String... jobs) {
        StringBuilder b = new StringBuilder();
        for (String j : jobs) {
            b.append("          - exp_labels: {severity: critical, job: ").append(j).append("}\n")
                    .append("            exp_annotations: {summary: \"Terrarium job ").append(j).append(" failed\", description: \"")
                    .append(JOB_FAILED).append("\"}\n");
        }
        return b.toString().stripTrailing();
    }

    private static Instant at(long seconds) {
        return Instant.ofEpochSecond(seconds);
    }
}
