package io.terrarium.daemon;

import java.util.Locale;

/**
 * The deadline a CLI's trigger carries to the daemon: the moment (wall clock, epoch milliseconds)
 * at which the client stops waiting for the daemon to take the request. The daemon refuses a
 * request it reads after that moment, or so close before it that its answer might not reach the
 * client in time ({@value #MARGIN_MILLIS} ms), and runs nothing for it.
 *
 * <p>Why (tester, session 8; docs/architecture.md "Triggers"): a daemon stopped with kill -STOP
 * still has the kernel accept connections and keep their requests, on the CLI socket and on the
 * management port. The CLI gave up, told the user the trigger failed — and the daemon, once resumed,
 * read the queued request and ran the job. A user who retried got the job twice; one who gave up got
 * a job they believed had not run. With the deadline a request the client gave up on never runs.
 *
 * <p>Client and daemon run on the same host and read the same clock, so a wall-clock deadline
 * needs no agreement. A clock step between the request and the daemon's check moves it: forward,
 * a live request looks late and is refused (the CLI reports the failure and nothing runs; the user
 * retries); backward, a request the client gave up on can look fresh for as long as the step. Pure:
 * the caller passes the time.
 */
public final class ClientDeadline {
    /**
     * Least time between the daemon's start of a request and the client's deadline, in ms: the
     * daemon's answer (a run id, the CLI socket's {@code STREAMED}) must reach the client before
     * it gives up, or the client would report a failure for a job that runs.
     */
    public static final long MARGIN_MILLIS = 2_000;

    private ClientDeadline() {
    }

    /**
     * Why a request with this deadline must not start now, or {@code null} when it may.
     *
     * @param deadlineMillis the request's deadline, epoch ms ({@code <= 0}: a request without one)
     * @param nowMillis      the daemon's wall clock, epoch ms
     * @return e.g. "the client's deadline passed 31.2 s ago", "the client gives up in 1.4 s, too
     *         soon to start it", or {@code null}
     */
    public static String lateness(long deadlineMillis, long nowMillis) {
        if (deadlineMillis <= 0) {
            return "the request carries no deadline";
        }
        long late = nowMillis - deadlineMillis;
        if (late >= 0) {
            return "the client's deadline passed " + seconds(late) + " ago";
        }
        if (-late < MARGIN_MILLIS) {
            return "the client gives up in " + seconds(-late) + ", too soon to start it";
        }
        return null;
    }

    /** "31.2 s". */
    private static String seconds(long millis) {
        return String.format(Locale.ROOT, "%.1f s", millis / 1000.0);
    }
}
