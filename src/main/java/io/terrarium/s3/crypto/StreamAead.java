package io.terrarium.s3.crypto;

import io.terrarium.s3.VerifiedVolumesStream;

import javax.crypto.AEADBadTagException;
import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;

/**
 * Segmented streaming AEAD for the stored stream of one restore point, in the shape of age's STREAM
 * construction (Hoang, Reyhanitabar, Rogaway, Vizár, "Online Authenticated-Encryption and its
 * Nonce-Reuse Misuse-Resistance", 2015; the age spec, "Payload"): the plaintext is cut into segments
 * of {@link #SEGMENT_BYTES} (the last one shorter, possibly empty), each sealed on its own with
 * AES-256-GCM under the stream's random data key. The 12-byte nonce is the segment index as an
 * 11-byte big-endian counter followed by one byte that is 1 for the final segment and 0 otherwise;
 * the associated data is the manifest id. Stored: each segment's ciphertext followed by its 16-byte
 * tag, segments back to back, nothing else.
 *
 * <p>So a reader authenticates every segment before handing on one byte of it, and detects a
 * reordered or swapped segment (wrong index in the nonce), a segment from another stream (other key
 * and id), a truncated stream (no segment marked final) and data appended after the final segment.
 * Memory: one segment each way. The data key is random per stream, so a counter nonce never repeats
 * under one key.
 */
public final class StreamAead {
    /** Algorithm name recorded in the manifest. */
    public static final String ALGORITHM = "AES256-GCM-STREAM-64KiB";
    /** Plaintext bytes per segment (the last may be shorter). */
    public static final int SEGMENT_BYTES = 64 * 1024;
    /** Tag bytes per segment. */
    public static final int TAG_BYTES = 16;

    private StreamAead() {
    }

    /** Stored size of a plaintext of {@code plain} bytes, bytes. */
    public static long sealedSize(long plain) {
        return plain + Math.max(1, (plain + SEGMENT_BYTES - 1) / SEGMENT_BYTES) * TAG_BYTES;
    }

    /** Ciphertext of {@code plain} read as it is consumed. */
    public static InputStream encrypt(InputStream plain, byte[] dataKey, String streamId) {
        return new Sealer(plain, dataKey, streamId);
    }

    /**
     * Plaintext of a stored stream, each segment authenticated before any of its bytes is returned.
     * A failed segment throws {@link VerifiedVolumesStream.IntegrityException} naming the segment.
     */
    public static InputStream decrypt(InputStream sealed, byte[] dataKey, String streamId) {
        return new Opener(sealed, dataKey, streamId);
    }

    static byte[] nonce(long index, boolean last) {
        byte[] n = new byte[12];
        for (int i = 0; i < 8; i++) {
            n[10 - i] = (byte) (index >>> (8 * i));
        }
        n[11] = (byte) (last ? 1 : 0);
        return n;
    }

    private static Cipher cipher(int mode, byte[] key, long index, boolean last, byte[] aad) {
        try {
            Cipher c = Cipher.getInstance("AES/GCM/NoPadding");
            c.init(mode, new SecretKeySpec(key, "AES"), new GCMParameterSpec(TAG_BYTES * 8, nonce(index, last)));
            c.updateAAD(aad);
            return c;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES-GCM is not available in this JDK", e);
        }
    }

    /** Base: hands out {@code out[pos..len)} and refills it segment by segment. */
    private abstract static class Segmented extends InputStream {
        final InputStream in;
        final byte[] key;
        final byte[] aad;
        final String streamId;
        long index;
        byte[] out = new byte[0];
        int pos;
        boolean finished;

        Segmented(InputStream in, byte[] key, String streamId) {
            this.in = in;
            this.key = key.clone();
            this.streamId = streamId;
            this.aad = streamId.getBytes(StandardCharsets.UTF_8);
        }

        abstract void next() throws IOException;

        @Override
        public int read() throws IOException {
            byte[] b = new byte[1];
            return read(b, 0, 1) < 0 ? -1 : b[0] & 0xff;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            if (len == 0) {
                return 0;
            }
            while (pos == out.length) {
                if (finished) {
                    return -1;
                }
                next();
            }
            int k = Math.min(len, out.length - pos);
            System.arraycopy(out, pos, b, off, k);
            pos += k;
            return k;
        }

        @Override
        public void close() throws IOException {
            in.close();
        }
    }

    private static final class Sealer extends Segmented {
        private final byte[] buf = new byte[SEGMENT_BYTES];
        private int ahead = -1; // one byte read past a full segment, or -1

        Sealer(InputStream in, byte[] key, String streamId) {
            super(in, key, streamId);
        }

        @Override
        void next() throws IOException {
            int n = 0;
            if (ahead >= 0) {
                buf[n++] = (byte) ahead;
                ahead = -1;
            }
            n += in.readNBytes(buf, n, SEGMENT_BYTES - n);
            boolean last = n < SEGMENT_BYTES;
            if (!last) {
                ahead = in.read();
                last = ahead < 0;
            }
            try {
                out = cipher(Cipher.ENCRYPT_MODE, key, index++, last, aad).doFinal(buf, 0, n);
            } catch (GeneralSecurityException e) {
                throw new IllegalStateException(e);
            }
            pos = 0;
            finished = last;
        }
    }

    private static final class Opener extends Segmented {
        private final byte[] buf = new byte[SEGMENT_BYTES + TAG_BYTES];
        private int ahead = -1;

        Opener(InputStream in, byte[] key, String streamId) {
            super(in, key, streamId);
        }

        @Override
        void next() throws IOException {
            int n = 0;
            if (ahead >= 0) {
                buf[n++] = (byte) ahead;
                ahead = -1;
            }
            n += in.readNBytes(buf, n, buf.length - n);
            boolean last = n < buf.length;
            if (!last) {
                ahead = in.read();
                last = ahead < 0;
            }
            if (n < TAG_BYTES) {
                throw new VerifiedVolumesStream.IntegrityException("encrypted stream of " + streamId + " is truncated: segment "
                        + index + " has " + n + " bytes, less than its tag");
            }
            try {
                out = cipher(Cipher.DECRYPT_MODE, key, index, last, aad).doFinal(buf, 0, n);
            } catch (AEADBadTagException e) {
                throw new VerifiedVolumesStream.IntegrityException("segment " + index + " of the encrypted stream of " + streamId
                        + " failed authentication (altered, reordered, truncated or from another stream);"
                        + " nothing of it was passed on");
            } catch (GeneralSecurityException e) {
                throw new IllegalStateException(e);
            }
            index++;
            pos = 0;
            finished = last;
        }
    }
}
