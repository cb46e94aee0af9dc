package io.terrarium.s3;

import java.io.IOException;
import java.io.InputStream;

/**
 * A stream of {@code size} pseudo-random bytes (repeatable per seed) that does not know how to tell
 * its length ({@code available()} is 0), optionally failing with an IOException after
 * {@code failAfter} bytes, like a {@code zfs send} that dies mid-stream.
 */
public final class GeneratedStream extends InputStream {
    private final long size;
    private final long failAfter;
    private long pos;
    private long state;

    public GeneratedStream(long size, long seed) {
        this(size, seed, -1);
    }

    public GeneratedStream(long size, long seed, long failAfter) {
        this.size = size;
        this.failAfter = failAfter;
        this.state = seed * 0x9E3779B97F4A7C15L + 1;
    }

    @Override
    public int read() throws IOException {
        byte[] b = new byte[1];
        return read(b, 0, 1) < 0 ? -1 : b[0] & 0xff;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
        if (failAfter >= 0 && pos >= failAfter) {
            throw new IOException("producer failed after " + pos + " bytes (injected)");
        }
        if (pos >= size) {
            return -1;
        }
        long limit = size;
        if (failAfter >= 0) {
            limit = Math.min(limit, failAfter);
        }
        int n = (int) Math.min(Math.min(len, 65536), limit - pos);
        if (n == 0) {
            throw new IOException("producer failed after " + pos + " bytes (injected)");
        }
        int i = 0;
        for (; i + 8 <= n; i += 8) {
            long x = next();
            for (int k = 0; k < 8; k++) {
                b[off + i + k] = (byte) (x >>> (8 * k));
            }
        }
        for (; i < n; i++) {
            b[off + i] = (byte) next();
        }
        pos += n;
        return n;
    }

    private long next() {
        long x = state;
        x ^= x << 13;
        x ^= x >>> 7;
        x ^= x << 17;
        state = x;
        return x;
    }

    @Override
    public int available() {
        return 0;
    }
}
