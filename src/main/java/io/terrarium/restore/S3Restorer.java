package io.terrarium.restore;

import io.terrarium.host.zstd.Compression;
import io.terrarium.s3.VerifiedVolumesStream;

import io.terrarium.s3.Manifest;
import io.terrarium.host.exec.CommandFailedException;
import io.terrarium.host.exec.StreamingProcess;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.NoSuchKeyException;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.ArrayList;
import java.util.List;

/**
 * Restore from S3 (DESIGN.md §4): plan first, then stream.
 *
 * <ol>
 *   <li>{@link #plan}: every manifest is authenticated under the host's backup key (HMAC, see
 *       {@link io.terrarium.s3.crypto.ManifestSeal}; an unauthenticated one is refused unless
 *       legacy points are accepted), the chain is a full followed by incrementals each naming the previous one as
 *       parent, and every volume exists with its manifest size (HEAD) — checked before the first
 *       byte reaches {@code zfs receive};</li>
 *   <li>{@link #restore}: per manifest, parallel ranged GetObject requests per part → SHA-256
 *       verified per part on the download threads before use, parts handed on in order
 *       ({@link VerifiedVolumesStream}; decompression and the receive run while later parts download) → each AES-256-GCM segment authenticated and decrypted
 *       before use ({@link io.terrarium.s3.crypto.StreamAead}, sealed points) → zstd -d → {@code zfs receive} (one process per manifest;
 *       the volumes of one manifest are concatenated into the same receive). On a mismatch or any
 *       error the receive is killed before its stdin is closed, so it never commits a partial
 *       stream, and the error propagates.</li>
 * </ol>
 */
public final class S3Restorer {
    private static final Logger LOG = LoggerFactory.getLogger(S3Restorer.class);

    private final S3Client s3;
    private final String bucket;
    private final io.terrarium.s3.crypto.BackupKeys keys;
    private final io.terrarium.s3.crypto.ManifestSeal.Legacy legacy;
    private final io.terrarium.s3.crypto.ManifestSeal seal = new io.terrarium.s3.crypto.ManifestSeal();
    private volatile io.terrarium.s3.TransferProgress progress = io.terrarium.s3.TransferProgress.NONE;

    /**
     * A restorer without backup keys that accepts unauthenticated (legacy, plaintext) points and
     * refuses sealed ones (their data key cannot be unwrapped).
     *
     * @param s3 client @param bucket bucket
     */
    public S3Restorer(S3Client s3, String bucket) {
        this(s3, bucket, null, io.terrarium.s3.crypto.ManifestSeal.Legacy.ACCEPT);
    }

    /**
     * @param s3     client
     * @param bucket bucket
     * @param keys   the host's backup keys, or {@code null} when it holds none
     * @param legacy whether unauthenticated points are accepted ({@code --accept-unauthenticated})
     */
    public S3Restorer(S3Client s3, String bucket, io.terrarium.s3.crypto.BackupKeys keys,
                      io.terrarium.s3.crypto.ManifestSeal.Legacy legacy) {
        this.s3 = s3;
        this.bucket = bucket;
        this.keys = keys;
        this.legacy = legacy;
    }

    /**
     * The restorer for a host: with a backup key, unauthenticated points are refused unless
     * {@code acceptUnauthenticated}; a host without any key can only read legacy points and says so.
     */
    public static S3Restorer forHost(S3Client s3, String bucket, java.nio.file.Path secretsDir,
                                     boolean acceptUnauthenticated) throws IOException {
        io.terrarium.s3.crypto.BackupKeys k = io.terrarium.s3.crypto.BackupKeys.load(secretsDir).orElse(null);
        return new S3Restorer(s3, bucket, k, acceptUnauthenticated || k == null
                ? io.terrarium.s3.crypto.ManifestSeal.Legacy.ACCEPT : io.terrarium.s3.crypto.ManifestSeal.Legacy.REFUSE);
    }

    /**
     * Checks a chain.
     *
     * @param chain manifests, full first, in apply order
     * @throws RestorePlanException naming each missing object, size mismatch or broken link, and
     *                              the newest point that could still be restored
     */
    public S3RestorePlan plan(List<Manifest> chain) throws RestorePlanException {
        List<String> problems = new ArrayList<>();
        String newestOk = null;
        long total = 0;
        for (int i = 0; i < chain.size(); i++) {
            Manifest m = chain.get(i);
            int before = problems.size();
            try {
                // authenticity first: a forged or altered manifest names no object we then trust
                seal.authenticate(m, keys, legacy);
                if (m.encryption() != null) {
                    seal.dataKey(m, keys);
                }
            } catch (io.terrarium.s3.ManifestException e) {
                problems.add(e.getMessage());
            }
            if (i == 0 && !m.full()) {
                problems.add(m.id() + " is an incremental (parent " + m.parentId() + "), the chain must start with a full");
            }
            if (i > 0) {
                Manifest prev = chain.get(i - 1);
                if (!prev.id().equals(m.parentId()) || !prev.snapshot().equals(m.parentSnapshot())) {
                    problems.add(m.id() + " has parent " + m.parentId() + ", expected " + prev.id());
                } else if (!parentGuid(m).isEmpty() && !parentGuid(m).equals(prev.snapshotGuid())) {
                    // an altered manifest (issue 13 item 3): the parent's id names one GUID, its manifest another
                    problems.add(m.id() + " names parent GUID " + parentGuid(m) + ", the parent manifest " + prev.id()
                            + " says snapshot_guid " + prev.snapshotGuid());
                }
            }
            for (Manifest.Volume v : m.volumes()) {
                try {
                    Long size = s3.headObject(r -> r.bucket(bucket).key(v.key())).contentLength();
                    if (size == null || size != v.bytes()) {
                        problems.add(v.key() + " has " + size + " bytes, manifest " + m.id() + " says " + v.bytes());
                    }
                } catch (NoSuchKeyException e) {
                    problems.add(v.key() + " (volume of " + m.id() + ") is missing");
                } catch (SdkException e) {
                    problems.add("HEAD " + v.key() + " failed: " + e.getMessage());
                }
                total += v.bytes();
            }
            if (problems.size() == before && (i == 0 || newestOk != null && newestOk.equals(chain.get(i - 1).id()))) {
                newestOk = m.id();
            }
        }
        if (chain.isEmpty()) {
            problems.add("no restore point");
        }
        if (!problems.isEmpty()) {
            throw new RestorePlanException(problems, newestOk);
        }
        return new S3RestorePlan(chain, total);
    }

