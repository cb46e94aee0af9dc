package io.terrarium.routes;

/**
 * Thrown by a job route's {@code guard} step when a run of the same job is in progress: this
 * trigger is rejected (status REJECTED), never queued or run twice.
 */
public final class JobRejectedException extends RuntimeException {
    /** @param job the job id */
    public JobRejectedException(String job) {
        super("job " + job + " is already running", null, false, false);
    }
}
