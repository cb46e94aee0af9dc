package io.terrarium.s3;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.ChecksumAlgorithm;
import software.amazon.awssdk.services.s3.model.CompleteMultipartUploadResponse;
import software.amazon.awssdk.services.s3.model.CompletedPart;
import software.amazon.awssdk.services.s3.model.HeadObjectResponse;
import software.amazon.awssdk.services.s3.model.StorageClass;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.IntFunction;
import java.util.function.LongConsumer;

/**
 * Uploads a stream of unknown length to S3 in bounded memory (DESIGN.md §4, cases C01–C04).
 *
 * <p>The stream is re-blocked into parts of exactly {@code partSize} bytes (the last may be
 * shorter) in a pool of at most {@code inFlight + 1} reusable buffers, so memory is
 * {@code partSize × (inFlight + 1)} whatever the stream's size. Up to {@code inFlight} parts upload
 * in parallel through the SDK's low-level {@code CreateMultipartUpload / UploadPart /
 * CompleteMultipartUpload}; after completion a HEAD confirms the object's size. The stream is never
 * asked for its length.
 *
 * <p>Volumes: one object holds at most {@link ProviderProfile#partsPerVolume(long)} parts (the part
 * limit, lowered to stay under the max object size). When a volume is full the object is completed
 * at that part boundary and the stream continues in the next volume object, named by
 * {@code volumeKey.apply(index)} (index from 0). A volume whose data ends within its first part is
 * written with one {@code PutObject}.
 *
 * <p>Integrity (issue 16 item 2): each byte is hashed once, on its part's upload thread (the parts
 * in flight hash in parallel, off the reading thread). A volume's digest is
 * {@link Manifest.Volume#sha256OfParts SHA-256 over its part digests}, not a second pass over its
 * bytes. Where the profile lets the SDK send checksums (not {@code WHEN_REQUIRED}), the part's
 * SHA-256 is also its S3 checksum ({@code x-amz-checksum-sha256}, multipart uploads created with
 * {@code ChecksumAlgorithm.SHA256}), so the SDK computes no CRC of its own and the store checks the
 * bytes it received against the digest the manifest will hold. For such an upload S3 reports a
 * composite checksum of the same construction (SHA-256 of the part digests, {@code "-<parts>"}).
 *
 * <p>Failure: a part that still fails after the client's retries, an error from the store (also a
 * 200 response carrying {@code <Error>}), a size mismatch after completion, or an
 * {@link IOException} from the source (e.g. {@code zfs send} exiting non-zero, surfaced by
 * {@code StreamingProcess} as {@code ProcessFailedIOException}) aborts the open multipart upload,
 * deletes the volumes this run already completed, and throws. Nothing is committed: the caller
 * writes its manifest only after {@link #upload} returns.
 */
public final class StreamingUploader {
    private static final Logger LOG = LoggerFactory.getLogger(StreamingUploader.class);
    /** Largest part we can hold in one Java array. */
    public static final long MAX_BUFFER = Integer.MAX_VALUE - 64;

    private final S3Client s3;
    private final S3Settings settings;
    private final int partSize;
    private final int inFlight;
    private final int partsPerVolume;
    /**
     * Whether each part carries our SHA-256 as its S3 checksum ({@code x-amz-checksum-sha256}): for
     * profiles where the SDK would otherwise compute its own default checksum on every upload (SDK ≥
     * 2.30, {@code WHEN_SUPPORTED}); not where the profile asks for {@code WHEN_REQUIRED}, whose
     * stores reject the checksum headers (case C05).
     */
    private final boolean partChecksums;
    private LongConsumer progress = n -> { };

