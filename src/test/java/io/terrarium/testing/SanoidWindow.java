package io.terrarium.testing;

import java.time.Duration;
import java.time.Instant;

/**
 * Keeps a test's sanoid runs on the intended side of sanoid's frequent-period windows.
 *
 * <p>sanoid takes a {@code frequently} snapshot when the dataset's newest one is older than the start
 * of the current window: the minute of the hour rounded down to a multiple of {@code frequent_period}
 * (sanoid's {@code take_snapshots}, "frequentslice"). Two runs meant to see the same window therefore
 * disagree when a window boundary falls between them, which a slow machine (the OpenZFS guest runs
 * under TCG) makes likely with a one-minute period. The windows are hour-aligned; sanoid runs with
 * {@code TZ=UTC} in these tests, so they are multiples of the period since the epoch.
 */
public final class SanoidWindow {
    private SanoidWindow() {
    }

    /**
     * The start of the window that holds {@code t}.
     *
     * @param period the frequent period, a whole number of minutes that divides 60
     * @return the window start (UTC)
     */
    public static Instant start(Instant t, Duration period) {
        long p = period.toSeconds();
        return Instant.ofEpochSecond(Math.floorDiv(t.getEpochSecond(), p) * p);
    }

    /**
     * Sleeps, when less than {@code needed} is left in the current window, until one second into the
     * next one; returns the start of the window the caller then runs in.
     *
     * @param period the frequent period
     * @param needed how long the caller's runs may take together
     * @return the start of the current window after any wait (UTC)
     * @throws IllegalArgumentException if {@code needed} is not shorter than {@code period}
     */
    public static Instant awaitRoom(Duration period, Duration needed) throws InterruptedException {
        if (needed.compareTo(period) >= 0) {
            throw new IllegalArgumentException("needed " + needed + " does not fit in a window of " + period);
        }
        Instant now = Instant.now();
        Instant end = start(now, period).plus(period);
        if (Duration.between(now, end).compareTo(needed) < 0) {
            Thread.sleep(Duration.between(now, end).toMillis() + 1000);
        }
        return start(Instant.now(), period);
    }
}
