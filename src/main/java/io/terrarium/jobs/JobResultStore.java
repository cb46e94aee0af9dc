package io.terrarium.jobs;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.terrarium.config.AtomicFiles;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Keeps the last result of each job as {@code <stateDir>/jobs/<id>.json} (written atomically),
 * for {@code status} and {@code jobs list}.
 */
public final class JobResultStore {
    private final Path dir;
    private final ObjectMapper json;

    /** @param stateDir e.g. {@code /var/lib/terrarium}; @param json mapper */
    public JobResultStore(Path stateDir, ObjectMapper json) {
        this.dir = stateDir.resolve("jobs");
        this.json = json;
    }

    /** Saves a result; failures to save are returned, never thrown (a job's outcome wins). */
    public String save(JobResult r) {
        try {
            Files.createDirectories(dir);
            AtomicFiles.write(dir.resolve(r.job() + ".json"), json.writeValueAsBytes(r), AtomicFiles.WORLD_READABLE);
            return null;
        } catch (IOException e) {
            return "cannot save result of " + r.job() + ": " + e.getMessage();
        }
    }

    /** The last saved result of a job, or {@code null}. */
    public JobResult last(String jobId) {
        Path f = dir.resolve(jobId + ".json");
        try {
            return Files.exists(f) ? json.readValue(f.toFile(), JobResult.class) : null;
        } catch (IOException e) {
            return null;
        }
    }
}
