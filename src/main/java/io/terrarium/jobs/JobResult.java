package io.terrarium.jobs;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;

import java.time.Instant;
import java.util.Map;

/**
 * The outcome of one job run, as returned to the CLI (through Jolokia or in-process), logged, and
 * kept for {@code status}. Serialised as JSON with snake_case keys.
 *
 * @param job        job (route) id, e.g. {@code host-facts}
 * @param status     OK, WARNING (ran, something needs attention), FAILED, or REJECTED (another
 *                   run of the same job was in progress; this one did not run)
 * @param summary    one line for humans
 * @param trigger    what started the run: {@code schedule}, {@code cli}, {@code cli-in-process}, {@code jmx}
 * @param startedAt  start time, UTC
 * @param durationMs run time in milliseconds
 * @param ranIn      "daemon pid N" or "in-process pid N": where the route executed
 * @param details    job-specific data (JSON-serialisable)
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonPropertyOrder({"job", "status", "summary", "trigger", "started_at", "duration_ms", "ran_in", "details"})
public record JobResult(String job, Status status, String summary, String trigger, Instant startedAt,
                        long durationMs, String ranIn, Map<String, Object> details) {

    /** Outcome classes; FAILED and REJECTED map to CLI exit code 1. */
    public enum Status { OK, WARNING, FAILED, REJECTED }

    /** Copy with timing and origin filled in. */
    public JobResult stamped(String trigger, Instant startedAt, long durationMs, String ranIn) {
        return new JobResult(job, status, summary, trigger, startedAt, durationMs, ranIn, details);
    }

    /** True for FAILED and REJECTED. */
    public boolean failed() {
        return status == Status.FAILED || status == Status.REJECTED;
    }
}
