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

    /** Issue 13 item 5: today's 24 h rule aborted a long export's upload while it still ran. */
    @Test
    void sweepAbortsNothingWhileAnExportHoldsTheLockWhateverTheUploadsAge(@org.junit.jupiter.api.io.TempDir java.nio.file.Path tmp)
            throws Exception {
        FakeS3 s3 = new FakeS3();
        s3.addUpload("terrarium/inst-1/web/data/a/stream.zst.0000", NOW.minus(Duration.ofHours(30)));
        java.nio.file.Path lock = tmp.resolve("s3-export.lock");
        try (var held = io.terrarium.config.LockFile.tryAcquire(lock)) {
            var r = MultipartJanitor.sweep(s3, "b", MultipartJanitor.installationScope("terrarium/", "inst-1"), lock,
                    Clock.fixed(NOW, ZoneOffset.UTC));
            assertThat(r.skipped()).contains("an s3-export is running").contains(lock.toString());
            assertThat(r.aborted()).isEmpty();
        }
        assertThat(s3.uploads).hasSize(1);
        assertThat(s3.aborted.get()).isZero();
    }

    @Test
    void sweepAbortsEveryUploadOfThisInstallationWhenNoExportRunsAndNeverAnotherInstallations(
            @org.junit.jupiter.api.io.TempDir java.nio.file.Path tmp) throws Exception {
        FakeS3 s3 = new FakeS3();
        s3.addUpload("terrarium/inst-1/web/data/a/stream.zst.0000", NOW.minus(Duration.ofMinutes(1)));
        s3.addUpload("terrarium/inst-1/db/data/b/stream.zst.0003", NOW.minus(Duration.ofHours(40)));
        s3.addUpload("terrarium/inst-2/web/data/c/stream.zst.0000", NOW.minus(Duration.ofHours(40)));
        s3.addUpload("terrarium/inst-10/web/data/d/stream.zst.0000", NOW.minus(Duration.ofHours(40)));
        var r = MultipartJanitor.sweep(s3, "b", MultipartJanitor.installationScope("terrarium/", "inst-1"),
                tmp.resolve("s3-export.lock"), Clock.fixed(NOW, ZoneOffset.UTC));
        assertThat(r.skipped()).isNull();
        assertThat(r.aborted()).extracting(MultipartJanitor.Upload::key).containsExactlyInAnyOrder(
                "terrarium/inst-1/web/data/a/stream.zst.0000", "terrarium/inst-1/db/data/b/stream.zst.0003");
        assertThat(s3.uploads.values()).extracting(u -> u.key).containsExactlyInAnyOrder(
                "terrarium/inst-2/web/data/c/stream.zst.0000", "terrarium/inst-10/web/data/d/stream.zst.0000");
        // the lock was given back
        try (var again = io.terrarium.config.LockFile.tryAcquire(tmp.resolve("s3-export.lock"))) {
            assertThat(again).isNotNull();
        }
    }

    @Test
    void theScopeIsTheInstallationsFolderUnderThePrefix() {
        assertThat(MultipartJanitor.installationScope("terrarium/", "inst-1")).isEqualTo("terrarium/inst-1/");
        assertThat(MultipartJanitor.installationScope("", "inst-1")).isEqualTo("inst-1/");
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> MultipartJanitor.installationScope("terrarium/", "../x"))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
