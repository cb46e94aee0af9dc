package io.terrarium.jobs;

import io.terrarium.App;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;

import static org.assertj.core.api.Assertions.assertThat;

class JobResultStoreTest {
    @TempDir
    Path dir;

    private static JobResult result(JobResult.Status s, String at) {
        return new JobResult("snapshot", s, s.name(), "schedule", Instant.parse(at), 10, "test", null);
    }

    @Test
    void lastSuccessIsTheLastOkOrWarningRunAndSurvivesLaterFailures() {
        JobResultStore store = new JobResultStore(dir, App.jsonMapper());
        assertThat(store.lastSuccess("snapshot")).isNull();
        store.save(result(JobResult.Status.OK, "2026-12-06T10:00:00Z"));
        store.save(result(JobResult.Status.WARNING, "2026-12-06T10:15:00Z"));
        store.save(result(JobResult.Status.FAILED, "2026-12-06T10:30:00Z"));
        store.save(result(JobResult.Status.REJECTED, "2026-12-06T10:31:00Z"));
        assertThat(store.last("snapshot").status()).isEqualTo(JobResult.Status.REJECTED);
        assertThat(store.lastSuccess("snapshot").startedAt()).isEqualTo(Instant.parse("2026-12-06T10:15:00Z"));
    }

    @Test
    void resultsAreRootOnlyAndAnOlderWorldReadableDirectoryIsTightened() throws Exception {
        // issue 14 item 7: results name instances, datasets and errors; before, the files were 0644
        Path jobs = Files.createDirectories(dir.resolve("jobs"));
        Files.setPosixFilePermissions(jobs, java.nio.file.attribute.PosixFilePermissions.fromString("rwxr-xr-x"));
        JobResultStore store = new JobResultStore(dir, App.jsonMapper());
        assertThat(store.save(result(JobResult.Status.OK, "2026-12-06T10:00:00Z"))).isNull();
        assertThat(java.nio.file.attribute.PosixFilePermissions.toString(Files.getPosixFilePermissions(jobs))).isEqualTo("rwx------");
        for (String f : new String[] {"snapshot.json", "snapshot.last-success.json"}) {
            assertThat(java.nio.file.attribute.PosixFilePermissions.toString(Files.getPosixFilePermissions(jobs.resolve(f))))
                    .as(f).isEqualTo("rw-------");
        }
    }

    @Test
    void aPauseIsKeptOnDiskUntilResumedAndADamagedPauseFileStillPauses() throws Exception {
        JobResultStore store = new JobResultStore(dir, App.jsonMapper());
        assertThat(store.pausedSince("snapshot")).isNull();
        Instant since = store.pause("snapshot");
        // a second store on the same directory (a restarted daemon) sees the pause
        assertThat(new JobResultStore(dir, App.jsonMapper()).pausedSince("snapshot")).isEqualTo(since);
        assertThat(store.pause("snapshot")).isEqualTo(since);
        assertThat(store.resume("snapshot")).isTrue();
        assertThat(store.resume("snapshot")).isFalse();
        assertThat(store.pausedSince("snapshot")).isNull();

        Files.writeString(dir.resolve("jobs/snapshot.paused"), "{not json");
        assertThat(store.pausedSince("snapshot")).isNotNull();
    }
}
