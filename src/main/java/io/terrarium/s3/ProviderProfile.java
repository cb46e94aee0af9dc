package io.terrarium.s3;

import java.util.Locale;
import java.util.Set;

/**
 * The limits and quirks of one S3 provider that the streaming uploader plans with.
 *
 * <p>Sources: AWS S3 multipart limits (max 10,000 parts; part 5 MiB–5 GiB, the last part may be
 * smaller; object ≤ 5 TiB; single PUT ≤ 5 GiB); Cloudflare R2 (all parts but the last must have the
 * same size; 10,000 parts; no {@code x-amz-checksum-*} support on older endpoints → case C05);
 * MinIO (AWS limits); {@code generic} is the cautious default for other S3-compatible stores
 * (1,000 parts, as some providers allow no more). Tests use {@link #scaled} to shrink the limits.
 *
 * @param name                 profile name: {@code aws}, {@code r2}, {@code minio}, {@code generic}
 *                             (or a test name)
 * @param maxParts             most parts one multipart object may have (S3 limit: 10,000)
 * @param minPartSize          smallest part other than the last, bytes (S3 limit: 5 MiB)
 * @param maxPartSize          largest part, bytes (S3 limit: 5 GiB)
 * @param maxObjectSize        largest object, bytes (S3 limit: 5 TiB); a longer stream continues in
 *                             the next volume object
 * @param maxSinglePutSize     largest object a single PutObject may write, bytes (S3 limit: 5 GiB)
 * @param equalParts           whether all parts but the last must be equal (R2); the uploader always
 *                             sends equal parts, this is recorded for documentation and checks
 * @param checksumWhenRequired whether the SDK must send checksums only when an operation requires
 *                             them ({@code WHEN_REQUIRED}, case C05): true for every non-AWS endpoint
 * @param pathStyle            whether to address the bucket in the path (non-AWS endpoints)
 * @param storageClasses       storage classes the provider accepts; empty = none may be set
 */
