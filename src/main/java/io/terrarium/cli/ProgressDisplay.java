package io.terrarium.cli;

import io.terrarium.s3.ExportProgress;
import io.terrarium.s3.TransferProgress;
import me.tongfei.progressbar.ConsoleProgressBarConsumer;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarConsumer;
import me.tongfei.progressbar.ProgressBarStyle;

import java.io.PrintStream;
import java.io.PrintWriter;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Locale;
import java.util.OptionalLong;
import java.util.concurrent.atomic.AtomicLong;

/**
 * How the CLI shows bytes that move, on stderr (stdout keeps the result): the one display of an
 * export ({@link ExportProgress}: in this process, or streamed back from the daemon by
 * {@link DaemonProgress}), an S3 restore and a verification ({@link TransferProgress}). A progress
 * bar on a terminal ({@link Bar}, me.tongfei:progressbar: bytes, percentage, rate, ETA when the
 * total is known), plain lines otherwise ({@link Lines}: one when an item starts, one at most every
 * {@link Lines#INTERVAL} while it runs, one when it ends; never a carriage return, so a pipe or a
 * log stays readable).
 *
 * <p>Export lines count the uncompressed {@code zfs send} stream ("sent", with {@code zfs send -n
 * -P}'s estimate as {@code ~total}) and the compressed bytes cut into parts; transfer lines count
 * the stored bytes read back, whose total the manifests give exactly.
 */
public final class ProgressDisplay {
    private ProgressDisplay() {
    }

    /** Both listeners; a display is told either kind of events. */
    public interface Sink extends TransferProgress, ExportProgress {
        @Override
        void finish(boolean ok);
    }

    /** The display for this process: a bar when it has a terminal ({@link System#console()}), else lines on {@code err}. */
    static Sink forThisProcess(PrintWriter err) {
        return System.console() != null ? new Bar(System.err) : new Lines(err, Clock.systemUTC(), Lines.INTERVAL);
    }

    /** The terminal of the client a served command runs for, on the daemon's thread that runs it. */
    private static final ThreadLocal<ClientTerminal> CLIENT_TERMINAL = new ThreadLocal<>();

    /** Where and how wide to draw the bar of a client's terminal: its raw stderr stream, its width in columns, the bars drawn. */
    private record ClientTerminal(PrintStream err, int columns, java.util.List<Bar> bars) {
    }

    /**
     * Runs {@code command} (a command the daemon serves over its CLI socket, on this thread) for a
     * client whose stdin and stdout are a terminal {@code columns} wide (0: unknown, drawn 80 wide):
     * {@link #forClient} then draws the bar the CLI's own JVM would draw, on {@code err} — the
     * client's stderr, unescaped, because the bar is carriage returns by design.
     *
     * @return what {@code command} returns
     */
    public static int forClientTerminal(PrintStream err, int columns, java.util.function.IntSupplier command) {
        ClientTerminal t = new ClientTerminal(err, columns > 0 ? columns : DEFAULT_COLUMNS, new java.util.concurrent.CopyOnWriteArrayList<>());
        CLIENT_TERMINAL.set(t);
        try {
            return command.getAsInt();
        } finally {
            CLIENT_TERMINAL.remove();
            // a wait that ended early (the client gone, --timeout) left its bar open: progressbar would redraw it on
            // its shared thread for as long as the daemon runs (session 9 tester)
            t.bars().forEach(Bar::abandon);
        }
    }

    /** Width of a client's terminal when it did not say, in columns (progressbar's own default). */
    static final int DEFAULT_COLUMNS = 80;

    /**
     * The display for the client of a command served by the daemon: the bar on its terminal inside
     * {@link #forClientTerminal}, plain lines on {@code err} otherwise — never the daemon's own
     * terminal, should it have one (a daemon started by hand in the foreground).
     */
    static Sink forClient(PrintWriter err) {
        ClientTerminal t = CLIENT_TERMINAL.get();
        // the width less one column, as progressbar leaves on a terminal it measured (ConsoleProgressBarConsumer)
        if (t == null) {
            return lines(err);
        }
        Bar bar = new Bar(new ConsoleProgressBarConsumer(t.err(), Math.max(1, t.columns() - 1)));
        t.bars().add(bar);
        return bar;
    }

    /** The plain lines {@link #forThisProcess} prints when stdin or stdout is not a terminal, on {@code err}. */
    static Sink lines(PrintWriter err) {
        return new Lines(err, Clock.systemUTC(), Lines.INTERVAL);
    }

    /** Binary units with one decimal: {@code 0 B}, {@code 512 B}, {@code 1.5 KiB}, {@code 2.0 GiB}. */
    public static String bytes(long n) {
        if (n < 1024) {
            return n + " B";
        }
        String[] units = {"KiB", "MiB", "GiB", "TiB", "PiB"};
        double v = n;
        int u = -1;
        while (v >= 1024 && u < units.length - 1) {
            v /= 1024;
            u++;
        }
        return String.format(Locale.ROOT, "%.1f %s", v, units[u]);
    }

    /** {@code bytes} over {@code elapsed} as {@code <bytes>/s}; {@code -} when no time has passed. */
    static String rate(long bytes, Duration elapsed) {
        long ms = elapsed.toMillis();
        return ms <= 0 ? "-" : bytes(bytes * 1000 / ms) + "/s";
    }

    /**
     * Time left at the average rate so far, as {@code h:mm:ss}; empty when the size is unknown,
     * nothing was read yet, or the estimate is already passed.
     */
    static String eta(long done, OptionalLong total, Duration elapsed) {
        if (total.isEmpty() || done <= 0 || done >= total.getAsLong() || elapsed.toMillis() <= 0) {
            return "";
        }
        long leftMs = (long) ((double) (total.getAsLong() - done) * elapsed.toMillis() / done);
        long s = (leftMs + 999) / 1000;
        return String.format(Locale.ROOT, "%d:%02d:%02d", s / 3600, s / 60 % 60, s % 60);
    }

