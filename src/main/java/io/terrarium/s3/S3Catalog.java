package io.terrarium.s3;

import io.terrarium.s3.ExportKeys;
import io.terrarium.s3.Manifest;
import io.terrarium.s3.ManifestCodec;
import io.terrarium.s3.ManifestException;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.CommonPrefix;
import software.amazon.awssdk.services.s3.model.NoSuchKeyException;
import software.amazon.awssdk.services.s3.model.S3Object;

import java.io.IOException;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * What the bucket holds under the configured prefix (read-only): installations, their instances and
 * the committed restore points (manifests) of each, in the {@link ExportKeys} layout. A host that has
 * never seen an instance finds it here (disaster recovery): the folder of the old installation is
 * listed like any other.
 *
 * <p>Costs: one LIST per folder level, one GET per manifest read (manifests are a few KiB).
 */
public final class S3Catalog {
    private static final DateTimeFormatter UTC = DateTimeFormatter.ofPattern("yyyy-MM-dd_HH:mm:ss").withZone(ZoneOffset.UTC);

    private final S3Client s3;
    private final String bucket;
    private final String prefix;
    private final ManifestCodec codec = new ManifestCodec();

    /** @param s3 client @param bucket bucket @param prefix normalized prefix (ends with '/', or empty) */
    public S3Catalog(S3Client s3, String bucket, String prefix) {
        this.s3 = s3;
        this.bucket = bucket;
        this.prefix = prefix;
    }

    /** A manifest that could not be read or failed validation: the key and why. */
    public record Unreadable(String key, String reason) {
    }

    /**
     * The restore points of one instance of one installation, oldest first (manifest ids sort by
     * time), and the manifests that could not be read.
     */
    public record Points(String installationId, String instance, List<Manifest> manifests, List<Unreadable> unreadable) {
        public Points {
            manifests = List.copyOf(manifests);
            unreadable = List.copyOf(unreadable);
        }

        /** The newest manifest, or {@code null}. */
        public Manifest newest() {
            return manifests.isEmpty() ? null : manifests.get(manifests.size() - 1);
        }

        /** Manifest by id, or {@code null}. */
        public Manifest byId(String id) {
            return manifests.stream().filter(m -> m.id().equals(id)).findFirst().orElse(null);
        }

        /**
         * The chain that restores {@code point}: the full first, then each incremental up to {@code point}.
         * A parent that is not among the manifests ends the walk: the returned chain then starts with an
         * incremental, which {@link S3Restorer#plan} reports as broken.
         */
        public List<Manifest> chainTo(Manifest point) {
            List<Manifest> chain = new ArrayList<>();
            Set<String> seen = new HashSet<>();
            Manifest m = point;
            while (m != null && seen.add(m.id())) {
                chain.add(0, m);
                m = m.full() ? null : byId(m.parentId());
            }
            return chain;
        }

        /**
         * The newest point whose id or creation time ({@code yyyy-MM-dd_HH:mm:ss} UTC, or ISO-8601)
         * contains {@code fragment}; the newest point when {@code fragment} is {@code null}.
         *
         * @return the point, or {@code null} when none matches
         */
        public Manifest choose(String fragment) {
            for (int i = manifests.size() - 1; i >= 0; i--) {
                Manifest m = manifests.get(i);
                if (fragment == null || m.id().contains(fragment) || UTC.format(m.createdAt()).contains(fragment)
                        || m.createdAt().toString().contains(fragment)) {
                    return m;
                }
            }
            return null;
        }
    }

    /** Installation ids that have a folder under the prefix, sorted. @throws IOException when the bucket cannot be listed */
    public List<String> installations() throws IOException {
        return folders(prefix);
    }

    /** Instances with a folder under one installation, sorted. @throws IOException when the bucket cannot be listed */
    public List<String> instances(String installationId) throws IOException {
        // the host manifests' folder (ExportKeys.HOST_DIR) is not an instance
        return folders(new ExportKeys(prefix, installationId).instanceDir("x").replaceFirst("x/$", "")).stream()
                .filter(n -> !n.equals(ExportKeys.HOST_DIR)).toList();
    }

