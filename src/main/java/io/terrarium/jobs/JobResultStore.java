package io.terrarium.jobs;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.terrarium.config.AtomicFiles;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Map;

/**
 * Keeps, per job, under {@code <stateDir>/jobs/} (directory 0700, each file written atomically,
 * 0600: results name instances, datasets and errors, which local users need not read; issue 14
 * item 7):
 * <ul>
 *   <li>{@code <id>.json}: the last result (any status), for {@code status} and {@code jobs list};</li>
 *   <li>{@code <id>.last-success.json}: the last OK or WARNING result (a run that did its work;
 *       WARNING means it did, with something to look at), for "last success";</li>
 *   <li>{@code <id>.items.json}: per-item state across runs ({@link JobItems}: last run, last
 *       success, bytes, chain length, newest restore point per instance), for the per-instance
 *       metrics — written by every process that records a run, so runs of the CLI's own process
 *       reach the daemon's {@code /observe/metrics} too;</li>
 *   <li>{@code <id>.paused}: present while the job is paused ({@code jobs pause}): a JSON object
 *       {@code {"job":…, "paused_at":"<UTC>"}}. The daemon's scheduler routes read it at every
 *       fire, so a pause survives a daemon restart and needs no call into the daemon.</li>
 * </ul>
 */
public final class JobResultStore {
    private static final java.util.Set<java.nio.file.attribute.PosixFilePermission> OWNER_ONLY_DIR =
            java.nio.file.attribute.PosixFilePermissions.fromString("rwx------");
    /**
     * Largest state file read, in bytes (4 MiB). A result names each instance or dataset of a run in a
     * row of well under 1 KiB, so real files stay far below this; a larger one (damaged, or written by
     * someone else) is not parsed, because the daemon serves {@code status} and {@code jobs list} from
     * a 256 MiB heap and must not run out of memory on a file in its state directory (tester, session 8:
     * a 300 MB result killed the daemon).
     */
    public static final long MAX_FILE_BYTES = 4L << 20;
    private final Path dir;
    private final ObjectMapper json;

    /** @param stateDir e.g. {@code /var/lib/terrarium}; @param json mapper */
    public JobResultStore(Path stateDir, ObjectMapper json) {
        this.dir = stateDir.resolve("jobs");
        this.json = json;
    }

    /**
     * Saves a result (and, for OK/WARNING, the last success); failures to save are returned,
     * never thrown (a job's outcome wins).
     */
    public String save(JobResult r) {
        try {
            AtomicFiles.ensureDirectory(dir, OWNER_ONLY_DIR);
            byte[] bytes = json.writeValueAsBytes(r);
            AtomicFiles.write(dir.resolve(r.job() + ".json"), bytes, AtomicFiles.OWNER_ONLY);
            if (r.status() == JobResult.Status.OK || r.status() == JobResult.Status.WARNING) {
                AtomicFiles.write(dir.resolve(r.job() + ".last-success.json"), bytes, AtomicFiles.OWNER_ONLY);
            }
            Map<String, JobItems.State> before = items(r.job());
            Map<String, JobItems.State> after = JobItems.merge(before, r);
            if (after != before && !(after.isEmpty() && before.isEmpty())) {
                AtomicFiles.write(itemsFile(r.job()), json.writeValueAsBytes(after), AtomicFiles.OWNER_ONLY);
            }
            return null;
        } catch (IOException e) {
            return "cannot save result of " + r.job() + ": " + e.getMessage();
        }
    }

    /** The last saved result of a job, or {@code null}. */
    public JobResult last(String jobId) {
        return read(dir.resolve(jobId + ".json"));
    }

