package io.terrarium.s3;

import io.terrarium.s3.Manifest;
import software.amazon.awssdk.core.ResponseInputStream;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.GetObjectResponse;

import java.io.IOException;
import java.io.InputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;

/**
 * The stored stream of one manifest: its volumes' parts concatenated, each part checked against its
 * SHA-256 <em>before</em> any of its bytes are handed on. So a corrupted or truncated object never
 * reaches {@code zfs receive}: the read throws {@link IntegrityException} instead.
 *
 * <p>When every volume has one SHA-256 per part (every point Terrarium writes), the parts are fetched
 * with {@link #partsInFlight()} parallel ranged GetObject requests and verified on those download
 * threads ({@link ParallelPartReader}, issue 16 item 1): memory is that many part buffers plus one.
 * Otherwise (legacy points, or {@code terrarium.s3.restore.parts-in-flight=1}) each volume is read
 * with one GetObject, checked per part as it streams and against its size and whole-volume SHA-256
 * at its end; memory is one part buffer. Without per-part checksums only the volume checksum is
 * checked, at the volume's end.
 */
public final class VerifiedVolumesStream extends InputStream {
    private final S3Client s3;
    private final String bucket;
    private final List<Manifest.Volume> volumes;
    private int vol = -1;
    private ResponseInputStream<GetObjectResponse> object;
    private MessageDigest volumeDigest;
    private long volumeRead;
    private int part;
    private byte[] buf;
    private int bufLen;
    private int pos;
    private boolean done;
    private boolean digestsChecked;
    private final ParallelPartReader parallel;

    /**
     * Parts fetched at once for a restore or verify: the system property
     * {@code terrarium.s3.restore.parts-in-flight} (default {@value ParallelPartReader#DEFAULT_WINDOW};
     * 1 = one sequential GetObject per volume, the behaviour before issue 16).
     */
    public static int partsInFlight() {
        return Math.max(1, Integer.getInteger("terrarium.s3.restore.parts-in-flight", ParallelPartReader.DEFAULT_WINDOW));
    }

    /** Thrown when a part or volume does not match its manifest. */
    public static final class IntegrityException extends IOException {
        /** @param message which object, part and what differs */
        public IntegrityException(String message) {
            super(message);
        }
    }

    /** @param s3 client @param bucket bucket @param manifest the stream to read */
    public VerifiedVolumesStream(S3Client s3, String bucket, Manifest manifest) {
        this(s3, bucket, manifest, partsInFlight());
    }

    /**
     * @param partsInFlight parts fetched at once with ranged GETs (1: one GetObject per volume, sequential)
     */
    public VerifiedVolumesStream(S3Client s3, String bucket, Manifest manifest, int partsInFlight) {
        this.s3 = s3;
        this.bucket = bucket;
        this.volumes = manifest.volumes();
        this.parallel = partsInFlight > 1 && ParallelPartReader.covers(manifest)
                ? new ParallelPartReader(s3, bucket, manifest, partsInFlight) : null;
    }

    /**
     * The stored stream of {@code manifest} with its encryption removed: the volumes checked part by
     * part as above and, for a sealed point, each 64 KiB segment authenticated (AES-256-GCM) before
     * any byte of it is returned. Authenticate the manifest first
     * ({@link io.terrarium.s3.crypto.ManifestSeal#authenticate}).
     *
     * @param keys the host's backup keys, or {@code null} (then only a plaintext point can be read)
     * @throws ManifestException when the point is encrypted and its data key cannot be unwrapped
     */
    public static InputStream open(S3Client s3, String bucket, Manifest manifest,
                                   io.terrarium.s3.crypto.BackupKeys keys) throws ManifestException {
        return open(s3, bucket, manifest, keys, partsInFlight());
    }

