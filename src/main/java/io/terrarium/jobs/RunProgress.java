package io.terrarium.jobs;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalLong;

/**
 * The progress record of one job run inside the daemon (issue 15, item 2): a bounded ring of
 * events with increasing sequence numbers that a client reads with {@link #after(long)} while it
 * waits for the run's result (the CLI's trigger polls it through the job MBean and draws the same
 * bar or plain lines as an in-process run). Bytes in the events are running totals for the
 * current item, so a reader that lost events (the ring keeps the newest {@link #capacity()}) still
 * shows the right figures.
 *
 * <p>Writers: the run's thread and upload threads (thread-safe). Byte updates become an event at
 * most every {@link #interval} ({@value #DEFAULT_INTERVAL_MS} ms by default); {@link #start} and
 * {@link #finish} always do.
 */
public final class RunProgress {
    /** Exchange property that carries a run's record into its route. */
    public static final String PROPERTY = "terrariumRunProgress";
    /** Events kept per run by default. */
    public static final int DEFAULT_CAPACITY = 64;
    /** Least time between two {@code progress} events by default, in milliseconds. */
    public static final long DEFAULT_INTERVAL_MS = 500;

    /**
     * One event.
     *
     * @param seq      sequence number, 1 for the run's first event, +1 for each next one
     * @param at       when it happened (UTC)
     * @param type     {@code start} (an item begins), {@code progress} (bytes moved) or {@code finish}
     *                 (the item ended; see {@code ok})
     * @param item     what moves, e.g. the instance name
     * @param phase    how, e.g. {@code full} or {@code incremental} for an export
     * @param bytes    bytes read so far for this item (an export: the uncompressed {@code zfs send} stream)
     * @param total    bytes expected for this item when known ({@code zfs send -n -P}'s estimate), else {@code null}
     * @param stored   bytes written so far for this item (an export: compressed bytes cut into parts)
     * @param ok       for {@code finish}: whether the item succeeded; else {@code null}
     */
    public record Event(long seq, Instant at, String type, String item, String phase, long bytes, Long total,
                        long stored, Boolean ok) {
    }

    /**
     * An answer of {@link #after(long)}.
     *
     * @param events   the kept events with {@code seq > afterSeq}, oldest first
     * @param lost     events with {@code seq > afterSeq} no longer kept (the reader fell behind)
     * @param last     the sequence number to pass next ({@code afterSeq} when there is nothing new)
     * @param finished whether the run has ended (no event follows)
     */
    public record Page(List<Event> events, long lost, long last, boolean finished) {
    }

    private final int capacity;
    private final Clock clock;
    private final Duration interval;
    private final ArrayDeque<Event> ring = new ArrayDeque<>();
    private long seq;
    private String item;
    private String phase;
    private Long total;
    private long bytes;
    private long stored;
    private Instant lastEvent = Instant.EPOCH;
    private boolean finished;

    /** A record of {@value #DEFAULT_CAPACITY} events with byte updates at most every {@value #DEFAULT_INTERVAL_MS} ms. */
    public RunProgress() {
        this(DEFAULT_CAPACITY, Clock.systemUTC(), Duration.ofMillis(DEFAULT_INTERVAL_MS));
    }

    /**
     * @param capacity events kept (at least 1)
     * @param clock    time source
     * @param interval least time between two {@code progress} events
     * @throws IllegalArgumentException when {@code capacity < 1}
     */
    public RunProgress(int capacity, Clock clock, Duration interval) {
        if (capacity < 1) {
            throw new IllegalArgumentException("capacity must be at least 1 (got " + capacity + ")");
        }
        this.capacity = capacity;
        this.clock = clock;
        this.interval = interval;
    }

    /** Events kept at most. */
    public int capacity() {
        return capacity;
    }

    /**
     * An item starts: its counters restart at 0.
     *
     * @param item  what moves (instance name)
     * @param phase how ({@code full}, {@code incremental}, …)
     * @param total bytes expected, when known
     */
    public synchronized void start(String item, String phase, OptionalLong total) {
        this.item = item;
        this.phase = phase;
        this.total = total.isPresent() ? total.getAsLong() : null;
        bytes = 0;
        stored = 0;
        append("start", null);
    }

    /** {@code n} more bytes read for the current item. */
    public synchronized void read(long n) {
        bytes += n;
        tick();
    }

    /** {@code n} more bytes written (stored) for the current item. */
    public synchronized void stored(long n) {
        stored += n;
        tick();
    }

    /** The current item ended, {@code ok} or not; the event carries its final counts. */
    public synchronized void finish(boolean ok) {
        append("finish", ok);
    }

    /** The run ended: {@link #after} says {@code finished} from now on. */
    public synchronized void close() {
        finished = true;
    }

    /**
     * The events after {@code afterSeq}.
     *
     * @param afterSeq the {@link Page#last} of the previous read, 0 for the first
     * @return the kept newer events, how many newer ones were dropped, and whether the run ended
     */
    public synchronized Page after(long afterSeq) {
        List<Event> out = new ArrayList<>();
        for (Event e : ring) {
            if (e.seq() > afterSeq) {
                out.add(e);
            }
        }
        long first = out.isEmpty() ? seq + 1 : out.get(0).seq();
        long lost = Math.max(0, first - Math.max(afterSeq, 0) - 1);
        return new Page(List.copyOf(out), lost, Math.max(afterSeq, seq), finished);
    }

    private void tick() {
        Instant now = clock.instant();
        if (Duration.between(lastEvent, now).compareTo(interval) >= 0) {
            append("progress", null);
        }
    }

    private void append(String type, Boolean ok) {
        Instant now = clock.instant();
        if (ring.size() == capacity) {
            ring.removeFirst();
        }
        ring.addLast(new Event(++seq, now, type, item, phase, bytes, total, stored, ok));
        lastEvent = now;
    }
}
