package io.terrarium.s3;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.ListMultipartUploadsResponse;
import software.amazon.awssdk.services.s3.model.MultipartUpload;

import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * The {@code s3-janitor} logic (DESIGN.md §4, case C06, issue 13 item 5): aborts unfinished
 * multipart uploads under one scope. Uploads under any other prefix are never touched, whatever
 * their age.
 *
 * <p>Two ways to decide that an upload is orphaned:
 * <ul>
 *   <li>{@link #sweep}: the scope is this installation's folder ({@link #installationScope}) and the
 *       caller holds the host's export lock (the same one {@code s3-export} holds for its whole run):
 *       no export of this installation is running, so every unfinished upload there is orphaned,
 *       whatever its age. When the lock is taken an export is running and nothing is aborted. This is
 *       what {@code s3-export} does at its start and what the daily {@code s3-janitor} does.</li>
 *   <li>{@link #run} with an age threshold: the old rule, for callers without the lock (tests).</li>
 * </ul>
 * Other installations under the same prefix (another host sharing the bucket) are outside the scope,
 * so their running exports are never aborted.
 */
public final class MultipartJanitor {
    private static final Logger LOG = LoggerFactory.getLogger(MultipartJanitor.class);
    /** Default age after which an unfinished upload under our prefix counts as orphaned. */
    public static final Duration DEFAULT_THRESHOLD = Duration.ofHours(24);

    private final S3Client s3;
    private final String bucket;
    private final String prefix;
    private final Duration threshold;
    private final Clock clock;

    /**
     * @param s3        client
     * @param bucket    bucket
     * @param prefix    our prefix (e.g. {@code terrarium/}); must not be empty — the janitor never
     *                  works on a whole bucket
     * @param threshold minimum age of an upload to abort
     * @param clock     time source (tests inject one, since stores do not let an initiation time be backdated)
     */
    public MultipartJanitor(S3Client s3, String bucket, String prefix, Duration threshold, Clock clock) {
        if (prefix == null || prefix.isEmpty()) {
            throw new IllegalArgumentException("the janitor needs a non-empty prefix");
        }
        this.s3 = s3;
        this.bucket = bucket;
        this.prefix = prefix;
        this.threshold = threshold;
        this.clock = clock;
    }

    /** One unfinished upload, as listed. @param key object key @param uploadId id @param initiated start time */
    public record Upload(String key, String uploadId, Instant initiated) {
    }

    /**
     * What one run did.
     *
     * @param aborted uploads aborted
     * @param kept    uploads under the scope left alone
     * @param errors  failures to abort
     * @param skipped why nothing was looked at (an export holds the lock), or {@code null} when the run happened
     */
    public record Report(List<Upload> aborted, List<Upload> kept, List<String> errors, String skipped) {
        /** A report of a run that happened. */
        public Report(List<Upload> aborted, List<Upload> kept, List<String> errors) {
            this(aborted, kept, errors, null);
        }
    }

    /**
     * The folder of one installation under the prefix, {@code <prefix><installationId>/}
     * ({@link ExportKeys}): the only place a janitor of that installation aborts uploads.
     *
     * @throws IllegalArgumentException when the installation id is not a valid key part
     */
    public static String installationScope(String prefix, String installationId) {
        return new ExportKeys(prefix == null ? "" : prefix, installationId).prefix() + installationId + "/";
    }

    /**
     * Aborts this installation's orphaned uploads, coordinated through the export lock: takes
     * {@code exportLock} without waiting; when another holder (a running {@code s3-export}, in this
     * process or another) has it, nothing is listed or aborted and {@link Report#skipped} says why.
     * Holding it, every unfinished upload under {@code scope} is aborted whatever its age (no export
     * of this installation runs). The lock is released before returning.
     *
     * @param scope {@link #installationScope} of this installation
     * @throws IOException when the lock file cannot be opened
     * @throws SdkException when the uploads cannot be listed
     */
    public static Report sweep(S3Client s3, String bucket, String scope, java.nio.file.Path exportLock, Clock clock)
            throws IOException {
        io.terrarium.config.LockFile lock = io.terrarium.config.LockFile.tryAcquire(exportLock);
        if (lock == null) {
            return new Report(List.of(), List.of(), List.of(),
                    "an s3-export is running (lock " + exportLock + " is held); its uploads are left alone");
        }
        try {
            return new MultipartJanitor(s3, bucket, scope, Duration.ZERO, clock).runAll();
        } finally {
            lock.release();
        }
    }

    /**
     * Aborts every unfinished upload under the scope, whatever its age. Only for a caller that holds
     * the export lock (the export itself at its start, or {@link #sweep}).
     */
    public Report runAll() {
        List<Upload> listed = list();
        return abort(listed, listed.stream().filter(u -> u.key() != null && u.key().startsWith(prefix)).toList());
    }

    /**
     * Pure selection: the uploads whose key starts with {@code prefix} and that were initiated more
     * than {@code threshold} before {@code now}. An upload without an initiation time is kept.
     */
    public static List<Upload> select(List<Upload> uploads, String prefix, Instant now, Duration threshold) {
        Instant cutoff = now.minus(threshold);
        List<Upload> out = new ArrayList<>();
        for (Upload u : uploads) {
            if (u.key() != null && u.key().startsWith(prefix) && u.initiated() != null
                    && u.initiated().isBefore(cutoff)) {
                out.add(u);
            }
        }
        return out;
    }

    /** Lists the unfinished uploads under our prefix (all pages). */
    public List<Upload> list() {
        List<Upload> all = new ArrayList<>();
        String keyMarker = null;
        String idMarker = null;
        while (true) {
            String km = keyMarker;
            String im = idMarker;
            ListMultipartUploadsResponse r = s3.listMultipartUploads(b -> b.bucket(bucket).prefix(prefix)
                    .keyMarker(km).uploadIdMarker(im));
            for (MultipartUpload u : r.uploads()) {
                all.add(new Upload(u.key(), u.uploadId(), u.initiated()));
            }
            if (!Boolean.TRUE.equals(r.isTruncated())) {
                return all;
            }
            keyMarker = r.nextKeyMarker();
            idMarker = r.nextUploadIdMarker();
        }
    }

    /** Lists, selects and aborts; failures to abort one upload are reported, the others still run. */
    public Report run() {
        List<Upload> listed = list();
        return abort(listed, select(listed, prefix, clock.instant(), threshold));
    }

    private Report abort(List<Upload> listed, List<Upload> selected) {
        List<Upload> aborted = new ArrayList<>();
        List<String> errors = new ArrayList<>();
        for (Upload u : selected) {
            try {
                s3.abortMultipartUpload(b -> b.bucket(bucket).key(u.key()).uploadId(u.uploadId()));
                LOG.info("aborted orphaned multipart upload {} of {} started {}", u.uploadId(), u.key(), u.initiated());
                aborted.add(u);
            } catch (SdkException e) {
                errors.add("abort " + u.key() + ": " + e.getMessage());
            }
        }
        List<Upload> kept = new ArrayList<>(listed);
        kept.removeAll(aborted);
        return new Report(aborted, kept, errors);
    }
}