    /**
     * Why the last result of a job cannot be read, for {@code status} and {@code jobs list}, which
     * would otherwise say "never ran" for a job whose result exists: {@code null} when the file is
     * absent or holds a result; else one sentence naming the file, what is wrong and what to do, e.g.
     * {@code cannot read the job state (results, pauses) in /var/lib/terrarium/jobs: permission denied
     * (the directory is root's only: run terrariumctl as root, e.g. with sudo)} (the directory is 0700:
     * a user who is not root cannot even tell whether the file exists; {@link io.terrarium.config.RootOnlyFile})
     * or {@code /var/lib/terrarium/jobs/snapshot.json is damaged (…): the job's next run replaces it;
     * move it aside to see the job as never run}. The file's content is not repeated (it is untrusted
     * and may be large).
     */
    public String lastProblem(String jobId) {
        Path f = dir.resolve(jobId + ".json");
        byte[] bytes;
        long size;
        try {
            size = Files.size(f);
        } catch (java.nio.file.NoSuchFileException e) {
            return null;
        } catch (java.nio.file.AccessDeniedException e) {
            // the directory (0700) may not be searched: whether the job ran, or is paused, is not known to this user
            return io.terrarium.config.RootOnlyFile.unreadableDirectory("the job state (results, pauses)", dir);
        } catch (IOException e) {
            return "cannot read " + f + ": " + io.terrarium.config.ConfigException.printable(String.valueOf(e.getMessage()))
                    + "; move it aside so that the job's next run can write a new one";
        }
        try {
            if (Files.isRegularFile(f) && size > MAX_FILE_BYTES) {
                return f + " is too large (" + size + " bytes; a job result is at most " + MAX_FILE_BYTES
                        + "): it is not read; move it aside, the job's next run writes a new one";
            }
            bytes = Files.readAllBytes(f);
        } catch (java.nio.file.NoSuchFileException e) {
            return null;
        } catch (java.nio.file.AccessDeniedException e) {
            return io.terrarium.config.RootOnlyFile.unreadable("the last result of job " + jobId, f);
        } catch (IOException e) {
            String why = Files.isDirectory(f) ? "it is a directory" : io.terrarium.config.ConfigException.printable(String.valueOf(e.getMessage()));
            return "cannot read " + f + ": " + why + "; move it aside so that the job's next run can write a new one";
        }
        if (bytes.length == 0) {
            return f + " is empty: the job's next run replaces it; move it aside to see the job as never run";
        }
        try {
            JobResult r = json.readValue(bytes, JobResult.class);
            if (r == null) {
                throw new IOException("empty");
            }
            return null;
        } catch (IOException e) {
            String why = e instanceof com.fasterxml.jackson.core.JsonProcessingException j && j.getLocation() != null
                    ? "not a job result at line " + j.getLocation().getLineNr() + ", column " + j.getLocation().getColumnNr()
                    : "not a job result";
            return f + " is damaged (" + why + "): the job's next run replaces it; move it aside to see the job as never run";
        }
    }

    /** The last OK or WARNING result of a job, or {@code null} when it never succeeded (since this store existed). */
    public JobResult lastSuccess(String jobId) {
        return read(dir.resolve(jobId + ".last-success.json"));
    }

    /**
     * Per-item state of a job ({@link JobItems}), item → state in the order of the last run;
     * empty when none was recorded or the file cannot be read.
     */
    public Map<String, JobItems.State> items(String jobId) {
        Path f = itemsFile(jobId);
        try {
            if (!Files.exists(f)) {
                return Map.of();
            }
            if (Files.size(f) > MAX_FILE_BYTES) {
                return Map.of();
            }
            return json.readValue(f.toFile(), new com.fasterxml.jackson.core.type.TypeReference<java.util.LinkedHashMap<String, JobItems.State>>() { });
        } catch (IOException e) {
            return Map.of();
        }
    }

    private Path itemsFile(String jobId) {
        return dir.resolve(jobId + ".items.json");
    }

    /**
     * Pauses a job's scheduled runs (idempotent: an already paused job keeps its first time).
     *
     * @return when the job was paused (UTC, whole seconds)
     * @throws IOException when the state directory cannot be written
     */
    public Instant pause(String jobId) throws IOException {
        Instant since = pausedSince(jobId);
        if (since != null) {
            return since;
        }
        Instant now = Instant.now().truncatedTo(ChronoUnit.SECONDS);
        AtomicFiles.ensureDirectory(dir, OWNER_ONLY_DIR);
        AtomicFiles.write(pauseFile(jobId), json.writeValueAsBytes(Map.of("job", jobId, "paused_at", now.toString())),
                AtomicFiles.OWNER_ONLY);
        return now;
    }

    /**
     * Resumes a paused job (idempotent).
     *
     * @return whether the job was paused
     * @throws IOException when the pause file cannot be removed
     */
    public boolean resume(String jobId) throws IOException {
        return Files.deleteIfExists(pauseFile(jobId));
    }

    /**
     * When the job was paused, or {@code null} when it is not. A pause file that cannot be parsed
     * still pauses (its modification time is the answer): a damaged file must not silently resume.
     */
    public Instant pausedSince(String jobId) {
        Path f = pauseFile(jobId);
        if (!Files.exists(f)) {
            return null;
        }
        try {
            if (Files.size(f) > MAX_FILE_BYTES) {
                throw new IOException("too large");
            }
            return Instant.parse(json.readTree(f.toFile()).path("paused_at").asText());
        } catch (IOException | RuntimeException e) {
            try {
                return Files.getLastModifiedTime(f).toInstant().truncatedTo(ChronoUnit.SECONDS);
            } catch (IOException gone) {
                return null;
            }
        }
    }

    private Path pauseFile(String jobId) {
        return dir.resolve(jobId + ".paused");
    }

    private JobResult read(Path f) {
        try {
            return Files.exists(f) && Files.size(f) <= MAX_FILE_BYTES ? json.readValue(f.toFile(), JobResult.class) : null;
        } catch (IOException e) {
            return null;
        }
    }
}
