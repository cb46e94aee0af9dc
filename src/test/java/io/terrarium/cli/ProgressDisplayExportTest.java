package io.terrarium.cli;

import me.tongfei.progressbar.DelegatingProgressBarConsumer;
import org.junit.jupiter.api.Test;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.List;
import java.util.OptionalLong;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.assertj.core.api.Assertions.assertThat;

/** The pieces of the export progress display: units, rate, ETA, plain lines, and the TTY bar. */
class ProgressDisplayExportTest {
    static final long MIB = 1L << 20;

    @Test
    void bytesInBinaryUnits() {
        assertThat(ProgressDisplay.bytes(0)).isEqualTo("0 B");
        assertThat(ProgressDisplay.bytes(1023)).isEqualTo("1023 B");
        assertThat(ProgressDisplay.bytes(1536)).isEqualTo("1.5 KiB");
        assertThat(ProgressDisplay.bytes(2L << 30)).isEqualTo("2.0 GiB");
        assertThat(ProgressDisplay.bytes(5L << 40)).isEqualTo("5.0 TiB");
    }

    @Test
    void rateAndEta() {
        assertThat(ProgressDisplay.rate(100 * MIB, Duration.ofSeconds(4))).isEqualTo("25.0 MiB/s");
        assertThat(ProgressDisplay.rate(1, Duration.ZERO)).isEqualTo("-");
        // 1 GiB of 4 GiB in 10 s → 30 s left
        assertThat(ProgressDisplay.eta(1L << 30, OptionalLong.of(4L << 30), Duration.ofSeconds(10))).isEqualTo("0:00:30");
        assertThat(ProgressDisplay.eta(1, OptionalLong.of(7200), Duration.ofSeconds(1))).isEqualTo("1:59:59");
        assertThat(ProgressDisplay.eta(10, OptionalLong.empty(), Duration.ofSeconds(1))).isEmpty();
        assertThat(ProgressDisplay.eta(0, OptionalLong.of(10), Duration.ofSeconds(1))).isEmpty();
        assertThat(ProgressDisplay.eta(20, OptionalLong.of(10), Duration.ofSeconds(1))).isEmpty();
    }

    @Test
    void plainLinesAtStartAtMostEveryThirtySecondsAndAtTheEnd() {
        StringWriter sw = new StringWriter();
        io.terrarium.testing.MutableClock clock = new io.terrarium.testing.MutableClock(Instant.parse("2026-11-30T12:00:00Z"));
        var lines = new ProgressDisplay.Lines(new PrintWriter(sw), clock, Duration.ofSeconds(30));
        lines.start("web", "full", OptionalLong.of(400 * MIB));
        clock.now = clock.now.plusSeconds(10);
        lines.sent(50 * MIB); // 10 s: no line yet
        clock.now = clock.now.plusSeconds(20);
        lines.sent(50 * MIB); // 30 s: a line
        lines.uploaded(40 * MIB);
        clock.now = clock.now.plusSeconds(5);
        lines.sent(10 * MIB); // 35 s: too soon
        lines.finish(true);
        assertThat(sw.toString().lines().toList()).containsExactly(
                "web: full export started, zfs send estimates 400.0 MiB",
                "web: 100.0 MiB of ~400.0 MiB sent, 0 B compressed, 3.3 MiB/s, ETA 0:01:30",
                "web: done, 110.0 MiB sent, 40.0 MiB compressed in 35 s (3.1 MiB/s)");
    }

    @Test
    void plainLinesWithoutAnEstimateHaveNoEta() {
        StringWriter sw = new StringWriter();
        io.terrarium.testing.MutableClock clock = new io.terrarium.testing.MutableClock(Instant.parse("2026-11-30T12:00:00Z"));
        var lines = new ProgressDisplay.Lines(new PrintWriter(sw), clock, Duration.ofSeconds(30));
        lines.start("db", "incremental", OptionalLong.empty());
        clock.now = clock.now.plusSeconds(30);
        lines.sent(3 * MIB);
        lines.finish(false);
        assertThat(sw.toString().lines().toList()).containsExactly("db: incremental export started",
                "db: 3.0 MiB sent, 0 B compressed, 102.4 KiB/s", "db: failed, 3.0 MiB sent, 0 B compressed in 30 s (102.4 KiB/s)");
    }

