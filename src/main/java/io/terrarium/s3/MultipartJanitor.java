package io.terrarium.s3;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.ListMultipartUploadsResponse;
import software.amazon.awssdk.services.s3.model.MultipartUpload;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * The {@code s3-janitor} logic (DESIGN.md §4, case C06): aborts unfinished multipart uploads under
 * Terrarium's prefix that are older than the longest expected upload. Uploads under any other
 * prefix are never touched, whatever their age, and neither are young ones (an export may be running).
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

    /** What one run did. @param aborted uploads aborted @param kept uploads under our prefix left alone @param errors failures to abort */
    public record Report(List<Upload> aborted, List<Upload> kept, List<String> errors) {
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
        List<Upload> selected = select(listed, prefix, clock.instant(), threshold);
        List<Upload> aborted = new ArrayList<>();
        List<String> errors = new ArrayList<>();
        for (Upload u : selected) {
            try {
                s3.abortMultipartUpload(b -> b.bucket(bucket).key(u.key()).uploadId(u.uploadId()));
                LOG.info("aborted orphaned multipart upload of {} started {}", u.key(), u.initiated());
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
