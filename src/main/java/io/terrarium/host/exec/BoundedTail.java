package io.terrarium.host.exec;

import java.nio.charset.StandardCharsets;

/**
 * Keeps the last {@code limit} bytes written to it (a ring buffer), for stderr tails in error
 * messages. Thread-safe.
 */
public final class BoundedTail {
    /** Default number of stderr bytes kept: 16 KiB. */
    public static final int DEFAULT_LIMIT = 16 * 1024;

    private final byte[] ring;
    private long total;

    /** @param limit bytes to keep, at least 1 */
    public BoundedTail(int limit) {
        this.ring = new byte[Math.max(1, limit)];
    }

    /** Appends bytes; older bytes beyond the limit are dropped. */
    public synchronized void write(byte[] b, int off, int len) {
        for (int i = 0; i < len; i++) {
            ring[(int) (total % ring.length)] = b[off + i];
            total++;
        }
    }

    /** Total bytes ever written (not only those kept). */
    public synchronized long totalBytes() {
        return total;
    }

    /** The kept bytes, oldest first, decoded as UTF-8 (a cut multi-byte char becomes U+FFFD). */
    public synchronized String text() {
        int n = (int) Math.min(total, ring.length);
        byte[] out = new byte[n];
        long start = total - n;
        for (int i = 0; i < n; i++) {
            out[i] = ring[(int) ((start + i) % ring.length)];
        }
        return new String(out, StandardCharsets.UTF_8);
    }
}
