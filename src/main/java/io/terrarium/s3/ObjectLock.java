package io.terrarium.s3;

import io.terrarium.config.TerrariumConfig;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.s3.DelegatingS3Client;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.CreateMultipartUploadRequest;
import software.amazon.awssdk.services.s3.model.GetObjectLockConfigurationResponse;
import software.amazon.awssdk.services.s3.model.NoSuchKeyException;
import software.amazon.awssdk.services.s3.model.ObjectLockEnabled;
import software.amazon.awssdk.services.s3.model.ObjectLockMode;
import software.amazon.awssdk.services.s3.model.ObjectLockRetention;
import software.amazon.awssdk.services.s3.model.ObjectLockRetentionMode;
import software.amazon.awssdk.services.s3.model.PutObjectRequest;
import software.amazon.awssdk.services.s3.model.S3Exception;
import software.amazon.awssdk.services.s3.model.S3Request;

import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;

/**
 * S3 Object Lock for restore points (issue 13 item 4, docs/s3.md "Object Lock"; AWS S3 user guide
 * "Locking objects with Object Lock", API PutObject / CreateMultipartUpload lock headers,
 * PutObjectRetention, GetObjectRetention, GetObjectLockConfiguration).
 *
 * <ul>
 *   <li>{@link #locking(S3Client)}: a client that adds {@code x-amz-object-lock-mode} and
 *       {@code x-amz-object-lock-retain-until-date} to every PutObject and CreateMultipartUpload
 *       (so each volume and the manifest of a restore point is locked from its upload);</li>
 *   <li>{@link #checkBucket}: before an export uploads a stream, the bucket must report Object Lock
 *       enabled (a bucket without it would silently store unlocked objects);</li>
 *   <li>{@link #extend}: PutObjectRetention of earlier restore points' objects to a later date,
 *       never shortening one (S3 refuses to shorten COMPLIANCE anyway; GOVERNANCE would allow it);</li>
 *   <li>{@link #retainUntil(S3Client, String, String)}: the date an object is locked until, read
 *       from the store (the source of truth: a later extension changes it after the manifest is
 *       written), used by retention to leave locked points alone.</li>
 * </ul>
 */
public final class ObjectLock {
    private final ObjectLockMode mode;
    private final Duration retain;
    private final Clock clock;

    /**
     * @param mode   GOVERNANCE or COMPLIANCE
     * @param retain how long each new object is locked from its upload (&gt; 0)
     * @param clock  time source for retain-until dates (UTC)
     * @throws IllegalArgumentException when {@code retain} is not positive or the mode is unknown
     */
    public ObjectLock(ObjectLockMode mode, Duration retain, Clock clock) {
        if (mode != ObjectLockMode.GOVERNANCE && mode != ObjectLockMode.COMPLIANCE) {
            throw new IllegalArgumentException("object lock mode must be GOVERNANCE or COMPLIANCE, got " + mode);
        }
        if (retain == null || retain.isNegative() || retain.isZero()) {
            throw new IllegalArgumentException("object lock retain period must be positive, got " + retain);
        }
        this.mode = mode;
        this.retain = retain;
        this.clock = clock;
    }

    /**
     * The lock of an {@code s3.object_lock} block, or {@code null} when the block is absent.
     *
     * @throws IllegalArgumentException on a mode other than GOVERNANCE/COMPLIANCE or days &lt; 1
     *                                  ({@code config check} reports those first)
     */
    public static ObjectLock fromConfig(TerrariumConfig.ObjectLock c, Clock clock) {
        if (c == null) {
            return null;
        }
        if (c.retainDays() == null || c.mode() == null) {
            throw new IllegalArgumentException("s3.object_lock needs mode and retain_days");
        }
        return new ObjectLock(ObjectLockMode.fromValue(c.mode()), Duration.ofDays(c.retainDays()), clock);
    }

    /** The lock mode new objects get. */
    public ObjectLockMode mode() {
        return mode;
    }

    /** How long each new object is locked from its upload. */
    public Duration retain() {
        return retain;
    }

    /**
     * The retain-until date for an object uploaded now: now + retain, rounded up to the next whole
     * second (the header carries ISO-8601 seconds; rounding up never locks shorter than asked), UTC.
     */
    public Instant retainUntil() {
        return roundUp(clock.instant().plus(retain));
    }

    static Instant roundUp(Instant t) {
        Instant s = t.truncatedTo(ChronoUnit.SECONDS);
        return s.equals(t) ? s : s.plusSeconds(1);
    }

    /**
     * Whether an object locked until {@code current} must be extended to reach {@code wanted}:
     * true when it has no date or an earlier one. A later date is never shortened.
     */
    static boolean needsExtension(Instant current, Instant wanted) {
        return current == null || current.isBefore(wanted);
    }

