package io.terrarium.cli;

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
import java.util.OptionalLong;
import java.util.concurrent.atomic.AtomicLong;

import static io.terrarium.cli.ExportProgressDisplay.bytes;
import static io.terrarium.cli.ExportProgressDisplay.eta;
import static io.terrarium.cli.ExportProgressDisplay.rate;

/**
 * How the CLI shows bytes read back from S3 ({@code backup restore --source s3},
 * {@code backup verify}) on stderr (stdout keeps the result): a progress bar on a terminal
 * ({@link Bar}: stored bytes, percentage, rate, ETA — the total is known from the manifests), plain
 * lines otherwise ({@link Lines}: one when it starts, one at most every {@link Lines#INTERVAL}, one
 * when it ends; never a carriage return, so a pipe or a log stays readable).
 */
final class TransferProgressDisplay {
    private TransferProgressDisplay() {
    }

    /** The display for this process: a bar when it has a terminal ({@link System#console()}), else lines on {@code err}. */
    static TransferProgress forThisProcess(PrintWriter err) {
        return System.console() != null ? new Bar(System.err) : new Lines(err, Clock.systemUTC(), Lines.INTERVAL);
    }

    /** Plain lines for a pipe or a log. */
    static final class Lines implements TransferProgress {
        /** Least time between two progress lines. */
        static final Duration INTERVAL = Duration.ofSeconds(10);

        private final PrintWriter out;
        private final Clock clock;
        private final Duration interval;
        private final AtomicLong done = new AtomicLong();
        private volatile String what = "";
        private volatile OptionalLong total = OptionalLong.empty();
        private volatile Instant started = Instant.EPOCH;
        private volatile Instant lastLine = Instant.EPOCH;

        /** @param out where lines go @param clock time source @param interval least time between two progress lines */
        Lines(PrintWriter out, Clock clock, Duration interval) {
            this.out = out;
            this.clock = clock;
            this.interval = interval;
        }

        @Override
        public void start(String what, OptionalLong total) {
            this.what = what;
            this.total = total;
            done.set(0);
            started = clock.instant();
            lastLine = started;
            line(what + ": started" + (total.isPresent() ? ", " + bytes(total.getAsLong()) + " to read" : ""));
        }

        @Override
        public void moved(long n) {
            long now = done.addAndGet(n);
            Instant t = clock.instant();
            if (Duration.between(lastLine, t).compareTo(interval) >= 0) {
                lastLine = t;
                Duration el = Duration.between(started, t);
                String eta = eta(now, total, el);
                line(what + ": " + bytes(now)
                        + (total.isPresent() && total.getAsLong() > 0
                            ? " of " + bytes(total.getAsLong()) + " (" + now * 100 / total.getAsLong() + "%)" : "")
                        + ", " + rate(now, el) + (eta.isEmpty() ? "" : ", ETA " + eta));
            }
        }

        @Override
        public void finish(boolean ok) {
            Duration el = Duration.between(started, clock.instant());
            line(what + ": " + (ok ? "done" : "failed") + ", " + bytes(done.get()) + " in " + el.toSeconds() + " s ("
                    + rate(done.get(), el) + ")");
        }

        private void line(String s) {
            synchronized (out) {
                out.println(s);
                out.flush();
            }
        }
    }

    /** A progress bar for a terminal (me.tongfei:progressbar, on stderr). */
    static final class Bar implements TransferProgress {
        private final ProgressBarConsumer consumer;
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
        public void start(String what, OptionalLong total) {
            bar = new ProgressBarBuilder()
                    .setTaskName(what)
                    .setInitialMax(total.orElse(-1))
                    .setUnit(" MiB", 1L << 20)
                    .showSpeed()
                    .setStyle(ProgressBarStyle.ASCII)
                    .setUpdateIntervalMillis(250)
                    .setConsumer(consumer)
                    .build();
        }

        @Override
        public void moved(long n) {
            ProgressBar b = bar;
            if (b != null) {
                b.stepBy(n);
            }
        }

        @Override
        public void finish(boolean ok) {
            ProgressBar b = bar;
            if (b != null) {
                b.setExtraMessage(ok ? " done" : " FAILED");
                b.close();
                bar = null;
            }
        }
    }
}
