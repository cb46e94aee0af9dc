package io.terrarium.s3;

import io.terrarium.host.zstd.Compression;
import io.terrarium.host.zfs.ZfsStreamCommands;

import io.terrarium.s3.ExportKeys;
import io.terrarium.s3.Manifest;
import io.terrarium.s3.ManifestCodec;
import io.terrarium.host.exec.Command;
import io.terrarium.host.exec.StreamingProcess;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;

import java.io.IOException;
import java.io.InputStream;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.function.LongConsumer;

/**
 * The streaming export pipeline (DESIGN.md §4):
 *
 * <pre>
 *   zfs send … (StreamingProcess) ─▶ zstd ─▶ [AES-256-GCM STREAM] ─▶ StreamingUploader (volumes) ─▶ manifest PUT (commit)
 * </pre>
 *
 * With a backup key (see {@link io.terrarium.s3.crypto.BackupKeys}) the compressed stream is
 * encrypted segment by segment and the manifest sealed; without one the stream is stored plaintext
 * in the legacy format.
 *
 * Nothing is written to disk. The manifest is written only after every volume is completed and its
 * size confirmed by HEAD; when anything before that fails — {@code zfs send} exits non-zero, zstd
 * fails, a part fails after its retries, the store answers an error — the multipart upload is
 * aborted, the volumes of this run are deleted, no manifest exists, and the exception propagates.
 */
public final class S3Exporter {
    private static final Logger LOG = LoggerFactory.getLogger(S3Exporter.class);

    private final S3Client s3;
    private final S3Settings settings;
    private final ExportKeys keys;
    private final ManifestCodec codec = new ManifestCodec();
    private final Clock clock;
    private final io.terrarium.s3.crypto.BackupKeys backupKeys;

    /**
     * @param s3       client (see {@link S3ClientFactory})
     * @param settings destination
     * @param installationId names the installation's folder under the prefix
     * @param clock    time for {@code created_at} and the manifest id
     */
    public S3Exporter(S3Client s3, S3Settings settings, String installationId, Clock clock) {
        this(s3, settings, installationId, clock, null);
    }

    /**
     * An exporter that encrypts every stream and seals every manifest (issue 13): zfs send → zstd →
     * {@link io.terrarium.s3.crypto.StreamAead} under a fresh data key wrapped by the backup key →
     * uploader; the manifest is format {@value Manifest#SEALED_FORMAT_VERSION} with its MAC.
     *
     * @param backupKeys the host's backup keys, or {@code null} for plaintext legacy exports
     */
    public S3Exporter(S3Client s3, S3Settings settings, String installationId, Clock clock,
                      io.terrarium.s3.crypto.BackupKeys backupKeys) {
        this.s3 = s3;
        this.settings = settings;
        this.keys = new ExportKeys(settings.prefix(), installationId);
        this.clock = clock;
        this.backupKeys = backupKeys;
    }

    /** The key layout this exporter writes. */
    public ExportKeys keys() {
        return keys;
    }

    /**
     * What to export.
     *
     * @param instance       LXD instance name
     * @param dataset        dataset to send
     * @param snapshot       snapshot to send
     * @param snapshotGuid   its GUID (decimal)
     * @param parent         the base's manifest, or {@code null} for a full stream
     * @param sendFlags      extra {@code zfs send} flags (see {@link ZfsStreamCommands#send})
     * @param estimate       size estimate of the compressed stream, bytes (empty: unknown)
     * @param partFloor      smallest part size wanted, bytes
     * @param inFlight       parts uploading at once
     * @param engine         zstd engine
     * @param toolVersions   recorded in the manifest (terrarium, zfs)
     */
    public record Request(String instance, String dataset, String snapshot, String snapshotGuid, Manifest parent,
                          List<String> sendFlags, OptionalLong estimate, long partFloor, int inFlight,
                          Compression.Engine engine, Map<String, String> toolVersions) {
    }

    /**
     * Runs {@code zfs send} for the request and exports its stream.
     *
     * @return the committed manifest
     * @throws IOException when anything failed (nothing committed, see class doc)
     */
    public Manifest export(Request req, LongConsumer progress) throws IOException {
        return export(req, progress, n -> { });
    }

    /**
     * Same as {@link #export(Request, LongConsumer)}, also telling {@code sent} how many bytes of
     * the uncompressed {@code zfs send} stream were read (what a {@code zfs send -n -P} estimate
     * counts, so a progress bar can show an ETA).
     *
     * @param uploaded told the compressed bytes of each part as it is cut
     * @param sent     told each chunk of uncompressed bytes of the {@code zfs send} stream: with
     *                 {@link Compression.Engine#CLI} as zstd reads them (sampled, exact at the end,
     *                 see {@link Compression#cliPipeline}), with {@link Compression.Engine#JNI} as
     *                 this JVM reads them
     */
    public Manifest export(Request req, LongConsumer uploaded, LongConsumer sent) throws IOException {
        Command send = ZfsStreamCommands.send(req.dataset(), req.snapshot(),
                req.parent() == null ? null : req.parent().snapshot(), req.sendFlags());
        if (req.engine() == Compression.Engine.CLI) {
            // zfs send | zstd in the kernel: only the compressed stream enters this JVM (issue 16 item 2)
            return exportCompressed(req, () -> Compression.cliPipeline(send, sent), uploaded);
        }
        try (StreamingProcess zfs = StreamingProcess.start(send)) {
            return exportStream(req, new CountingInputStream(zfs.stdout(), sent), uploaded);
        }
    }

    /** Opens the compressed stream (starting what produces it). */
    @FunctionalInterface
    private interface CompressedSource {
        InputStream open() throws IOException;
    }

