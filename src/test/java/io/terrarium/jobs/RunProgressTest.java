package io.terrarium.jobs;

import io.terrarium.testing.MutableClock;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.OptionalLong;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The daemon's per-run progress ring: bounded, numbered, read after a sequence number, finished. */
class RunProgressTest {
    private final MutableClock clock = new MutableClock(Instant.parse("2026-12-06T23:00:00Z"));

    @Test
    void eventsAreNumberedFromOneAndCarryRunningTotalsOfTheCurrentItem() {
        RunProgress p = new RunProgress(8, clock, Duration.ofSeconds(1));
        p.start("web", "full", OptionalLong.of(1000));
        clock.now = clock.now.plusSeconds(1);
        p.read(300);
        p.stored(100);  // within the interval of the previous event: no event of its own
        clock.now = clock.now.plusSeconds(1);
        p.read(200);
        p.finish(true);
        var page = p.after(0);
        assertThat(page.events()).extracting(RunProgress.Event::seq).containsExactly(1L, 2L, 3L, 4L);
        assertThat(page.events()).extracting(RunProgress.Event::type).containsExactly("start", "progress", "progress", "finish");
        assertThat(page.events()).extracting(RunProgress.Event::bytes).containsExactly(0L, 300L, 500L, 500L);
        assertThat(page.events()).extracting(RunProgress.Event::stored).containsExactly(0L, 0L, 100L, 100L);
        assertThat(page.events().get(0).total()).isEqualTo(1000L);
        assertThat(page.events().get(0).item()).isEqualTo("web");
        assertThat(page.events().get(0).phase()).isEqualTo("full");
        assertThat(page.events().get(3).ok()).isTrue();
        assertThat(page.events().get(1).ok()).isNull();
        assertThat(page.last()).isEqualTo(4);
        assertThat(page.lost()).isZero();
        assertThat(page.finished()).isFalse();

        p.start("db", "incremental", OptionalLong.empty());
        var next = p.after(4);
        assertThat(next.events()).singleElement().satisfies(e -> {
            assertThat(e.seq()).isEqualTo(5);
            assertThat(e.item()).isEqualTo("db");
            assertThat(e.bytes()).as("counters restart per item").isZero();
            assertThat(e.total()).isNull();
        });
    }

    @Test
    void readingAfterTheLastSequenceGivesNothingNewAndTheSameLast() {
        RunProgress p = new RunProgress(8, clock, Duration.ofSeconds(1));
        p.start("web", "full", OptionalLong.empty());
        var page = p.after(1);
        assertThat(page.events()).isEmpty();
        assertThat(page.last()).isEqualTo(1);
        assertThat(page.lost()).isZero();
        assertThat(p.after(0).events()).as("reading consumes nothing").hasSize(1);
    }

    @Test
    void theRingKeepsTheNewestEventsAndCountsTheOnesAReaderLost() {
        RunProgress p = new RunProgress(3, clock, Duration.ZERO);
        p.start("web", "full", OptionalLong.empty());   // 1
        for (int i = 0; i < 9; i++) {
            p.read(10);                                  // 2..10
        }
        var page = p.after(0);
        assertThat(page.events()).extracting(RunProgress.Event::seq).containsExactly(8L, 9L, 10L);
        assertThat(page.lost()).isEqualTo(7);
        assertThat(page.events().get(2).bytes()).as("running totals survive the loss").isEqualTo(90);
        var later = p.after(8);
        assertThat(later.events()).extracting(RunProgress.Event::seq).containsExactly(9L, 10L);
        assertThat(later.lost()).isZero();
        assertThatThrownBy(() -> new RunProgress(0, clock, Duration.ZERO)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void aFinishedRunSaysSoAndStillHandsOutItsLastEvents() {
        RunProgress p = new RunProgress(8, clock, Duration.ofSeconds(1));
        p.start("web", "full", OptionalLong.empty());
        p.read(42);
        p.finish(false);
        p.close();
        var page = p.after(1);
        assertThat(page.finished()).isTrue();
        assertThat(page.events()).last().satisfies(e -> {
            assertThat(e.type()).isEqualTo("finish");
            assertThat(e.ok()).isFalse();
            assertThat(e.bytes()).isEqualTo(42);
        });
    }
}