    /**
     * @param s3       client (from {@link S3ClientFactory}); not closed by this class
     * @param settings destination (bucket, profile, storage class)
     * @param partSize part size in bytes, within the profile's limits (see {@link PartSizing})
     * @param inFlight parts uploading at once, ≥ 1
     * @throws IllegalArgumentException when the part size is outside the profile's limits or above
     *                                  {@link #MAX_BUFFER}
     */
    public StreamingUploader(S3Client s3, S3Settings settings, long partSize, int inFlight) {
        ProviderProfile p = settings.profile();
        if (partSize < p.minPartSize() || partSize > p.maxPartSize() || partSize > MAX_BUFFER) {
            throw new IllegalArgumentException("part size " + partSize + " outside [" + p.minPartSize() + ", "
                    + Math.min(p.maxPartSize(), MAX_BUFFER) + "] for provider " + p.name());
        }
        if (inFlight < 1) {
            throw new IllegalArgumentException("inFlight must be >= 1");
        }
        this.s3 = s3;
        this.settings = settings;
        this.partSize = (int) partSize;
        this.inFlight = inFlight;
        this.partsPerVolume = p.partsPerVolume(partSize);
        this.partChecksums = !p.checksumWhenRequired();
    }

    /** Memory the part buffers take at most: {@code partSize × (inFlight + 1)} bytes. */
    public long bufferBytes() {
        return (long) partSize * (inFlight + 1);
    }

    /** Parts one volume object holds at most. */
    public int partsPerVolume() {
        return partsPerVolume;
    }

    /** Sets a listener told the byte count of each part as it is read (for progress bars). */
    public StreamingUploader onProgress(LongConsumer listener) {
        this.progress = listener;
        return this;
    }

