package io.terrarium.cli;

import io.terrarium.s3.ExportProgress;
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
 * How {@code terrariumctl backup export} shows an in-process export: a progress bar on a TTY
 * ({@link Bar}, me.tongfei:progressbar: bytes of the {@code zfs send} stream, rate, and an ETA when
 * {@code zfs send -n -P} gave a size), plain lines elsewhere ({@link Lines}: one when a dataset
 * starts, one at most every {@link Lines#INTERVAL} while it runs, one when it ends), so logs and
 * pipes get no carriage-return noise.
 */
final class ExportProgressDisplay {
    private ExportProgressDisplay() {
    }

    /** Binary units with one decimal: {@code 0 B}, {@code 512 B}, {@code 1.5 KiB}, {@code 2.0 GiB}. */
    static String bytes(long n) {
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

    /** Plain lines for a non-TTY. */
    static final class Lines implements ExportProgress {
        /** Least time between two progress lines of one dataset. */
        static final Duration INTERVAL = Duration.ofSeconds(30);

        private final PrintWriter out;
        private final Clock clock;
        private final AtomicLong sent = new AtomicLong();
        private final AtomicLong uploaded = new AtomicLong();
        private volatile String name = "";
        private volatile OptionalLong total = OptionalLong.empty();
        private volatile Instant started = Instant.EPOCH;
        private volatile Instant lastLine = Instant.EPOCH;

        Lines(PrintWriter out, Clock clock) {
            this.out = out;
            this.clock = clock;
        }

        @Override
        public void start(String instance, String kind, OptionalLong estimate) {
            name = instance;
            total = estimate;
            sent.set(0);
            uploaded.set(0);
            started = clock.instant();
            lastLine = started;
            line(instance + ": " + kind + " export started"
                    + (estimate.isPresent() ? ", zfs send estimates " + bytes(estimate.getAsLong()) : ""));
        }

        @Override
        public void sent(long n) {
            long now = sent.addAndGet(n);
            Instant t = clock.instant();
            if (Duration.between(lastLine, t).compareTo(INTERVAL) >= 0) {
                lastLine = t;
                Duration el = Duration.between(started, t);
                String eta = eta(now, total, el);
                line(name + ": " + bytes(now) + (total.isPresent() ? " of ~" + bytes(total.getAsLong()) : "")
                        + " sent, " + bytes(uploaded.get()) + " compressed, " + rate(now, el)
                        + (eta.isEmpty() ? "" : ", ETA " + eta));
            }
        }

        @Override
        public void uploaded(long n) {
            uploaded.addAndGet(n);
        }

        @Override
        public void finish(boolean ok) {
            Duration el = Duration.between(started, clock.instant());
            line(name + ": " + (ok ? "done" : "failed") + ", " + bytes(sent.get()) + " sent, " + bytes(uploaded.get())
                    + " compressed in " + el.toSeconds() + " s (" + rate(sent.get(), el) + ")");
        }

        private void line(String s) {
            synchronized (out) {
                out.println(s);
                out.flush();
            }
        }
    }

    /** A progress bar for a TTY (on stderr; stdout keeps the result). */
    static final class Bar implements ExportProgress {
        private final ProgressBarConsumer consumer;
        private final AtomicLong uploaded = new AtomicLong();
        private volatile ProgressBar bar;

        /** A bar drawn on {@code err} as wide as the terminal. */
        Bar(PrintStream err) {
            this(new ConsoleProgressBarConsumer(err));
        }

        /** A bar drawn through {@code consumer} (tests). */
        Bar(ProgressBarConsumer consumer) {
            this.consumer = consumer;
        }

        @Override
        public void start(String instance, String kind, OptionalLong estimate) {
            uploaded.set(0);
            bar = new ProgressBarBuilder()
                    .setTaskName(instance + " " + kind)
                    .setInitialMax(estimate.orElse(-1))
                    .setUnit(" MiB", 1L << 20)
                    .showSpeed()
                    .setStyle(ProgressBarStyle.ASCII)
                    .setUpdateIntervalMillis(500)
                    .setConsumer(consumer)
                    .build();
        }

        @Override
        public void sent(long n) {
            ProgressBar b = bar;
            if (b != null) {
                b.stepBy(n);
            }
        }

        @Override
        public void uploaded(long n) {
            ProgressBar b = bar;
            long u = uploaded.addAndGet(n);
            if (b != null) {
                b.setExtraMessage(" zstd " + bytes(u)); // a space: progressbar glues it to the speed ("66.5 MiB/sdone")
            }
        }

        @Override
        public void finish(boolean ok) {
            ProgressBar b = bar;
            if (b != null) {
                b.setExtraMessage((ok ? " done, zstd " : " FAILED, zstd ") + bytes(uploaded.get()));
                if (ok && b.getMax() > 0) {
                    b.stepTo(Math.max(b.getCurrent(), b.getMax()));
                }
                b.close();
                bar = null;
            }
        }
    }
}