    /** Plain lines for a pipe or a log. */
    static final class Lines implements Sink {
        /** Least time between two progress lines of one item. */
        static final Duration INTERVAL = Duration.ofSeconds(10);

        private final PrintWriter out;
        private final Clock clock;
        private final Duration interval;
        private final AtomicLong done = new AtomicLong();
        private final AtomicLong stored = new AtomicLong();
        private volatile boolean export;
        private volatile String name = "";
        private volatile OptionalLong total = OptionalLong.empty();
        private volatile Instant started = Instant.EPOCH;
        private volatile Instant lastLine = Instant.EPOCH;

        /** @param out where lines go @param clock time source @param interval least time between two progress lines */
        Lines(PrintWriter out, Clock clock, Duration interval) {
            this.out = out;
            this.clock = clock;
            this.interval = interval;
        }

        private void begin(boolean export, String name, OptionalLong total) {
            this.export = export;
            this.name = name;
            this.total = total;
            done.set(0);
            stored.set(0);
            started = clock.instant();
            lastLine = started;
        }

        @Override
        public void start(String what, OptionalLong total) {
            begin(false, what, total);
            line(what + ": started" + (total.isPresent() ? ", " + bytes(total.getAsLong()) + " to read" : ""));
        }

        @Override
        public void start(String instance, String kind, OptionalLong estimate) {
            begin(true, instance, estimate);
            line(instance + ": " + kind + " export started"
                    + (estimate.isPresent() ? ", zfs send estimates " + bytes(estimate.getAsLong()) : ""));
        }

        @Override
        public void moved(long n) {
            long now = done.addAndGet(n);
            Instant t = clock.instant();
            if (Duration.between(lastLine, t).compareTo(interval) >= 0) {
                lastLine = t;
                Duration el = Duration.between(started, t);
                String eta = eta(now, total, el);
                line(name + ": " + bytes(now) + of(now) + counts() + ", " + rate(now, el) + (eta.isEmpty() ? "" : ", ETA " + eta));
            }
        }

        @Override
        public void sent(long n) {
            moved(n);
        }

        @Override
        public void uploaded(long n) {
            stored.addAndGet(n);
        }

        @Override
        public void finish(boolean ok) {
            Duration el = Duration.between(started, clock.instant());
            line(name + ": " + (ok ? "done" : "failed") + ", " + bytes(done.get()) + counts() + " in " + el.toSeconds()
                    + " s (" + rate(done.get(), el) + ")");
        }

        /** " of ~T" (an export's estimate) or " of T (P%)" (a known total); empty without a total. */
        private String of(long now) {
            OptionalLong t = total;
            if (t.isEmpty() || t.getAsLong() <= 0) {
                return "";
            }
            return export ? " of ~" + bytes(t.getAsLong()) : " of " + bytes(t.getAsLong()) + " (" + now * 100 / t.getAsLong() + "%)";
        }

        /** An export's " sent, U compressed"; empty for a transfer. */
        private String counts() {
            return export ? " sent, " + bytes(stored.get()) + " compressed" : "";
        }

        private void line(String s) {
            synchronized (out) {
                out.println(s);
                out.flush();
            }
        }
    }

    /** A progress bar for a terminal (on stderr). */
    static final class Bar implements Sink {
        private final ProgressBarConsumer consumer;
        private final AtomicLong stored = new AtomicLong();
        private volatile boolean export;
        private volatile ProgressBar bar;

        /** A bar drawn on {@code err} as wide as the terminal. */
        Bar(PrintStream err) {
            this(new ConsoleProgressBarConsumer(err));
        }

        /** A bar drawn through {@code consumer} (tests). */
        Bar(ProgressBarConsumer consumer) {
            this.consumer = consumer;
        }

        private void begin(boolean export, String task, OptionalLong total) {
            this.export = export;
            stored.set(0);
            bar = new ProgressBarBuilder()
                    .setTaskName(task)
                    .setInitialMax(total.orElse(-1))
                    .setUnit(" MiB", 1L << 20)
                    .showSpeed()
                    .setStyle(ProgressBarStyle.ASCII)
                    .setUpdateIntervalMillis(250)
                    .setConsumer(consumer)
                    .build();
        }

        @Override
        public void start(String what, OptionalLong total) {
            begin(false, what, total);
        }

        @Override
        public void start(String instance, String kind, OptionalLong estimate) {
            begin(true, instance + " " + kind, estimate);
        }

        @Override
        public void moved(long n) {
            ProgressBar b = bar;
            if (b != null) {
                b.stepBy(n);
            }
        }

        @Override
        public void sent(long n) {
            moved(n);
        }

        @Override
        public void uploaded(long n) {
            ProgressBar b = bar;
            long u = stored.addAndGet(n);
            if (b != null) {
                b.setExtraMessage(" zstd " + bytes(u)); // a space: progressbar glues it to the speed ("66.5 MiB/sdone")
            }
        }

        @Override
        public void finish(boolean ok) {
            ProgressBar b = bar;
            if (b != null) {
                b.setExtraMessage((ok ? " done" : " FAILED") + (export ? ", zstd " + bytes(stored.get()) : ""));
                if (ok && export && b.getMax() > 0) {
                    b.stepTo(Math.max(b.getCurrent(), b.getMax())); // the estimate was low or high: the item is done
                }
                b.close();
                bar = null;
            }
        }

        /** Stops drawing an item left open (its command ended without {@link #finish}); nothing when none is. */
        void abandon() {
            ProgressBar b = bar;
            if (b != null) {
                bar = null;
                b.close();
            }
        }
    }
}
