package io.terrarium.jobs;

/**
 * A job whose work is split into named steps, so its route reads as the job's sentence
 * (docs/architecture.md, "Job routes"). One run is one {@link Run} object: the route's first step
 * creates it with {@link #newRun()}, every later step calls one of its methods, the {@code finish}
 * step asks it for the {@link JobResult}. {@link #run()} (unit tests, callers outside Camel) calls
 * the same methods in the same order.
 *
 * @param <R> the run type of this job
 */
public interface StagedJob<R extends StagedJob.Run> extends Job {
    /** State of one run; a step that must stop the run throws {@link JobFailedException}. */
    interface Run {
        /** The outcome once the last step ran. */
        JobResult result();
    }

    /** A fresh run (no I/O). */
    R newRun();
}
