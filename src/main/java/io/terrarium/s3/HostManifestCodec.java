package io.terrarium.s3;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * Writes and strictly reads {@link HostManifest} JSON. A host manifest comes from the bucket, so it is
 * untrusted input: reading refuses a format newer than {@link HostManifest#FORMAT_VERSION} (with a
 * message saying to upgrade terrariumctl), unknown keys, missing fields, and names of instances,
 * profiles, networks, pools and the project outside LXD's character set (they end up in LXD API
 * paths and in commands).
 */
public final class HostManifestCodec {
    /** LXD object names we accept (instances, profiles, networks, pools, projects). */
    static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,62}");
    private static final Pattern ID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._:-]{0,127}");

    private final ObjectMapper json = new ObjectMapper()
            .registerModule(new JavaTimeModule())
            .setPropertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE)
            .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS)
            .enable(SerializationFeature.INDENT_OUTPUT)
            .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
            .enable(DeserializationFeature.FAIL_ON_MISSING_CREATOR_PROPERTIES);

    /** JSON bytes of a host manifest. @throws IllegalArgumentException when it breaks a rule of {@link #problems} */
    public byte[] write(HostManifest m) {
        List<String> p = problems(m);
        if (!p.isEmpty()) {
            throw new IllegalArgumentException("invalid host manifest: " + String.join("; ", p));
        }
        try {
            return json.writeValueAsBytes(m);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * Parses and validates a host manifest.
     *
     * @param bytes the JSON document
     * @param key   its object key (for messages)
     * @throws ManifestException when it is not JSON, is of a newer format (the message says which and
     *                           to upgrade), or breaks a rule (naming every problem)
     */
    public HostManifest read(byte[] bytes, String key) throws ManifestException {
        JsonNode tree;
        try {
            tree = json.readTree(bytes);
        } catch (IOException e) {
            throw new ManifestException("host manifest " + key + " is not JSON: "
                    + (e instanceof JsonProcessingException j ? j.getOriginalMessage() : e.getMessage()));
        }
        if (tree == null || !tree.isObject()) {
            throw new ManifestException("host manifest " + key + " is not a JSON object");
        }
        JsonNode v = tree.get("format_version");
        if (v == null || !v.isInt() || v.asInt() < 1) {
            throw new ManifestException("host manifest " + key + " has no valid format_version");
        }
        if (v.asInt() > HostManifest.FORMAT_VERSION) {
            throw new ManifestException("host manifest " + key + " has format version " + v.asInt() + ", newer than the "
                    + HostManifest.FORMAT_VERSION + " this terrariumctl reads; upgrade terrariumctl on this host and retry");
        }
        HostManifest m;
        try {
            m = json.treeToValue(tree, HostManifest.class);
        } catch (IOException e) {
            throw new ManifestException("host manifest " + key + " is not valid JSON of format " + HostManifest.FORMAT_VERSION + ": "
                    + (e instanceof JsonProcessingException j ? j.getOriginalMessage() : e.getMessage()));
        }
        List<String> p = problems(m);
        if (!p.isEmpty()) {
            throw new ManifestException("invalid host manifest " + key + ": " + String.join("; ", p));
        }
        return m;
    }

    /** Every rule the host manifest breaks; empty when valid. */
    public static List<String> problems(HostManifest m) {
        List<String> p = new ArrayList<>();
        if (m.formatVersion() != HostManifest.FORMAT_VERSION) {
            p.add("format_version " + m.formatVersion() + " is not " + HostManifest.FORMAT_VERSION);
        }
        if (m.installationId() == null || !ID.matcher(m.installationId()).matches()) {
            p.add("installation_id \"" + m.installationId() + "\" is missing or has characters outside [A-Za-z0-9._:-]");
        }
        if (m.createdAt() == null) {
            p.add("created_at is missing");
        }
        if (m.config() == null) {
            p.add("config is missing");
        }
        name(p, "project", m.project());
        if (m.projectConfig() == null) {
            p.add("project_config is missing");
        }
        objects(p, "profiles", m.profiles());
        objects(p, "networks", m.networks());
        objects(p, "storage_pools", m.storagePools());
        for (HostManifest.Instance i : m.instances()) {
            name(p, "instances[].name", i.name());
            i.profiles().forEach(n -> name(p, "instances[" + i.name() + "].profiles", n));
        }
        return p;
    }

    private static void objects(List<String> p, String field, List<ObjectNode> list) {
        for (ObjectNode o : list) {
            name(p, field + "[].name", o.path("name").asText(null));
            if (o.has("config") && !o.get("config").isObject()) {
                p.add(field + "[" + o.path("name").asText() + "].config is not an object");
            }
            if (o.has("devices") && !o.get("devices").isObject()) {
                p.add(field + "[" + o.path("name").asText() + "].devices is not an object");
            }
        }
    }

    private static void name(List<String> p, String field, String v) {
        if (v == null || !NAME.matcher(v).matches()) {
            p.add(field + " \"" + v + "\" is not an LXD name ([A-Za-z0-9._-], at most 63)");
        }
    }
}
