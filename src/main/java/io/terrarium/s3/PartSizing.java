package io.terrarium.s3;

import java.util.OptionalLong;

/**
 * Chooses the part size of an upload before its first part (case C01): parts must be equal (R2) and
 * a multipart object can hold at most {@link ProviderProfile#maxParts()} of them, so the size is
 * fixed up front from the stream's estimated size.
 *
 * <pre>
 *   part = roundUpToMiB(estimate × safety / maxParts), clamped to [max(minPart, floor), maxPart]
 * </pre>
 *
 * A stream that turns out larger than {@code part × maxParts} (or the max object size) is not an
 * error: the uploader closes the object at a part boundary and continues in a next volume.
 */
public final class PartSizing {
    /** Default safety factor on the size estimate (estimates of incremental sends run low). */
    public static final double DEFAULT_SAFETY = 1.5;
    /** Default smallest part we choose (16 MiB): fewer requests, still small memory. */
    public static final long DEFAULT_FLOOR = 16 * ProviderProfile.MIB;

    /**
     * Default heap budget for the parts of one upload (160 MiB): the uploader holds
     * {@code part × (inFlight + 1)} bytes, and the daemon and CLI run with {@code -Xmx256m}.
     */
    public static final long DEFAULT_MEMORY_BUDGET = 160 * ProviderProfile.MIB;

    private PartSizing() {
    }

    /**
     * Lowers a part size so that {@code part × (inFlight + 1) ≤ budget} (rounded down to whole MiB),
     * never below the profile's minimum part. A stream larger than {@code part × maxParts} then goes
     * on in a next volume object instead of growing the parts — memory stays bounded whatever the
     * stream size (with 4 parts in flight: 32 MiB parts, 312 GiB per volume on AWS, 31 GiB with
     * 1,000 parts).
     *
     * @param partSize part size chosen by {@link #choose}, bytes
     * @param inFlight parts uploading at once (≥ 1)
     * @param budget   bytes the parts of one upload may hold
     * @param profile  provider limits
     * @return the part size to use, bytes
     */
    public static long capToMemory(long partSize, int inFlight, long budget, ProviderProfile profile) {
        long perPart = budget / (Math.max(1, inFlight) + 1L);
        long mib = ProviderProfile.MIB;
        long cap = Math.max(profile.minPartSize(), perPart >= mib ? (perPart / mib) * mib : perPart);
        return Math.min(partSize, cap);
    }

    /**
     * @param estimate estimated stream size in bytes, or empty when unknown (then the floor is used)
     * @param safety   factor ≥ 1 applied to the estimate
     * @param floor    smallest part size wanted, bytes (raised to the profile's minimum)
     * @param profile  provider limits
     * @return part size in bytes, a multiple of 1 MiB unless the profile's limits are not
     */
    public static long choose(OptionalLong estimate, double safety, long floor, ProviderProfile profile) {
        if (safety < 1) {
            throw new IllegalArgumentException("safety factor must be >= 1, got " + safety);
        }
        long min = Math.max(profile.minPartSize(), floor);
        long wanted = min;
        if (estimate.isPresent() && estimate.getAsLong() > 0) {
            double total = estimate.getAsLong() * safety;
            long perPart = (long) Math.ceil(total / profile.maxParts());
            wanted = Math.max(min, roundUpToMiB(perPart));
        }
        return Math.min(Math.max(wanted, profile.minPartSize()), profile.maxPartSize());
    }

    /** {@link #choose(OptionalLong, double, long, ProviderProfile)} with the default safety and floor. */
    public static long choose(OptionalLong estimate, ProviderProfile profile) {
        return choose(estimate, DEFAULT_SAFETY, DEFAULT_FLOOR, profile);
    }

    static long roundUpToMiB(long bytes) {
        long mib = ProviderProfile.MIB;
        return ((bytes + mib - 1) / mib) * mib;
    }
}
