package io.terrarium.s3.crypto;

import io.terrarium.s3.ExportKeys;
import io.terrarium.s3.Manifest;
import io.terrarium.s3.ManifestCodec;
import io.terrarium.s3.ManifestException;
import io.terrarium.s3.S3Catalog;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code backup rekey}: rotates the backup key by rewrapping every sealed manifest of this
 * installation — each data key unwrapped under the old key, wrapped under the new one, the manifest
 * resealed and PUT over itself. No volume is read or uploaded again.
 *
 * <p>Crash-safe order: the new key goes to {@value BackupKeys#NEXT_FILE} first (exports then seal
 * with it, restores read both); then the manifests are rewritten; only when every one is done does
 * the new key replace {@value BackupKeys#FILE}. An interrupted rekey is finished by running it again
 * (it reuses the pending key). Points that cannot be rewrapped (unauthenticated, other key, altered)
 * are listed and keep the old key file in place.
 *
 * <p>Export race (issue 13): an export that loaded the keys before the rotation would commit a
 * manifest sealed with the old key after the old key is gone. With {@link #exportLock(Path)} set,
 * the rotation holds the host's export lock (the one {@code s3-export} holds for its whole run) from
 * before the keys are read until the key file is switched; when an export holds it, nothing changes
 * and the run fails with a message to run it again afterwards.
 */
public final class Rekey {
    private final S3Client s3;
    private final String bucket;
    private final String prefix;
    private final Path secretsDir;
    private final ManifestCodec codec = new ManifestCodec();
    private final ManifestSeal seal = new ManifestSeal();
    private Path exportLock;
    private java.time.Duration lockWait = java.time.Duration.ZERO;

    /**
     * @param s3 client @param bucket bucket @param prefix configured prefix
     * @param secretsDir directory holding {@value BackupKeys#FILE}
     */
    public Rekey(S3Client s3, String bucket, String prefix, Path secretsDir) {
        this.s3 = s3;
        this.bucket = bucket;
        this.prefix = prefix;
        this.secretsDir = secretsDir;
    }

    /**
     * Holds the export lock {@code file} (e.g. {@code /run/terrarium/s3-export.lock}) for the whole
     * rotation, waiting up to {@code wait} for a running export to finish; {@code null}: no lock.
     *
     * @return this
     */
    public Rekey exportLock(Path file, java.time.Duration wait) {
        this.exportLock = file;
        this.lockWait = wait == null ? java.time.Duration.ZERO : wait;
        return this;
    }

    /**
     * What a run did.
     *
     * @param oldKeyId  id of the key replaced
     * @param newKeyId  id of the key now in {@value BackupKeys#FILE} (or pending, when problems)
     * @param rewrapped manifests rewritten
     * @param already   manifests already under the new key (an earlier, interrupted run)
     * @param legacy    unauthenticated (format 1) manifests left as they are
     * @param problems  manifests that could not be rewrapped; non-empty means the key was not switched
     */
    public record Result(String oldKeyId, String newKeyId, int rewrapped, int already, int legacy, List<String> problems) {
    }

    /**
     * Runs the rotation for one installation's restore points.
     *
     * @throws IOException when the host has no backup key, an export holds the export lock, or S3 or
     *                     the secrets directory fails
     */
    public Result run(String installationId) throws IOException {
        if (exportLock == null) {
            return rotate(installationId);
        }
        io.terrarium.config.LockFile lock;
        try {
            lock = io.terrarium.config.LockFile.acquire(exportLock, lockWait);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while waiting for the export lock " + exportLock, e);
        }
        if (lock == null) {
            throw new IOException("an s3-export is running on this host (lock " + exportLock + "): a manifest it commits would be"
                    + " sealed with the old key; nothing was changed. Run `terrariumctl backup rekey` again when it has finished.");
        }
        try (lock) {
            return rotate(installationId);
        }
    }

    private Result rotate(String installationId) throws IOException {
        BackupKeys keys = BackupKeys.load(secretsDir).orElseThrow(() -> new IOException(
                "this host has no backup key (" + secretsDir.resolve(BackupKeys.FILE) + "): nothing to rotate; "
                        + "create one with `terrariumctl backup key init`"));
        BackupKey next = keys.next().orElse(null);
        if (next == null) {
            next = BackupKey.generate();
            new io.terrarium.config.SecretStore(secretsDir).write(BackupKeys.NEXT_FILE,
                    (next.recoveryKey() + "\n").getBytes(java.nio.charset.StandardCharsets.UTF_8));
            keys = new BackupKeys(keys.current(), next);
        }
        S3Catalog catalog = new S3Catalog(s3, bucket, prefix);
        ExportKeys layout = new ExportKeys(prefix, installationId);
        int rewrapped = 0;
        int already = 0;
        int legacy = 0;
        List<String> problems = new ArrayList<>();
        for (String instance : catalog.instances(installationId)) {
            S3Catalog.Points points = catalog.points(installationId, instance);
            points.unreadable().forEach(u -> problems.add(u.key() + ": " + u.reason()));
            for (Manifest m : points.manifests()) {
                if (m.authentication() == null) {
                    legacy++;
                    continue;
                }
                if (m.authentication().keyId().equals(next.id())) {
                    already++;
                    continue;
                }
                try {
                    Manifest r = seal.rewrap(m, keys, next);
                    byte[] body = codec.write(r, prefix);
                    String key = layout.manifest(instance, m.id());
                    s3.putObject(b -> b.bucket(bucket).key(key).contentType("application/json")
                            .contentLength((long) body.length), RequestBody.fromBytes(body));
                    rewrapped++;
                } catch (ManifestException e) {
                    problems.add(e.getMessage());
                } catch (SdkException e) {
                    throw new IOException("rewriting manifest " + m.id() + " failed: " + e.getMessage()
                            + " (run `backup rekey` again to finish)", e);
                }
            }
        }
        String oldId = keys.current().id();
        if (problems.isEmpty()) {
            Files.move(secretsDir.resolve(BackupKeys.NEXT_FILE), secretsDir.resolve(BackupKeys.FILE),
                    StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        }
        return new Result(oldId, next.id(), rewrapped, already, legacy, problems);
    }
}
