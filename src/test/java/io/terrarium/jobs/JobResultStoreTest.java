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

    @Test
    void aResultFileLargerThanTheCapIsNotParsedAndSaysSo() throws Exception {
        // tester, session 8: a 300 MB result killed the daemon (OutOfMemoryError) when `jobs list` was served
        JobResultStore store = new JobResultStore(dir, App.jsonMapper());
        Path jobs = Files.createDirectories(dir.resolve("jobs"));
        Path big = jobs.resolve("snapshot.json");
        try (var out = Files.newOutputStream(big)) {
            out.write("{\"job\":\"snapshot\",\"status\":\"OK\",\"summary\":\"".getBytes());
            byte[] chunk = new byte[1 << 16];
            java.util.Arrays.fill(chunk, (byte) 'A');
            for (long n = 0; n <= JobResultStore.MAX_FILE_BYTES; n += chunk.length) {
                out.write(chunk);
            }
            out.write("\"}".getBytes());
        }
        assertThat(store.last("snapshot")).isNull();
        assertThat(store.lastProblem("snapshot")).startsWith(big + " is too large (").contains("bytes; a job result is at most 4194304")
                .contains("move it aside");
        Files.copy(big, jobs.resolve("snapshot.items.json"));
        Files.copy(big, jobs.resolve("snapshot.paused"));
        assertThat(store.items("snapshot")).isEmpty();
        assertThat(store.pausedSince("snapshot")).as("a damaged pause file still pauses").isNotNull();
        // a file just under the cap is still read
        Files.writeString(big, "{\"job\":\"snapshot\",\"status\":\"OK\",\"summary\":\"" + "A".repeat(1 << 20) + "\"}");
        assertThat(store.last("snapshot").summary()).hasSize(1 << 20);
        assertThat(store.lastProblem("snapshot")).isNull();
    }

    @Test
    void anEmptyResultFileOrADirectoryInItsPlaceIsNamedWithWhatToDo() throws Exception {
        JobResultStore store = new JobResultStore(dir, App.jsonMapper());
        Path jobs = Files.createDirectories(dir.resolve("jobs"));
        Files.writeString(jobs.resolve("snapshot.json"), "");
        assertThat(store.lastProblem("snapshot")).isEqualTo(jobs.resolve("snapshot.json")
                + " is empty: the job's next run replaces it; move it aside to see the job as never run");
        Files.createDirectories(jobs.resolve("replicate.json"));
        assertThat(store.lastProblem("replicate")).isEqualTo("cannot read " + jobs.resolve("replicate.json")
                + ": it is a directory; move it aside so that the job's next run can write a new one");
        assertThat(store.lastProblem("host-facts")).as("absent").isNull();
    }
}
