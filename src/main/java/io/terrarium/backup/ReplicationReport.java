package io.terrarium.backup;

import io.terrarium.host.sanoid.Syncoid;
import io.terrarium.jobs.JobResult;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Aggregates per-dataset replication outcomes into one job result (case C09, pure): any FAILED
 * dataset makes the whole run FAILED (exit ≠ 0) while the others still count as replicated; an
 * instance without a dataset makes it at least WARNING.
 */
public final class ReplicationReport {
    /**
     * One row of the report.
     *
     * @param instance      instance name
     * @param dataset       source dataset, or {@code null}
     * @param targetDataset target dataset, or {@code null}
     * @param outcome       INITIAL_FULL, INCREMENTAL, FAILED, or {@code null} when skipped
     * @param reason        cause of a failure or skip
     * @param hint          remediation, or {@code null}
     * @param durationMs    run time of syncoid for this dataset
     */
    public record Row(String instance, String dataset, String targetDataset, Syncoid.Outcome outcome, String reason,
                      String hint, long durationMs) {
    }

    private ReplicationReport() {
    }

    /** The job result for these rows. */
    public static JobResult aggregate(String jobId, List<Row> rows) {
        int full = 0;
        int inc = 0;
        List<String> failed = new ArrayList<>();
        List<String> skipped = new ArrayList<>();
        for (Row r : rows) {
            if (r.outcome() == null) {
                skipped.add(r.instance());
            } else {
                switch (r.outcome()) {
                    case INITIAL_FULL -> full++;
                    case INCREMENTAL -> inc++;
                    case FAILED -> failed.add(r.instance());
                }
            }
        }
        JobResult.Status status = !failed.isEmpty() ? JobResult.Status.FAILED
                : !skipped.isEmpty() ? JobResult.Status.WARNING : JobResult.Status.OK;
        StringBuilder s = new StringBuilder();
        s.append(full + inc).append(" of ").append(rows.size()).append(" replicated (")
                .append(inc).append(" incremental, ").append(full).append(" initial full)");
        for (Row r : rows) {
            if (r.outcome() == Syncoid.Outcome.FAILED) {
                s.append("; ").append(r.instance()).append(" FAILED: ").append(r.reason());
                if (r.hint() != null) {
                    s.append(" (").append(r.hint()).append(')');
                }
            }
        }
        if (!skipped.isEmpty()) {
            s.append("; skipped (no dataset): ").append(String.join(", ", skipped));
        }
        List<Map<String, Object>> list = new ArrayList<>();
        for (Row r : rows) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("instance", r.instance());
            m.put("dataset", r.dataset());
            m.put("target_dataset", r.targetDataset());
            m.put("status", r.outcome() == null ? "SKIPPED" : r.outcome().name());
            if (r.reason() != null) {
                m.put("reason", r.reason());
            }
            if (r.hint() != null) {
                m.put("hint", r.hint());
            }
            m.put("duration_ms", r.durationMs());
            list.add(m);
        }
        Map<String, Object> details = new LinkedHashMap<>();
        details.put("datasets", list);
        return new JobResult(jobId, status, s.toString(), null, null, 0, null, details);
    }
}
