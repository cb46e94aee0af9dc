package io.terrarium.s3;

import software.amazon.awssdk.core.ResponseInputStream;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.GetObjectResponse;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The parts of a manifest's volumes fetched with parallel ranged GetObject requests (one request per
 * part, {@code Range: bytes=first-last}, RFC 9110 §14.1.2 as S3 implements it) and handed out in
 * order. Each worker checks its part against the manifest's per-part SHA-256 before the part is
 * queued, so verification runs on the download threads, off the consumer's critical path, and no
 * unverified byte is ever handed out. Memory is bounded: at most {@code window} parts are fetched
 * or waiting, plus the one being read, each in a buffer of the manifest's part size that is reused.
 *
 * <p>Only usable when every volume carries one SHA-256 per part ({@link #covers}); the volume's
 * whole-object SHA-256 is then not recomputed, because the part digests, bound to their positions by
 * the authenticated manifest, already pin every byte. A range that returns fewer bytes than asked, or
 * a {@code Content-Range} whose total differs from the manifest's size, is an
 * {@link VerifiedVolumesStream.IntegrityException}.
 */
final class ParallelPartReader implements AutoCloseable {
    /** Parts fetched at once by default (4 × 16 MiB parts = 64 MiB ahead of the reader). */
    static final int DEFAULT_WINDOW = 4;
    /** Upper bound on the bytes fetched ahead of the reader; fewer parts in flight when parts are larger. */
    static final long MAX_AHEAD_BYTES = 96L << 20;

    /** One part: which volume, its index within the volume, byte offset and length. */
    private record Part(Manifest.Volume volume, int index, long offset, int length) {
    }

    /** A verified part in its (reused) buffer. */
    record Filled(byte[] buf, int length) {
    }

    private final S3Client s3;
    private final String bucket;
    private final ArrayDeque<Part> todo = new ArrayDeque<>();
    private final ArrayDeque<Future<Filled>> inFlight = new ArrayDeque<>();
    private final BlockingQueue<byte[]> free;
    private final ExecutorService pool;
    private final int window;
    private final int bufSize;
    private Filled current;

    /**
     * Whether every volume of {@code m} has exactly one SHA-256 per part of its part size, and parts
     * fit a Java array: the condition for fetching parts independently.
     */
    static boolean covers(Manifest m) {
        for (Manifest.Volume v : m.volumes()) {
            if (v.partSize() <= 0 || v.partSize() > StreamingUploader.MAX_BUFFER || v.partSha256().isEmpty()) {
                return false;
            }
            long parts = v.bytes() == 0 ? 0 : (v.bytes() + v.partSize() - 1) / v.partSize();
            if (parts != v.partSha256().size()) {
                return false;
            }
        }
        return true;
    }

    /**
     * @param window parts fetched at once (≥ 1); lowered so that window × part size ≤ {@link #MAX_AHEAD_BYTES}
     */
    ParallelPartReader(S3Client s3, String bucket, Manifest m, int window) {
        this.s3 = s3;
        this.bucket = bucket;
        long maxPart = 1;
        for (Manifest.Volume v : m.volumes()) {
            int i = 0;
            for (long off = 0; off < v.bytes(); off += v.partSize(), i++) {
                todo.add(new Part(v, i, off, (int) Math.min(v.partSize(), v.bytes() - off)));
            }
            maxPart = Math.max(maxPart, Math.min(v.partSize(), v.bytes()));
        }
        this.bufSize = (int) maxPart;
        this.window = (int) Math.max(1, Math.min(window, MAX_AHEAD_BYTES / maxPart));
        this.free = new ArrayBlockingQueue<>(this.window + 1);
        AtomicInteger n = new AtomicInteger();
        this.pool = Executors.newFixedThreadPool(this.window, r -> {
            Thread t = new Thread(r, "s3-get-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
    }

    /**
     * The next verified part, in order, or {@code null} after the last. The previous part's buffer
     * is reused from here on.
     *
     * @throws IOException the first failure of a part (S3 error, short read, digest mismatch)
     */
    Filled next() throws IOException {
        if (current != null) {
            free.offer(current.buf());
            current = null;
        }
        while (inFlight.size() < window && !todo.isEmpty()) {
            Part p = todo.poll();
            inFlight.add(pool.submit(() -> fetch(p)));
        }
        Future<Filled> f = inFlight.poll();
        if (f == null) {
            return null;
        }
        try {
            current = f.get();
            return current;
        } catch (ExecutionException e) {
            if (e.getCause() instanceof IOException io) {
                throw io;
            }
            throw new IOException(e.getCause().getMessage(), e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while waiting for a part");
        }
    }

    private Filled fetch(Part p) throws IOException {
        byte[] buf = free.poll();
        if (buf == null) {
            buf = new byte[bufSize];
        }
        Manifest.Volume v = p.volume();
        long last = p.offset() + p.length() - 1;
        int n;
        try (ResponseInputStream<GetObjectResponse> in = s3.getObject(r -> r.bucket(bucket).key(v.key())
                .range("bytes=" + p.offset() + "-" + last))) {
            String range = in.response().contentRange();
            if (range != null && range.contains("/")) {
                String total = range.substring(range.lastIndexOf('/') + 1).strip();
                if (!total.equals("*") && !total.equals(Long.toString(v.bytes()))) {
                    throw new VerifiedVolumesStream.IntegrityException(v.key() + " has " + total + " bytes, manifest says " + v.bytes());
                }
            }
            n = in.readNBytes(buf, 0, p.length());
            if (n == p.length() && in.read() >= 0) {
                throw new VerifiedVolumesStream.IntegrityException("GetObject " + v.key() + " returned more than the "
                        + p.length() + " bytes of part " + (p.index() + 1) + " (range ignored?)");
            }
        } catch (SdkException e) {
            throw new IOException("GetObject " + v.key() + " (part " + (p.index() + 1) + ", bytes " + p.offset() + "-" + last
                    + ") failed: " + e.getMessage(), e);
        }
        if (n < p.length()) {
            throw new VerifiedVolumesStream.IntegrityException(v.key() + " ended after " + (p.offset() + n)
                    + " bytes, manifest says " + v.bytes());
        }
        MessageDigest md = sha256();
        md.update(buf, 0, n);
        String got = HexFormat.of().formatHex(md.digest());
        String want = v.partSha256().get(p.index());
        if (!got.equals(want)) {
            throw new VerifiedVolumesStream.IntegrityException("part " + (p.index() + 1) + " of " + v.key()
                    + " has SHA-256 " + got + ", manifest says " + want);
        }
        return new Filled(buf, n);
    }

    /** Cancels the parts still in flight and stops the download threads. */
    @Override
    public void close() {
        List<Future<Filled>> pending = new ArrayList<>(inFlight);
        inFlight.clear();
        todo.clear();
        pending.forEach(f -> f.cancel(true));
        pool.shutdownNow();
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