    /**
     * {@link #open(S3Client, String, Manifest, io.terrarium.s3.crypto.BackupKeys)} with an explicit
     * number of parts fetched at once (1: one GetObject per volume and one part buffer — what the
     * daemon's verify job uses, so it never competes with an export for heap).
     */
    public static InputStream open(S3Client s3, String bucket, Manifest manifest,
                                   io.terrarium.s3.crypto.BackupKeys keys, int partsInFlight) throws ManifestException {
        if (manifest.encryption() == null) {
            return new VerifiedVolumesStream(s3, bucket, manifest, partsInFlight);
        }
        byte[] dataKey = new io.terrarium.s3.crypto.ManifestSeal().dataKey(manifest, keys);
        return io.terrarium.s3.crypto.StreamAead.decrypt(new VerifiedVolumesStream(s3, bucket, manifest, partsInFlight),
                dataKey, manifest.id());
    }

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
        while (pos == bufLen) {
            if (done) {
                return -1;
            }
            fill();
        }
        int k = Math.min(len, bufLen - pos);
        System.arraycopy(buf, pos, b, off, k);
        pos += k;
        return k;
    }

    /**
     * Before the first byte: every volume has a digest its bytes can be checked against, and a
     * {@code sha256_of_parts} agrees with the part digests it covers (ManifestCodec checks the same
     * for a manifest read from a bucket; this covers one built in code).
     */
    private void checkDigests() throws IntegrityException {
        for (Manifest.Volume v : volumes) {
            if (v.sha256() == null && v.partSha256().isEmpty()) {
                throw new IntegrityException(v.key() + " has neither a SHA-256 nor part SHA-256s in its manifest; cannot verify it");
            }
            if (v.sha256OfParts() != null) {
                String got;
                try {
                    got = Manifest.Volume.sha256OfParts(v.partSha256());
                } catch (IllegalArgumentException e) {
                    throw new IntegrityException(v.key() + ": " + e.getMessage());
                }
                if (!got.equals(v.sha256OfParts())) {
                    throw new IntegrityException(v.key() + ": its part SHA-256s hash to " + got
                            + ", manifest's sha256_of_parts says " + v.sha256OfParts());
                }
            }
        }
        digestsChecked = true;
    }

    /** Loads and verifies the next part (opening the next volume when needed). */
    private void fill() throws IOException {
        if (!digestsChecked) {
            checkDigests();
        }
        if (parallel != null) {
            ParallelPartReader.Filled f = parallel.next();
            if (f == null) {
                done = true;
                bufLen = pos = 0;
            } else {
                buf = f.buf();
                bufLen = f.length();
                pos = 0;
            }
            return;
        }
        if (object == null) {
            if (vol + 1 >= volumes.size()) {
                done = true;
                bufLen = pos = 0;
                return;
            }
            open(++vol);
        }
        Manifest.Volume v = volumes.get(vol);
        long remaining = v.bytes() - volumeRead;
        if (remaining == 0) {
            finishVolume(v);
            bufLen = pos = 0;
            return;
        }
        int want = (int) Math.min(v.partSize(), remaining);
        if (buf == null || buf.length < want) {
            buf = new byte[(int) Math.min(v.partSize(), StreamingUploader.MAX_BUFFER)];
        }
        int n = object.readNBytes(buf, 0, want);
        if (n < want) {
            throw new IntegrityException(v.key() + " ended after " + (volumeRead + n) + " bytes, manifest says " + v.bytes());
        }
        if (volumeDigest != null) {
            volumeDigest.update(buf, 0, n);
        }
        if (!v.partSha256().isEmpty()) {
            MessageDigest md = sha256();
            md.update(buf, 0, n);
            String got = HexFormat.of().formatHex(md.digest());
            if (!got.equals(v.partSha256().get(part))) {
                throw new IntegrityException("part " + (part + 1) + " of " + v.key() + " has SHA-256 " + got
                        + ", manifest says " + v.partSha256().get(part));
            }
        }
        part++;
        volumeRead += n;
        if (volumeRead == v.bytes() && v.partSha256().isEmpty()) {
            finishVolume(v); // only a volume checksum: check it before handing on the last bytes
        }
        bufLen = n;
        pos = 0;
    }

    private void open(int i) throws IOException {
        Manifest.Volume v = volumes.get(i);
        try {
            object = s3.getObject(r -> r.bucket(bucket).key(v.key()));
        } catch (SdkException e) {
            throw new IOException("GetObject " + v.key() + " failed: " + e.getMessage(), e);
        }
        // a whole-object SHA-256 only for manifests that carry one (before issue 16); since, the
        // parts checked one by one and sha256_of_parts (checked by ManifestCodec) cover the object
        volumeDigest = v.sha256() == null ? null : sha256();
        volumeRead = 0;
        part = 0;
    }

    private void finishVolume(Manifest.Volume v) throws IOException {
        if (object == null) {
            return;
        }
        if (object.read() >= 0) {
            throw new IntegrityException(v.key() + " is longer than the " + v.bytes() + " bytes the manifest says");
        }
        String got = volumeDigest == null ? null : HexFormat.of().formatHex(volumeDigest.digest());
        object.close();
        object = null;
        if (got != null && !got.equals(v.sha256())) {
            throw new IntegrityException(v.key() + " has SHA-256 " + got + ", manifest says " + v.sha256());
        }
    }

    @Override
    public void close() throws IOException {
        if (parallel != null) {
            parallel.close();
        }
        if (object != null) {
            object.abort();
            object.close();
            object = null;
        }
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