public record ProviderProfile(String name, int maxParts, long minPartSize, long maxPartSize, long maxObjectSize,
                              long maxSinglePutSize, boolean equalParts, boolean checksumWhenRequired,
                              boolean pathStyle, Set<String> storageClasses) {
    /** 1 MiB in bytes. */
    public static final long MIB = 1024L * 1024;
    /** 1 GiB in bytes. */
    public static final long GIB = 1024 * MIB;
    /** 1 TiB in bytes. */
    public static final long TIB = 1024 * GIB;

    public ProviderProfile {
        if (maxParts < 1 || minPartSize < 1 || maxPartSize < minPartSize || maxObjectSize < minPartSize
                || maxSinglePutSize < 1) {
            throw new IllegalArgumentException("inconsistent limits in provider profile " + name);
        }
        storageClasses = Set.copyOf(storageClasses);
    }

    /** AWS S3: 10,000 parts of 5 MiB–5 GiB, 5 TiB objects, SDK default checksums, virtual-host style. */
    public static ProviderProfile aws() {
        return new ProviderProfile("aws", 10_000, 5 * MIB, 5 * GIB, 5 * TIB, 5 * GIB, false, false, false,
                Set.of("STANDARD", "STANDARD_IA", "ONEZONE_IA", "INTELLIGENT_TIERING", "GLACIER_IR"));
    }

    /** Cloudflare R2: 10,000 equal parts of 5 MiB–5 GiB, objects up to ~5 TiB, checksums WHEN_REQUIRED. */
    public static ProviderProfile r2() {
        return new ProviderProfile("r2", 10_000, 5 * MIB, 5 * GIB, 5 * TIB - 5 * GIB, 5 * GIB, true, true, true,
                Set.of("STANDARD", "STANDARD_IA"));
    }

    /** MinIO: AWS limits, path-style, checksums WHEN_REQUIRED (older releases reject the new headers). */
    public static ProviderProfile minio() {
        return new ProviderProfile("minio", 10_000, 5 * MIB, 5 * GIB, 5 * TIB, 5 * GIB, false, true, true,
                Set.of("STANDARD", "REDUCED_REDUNDANCY"));
    }

    /** Any other S3-compatible store: 1,000 parts, AWS part sizes, path-style, WHEN_REQUIRED, no storage class. */
    public static ProviderProfile generic() {
        return new ProviderProfile("generic", 1_000, 5 * MIB, 5 * GIB, 5 * TIB, 5 * GIB, true, true, true, Set.of());
    }

    /**
     * The profile for a config value.
     *
     * @param name {@code aws}, {@code r2}, {@code minio} or {@code generic} (case-insensitive)
     * @throws IllegalArgumentException for another name (the message lists the valid ones)
     */
    public static ProviderProfile of(String name) {
        return switch (name == null ? "generic" : name.toLowerCase(Locale.ROOT)) {
            case "aws" -> aws();
            case "r2" -> r2();
            case "minio" -> minio();
            case "generic" -> generic();
            default -> throw new IllegalArgumentException("unknown S3 provider \"" + name
                    + "\" (expected aws, r2, minio or generic)");
        };
    }

    /** Whether a provider implements S3 Object Lock (docs/s3.md "Object Lock"). */
    public enum ObjectLockSupport {
        /** Documented by the provider: lock-enabled buckets, lock headers on PUT, PutObjectRetention. */
        YES,
        /** Documented as missing: {@code s3.object_lock} is refused by {@code config check}. */
        NO,
        /** Unknown (generic stores): the export checks the bucket's lock configuration first. */
        UNKNOWN
    }

    /**
     * Object Lock support by profile name: {@code aws} (AWS S3 user guide "Object Lock") and
     * {@code minio} (MinIO "Object Locking and Immutability") support it; {@code r2}: Cloudflare R2
     * documents bucket locks of its own, not the S3 Object Lock API ({@code PutObjectRetention},
     * lock headers), so NO; {@code generic} and test profiles: UNKNOWN.
     */
    public ObjectLockSupport objectLockSupport() {
        String base = name.endsWith("-scaled") ? name.substring(0, name.length() - "-scaled".length()) : name;
        return switch (base) {
            case "aws", "minio" -> ObjectLockSupport.YES;
            case "r2" -> ObjectLockSupport.NO;
            default -> ObjectLockSupport.UNKNOWN;
        };
    }

    /**
     * A copy with other size limits, for tests that cannot move terabytes (cases C01, C02).
     *
     * @param maxParts      most parts per object
     * @param minPartSize   smallest part, bytes
     * @param maxObjectSize largest object, bytes
     */
    public ProviderProfile scaled(int maxParts, long minPartSize, long maxObjectSize) {
        return new ProviderProfile(name + "-scaled", maxParts, minPartSize, Math.max(maxPartSize, minPartSize),
                maxObjectSize, Math.min(maxSinglePutSize, maxObjectSize), equalParts, checksumWhenRequired,
                pathStyle, storageClasses);
    }

    /**
     * Checks a storage class against the profile.
     *
     * @param storageClass a class name, or {@code null} for the provider default
     * @throws IllegalArgumentException when the provider does not accept it
     */
    public void checkStorageClass(String storageClass) {
        if (storageClass != null && !storageClasses.contains(storageClass)) {
            throw new IllegalArgumentException("provider " + name + " does not accept storage class "
                    + storageClass + (storageClasses.isEmpty() ? " (it takes none)" : " (accepted: "
                    + new java.util.TreeSet<>(storageClasses) + ")"));
        }
    }

    /**
     * How many parts of {@code partSize} one volume object may hold: the part limit, lowered so the
     * object stays within {@link #maxObjectSize}.
     *
     * @param partSize part size in bytes
     * @throws IllegalArgumentException when not even one part fits an object
     */
    public int partsPerVolume(long partSize) {
        long byObject = maxObjectSize / partSize;
        if (byObject < 1) {
            throw new IllegalArgumentException("part size " + partSize + " exceeds the max object size "
                    + maxObjectSize + " of provider " + name);
        }
        return (int) Math.min(maxParts, byObject);
    }
}
