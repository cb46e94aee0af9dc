package io.terrarium.s3;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * Writes and strictly reads {@link Manifest} JSON. Reading rejects: another format version, unknown
 * keys, missing fields, keys that are absolute, contain {@code ..}, {@code //} or a backslash, or do
 * not start with the expected prefix, negative sizes, SHA-256 values that are not 64 lowercase hex
 * digits, and a part count that does not fit the size. A manifest from a bucket is untrusted input:
 * its keys decide what restore reads.
 */
public final class ManifestCodec {
    private static final Pattern SHA = Pattern.compile("[0-9a-f]{64}");
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._:-]{0,254}");
    private static final Pattern GUID = Pattern.compile("[0-9]{1,20}");
    private static final Pattern KEY_ID = Pattern.compile("[0-9a-f]{16}");
    private static final Pattern B64 = Pattern.compile("[A-Za-z0-9+/]+={0,2}");
    /**
     * Largest manifest read (16 MiB; issue 13 item 3). A real one is a few KiB per volume (a
     * {@code part_sha256} entry per part). Checked against the object's size before its body is read.
     */
    public static final long MAX_MANIFEST_BYTES = 16L * ProviderProfile.MIB;
    /**
     * Largest {@code part_size} accepted (256 MiB; issue 13 item 3): verify and restore hold one part
     * in memory, so a bigger one could exhaust the heap. Terrarium writes parts of at most
     * {@link PartSizing#DEFAULT_MEMORY_BUDGET} (160 MiB) divided by the parts in flight + 1.
     */
    public static final long MAX_PART_SIZE = 256L * ProviderProfile.MIB;
    /** Most parts per volume: S3's limit for one multipart upload (10,000 parts, AWS S3 "Multipart upload limits"). */
    public static final int MAX_PARTS = 10_000;
    /** Most volumes per manifest (1,000: 10 million parts, far beyond any stream Terrarium exports). */
    public static final int MAX_VOLUMES = 1_000;

    private final ObjectMapper json = new ObjectMapper()
            .registerModule(new JavaTimeModule())
            .setPropertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE)
            .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS)
            .enable(SerializationFeature.INDENT_OUTPUT)
            // canonical bytes for the MAC (authenticatedBytes): map keys in order whatever the Map's iteration order
            .enable(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS)
            .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
            .enable(DeserializationFeature.FAIL_ON_MISSING_CREATOR_PROPERTIES);

    /** JSON bytes of a manifest (validated first against {@code prefix}). */
    public byte[] write(Manifest m, String prefix) {
        List<String> problems = problems(m, prefix);
        if (!problems.isEmpty()) {
            throw new IllegalArgumentException("invalid manifest: " + String.join("; ", problems));
        }
        try {
            return json.writeValueAsBytes(m);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * Parses and validates a manifest.
     *
     * @param bytes  the JSON document
     * @param prefix the prefix every key must start with (the configured one)
     * @throws ManifestException naming every problem found
     */
    public Manifest read(byte[] bytes, String prefix) throws ManifestException {
        if (bytes.length > MAX_MANIFEST_BYTES) {
            throw new ManifestException("manifest of " + bytes.length + " bytes is above the limit of " + MAX_MANIFEST_BYTES
                    + " bytes; refused");
        }
        Manifest m;
        try {
            com.fasterxml.jackson.databind.JsonNode tree = json.readTree(bytes);
            if (tree instanceof com.fasterxml.jackson.databind.node.ObjectNode o) {
                // legacy (format 1) manifests have neither block; the rules below decide what each format needs
                o.putIfAbsent("encryption", com.fasterxml.jackson.databind.node.NullNode.getInstance());
                o.putIfAbsent("authentication", com.fasterxml.jackson.databind.node.NullNode.getInstance());
                // a volume has sha256 (before issue 16), sha256_of_parts (since) or both; problems() checks which
                if (o.get("volumes") instanceof com.fasterxml.jackson.databind.node.ArrayNode vols) {
                    for (com.fasterxml.jackson.databind.JsonNode v : vols) {
                        if (v instanceof com.fasterxml.jackson.databind.node.ObjectNode vo) {
                            vo.putIfAbsent("sha256", com.fasterxml.jackson.databind.node.NullNode.getInstance());
                            vo.putIfAbsent("sha256_of_parts", com.fasterxml.jackson.databind.node.NullNode.getInstance());
                        }
                    }
                }
            }
            m = json.treeToValue(tree, Manifest.class);
        } catch (IOException e) {
            throw new ManifestException("manifest is not valid JSON of format " + Manifest.FORMAT_VERSION + " or "
                    + Manifest.SEALED_FORMAT_VERSION + ": "
                    + (e instanceof JsonProcessingException j ? j.getOriginalMessage() : e.getMessage()));
        }
        List<String> problems = problems(m, prefix);
        if (!problems.isEmpty()) {
            throw new ManifestException("invalid manifest " + m.id() + ": " + String.join("; ", problems));
        }
        return m;
    }

    /**
     * Reads a manifest object with a size limit checked before its body is read: the object's
     * {@code Content-Length} must be at most {@link #MAX_MANIFEST_BYTES}, and reading stops one byte
     * past the limit whatever the header said (issue 13 item 3: a huge object must not exhaust the heap).
     *
     * @throws ManifestException when the object is bigger than the limit
     * @throws software.amazon.awssdk.core.exception.SdkException on S3 errors (NoSuchKeyException when gone)
     * @throws IOException when the body cannot be read
     */
    public static byte[] readObject(software.amazon.awssdk.services.s3.S3Client s3, String bucket, String key)
            throws ManifestException, IOException {
        try (var in = s3.getObject(b -> b.bucket(bucket).key(key))) {
            Long len = in.response().contentLength();
            if (len != null && len > MAX_MANIFEST_BYTES) {
                in.abort();
                throw new ManifestException("manifest " + key + " has " + len + " bytes, above the limit of " + MAX_MANIFEST_BYTES
                        + " bytes; refused before reading it");
            }
            byte[] body = in.readNBytes((int) MAX_MANIFEST_BYTES + 1);
            if (body.length > MAX_MANIFEST_BYTES) {
                in.abort();
                throw new ManifestException("manifest " + key + " is longer than the limit of " + MAX_MANIFEST_BYTES
                        + " bytes; refused");
            }
            return body;
        }
    }

    /** Every rule the manifest breaks; empty when valid. */
    public static List<String> problems(Manifest m, String prefix) {
        List<String> p = new ArrayList<>();
        if (m.formatVersion() == Manifest.FORMAT_VERSION) {
            if (m.encryption() != null || m.authentication() != null) {
                p.add("format_version 1 has no encryption or authentication block");
            }
        } else if (m.formatVersion() == Manifest.SEALED_FORMAT_VERSION) {
            sealProblems(p, m);
        } else {
            p.add("format_version " + m.formatVersion() + " is not " + Manifest.FORMAT_VERSION + " or "
                    + Manifest.SEALED_FORMAT_VERSION);
        }
        name(p, "id", m.id(), true);
        name(p, "installation_id", m.installationId(), true);
        name(p, "instance", m.instance(), true);
        name(p, "snapshot", m.snapshot(), true);
        name(p, "parent_id", m.parentId(), false);
        name(p, "parent_snapshot", m.parentSnapshot(), false);
        if ((m.parentId() == null) != (m.parentSnapshot() == null)) {
            p.add("parent_id and parent_snapshot must both be set (incremental) or both be null (full)");
        }
        if (m.dataset() == null || !m.dataset().matches("[A-Za-z0-9][A-Za-z0-9._:/-]*") || m.dataset().contains("//")) {
            p.add("dataset \"" + m.dataset() + "\" is not a dataset name");
        }
        if (m.snapshotGuid() == null || !GUID.matcher(m.snapshotGuid()).matches()) {
            p.add("snapshot_guid must be a decimal number");
        }
        if (m.compression() == null || !(m.compression().equals("zstd") || m.compression().equals("none"))) {
            p.add("compression must be zstd or none");
        }
        if (m.createdAt() == null) {
            p.add("created_at is missing");
        }
        if (m.volumes().isEmpty()) {
            p.add("no volumes");
        }
        if (m.volumes().size() > MAX_VOLUMES) {
            p.add(m.volumes().size() + " volumes are above the limit of " + MAX_VOLUMES);
            return p;
        }
        long sum = 0;
        for (int i = 0; i < m.volumes().size(); i++) {
            Manifest.Volume v = m.volumes().get(i);
            String at = "volumes[" + i + "]";
            keyProblem(p, at, v.key(), prefix);
            if (v.bytes() < 0) {
                p.add(at + ".bytes is negative");
            }
            sum += Math.max(0, v.bytes());
            if (v.sha256() == null && v.sha256OfParts() == null) {
                p.add(at + " has neither sha256 nor sha256_of_parts");
            }
            if (v.sha256() != null && !SHA.matcher(v.sha256()).matches()) {
                p.add(at + ".sha256 is not 64 lowercase hex digits");
            }
            if (v.sha256OfParts() != null) {
                if (!SHA.matcher(v.sha256OfParts()).matches()) {
                    p.add(at + ".sha256_of_parts is not 64 lowercase hex digits");
                } else if (v.partSha256().isEmpty()) {
                    p.add(at + ".sha256_of_parts is set but part_sha256 is empty");
                } else if (v.partSha256().stream().allMatch(s -> s != null && SHA.matcher(s).matches())
                        && !Manifest.Volume.sha256OfParts(v.partSha256()).equals(v.sha256OfParts())) {
                    p.add(at + ".sha256_of_parts does not match its part_sha256 list (the list was altered, or the field)");
                }
            }
            if (v.partSize() > MAX_PART_SIZE) {
                p.add(at + ".part_size " + v.partSize() + " bytes is above the limit of " + MAX_PART_SIZE
                        + " bytes (one part is held in memory; Terrarium never writes bigger parts); refused before any allocation");
            }
            if (v.parts() > MAX_PARTS) {
                p.add(at + ".parts " + v.parts() + " is above S3's limit of " + MAX_PARTS + " parts per upload");
            }
            if (v.partSize() <= 0 || v.parts() < 1 || v.bytes() > v.partSize() * v.parts()
                    || (v.parts() > 1 && v.bytes() <= v.partSize() * (v.parts() - 1))) {
                p.add(at + ": " + v.parts() + " parts of " + v.partSize() + " bytes cannot hold " + v.bytes() + " bytes");
            }
            if (!v.partSha256().isEmpty() && v.partSha256().size() != v.parts()) {
                p.add(at + ".part_sha256 has " + v.partSha256().size() + " entries for " + v.parts() + " parts");
            }
            for (String s : v.partSha256()) {
                if (s == null || !SHA.matcher(s).matches()) {
                    p.add(at + ".part_sha256 holds a value that is not 64 lowercase hex digits");
                    break;
                }
            }
        }
        if (m.streamBytes() != sum) {
            p.add("stream_bytes " + m.streamBytes() + " is not the sum of the volumes (" + sum + ")");
        }
        return p;
    }

    /** The shape of a sealed manifest's blocks (their values are checked by {@code ManifestSeal}). */
    private static void sealProblems(List<String> p, Manifest m) {
        Manifest.Encryption e = m.encryption();
        if (e == null) {
            p.add("format_version 2 needs an encryption block");
        } else {
            if (!io.terrarium.s3.crypto.StreamAead.ALGORITHM.equals(e.algorithm())) {
                p.add("encryption.algorithm \"" + e.algorithm() + "\" is not " + io.terrarium.s3.crypto.StreamAead.ALGORITHM);
            }
            if (e.keyId() == null || !KEY_ID.matcher(e.keyId()).matches()) {
                p.add("encryption.key_id is not 16 lowercase hex digits");
            }
            if (e.wrappedKey() == null || !B64.matcher(e.wrappedKey()).matches() || e.wrappedKey().length() > 128) {
                p.add("encryption.wrapped_key is not base64 of a wrapped data key");
            }
        }
        Manifest.Authentication a = m.authentication();
        if (a == null) {
            p.add("format_version 2 needs an authentication block");
        } else {
            if (!"HMAC-SHA256".equals(a.algorithm())) {
                p.add("authentication.algorithm \"" + a.algorithm() + "\" is not HMAC-SHA256");
            }
            if (a.keyId() == null || !KEY_ID.matcher(a.keyId()).matches()) {
                p.add("authentication.key_id is not 16 lowercase hex digits");
            }
            if (a.mac() == null || !B64.matcher(a.mac()).matches() || a.mac().length() != 44) {
                p.add("authentication.mac is not base64 of 32 bytes");
            }
        }
    }

    /**
     * The bytes a manifest's MAC covers: its JSON as this codec writes it, without the
     * {@code authentication} block (every other field, parent links and volume checksums included).
     */
    public byte[] authenticatedBytes(Manifest m) {
        try {
            return json.writeValueAsBytes(m.withAuthentication(null));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Adds a problem when {@code key} is not a safe key under {@code prefix}. */
    static void keyProblem(List<String> p, String at, String key, String prefix) {
        if (key == null || key.isEmpty()) {
            p.add(at + ".key is missing");
        } else if (key.startsWith("/") || key.contains("\\") || key.contains("//")
                || List.of(key.split("/")).contains("..") || List.of(key.split("/")).contains(".")
                || key.chars().anyMatch(c -> c < 0x20 || c == 0x7f)) {
            p.add(at + ".key \"" + key + "\" is absolute or has '..', '.', '//', '\\' or control characters");
        } else if (!key.startsWith(prefix)) {
            p.add(at + ".key \"" + key + "\" is not under the prefix \"" + prefix + "\"");
        }
    }

    private static void name(List<String> p, String field, String v, boolean required) {
        if (v == null) {
            if (required) {
                p.add(field + " is missing");
            }
        } else if (!NAME.matcher(v).matches()) {
            p.add(field + " \"" + v + "\" has characters outside [A-Za-z0-9._:-]");
        }
    }
}