    @Test
    void theBarShowsTaskBytesAndTheCompressedSize() {
        List<String> frames = new CopyOnWriteArrayList<>();
        var bar = new ProgressDisplay.Bar(new DelegatingProgressBarConsumer(frames::add, 120));
        bar.start("web", "full", OptionalLong.of(8 * MIB));
        bar.sent(4 * MIB);
        bar.uploaded(MIB);
        bar.finish(true);
        String last = frames.get(frames.size() - 1);
        assertThat(last).startsWith("web full 100%").contains("8/8 MiB").contains("done, zstd 1.0 MiB")
                .as("the speed and the message are two words (issue 15: \"66.5 MiB/sdone\")").containsPattern("/s done, zstd");
    }

    @Test
    void aRunInTheDaemonIsDrawnFromItsEventsWithTheSameLinesAsARunInThisProcess() {
        StringWriter sw = new StringWriter();
        io.terrarium.testing.MutableClock clock = new io.terrarium.testing.MutableClock(Instant.parse("2026-11-30T12:00:00Z"));
        var draw = new DaemonProgress(new ProgressDisplay.Lines(new PrintWriter(sw), clock, Duration.ofSeconds(10)));
        Instant t = clock.now;
        draw.accept(new io.terrarium.jobs.RunProgress.Event(1, t, "start", "web", "full", 0, null, 0, null));
        clock.now = clock.now.plusSeconds(12);
        draw.accept(new io.terrarium.jobs.RunProgress.Event(2, t, "progress", "web", "full", 24 * MIB, null, 8 * MIB, null));
        clock.now = clock.now.plusSeconds(3);
        draw.accept(new io.terrarium.jobs.RunProgress.Event(3, t, "finish", "web", "full", 30 * MIB, null, 10 * MIB, true));
        // the next item's start was lost (the reader fell behind): its first event starts it
        draw.accept(new io.terrarium.jobs.RunProgress.Event(9, t, "finish", "db", "incremental", MIB, null, 512 * 1024, false));
        assertThat(sw.toString().lines().toList()).containsExactly(
                "web: full export started",
                "web: 24.0 MiB sent, 8.0 MiB compressed, 2.0 MiB/s",
                "web: done, 30.0 MiB sent, 10.0 MiB compressed in 15 s (2.0 MiB/s)",
                "db: incremental export started",
                "db: failed, 1.0 MiB sent, 512.0 KiB compressed in 0 s (-)");
    }

    @Test
    void aServedClientsTerminalGetsTheBarAsWideAsItSaidAndAPipeGetsLines() {
        // the daemon serving `jobs run s3-export` to a terminal 60 columns wide (issue 16: such a trigger
        // was refused and ran in the CLI's own JVM, 2–2.8 s instead of 0.5 s)
        java.io.ByteArrayOutputStream clientErr = new java.io.ByteArrayOutputStream();
        StringWriter lines = new StringWriter();
        java.io.PrintStream ps = new java.io.PrintStream(clientErr, true, java.nio.charset.StandardCharsets.UTF_8);
        int code = ProgressDisplay.forClientTerminal(ps, 60, () -> {
            ProgressDisplay.Sink bar = ProgressDisplay.forClient(new PrintWriter(lines));
            assertThat(bar).isInstanceOf(ProgressDisplay.Bar.class);
            bar.start("web", "full", OptionalLong.of(100 * MIB));
            bar.sent(50 * MIB);
            bar.finish(true);
            return 7;
        });
        assertThat(code).isEqualTo(7);
        String drawn = clientErr.toString(java.nio.charset.StandardCharsets.UTF_8);
        assertThat(drawn).contains("\r").contains("web full").contains("MiB");
        assertThat(drawn.split("[\r\n]")).allSatisfy(l -> assertThat(l.length()).isLessThanOrEqualTo(59));
        assertThat(lines.toString()).isEmpty(); // nothing on the escaped error writer
        // a command that ends with its item still open (its client went away, --timeout): the bar is closed, not
        // left to progressbar's shared thread for the daemon's lifetime
        ProgressDisplay.Sink[] left = new ProgressDisplay.Sink[1];
        ProgressDisplay.forClientTerminal(ps, 60, () -> {
            left[0] = ProgressDisplay.forClient(new PrintWriter(lines));
            left[0].start("db", "full", OptionalLong.of(100 * MIB));
            return 1;
        });
        clientErr.reset();
        left[0].sent(10 * MIB);
        left[0].uploaded(MIB);
        assertThat(clientErr.size()).as("no redraw after its command ended").isZero();
        // outside a served terminal (a pipe, or after the command): lines, never the daemon's own terminal
        assertThat(ProgressDisplay.forClient(new PrintWriter(lines))).isInstanceOf(ProgressDisplay.Lines.class);
    }
}
