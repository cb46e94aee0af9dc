package io.terrarium.testing;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class SanoidWindowTest {
    @Test
    void windowsAreMultiplesOfThePeriodInUtc() {
        Instant t = Instant.parse("2026-12-07T02:14:59Z");
        assertThat(SanoidWindow.start(t, Duration.ofMinutes(15))).isEqualTo(Instant.parse("2026-12-07T02:00:00Z"));
        assertThat(SanoidWindow.start(t, Duration.ofMinutes(1))).isEqualTo(Instant.parse("2026-12-07T02:14:00Z"));
        assertThat(SanoidWindow.start(t, Duration.ofMinutes(60))).isEqualTo(Instant.parse("2026-12-07T02:00:00Z"));
        assertThat(SanoidWindow.start(Instant.parse("2026-12-07T02:15:00Z"), Duration.ofMinutes(15)))
                .isEqualTo(Instant.parse("2026-12-07T02:15:00Z"));
    }

    @Test
    void awaitRoomWaitsIntoTheNextWindowWhenTooLittleIsLeft() throws Exception {
        Duration period = Duration.ofSeconds(4);
        // needing 3.9 s of a 4 s window: almost always a wait into the next window, which then has ≥ 3 s left
        Instant before = Instant.now();
        Instant window = SanoidWindow.awaitRoom(period, Duration.ofMillis(3900));
        Instant after = Instant.now();
        assertThat(window).isEqualTo(SanoidWindow.start(after, period));
        assertThat(Duration.between(after, window.plus(period))).isGreaterThanOrEqualTo(Duration.ofMillis(2900));
        assertThat(Duration.between(before, after)).isLessThan(Duration.ofSeconds(6));
    }

    @Test
    void aNeedAsLongAsTheWindowIsRefused() {
        assertThatThrownBy(() -> SanoidWindow.awaitRoom(Duration.ofMinutes(1), Duration.ofMinutes(1)))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