    /**
     * A client that writes every PutObject and CreateMultipartUpload with this lock (mode and
     * retain-until computed at the request). Every other call goes to {@code delegate} unchanged;
     * closing it closes {@code delegate}.
     */
    public S3Client locking(S3Client delegate) {
        return new DelegatingS3Client(delegate) {
            @Override
            @SuppressWarnings("unchecked")
            protected <T extends S3Request, R> R invokeOperation(T request, Function<T, R> operation) {
                S3Request r = request;
                if (request instanceof PutObjectRequest p) {
                    r = p.toBuilder().objectLockMode(mode).objectLockRetainUntilDate(retainUntil()).build();
                } else if (request instanceof CreateMultipartUploadRequest c) {
                    r = c.toBuilder().objectLockMode(mode).objectLockRetainUntilDate(retainUntil()).build();
                }
                return operation.apply((T) r);
            }
        };
    }

    /**
     * Checks that the bucket has Object Lock enabled (GetObjectLockConfiguration).
     *
     * @throws IOException naming the bucket and what to do when it has no lock configuration, the
     *                     store does not implement the call (s3proxy: 501), or the call fails
     */
    public static void checkBucket(S3Client s3, String bucket) throws IOException {
        GetObjectLockConfigurationResponse r;
        try {
            r = s3.getObjectLockConfiguration(b -> b.bucket(bucket));
        } catch (S3Exception e) {
            String code = e.awsErrorDetails() == null ? "" : e.awsErrorDetails().errorCode();
            throw new IOException("s3.object_lock is set but bucket " + bucket + " has no Object Lock configuration ("
                    + e.statusCode() + " " + code + "): Object Lock can only be enabled on a bucket "
                    + "created with it (or, on AWS, by enabling it on a versioned bucket); create such a bucket "
                    + "or remove s3.object_lock. Nothing was uploaded", e);
        } catch (SdkException e) {
            throw new IOException("cannot read the Object Lock configuration of bucket " + bucket + ": "
                    + e.getMessage() + ". Nothing was uploaded", e);
        }
        if (r.objectLockConfiguration() == null
                || r.objectLockConfiguration().objectLockEnabled() != ObjectLockEnabled.ENABLED) {
            throw new IOException("s3.object_lock is set but bucket " + bucket + " does not have Object Lock "
                    + "enabled; create a bucket with Object Lock or remove s3.object_lock. Nothing was uploaded");
        }
    }

    /**
     * The date an object is locked until (GetObjectRetention), UTC.
     *
     * @return empty when the object has no retention, does not exist, or the store does not
     *         implement the call (then nothing it holds can be locked)
     * @throws IOException on any other failure (access denied, network): the caller must then
     *                     treat the object as possibly locked
     */
    public static Optional<Instant> retainUntil(S3Client s3, String bucket, String key) throws IOException {
        try {
            ObjectLockRetention r = s3.getObjectRetention(b -> b.bucket(bucket).key(key)).retention();
            return r == null ? Optional.empty() : Optional.ofNullable(r.retainUntilDate());
        } catch (NoSuchKeyException e) {
            return Optional.empty();
        } catch (S3Exception e) {
            String code = e.awsErrorDetails() == null ? "" : e.awsErrorDetails().errorCode();
            // AWS: 404 NoSuchObjectLockConfiguration; S3Mock: 404 NotFound; 400 InvalidRequest: bucket without lock;
            // 501: a store without Object Lock
            if (e.statusCode() == 404 || e.statusCode() == 501
                    || "InvalidRequest".equals(code) || "ObjectLockConfigurationNotFoundError".equals(code)) {
                return Optional.empty();
            }
            throw new IOException("cannot read the retention of " + key + ": " + e.getMessage(), e);
        } catch (SdkException e) {
            throw new IOException("cannot read the retention of " + key + ": " + e.getMessage(), e);
        }
    }

    /**
     * Extends every key's lock to at least {@code until} (PutObjectRetention with this lock's mode);
     * a key already locked at or past {@code until} is left alone, so a date is never shortened.
     *
     * @return the keys whose retention was written
     * @throws IOException naming the first key that could not be read or extended
     */
    public List<String> extend(S3Client s3, String bucket, List<String> keys, Instant until) throws IOException {
        List<String> extended = new ArrayList<>();
        ObjectLockRetentionMode rmode = ObjectLockRetentionMode.fromValue(mode.toString());
        for (String key : keys) {
            Instant current = retainUntil(s3, bucket, key).orElse(null);
            if (!needsExtension(current, until)) {
                continue;
            }
            try {
                s3.putObjectRetention(b -> b.bucket(bucket).key(key)
                        .retention(ObjectLockRetention.builder().mode(rmode).retainUntilDate(until).build()));
            } catch (SdkException e) {
                throw new IOException("cannot extend the Object Lock of " + key + " to " + until + ": "
                        + e.getMessage(), e);
            }
            extended.add(key);
        }
        return extended;
    }

    /**
     * Whether a delete failure is S3's refusal to delete a locked object: 403 AccessDenied (AWS
     * answers that for a version under retention or legal hold).
     */
    public static boolean isLockRefusal(Throwable t) {
        for (Throwable c = t; c != null; c = c.getCause()) {
            if (c instanceof S3Exception e && e.statusCode() == 403) {
                return true;
            }
        }
        return false;
    }
}