    /** Tells a listener the bytes read through it. */
    static final class CountingInputStream extends java.io.FilterInputStream {
        private final LongConsumer listener;

        CountingInputStream(InputStream in, LongConsumer listener) {
            super(in);
            this.listener = listener;
        }

        @Override
        public int read() throws IOException {
            int b = super.read();
            if (b >= 0) {
                listener.accept(1);
            }
            return b;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            int n = super.read(b, off, len);
            if (n > 0) {
                listener.accept(n);
            }
            return n;
        }

        @Override
        public long skip(long n) throws IOException {
            long k = super.skip(n);
            if (k > 0) {
                listener.accept(k);
            }
            return k;
        }
    }

    /**
     * Exports an already running stream (the uncompressed {@code zfs send} output); public for
     * tests and benchmarks that feed a generated stream.
     */
    public Manifest exportStream(Request req, InputStream sendStream, LongConsumer progress) throws IOException {
        int threads = Math.max(1, Runtime.getRuntime().availableProcessors());
        return exportCompressed(req, () -> Compression.compress(sendStream, req.engine(), threads), progress);
    }

    private Manifest exportCompressed(Request req, CompressedSource source, LongConsumer progress) throws IOException {
        Instant now = clock.instant();
        String id = ExportKeys.newId(now, req.snapshotGuid());
        long partSize = PartSizing.capToMemory(
                PartSizing.choose(req.estimate(), PartSizing.DEFAULT_SAFETY, req.partFloor(), settings.profile()),
                req.inFlight(), Math.max(PartSizing.DEFAULT_MEMORY_BUDGET, req.partFloor() * (req.inFlight() + 1L)),
                settings.profile());
        StreamingUploader uploader = new StreamingUploader(s3, settings, partSize, req.inFlight()).onProgress(progress);
        List<io.terrarium.s3.VolumeResult> volumes;
        io.terrarium.s3.crypto.BackupKey sealing = backupKeys == null ? null : backupKeys.sealing();
        byte[] dataKey = sealing == null ? null : io.terrarium.s3.crypto.BackupKey.newDataKey();
        try (InputStream compressed = source.open();
             InputStream stored = dataKey == null ? compressed
                     : io.terrarium.s3.crypto.StreamAead.encrypt(compressed, dataKey, id)) {
            volumes = uploader.upload(stored, i -> keys.volume(req.instance(), id, i));
        }
        List<Manifest.Volume> mv = new ArrayList<>();
        long total = 0;
        for (VolumeResult v : volumes) {
            mv.add(new Manifest.Volume(v.key(), v.bytes(), v.sha256(), v.sha256OfParts(), v.partSize(), v.parts(),
                    v.partSha256()));
            total += v.bytes();
        }
        Map<String, String> tools = new LinkedHashMap<>(req.toolVersions());
        tools.put("zstd", Compression.version(req.engine()));
        Manifest m = new Manifest(sealing == null ? Manifest.FORMAT_VERSION : Manifest.SEALED_FORMAT_VERSION, id,
                keys.installationId(), req.instance(), req.dataset(),
                req.snapshot(), req.snapshotGuid(), req.parent() == null ? null : req.parent().id(),
                req.parent() == null ? null : req.parent().snapshot(), "zstd", req.sendFlags(), tools, now, total, mv,
                sealing == null ? null : io.terrarium.s3.crypto.ManifestSeal.encryption(sealing, id, dataKey), null);
        if (sealing != null) {
            m = new io.terrarium.s3.crypto.ManifestSeal().seal(m, sealing);
        }
        commit(m);
        return m;
    }

    /**
     * Writes the manifest (the commit point). On failure (e.g. the PUT went through but its HEAD
     * failed) the manifest is deleted first and only then the volumes, which nothing names then
     * (issue 13 item 5): a crash in between leaves unnamed volumes (retention's business), never a
     * manifest naming missing volumes. When the manifest cannot be deleted, the volumes are kept.
     */
    private void commit(Manifest m) throws IOException {
        String key = keys.manifest(m.instance(), m.id());
        try {
            byte[] body = codec.write(m, settings.prefix());
            s3.putObject(r -> r.bucket(settings.bucket()).key(key).contentType("application/json")
                    .contentLength((long) body.length), RequestBody.fromBytes(body));
            long size = s3.headObject(r -> r.bucket(settings.bucket()).key(key)).contentLength();
            if (size != body.length) {
                throw new UploadFailedException("manifest " + key + " has " + size + " bytes after PUT, expected "
                        + body.length, null);
            }
        } catch (SdkException | UploadFailedException | IllegalArgumentException e) {
            boolean manifestGone;
            try {
                s3.deleteObject(r -> r.bucket(settings.bucket()).key(key));
                manifestGone = true;
            } catch (SdkException d) {
                e.addSuppressed(d);
                manifestGone = false;
            }
            if (!manifestGone) {
                throw new UploadFailedException("writing manifest " + key + " failed (" + e.getMessage()
                        + ") and it could not be deleted: its volumes are kept, so it stays restorable if the PUT landed; "
                        + "run `terrariumctl backup verify` to check it", e);
            }
            for (Manifest.Volume v : m.volumes()) {
                try {
                    s3.deleteObject(r -> r.bucket(settings.bucket()).key(v.key()));
                } catch (SdkException d) {
                    e.addSuppressed(d);
                }
            }
            if (e instanceof IllegalArgumentException) {
                throw e;
            }
            throw e instanceof UploadFailedException u ? u
                    : new UploadFailedException("writing manifest " + key + " failed: " + e.getMessage(), e);
        }
        LOG.info("committed manifest {} ({} volume(s), {} bytes)", key, m.volumes().size(), m.streamBytes());
    }
}
