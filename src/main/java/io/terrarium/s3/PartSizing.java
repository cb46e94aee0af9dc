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

    private PartSizing() {
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
