package io.terrarium.jobs;

/**
 * A job run that ended FAILED, carrying its {@link JobResult}. Thrown by a step that must stop the
 * run (e.g. LXD unreadable in {@code proxy-sync}: nothing may be written afterwards) and by the
 * route's {@code finish} step for a FAILED result, so the exchange is a <em>failed</em> exchange in
 * Camel's counters while the result is still recorded and returned to the trigger.
 */
public final class JobFailedException extends RuntimeException {
    private final transient JobResult result;

    /** @param result the FAILED result (its summary becomes the message) */
    public JobFailedException(JobResult result) {
        super(result.job() + " " + result.status() + ": " + firstLine(result.summary()), null, false, false);
        this.result = result;
    }

    /** The result of the run. */
    public JobResult result() {
        return result;
    }

    private static String firstLine(String s) {
        if (s == null) {
            return "";
        }
        int nl = s.indexOf('\n');
        return nl < 0 ? s : s.substring(0, nl);
    }
}
