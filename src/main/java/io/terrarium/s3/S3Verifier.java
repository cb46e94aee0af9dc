package io.terrarium.s3;

import io.terrarium.s3.Manifest;
import software.amazon.awssdk.services.s3.S3Client;

import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code backup verify} and job {@code s3-verify}: re-reads every stored stream of an instance and
 * checks each volume's size and SHA-256 (and each part's, when the manifest lists them) against its
 * manifest, and that every incremental's parent manifest exists — without restoring anything. With
 * a backup key every manifest is authenticated and every encrypted segment decrypted and
 * authenticated; an unauthenticated point is then a problem.
 * Memory: one part buffer ({@link VerifiedVolumesStream} with one part in flight: the sequential
 * path, so the daemon's verify never competes with an export for heap). Costs: one GetObject per
 * volume; every stored byte is downloaded once.
 */
public final class S3Verifier {
    private final S3Client s3;
    private final String bucket;
    private final S3Catalog catalog;
    private final io.terrarium.s3.crypto.BackupKeys keys;
    private final io.terrarium.s3.crypto.ManifestSeal.Legacy legacy;

    /** A verifier without backup keys: legacy points only (sealed ones are reported unreadable). */
    public S3Verifier(S3Client s3, String bucket, S3Catalog catalog) {
        this(s3, bucket, catalog, null, io.terrarium.s3.crypto.ManifestSeal.Legacy.ACCEPT);
    }

    /**
     * @param s3      client
     * @param bucket  bucket
     * @param catalog the bucket's restore points
     * @param keys    the host's backup keys, or {@code null}
     * @param legacy  whether an unauthenticated point passes ({@code REFUSE} reports it as a problem)
     */
    public S3Verifier(S3Client s3, String bucket, S3Catalog catalog, io.terrarium.s3.crypto.BackupKeys keys,
                      io.terrarium.s3.crypto.ManifestSeal.Legacy legacy) {
        this.s3 = s3;
        this.bucket = bucket;
        this.catalog = catalog;
        this.keys = keys;
        this.legacy = legacy;
    }

    /**
     * The result for one instance.
     *
     * @param instance  instance
     * @param manifests restore points checked
     * @param bytes     stored bytes read
     * @param problems  one line per bad object, unreadable manifest or broken link (empty: all good)
     */
    public record Report(String instance, int manifests, long bytes, List<String> problems) {
        public Report {
            problems = List.copyOf(problems);
        }

        /** Row for job details and tables. */
        public Map<String, Object> row() {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("instance", instance);
            m.put("status", problems.isEmpty() ? "ok" : "failed");
            m.put("restore_points", manifests);
            m.put("bytes", bytes);
            m.put("problems", problems);
            return m;
        }
    }

    /**
     * Verifies every restore point of one instance of one installation.
     *
     * @throws IOException when the bucket cannot be listed (a bad object is a problem in the report, not an exception)
     */
    public Report verify(String installationId, String instance) throws IOException {
        S3Catalog.Points points = catalog.points(installationId, instance);
        List<String> problems = new ArrayList<>();
        points.unreadable().forEach(u -> problems.add("manifest " + u.key() + " is unreadable: " + u.reason()));
        long bytes = 0;
        byte[] buf = new byte[1 << 20];
        for (Manifest m : points.manifests()) {
            if (!m.full() && points.byId(m.parentId()) == null) {
                problems.add("manifest " + m.id() + ": its parent " + m.parentId() + " is missing (the chain is broken from here)");
            }
            try {
                new io.terrarium.s3.crypto.ManifestSeal().authenticate(m, keys, legacy);
            } catch (ManifestException e) {
                problems.add(e.getMessage());
                continue;
            }
            // one part buffer, sequential: verify runs in the daemon next to exports and is not time-critical
            try (InputStream in = VerifiedVolumesStream.open(s3, bucket, m, keys, 1)) {
                int n;
                while ((n = in.read(buf)) >= 0) {
                    bytes += n;
                }
            } catch (IOException e) {
                problems.add("restore point " + m.id() + ": " + e.getMessage());
            }
        }
        return new Report(instance, points.manifests().size(), bytes, problems);
    }
}
