package io.terrarium.s3;

import org.junit.jupiter.api.Test;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class MultipartJanitorTest {
    static final Instant NOW = Instant.parse("2025-06-01T12:00:00Z");

    @Test
    void c06_selectsOnlyOldUploadsUnderOurPrefix() {
        var ours25 = new MultipartJanitor.Upload("terrarium/i/web/data/a/stream.zst.0000", "u1", NOW.minus(Duration.ofHours(25)));
        var ours1 = new MultipartJanitor.Upload("terrarium/i/web/data/b/stream.zst.0000", "u2", NOW.minus(Duration.ofHours(1)));
        var foreign30 = new MultipartJanitor.Upload("other-app/big.bin", "u3", NOW.minus(Duration.ofHours(30)));
        var lookalike = new MultipartJanitor.Upload("terrarium-other/x", "u4", NOW.minus(Duration.ofHours(30)));
        assertThat(MultipartJanitor.select(List.of(ours25, ours1, foreign30, lookalike), "terrarium/", NOW, Duration.ofHours(24)))
                .containsExactly(ours25);
    }

    @Test
    void c06_runAbortsOnlyThe25HourUpload() {
        FakeS3 s3 = new FakeS3();
        s3.addUpload("terrarium/i/web/data/a/stream.zst.0000", NOW.minus(Duration.ofHours(25)));
        s3.addUpload("terrarium/i/web/data/b/stream.zst.0000", NOW.minus(Duration.ofHours(1)));
        s3.addUpload("other-app/big.bin", NOW.minus(Duration.ofHours(30)));
        var report = new MultipartJanitor(s3, "b", "terrarium/", Duration.ofHours(24), Clock.fixed(NOW, ZoneOffset.UTC)).run();
        assertThat(report.aborted()).extracting(MultipartJanitor.Upload::key).containsExactly("terrarium/i/web/data/a/stream.zst.0000");
        assertThat(report.kept()).extracting(MultipartJanitor.Upload::key).containsExactly("terrarium/i/web/data/b/stream.zst.0000");
        assertThat(s3.uploads.values()).extracting(u -> u.key)
                .containsExactlyInAnyOrder("terrarium/i/web/data/b/stream.zst.0000", "other-app/big.bin");
    }
}
