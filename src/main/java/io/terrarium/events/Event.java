package io.terrarium.events;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import io.terrarium.jobs.JobResult;

import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;

/**
 * One Terrarium event, schema version {@value #SCHEMA_VERSION} (docs/events.md, JSON Schema
 * {@code docs/events.schema.json}). Serialised as JSON with snake_case keys by {@code App.jsonMapper()};
 * the Kafka record key is {@link #key()}.
 *
 * @param schemaVersion   {@value #SCHEMA_VERSION}; a change that removes or retypes a field raises it
 * @param id              random UUID of this event (consumers de-duplicate retried deliveries by it)
 * @param type            one of {@link #JOB_RUN}, {@link #EXPORT}, {@link #RESTORE}, {@link #VERIFICATION},
 *                        {@link #PROXY_ROUTE}
 * @param time            when it happened, UTC
 * @param host            host name of the Terrarium host; filled in by the publisher
 * @param installationId  Terrarium installation id, when known; filled in by the publisher
 * @param key             the Kafka key: the job id for job runs, else the instance name
 * @param job             job (route) id, when a job produced it
 * @param instance        LXD instance name, for exports, restores, verifications and proxy routes
 * @param status          {@code OK}, {@code WARNING}, {@code FAILED} or {@code REJECTED}
 * @param summary         one line for humans
 * @param details         type-specific fields (docs/events.md lists them)
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonPropertyOrder({"schema_version", "id", "type", "time", "host", "installation_id", "key", "job", "instance",
        "status", "summary", "details"})
public record Event(int schemaVersion, String id, String type, Instant time, String host, String installationId,
                    String key, String job, String instance, String status, String summary, Map<String, Object> details) {

    /** The schema version this build writes. */
    public static final int SCHEMA_VERSION = 1;
    /** A job run finished (any job; also REJECTED triggers). Key: the job id. */
    public static final String JOB_RUN = "job.run";
    /** One dataset's S3 export finished (committed or failed). Key: the instance. */
    public static final String EXPORT = "backup.export";
    /** A restore finished (local or from S3). Key: the instance. */
    public static final String RESTORE = "backup.restore";
    /** One instance's S3 restore points were verified. Key: the instance. */
    public static final String VERIFICATION = "backup.verify";
    /** A published proxy route was added, changed or removed. Key: the instance. */
    public static final String PROXY_ROUTE = "proxy.route";

    /**
     * A new event of a type, stamped now with a fresh id; host and installation id are left for the
     * publisher.
     */
    public static Event of(String type, String key, String job, String instance, String status, String summary,
                           Map<String, Object> details) {
        return new Event(SCHEMA_VERSION, UUID.randomUUID().toString(), type, Instant.now(), null, null, key, job,
                instance, status, summary == null ? "" : summary, details == null ? Map.of() : details);
    }

    /** A job run's event from its stamped result (key = job id). */
    public static Event jobRun(JobResult r) {
        Map<String, Object> d = new LinkedHashMap<>();
        if (r.trigger() != null) {
            d.put("trigger", r.trigger());
        }
        if (r.startedAt() != null) {
            d.put("started_at", r.startedAt().toString());
        }
        d.put("duration_ms", r.durationMs());
        if (r.ranIn() != null) {
            d.put("ran_in", r.ranIn());
        }
        return of(JOB_RUN, r.job(), r.job(), null, r.status().name(), r.summary(), d);
    }

    /**
     * One dataset's export (key = instance). {@code row} is the job's per-dataset row ({@code dataset},
     * {@code status} "ok"/"failed", {@code kind}, {@code manifest}, sizes …): "ok" maps to OK, or to
     * WARNING when the row carries a {@code cleanup_error} or {@code retention_error} (the export was
     * committed, tidying up after it was not); anything else to FAILED.
     */
    public static Event export(String instance, Map<String, Object> row) {
        boolean ok = row != null && "ok".equals(row.get("status"));
        boolean warn = ok && (row.containsKey("cleanup_error") || row.containsKey("retention_error"));
        return of(EXPORT, instance, "s3-export", instance, warn ? "WARNING" : ok ? "OK" : "FAILED",
                instance + ": " + (ok ? "exported " + row.getOrDefault("kind", "") + (warn ? " (clean-up incomplete)" : "")
                        : "export failed"),
                row == null ? Map.of() : new LinkedHashMap<>(row));
    }

    /** A restore of an instance (key = instance); {@code source} is {@code local} or {@code s3}. */
    public static Event restore(String instance, String source, boolean ok, String summary, Map<String, Object> details) {
        Map<String, Object> d = new LinkedHashMap<>();
        d.put("source", source);
        if (details != null) {
            d.putAll(details);
        }
        return of(RESTORE, instance, null, instance, ok ? "OK" : "FAILED", summary, d);
    }

    /** One instance's verification (key = instance); {@code status} is a {@link JobResult.Status} name. */
    public static Event verification(String instance, String status, String summary, Map<String, Object> details) {
        return of(VERIFICATION, instance, "s3-verify", instance, status.toUpperCase(Locale.ROOT), summary, details);
    }

    /** Copy with the publisher's host and installation id. */
    public Event from(String hostName, String installation) {
        return new Event(schemaVersion, id, type, time, hostName, installation, key, job, instance, status, summary, details);
    }
}
