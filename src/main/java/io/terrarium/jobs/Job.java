package io.terrarium.jobs;

/**
 * One host helper job. The daemon runs it as the route {@code direct:<id>} behind a guard that
 * never lets two runs overlap, fed by a scheduler route; the CLI triggers the same route.
 */
public interface Job {
    /** Stable kebab-case id; also the work route id and the {@code direct:} endpoint name. */
    String id();

    /** One line for {@code jobs list} and docs. */
    String description();

    /** Default schedule, a Quartz cron expression (seconds first), evaluated in UTC. */
    String defaultSchedule();

    /**
     * A fixed period between runs instead of the cron schedule, or {@code null} (default) to use
     * {@link #defaultSchedule()}. A cron in {@code daemon.schedules} still wins over it.
     */
    default java.time.Duration interval() {
        return null;
    }

    /**
     * Does the work. Expected failures are reported in the result (status FAILED) rather than
     * thrown; an unexpected exception is turned into a FAILED result by the route's error policy.
     */
    JobResult run();

    /**
     * The job object one run uses: itself, or (the daemon's {@code CurrentConfigJob}) the job built
     * from the configuration stored now. Called once per run by the route's {@code load-config} step.
     */
    default Job forRun() {
        return this;
    }

    /**
     * The job object whose type decides the shape of the job's route (which named steps it has):
     * itself, or for a wrapper such as the daemon's {@code CurrentConfigJob} the job it wraps. Every
     * {@link #forRun()} result has the same type.
     */
    default Job shape() {
        return this;
    }
}