    /**
     * Every installation that has restore points of {@code instance}, sorted.
     *
     * @throws IOException when the bucket cannot be listed
     */
    public List<String> installationsWith(String instance) throws IOException {
        List<String> out = new ArrayList<>();
        for (String inst : installations()) {
            if (!manifestKeys(inst, instance).isEmpty()) {
                out.add(inst);
            }
        }
        return out;
    }

    /**
     * Reads every manifest of one instance. A manifest that cannot be parsed or validated is listed
     * in {@link Points#unreadable()}, never used.
     *
     * @throws IOException when listing or reading fails
     */
    public Points points(String installationId, String instance) throws IOException {
        List<Manifest> ok = new ArrayList<>();
        List<Unreadable> bad = new ArrayList<>();
        for (String key : manifestKeys(installationId, instance)) {
            byte[] body;
            try {
                body = ManifestCodec.readObject(s3, bucket, key); // size-limited before reading (issue 13 item 3)
            } catch (NoSuchKeyException e) {
                continue; // deleted between LIST and GET
            } catch (ManifestException e) {
                bad.add(new Unreadable(key, e.getMessage()));
                continue;
            } catch (SdkException e) {
                throw new IOException("cannot read " + key + ": " + e.getMessage(), e);
            }
            try {
                Manifest m = codec.read(body, prefix);
                if (!m.instance().equals(instance) || !key.endsWith("/" + m.id() + ".json")) {
                    bad.add(new Unreadable(key, "names instance " + m.instance() + " and id " + m.id() + ", not its own key"));
                } else {
                    ok.add(m);
                }
            } catch (ManifestException e) {
                bad.add(new Unreadable(key, e.getMessage()));
            }
        }
        // export time first: an id is the second plus the snapshot's GUID, so two points of the same
        // second sorted by id alone came out in GUID order (rehearsal of session 5: a full listed as
        // newer than its own incremental, S3EncryptedZfsIT)
        ok.sort(Comparator.comparing(Manifest::createdAt, Comparator.nullsFirst(Comparator.naturalOrder()))
                .thenComparing(Manifest::id));
        return new Points(installationId, instance, ok, bad);
    }

    /** Every installation → instance → points under the prefix (for {@code backup list}). */
    public Map<String, Map<String, Points>> all() throws IOException {
        Map<String, Map<String, Points>> out = new LinkedHashMap<>();
        for (String inst : installations()) {
            Map<String, Points> per = new LinkedHashMap<>();
            for (String instance : instances(inst)) {
                per.put(instance, points(inst, instance));
            }
            out.put(inst, per);
        }
        return out;
    }

    private List<String> manifestKeys(String installationId, String instance) throws IOException {
        String dir = new ExportKeys(prefix, installationId).instanceDir(instance) + "manifests/";
        try {
            return s3.listObjectsV2Paginator(b -> b.bucket(bucket).prefix(dir)).contents().stream()
                    .map(S3Object::key).filter(k -> k.endsWith(".json") && k.indexOf('/', dir.length()) < 0).sorted().toList();
        } catch (SdkException e) {
            throw new IOException("cannot list " + bucket + "/" + dir + ": " + e.getMessage(), e);
        }
    }

    private List<String> folders(String under) throws IOException {
        try {
            List<String> out = new ArrayList<>();
            s3.listObjectsV2Paginator(b -> b.bucket(bucket).prefix(under).delimiter("/")).commonPrefixes().stream()
                    .map(CommonPrefix::prefix).forEach(p -> {
                        String name = p.substring(under.length(), p.length() - 1);
                        if (!name.isEmpty() && !name.contains("/")) {
                            out.add(name);
                        }
                    });
            out.sort(Comparator.naturalOrder());
            return out;
        } catch (SdkException e) {
            throw new IOException("cannot list " + bucket + "/" + under + ": " + e.getMessage(), e);
        }
    }
}