    /**
     * Streams a planned chain into {@code zfs receive}.
     *
     * @param plan    from {@link #plan}
     * @param receive starts the receive for each manifest (e.g. {@code zfs receive -F pool/staging})
     * @throws IOException on an integrity mismatch, S3 failure, or a failed {@code zfs receive}
     */
    public void restore(S3RestorePlan plan, java.util.function.Function<Manifest, io.terrarium.host.exec.Command> receive)
            throws IOException {
        io.terrarium.s3.TransferProgress p = progress;
        p.start((plan.chain().isEmpty() ? "" : plan.chain().get(plan.chain().size() - 1).instance() + " ") + "restore",
                java.util.OptionalLong.of(plan.totalBytes()));
        boolean ok = false;
        try {
            for (Manifest m : plan.chain()) {
                LOG.info("restoring {} ({} of {}@{})", m.id(), m.full() ? "full" : "incremental", m.dataset(), m.snapshot());
                try (InputStream raw = io.terrarium.s3.TransferProgress.counting(VerifiedVolumesStream.open(s3, bucket, m, keys), p)) {
                    receiveOne(raw, m, receive.apply(m));
                }
            }
            ok = true;
        } finally {
            p.finish(ok);
        }
    }

    /**
     * Tells {@code listener} about the stored bytes each {@link #restore} reads (the CLI's progress
     * bar or lines); {@code null} for none.
     *
     * @return this
     */
    public S3Restorer withProgress(io.terrarium.s3.TransferProgress listener) {
        this.progress = listener == null ? io.terrarium.s3.TransferProgress.NONE : listener;
        return this;
    }

    private static void receiveOne(InputStream raw, Manifest m, io.terrarium.host.exec.Command cmd) throws IOException {
        InputStream decompressed = "zstd".equals(m.compression()) ? Compression.decompress(raw) : raw;
        // the DRR_BEGIN record is checked before zfs receive even starts (issue 13 item 3): a planted
        // replication/property stream, a volume, or a stream of another snapshot is refused here
        InputStream plain = io.terrarium.host.zfs.SendStreamHeader.checked(decompressed, m.id(), m.snapshotGuid(),
                m.full() ? null : parentGuid(m), m.snapshot());
        StreamingProcess zfs = StreamingProcess.startWithStdin(cmd);
        boolean ok = false;
        try {
            OutputStream stdin = zfs.stdin();
            byte[] buf = new byte[1 << 20];
            int n;
            while ((n = plain.read(buf)) >= 0) {
                stdin.write(buf, 0, n);
            }
            // the whole stored stream must have been read and verified, not just the zstd frame
            if (raw.read() >= 0) {
                throw new VerifiedVolumesStream.IntegrityException("data after the end of the zstd stream in " + m.id());
            }
            stdin.close();
            zfs.waitForSuccess();
            ok = true;
        } catch (CommandFailedException e) {
            throw new IOException("zfs receive of " + m.id() + " failed: " + e.getMessage(), e);
        } catch (IOException e) {
            if (!zfsAlive(zfs)) {
                // receive died first (e.g. a broken pipe): report its own error
                try {
                    zfs.waitForSuccess();
                } catch (CommandFailedException ce) {
                    e.addSuppressed(ce);
                }
            }
            throw e;
        } finally {
            if (!ok) {
                zfs.close(); // kills a receive that still runs, before its stdin is closed: nothing is committed
            }
        }
    }

    /** The base's GUID of an incremental: its parent id is {@code <stamp>-<guid>} ({@code ExportKeys#newId}); "" when not of that form. */
    static String parentGuid(Manifest m) {
        String p = m.parentId();
        int dash = p == null ? -1 : p.lastIndexOf('-');
        String g = dash < 0 ? "" : p.substring(dash + 1);
        return g.matches("[0-9]{1,20}") ? g : "";
    }

    private static boolean zfsAlive(StreamingProcess p) {
        return ProcessHandle.of(p.pid()).map(ProcessHandle::isAlive).orElse(false);
    }
}
