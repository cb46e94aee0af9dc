package io.terrarium.notify;

import io.terrarium.jobs.JobResult;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What to notify, decided from job runs and the clock — pure logic, no I/O (docs/events.md
 * "Notifications"). Thread-safe: the daemon's job threads and its staleness timer share one.
 *
 * <ul>
 *   <li>{@code job.failed}: the first FAILED run after a good one (or the first run seen) — a job
 *       failing every minute notifies once, not every minute;</li>
 *   <li>{@code job.recovered}: the first good run (OK or WARNING) after a failed one;</li>
 *   <li>{@code job.stale}: no good run for longer than the job's {@code events.stale_after} age —
 *       once per episode, again only after a good run ended it.</li>
 * </ul>
 */
public final class Notices {
    private static final Pattern AGE = Pattern.compile("([1-9][0-9]{0,5})([mhd])");  // at most 999999 units

    /** One notification. {@code type} is {@code job.failed}, {@code job.recovered} or {@code job.stale}. */
    public record Notice(String type, String job, String status, String summary, Instant at) {
    }

    private final Map<String, Duration> staleAfter;
    private final Map<String, Boolean> failing = new HashMap<>();
    private final Map<String, Instant> lastGood = new HashMap<>();
    private final Map<String, Boolean> staleNotified = new HashMap<>();
    private final Instant since;

    /**
     * @param staleAfter job id → age text ({@code events.stale_after}; invalid entries were refused by
     *                   the configuration check and are ignored here)
     * @param since      when watching began (the daemon's start): a job never seen good counts from here
     * @param last       each job's last stored result ({@code JobResultStore.last}), or none
     * @param lastGood   each job's last stored OK or WARNING result ({@code JobResultStore.lastSuccess}), or none
     */
    public Notices(Map<String, String> staleAfter, Instant since, Map<String, JobResult> last, Map<String, JobResult> lastGood) {
        Map<String, Duration> ages = new HashMap<>();
        staleAfter.forEach((job, age) -> {
            Duration d = parseAge(age);
            if (d != null) {
                ages.put(job, d);
            }
        });
        this.staleAfter = Map.copyOf(ages);
        this.since = since;
        last.forEach((job, r) -> {
            if (r == null) {
                return;
            }
            failing.put(job, r.status() == JobResult.Status.FAILED);
        });
        java.util.stream.Stream.concat(last.values().stream(), lastGood.values().stream())
                .filter(r -> r != null && good(r) && r.startedAt() != null)
                .forEach(r -> this.lastGood.merge(r.job(), r.startedAt().plusMillis(Math.max(0, r.durationMs())),
                        (a, b) -> a.isAfter(b) ? a : b));
    }

    /**
     * An age of {@code events.stale_after}: a whole number with {@code m} (minutes), {@code h} or
     * {@code d}, at least one minute.
     *
     * @return the age, or {@code null} when the text is not one
     */
    public static Duration parseAge(String text) {
        Matcher m = text == null ? null : AGE.matcher(text);
        if (m == null || !m.matches()) {
            return null;
        }
        long n = Long.parseLong(m.group(1));
        return switch (m.group(2)) {
            case "m" -> Duration.ofMinutes(n);
            case "h" -> Duration.ofHours(n);
            default -> Duration.ofDays(n);
        };
    }

    /**
     * Records one finished run.
     *
     * @return the notice it causes ({@code job.failed} or {@code job.recovered}), or {@code null}
     */
    public synchronized Notice finished(JobResult r, Instant now) {
        if (r.status() == JobResult.Status.REJECTED) {
            return null; // another run of the job was in progress: not a result of the job
        }
        Boolean wasFailing = failing.get(r.job());
        if (r.status() == JobResult.Status.FAILED) {
            failing.put(r.job(), true);
            return Boolean.TRUE.equals(wasFailing) ? null : new Notice("job.failed", r.job(), r.status().name(), r.summary(), now);
        }
        failing.put(r.job(), false);
        lastGood.put(r.job(), now);
        staleNotified.remove(r.job());
        return Boolean.TRUE.equals(wasFailing) ? new Notice("job.recovered", r.job(), r.status().name(), r.summary(), now) : null;
    }

    /**
     * The jobs that have just become stale: no good run for longer than their age.
     *
     * @return one {@code job.stale} notice per newly stale job (empty when nothing changed)
     */
    public synchronized List<Notice> stale(Instant now) {
        List<Notice> out = new ArrayList<>();
        staleAfter.forEach((job, age) -> {
            Instant good = lastGood.get(job);
            Instant from = good != null ? good : since;
            if (Duration.between(from, now).compareTo(age) > 0 && !staleNotified.containsKey(job)) {
                staleNotified.put(job, true);
                out.add(new Notice("job.stale", job, "STALE", (good == null ? "no good run since " + since
                        : "last good run " + good) + "; expected one within " + age.toString().substring(2).toLowerCase(), now));
            }
        });
        out.sort(java.util.Comparator.comparing(Notice::job));
        return out;
    }

    private static boolean good(JobResult r) {
        return r.status() == JobResult.Status.OK || r.status() == JobResult.Status.WARNING;
    }
}