    /**
     * Reads {@code in} to its end and uploads it as one or more volume objects.
     *
     * @param in        the stream; read to EOF, not closed
     * @param volumeKey object key of volume {@code i} (0-based); must be distinct per index
     * @return the volumes in order (at least one; an empty stream gives one empty object)
     * @throws IOException the source's own exception when reading failed, or
     *                     {@link UploadFailedException} when S3 failed; in both cases nothing of
     *                     this run is left in the bucket (uploads aborted, finished volumes deleted)
     */
    public List<VolumeResult> upload(InputStream in, IntFunction<String> volumeKey) throws IOException {
        Run run = new Run(volumeKey);
        try {
            return run.go(in);
        } catch (IOException | RuntimeException | Error e) {
            run.cleanUp(e);
            throw e;
        } finally {
            run.pool.shutdownNow();
        }
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String hex(byte[] d) {
        return HexFormat.of().formatHex(d);
    }

    /** The S3 checksum header's form of a SHA-256: base64 of the 32 bytes. */
    private static String base64(byte[] d) {
        return java.util.Base64.getEncoder().encodeToString(d);
    }

    /** One upload call's state: buffers, workers, the open volume, finished volumes. */
    private final class Run {
        final IntFunction<String> volumeKey;
        final BlockingQueue<byte[]> free = new ArrayBlockingQueue<>(inFlight + 1);
        int allocated;
        final AtomicReference<Throwable> partFailure = new AtomicReference<>();
        final ExecutorService pool;
        final List<VolumeResult> done = new ArrayList<>();
        Volume open;

        Run(IntFunction<String> volumeKey) {
            this.volumeKey = volumeKey;
            AtomicInteger n = new AtomicInteger();
            this.pool = Executors.newFixedThreadPool(inFlight, r -> {
                Thread t = new Thread(r, "s3-part-" + n.incrementAndGet());
                t.setDaemon(true);
                return t;
            });
        }

        List<VolumeResult> go(InputStream in) throws IOException {
            int index = 0;
            while (true) {
                byte[] buf = acquire();
                int n = in.readNBytes(buf, 0, partSize);
                if (n > 0) {
                    progress.accept(n);
                }
                boolean eof = n < partSize;
                if (open == null) {
                    if (n == 0 && !done.isEmpty()) {
                        free.add(buf);
                        break;
                    }
                    if (eof) {
                        putSingle(volumeKey.apply(index), buf, n);
                        free.add(buf);
                        break;
                    }
                    open = new Volume(volumeKey.apply(index++));
                }
                if (n > 0) {
                    open.submit(buf, n);
                } else {
                    free.add(buf);
                }
                if (eof || open.parts.size() == partsPerVolume) {
                    done.add(open.complete());
                    open = null;
                    if (eof) {
                        break;
                    }
                }
            }
            return List.copyOf(done);
        }

        /** A free buffer: a recycled one, a new one while under the pool size, else wait for one. */
        byte[] acquire() throws IOException {
            checkParts();
            byte[] b = free.poll();
            if (b != null) {
                return b;
            }
            if (allocated < inFlight + 1) {
                allocated++;
                return new byte[partSize];
            }
            try {
                while ((b = free.poll(200, TimeUnit.MILLISECONDS)) == null) {
                    checkParts();
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new InterruptedIOException("interrupted while waiting for a part buffer");
            }
            return b;
        }

        void checkParts() throws UploadFailedException {
            Throwable t = partFailure.get();
            if (t != null) {
                throw t instanceof UploadFailedException u ? u
                        : new UploadFailedException("part upload failed: " + t.getMessage(), t);
            }
        }

        void putSingle(String key, byte[] buf, int n) throws UploadFailedException {
            MessageDigest md = sha256();
            md.update(buf, 0, n);
            byte[] digest = md.digest();
            String sha = hex(digest);
            try {
                s3.putObject(r -> {
                    r.bucket(settings.bucket()).key(key).contentLength((long) n);
                    if (partChecksums) {
                        r.checksumSHA256(base64(digest));
                    }
                    if (settings.storageClass() != null) {
                        r.storageClass(StorageClass.fromValue(settings.storageClass()));
                    }
                }, body(buf, n));
                VolumeResult v = new VolumeResult(key, n, partSize, List.of(sha));
                done.add(v);
                confirm(v);
            } catch (SdkException e) {
                throw new UploadFailedException("PutObject " + key + " failed: " + e.getMessage(), e);
            }
        }

        void confirm(VolumeResult v) throws UploadFailedException {
            HeadObjectResponse head;
            try {
                head = s3.headObject(r -> r.bucket(settings.bucket()).key(v.key()));
            } catch (SdkException e) {
                throw new UploadFailedException("HEAD " + v.key() + " after upload failed: " + e.getMessage(), e);
            }
            if (head.contentLength() == null || head.contentLength() != v.bytes()) {
                throw new UploadFailedException("object " + v.key() + " has " + head.contentLength()
                        + " bytes after upload, expected " + v.bytes(), null);
            }
            LOG.info("uploaded {} ({} bytes, {} part(s), sha256 of parts {})", v.key(), v.bytes(), v.parts(),
                    v.sha256OfParts());
        }

        /** Aborts the open upload and deletes this run's finished volumes; adds their errors as suppressed. */
        void cleanUp(Throwable cause) {
            pool.shutdownNow();
            try {
                // a part still on the wire could otherwise land after the abort
                pool.awaitTermination(30, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            if (open != null) {
                open.abort(cause);
                open = null;
            }
            for (VolumeResult v : done) {
                try {
                    s3.deleteObject(r -> r.bucket(settings.bucket()).key(v.key()));
                    LOG.info("deleted {} of the failed upload", v.key());
                } catch (SdkException e) {
                    cause.addSuppressed(e);
                }
            }
            done.clear();
        }

        /** One multipart object being written. */
        final class Volume {
            final String key;
            final String uploadId;
            final List<Future<CompletedPart>> parts = new ArrayList<>();
            final List<String> partSha = new ArrayList<>();
            long bytes;

            Volume(String key) throws UploadFailedException {
                this.key = key;
                try {
                    this.uploadId = s3.createMultipartUpload(r -> {
                        r.bucket(settings.bucket()).key(key);
                        if (partChecksums) {
                            r.checksumAlgorithm(ChecksumAlgorithm.SHA256);
                        }
                        if (settings.storageClass() != null) {
                            r.storageClass(StorageClass.fromValue(settings.storageClass()));
                        }
                    }).uploadId();
                } catch (SdkException e) {
                    throw new UploadFailedException("CreateMultipartUpload " + key + " failed: " + e.getMessage(), e);
                }
                LOG.debug("started multipart upload of {} (part size {} bytes)", key, partSize);
            }

            void submit(byte[] buf, int n) {
                // each byte is hashed once, on the part's upload thread (issue 16 item 2): the volume's
                // digest is the SHA-256 over the part digests, computed at complete()
                bytes += n;
                int number = parts.size() + 1;
                partSha.add(null);
                parts.add(pool.submit(() -> {
                    try {
                        MessageDigest md = sha256();
                        md.update(buf, 0, n);
                        byte[] digest = md.digest();
                        synchronized (partSha) {
                            partSha.set(number - 1, hex(digest));
                        }
                        // our digest is the part's S3 checksum: the SDK computes no other one, and the store
                        // checks the bytes it received against the SHA-256 the manifest will hold
                        String checksum = partChecksums ? base64(digest) : null;
                        String etag = s3.uploadPart(r -> r.bucket(settings.bucket()).key(key).uploadId(uploadId)
                                .partNumber(number).contentLength((long) n).checksumSHA256(checksum), body(buf, n)).eTag();
                        return CompletedPart.builder().partNumber(number).eTag(etag).checksumSHA256(checksum).build();
                    } catch (Throwable t) {
                        partFailure.compareAndSet(null, new UploadFailedException(
                                "UploadPart " + number + " of " + key + " failed: " + t.getMessage(), t));
                        throw t;
                    } finally {
                        free.add(buf);
                    }
                }));
            }

            VolumeResult complete() throws IOException {
                List<CompletedPart> completed = new ArrayList<>(parts.size());
                for (Future<CompletedPart> f : parts) {
                    try {
                        completed.add(f.get());
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        throw new InterruptedIOException("interrupted while waiting for parts of " + key);
                    } catch (ExecutionException e) {
                        checkParts();
                        throw new UploadFailedException("part of " + key + " failed: " + e.getCause(), e.getCause());
                    }
                }
                CompleteMultipartUploadResponse resp;
                try {
                    resp = s3.completeMultipartUpload(r -> r.bucket(settings.bucket()).key(key).uploadId(uploadId)
                            .multipartUpload(m -> m.parts(completed)));
                } catch (SdkException e) {
                    throw new UploadFailedException("CompleteMultipartUpload " + key + " failed: " + e.getMessage(), e);
                }
                if (resp.eTag() == null) {
                    throw new UploadFailedException("CompleteMultipartUpload " + key
                            + " answered without an ETag (an error inside a 200 response?)", null);
                }
                List<String> shas;
                synchronized (partSha) {
                    shas = List.copyOf(partSha);
                }
                VolumeResult v = new VolumeResult(key, bytes, partSize, shas);
                // from here the object exists: a failed HEAD must delete it (cleanUp does, via done)
                done.add(v);
                open = null;
                confirm(v);
                done.remove(done.size() - 1);
                return v;
            }

            void abort(Throwable cause) {
                for (Future<CompletedPart> f : parts) {
                    f.cancel(true);
                }
                try {
                    s3.abortMultipartUpload(r -> r.bucket(settings.bucket()).key(key).uploadId(uploadId));
                    LOG.info("aborted multipart upload of {} after: {}", key, cause.toString());
                } catch (SdkException e) {
                    cause.addSuppressed(e);
                }
            }
        }
    }

    private static RequestBody body(byte[] buf, int n) {
        // replayable for SDK retries, and no defensive copy of the part (RequestBody.fromBytes copies)
        return RequestBody.fromContentProvider(() -> new ByteArrayInputStream(buf, 0, n), n,
                "application/octet-stream");
    }
}
