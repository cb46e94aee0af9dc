package io.terrarium.jobs;

import org.quartz.CronExpression;

import java.text.ParseException;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.Map;
import java.util.TimeZone;

/**
 * When a job runs in the daemon, the same rule its scheduler route follows (see
 * {@code JobRouteBuilder.schedule()}): a cron in {@code daemon.schedules} wins; otherwise a job
 * with an {@link Job#interval()} runs on a timer that waits that long after the previous run ended;
 * otherwise the job's default cron. Crons are Quartz cron expressions (seconds first) evaluated in
 * UTC (Quartz {@code CronExpression}, https://www.quartz-scheduler.org/documentation/quartz-2.3.0/tutorials/crontrigger.html).
 *
 * @param cron     the Quartz cron, or {@code null} for an interval job
 * @param interval the timer period, or {@code null} for a cron job
 */
public record JobSchedule(String cron, Duration interval) {

    /**
     * The schedule of a job under a configuration's overrides.
     *
     * @param schedules job id → Quartz cron ({@code daemon.schedules})
     */
    public static JobSchedule of(Job job, Map<String, String> schedules) {
        String override = schedules == null ? null : schedules.get(job.id());
        if (override == null && job.interval() != null) {
            return new JobSchedule(null, job.interval());
        }
        return new JobSchedule(override != null ? override : job.defaultSchedule(), null);
    }

    /** For humans and {@code jobs list}: the cron as written, or {@code every N s}. */
    public String describe() {
        return cron != null ? cron : "every " + interval.toSeconds() + " s";
    }

    /**
     * The next time the scheduler fires after {@code now}, UTC.
     *
     * @param now     the reference time
     * @param lastEnd when the last run ended (start + duration), or {@code null}; only an interval
     *                job needs it (its timer counts from the end of the previous run)
     * @return the next fire time, or {@code null} when it cannot be told (an interval job that never
     *         ran, or a cron Quartz cannot parse)
     */
    public Instant nextAfter(Instant now, Instant lastEnd) {
        if (cron == null) {
            if (lastEnd == null) {
                return null;
            }
            Instant next = lastEnd.plus(interval);
            return next.isBefore(now) ? now : next;
        }
        try {
            CronExpression c = new CronExpression(cron);
            c.setTimeZone(TimeZone.getTimeZone("UTC"));
            Date d = c.getNextValidTimeAfter(Date.from(now));
            return d == null ? null : d.toInstant();
        } catch (ParseException e) {
            return null;
        }
    }
}
