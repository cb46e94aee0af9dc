package io.terrarium.cli;

import io.terrarium.s3.TransferProgress;
import me.tongfei.progressbar.DelegatingProgressBarConsumer;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.OptionalLong;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.assertj.core.api.Assertions.assertThat;

class ProgressDisplayTransferTest {
    static final long MIB = 1L << 20;

    @Test
    void onAPipeProgressIsPlainLinesWithBytesRateAndEtaAndNoCarriageReturn() {
        StringWriter sw = new StringWriter();
        io.terrarium.testing.MutableClock clock = new io.terrarium.testing.MutableClock(Instant.parse("2026-12-06T19:00:00Z"));
        var lines = new ProgressDisplay.Lines(new PrintWriter(sw), clock, Duration.ofSeconds(10));
        lines.start("web restore", OptionalLong.of(40 * MIB));
        clock.now = clock.now.plusSeconds(5);
        lines.moved(5 * MIB); // within the interval: no line
        clock.now = clock.now.plusSeconds(5);
        lines.moved(5 * MIB);
        clock.now = clock.now.plusSeconds(30);
        lines.moved(30 * MIB);
        lines.finish(true);
        assertThat(sw.toString()).doesNotContain("\r");
        assertThat(sw.toString().lines().toList()).containsExactly(
                "web restore: started, 40.0 MiB to read",
                "web restore: 10.0 MiB of 40.0 MiB (25%), 1.0 MiB/s, ETA 0:00:30",
                "web restore: 40.0 MiB of 40.0 MiB (100%), 1.0 MiB/s",
                "web restore: done, 40.0 MiB in 40 s (1.0 MiB/s)");
    }

    @Test
    void aFailedTransferSaysSoWithWhatWasRead() {
        StringWriter sw = new StringWriter();
        io.terrarium.testing.MutableClock clock = new io.terrarium.testing.MutableClock(Instant.parse("2026-12-06T19:00:00Z"));
        var lines = new ProgressDisplay.Lines(new PrintWriter(sw), clock, Duration.ofSeconds(10));
        lines.start("db verify", OptionalLong.of(8 * MIB));
        clock.now = clock.now.plusSeconds(2);
        lines.moved(MIB);
        lines.finish(false);
        assertThat(sw.toString().lines().toList()).containsExactly("db verify: started, 8.0 MiB to read",
                "db verify: failed, 1.0 MiB in 2 s (512.0 KiB/s)");
    }

    @Test
    void theCountingStreamReportsEveryByteRead() throws Exception {
        List<Long> moved = new CopyOnWriteArrayList<>();
        TransferProgress p = new TransferProgress() {
            @Override
            public void moved(long bytes) {
                moved.add(bytes);
            }
        };
        try (InputStream in = TransferProgress.counting(new ByteArrayInputStream(new byte[3000]), p)) {
            assertThat(in.read()).isZero();
            assertThat(in.readAllBytes()).hasSize(2999);
        }
        assertThat(moved.stream().mapToLong(Long::longValue).sum()).isEqualTo(3000);
    }

    @Test
    void onATerminalTheBarShowsBytesOfTheTotalAndEndsWithDone() {
        List<String> frames = new CopyOnWriteArrayList<>();
        var bar = new ProgressDisplay.Bar(new DelegatingProgressBarConsumer(frames::add, 120));
        bar.start("web restore", OptionalLong.of(8 * MIB));
        bar.moved(8 * MIB);
        bar.finish(true);
        String last = frames.get(frames.size() - 1);
        assertThat(last).startsWith("web restore 100%").contains("8/8 MiB").containsPattern("/s done$");
    }
}
