package io.terrarium.config;

import com.fasterxml.jackson.databind.JsonNode;
import io.terrarium.host.lxd.LxdClient;
import io.terrarium.host.lxd.LxdException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.Map;
import java.util.UUID;
import java.util.function.UnaryOperator;
import java.util.regex.Pattern;

/**
 * Stores the configuration in LXD's dqlite database (DESIGN.md §3): project
 * {@value #PROJECT}, config key {@value #KEY}, value = base64 of the YAML document. The project is
 * created when missing. Updates hold a host lock, read the project's whole config and PUT it back
 * with only this key changed (LXD 5.0 replaces the entire config map on PATCH too), so other keys of
 * the project are kept. The base64 value is not secret (secrets live in files).
 *
 * <p>Anyone with write access to the LXD project can change the stored value, so on a host with a
 * {@link ConfigSignature} key every document is written with its HMAC ({@value ConfigSignature#MAC_KEY})
 * and a document without a valid one is refused on load (docs/security.md "The stored configuration").
 */
public final class LxdConfigStore implements ConfigStore {
    /** The LXD project holding Terrarium's own state. */
    public static final String PROJECT = "terrarium-system";
    /** The project config key holding base64(YAML). */
    public static final String KEY = "user.terrarium.config_b64";
    /** Largest YAML document accepted, in bytes (keeps the PATCH body well inside argv limits). */
    public static final int MAX_DOCUMENT_BYTES = 64 * 1024;
    private static final Pattern USER_KEY = Pattern.compile("user\\.[A-Za-z0-9_.-]+");
    private static final Logger LOG = LoggerFactory.getLogger(LxdConfigStore.class);

    private final LxdClient lxd;
    private final ConfigCodec codec;
    private final Path lockFile;
    private final ConfigSignature signature;

    /**
     * A store without signatures (tests of the storage itself).
     *
     * @param lxd      LXD API client
     * @param codec    YAML codec
     * @param lockFile host lock file (e.g. {@code /run/terrarium/config.lock})
     */
    public LxdConfigStore(LxdClient lxd, ConfigCodec codec, Path lockFile) {
        this(lxd, codec, lockFile, null);
    }

    /**
     * @param lxd       LXD API client
     * @param codec     YAML codec
     * @param lockFile  host lock file (e.g. {@code /run/terrarium/config.lock})
     * @param signature the host's signing key, or {@code null} for none
     */
    public LxdConfigStore(LxdClient lxd, ConfigCodec codec, Path lockFile, ConfigSignature signature) {
        this.lxd = lxd;
        this.codec = codec;
        this.lockFile = lockFile;
        this.signature = signature;
    }

    @Override
    public String describe() {
        return "LXD project " + PROJECT + " (key " + KEY + ")";
    }

    /**
     * {@inheritDoc}
     *
     * <p>On a host with a signing key, a stored document without a valid signature is refused
     * (ConfigException saying so) before it is parsed: nothing in it is used.
     */
    @Override
    public Loaded load() {
        JsonNode project = readProject();
        String yaml = document(project);
        if (yaml == null) {
            return new Loaded(TerrariumConfig.defaults(), describe() + ", nothing stored yet: defaults", false);
        }
        if (signature != null && signature.enabled()) {
            JsonNode mac = project.path("config").path(ConfigSignature.MAC_KEY);
            signature.verify(yaml.getBytes(StandardCharsets.UTF_8), mac.isMissingNode() ? null : mac.asText(), describe());
        }
        return new Loaded(codec.parse(yaml, describe()), describe(), true);
    }

    /** The stored YAML document, or {@code null} when the project or the key does not exist (not verified). */
    public String readDocument() {
        return document(readProject());
    }

    private JsonNode readProject() {
        try {
            return lxd.get("/1.0/projects/" + PROJECT);
        } catch (LxdException e) {
            if (e.notFound()) {
                return null;
            }
            throw e;
        }
    }

    private String document(JsonNode project) {
        if (project == null) {
            return null;
        }
        JsonNode v = project.path("config").path(KEY);
        if (v.isMissingNode() || v.asText().isEmpty()) {
            return null;
        }
        try {
            return new String(Base64.getDecoder().decode(v.asText()), StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            throw new ConfigException(describe() + ": the stored value is not valid base64; "
                    + "restore it with `terrariumctl config import /etc/terrarium/config.yaml`");
        }
    }

    @Override
    public TerrariumConfig update(UnaryOperator<TerrariumConfig> change) {
        return store(change, true, false);
    }

    private TerrariumConfig store(UnaryOperator<TerrariumConfig> change, boolean readCurrent, boolean createKey) {
        try (HostLock ignored = HostLock.acquire(lockFile, Duration.ofSeconds(30))) {
            TerrariumConfig current = readCurrent ? load().config() : TerrariumConfig.defaults();
            TerrariumConfig next = change.apply(current);
            if (next.installationId() == null) {
                next = next.withInstallationId(UUID.randomUUID().toString());
            }
            String yaml = codec.write(next);
            codec.parse(yaml, "new configuration"); // validate the exact document that will be stored
            if (createKey && signature != null && signature.ensureKey()) {
                LOG.info("created the configuration signing key {}", signature.keyFile());
            }
            writeDocument(yaml);
            return next;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Replaces the stored document with an already validated one (used by {@code config import}),
     * under the host lock.
     *
     * @throws ConfigException when the document is invalid (nothing is written)
     */
    public TerrariumConfig replace(String yaml, String source) {
        TerrariumConfig cfg = codec.parse(yaml, source);
        String currentId;
        try {
            currentId = load().config().installationId();
        } catch (ConfigException e) {
            // the stored document is invalid or not signed: importing is how it gets replaced, but its
            // installation id cannot be trusted
            if (cfg.installationId() == null) {
                throw new ConfigException(source + ": has no installation_id and the stored configuration cannot be used ("
                        + e.getMessage() + "); add installation_id from your recovery copy and import again");
            }
            currentId = null;
        }
        String id = currentId;
        TerrariumConfig next = cfg.installationId() != null ? cfg : cfg.withInstallationId(id);
        return store(current -> next, false, true);
    }

    /**
     * Like {@link #update}, and creates the host's signing key first when it has none (so every
     * later load requires a valid signature). Used by {@code install}, the operator's explicit act
     * of setting up the host; the document stored before is trusted as it is.
     *
     * @throws ConfigException when the changed configuration is invalid
     */
    public TerrariumConfig updateAndSign(UnaryOperator<TerrariumConfig> change) {
        return store(change, true, true);
    }

    private void writeDocument(String yaml) {
        byte[] bytes = yaml.getBytes(StandardCharsets.UTF_8);
        if (bytes.length > MAX_DOCUMENT_BYTES) {
            throw new ConfigException("configuration is " + bytes.length + " bytes; the limit is " + MAX_DOCUMENT_BYTES);
        }
        String value = Base64.getEncoder().encodeToString(bytes);
        checkUserKey(KEY, value);
        ensureProject();
        // LXD 5.0 replaces the whole config map on PATCH as on PUT: send every existing key, with the
        // ETag of the read so that a concurrent change of another key is re-read, not undone
        lxd.update("/1.0/projects/" + PROJECT, project -> {
            Map<String, String> config = new java.util.TreeMap<>();
            project.path("config").fields().forEachRemaining(e -> config.put(e.getKey(), e.getValue().asText()));
            config.put(KEY, value);
            if (signature != null && signature.enabled()) {
                config.put(ConfigSignature.MAC_KEY, signature.sign(bytes));
            } else {
                config.remove(ConfigSignature.MAC_KEY);
            }
            return Map.of("config", config, "description", project.path("description").asText(""));
        });
        LOG.info("stored configuration ({} bytes) in {}", bytes.length, describe());
    }

    /**
     * Checks a project config key and value the way LXD would, so a bad one is caught before the
     * API call: {@code user.} keys of letters, digits, '.', '_', '-'; values without NUL.
     *
     * @throws ConfigException naming the key
     */
    public static void checkUserKey(String key, String value) {
        if (!USER_KEY.matcher(key).matches()) {
            throw new ConfigException("LXD config key \"" + key + "\" is not allowed: project keys Terrarium writes must match user.[A-Za-z0-9_.-]+");
        }
        if (value.indexOf('\0') >= 0) {
            throw new ConfigException("LXD config value for \"" + key + "\" contains a NUL byte");
        }
    }

    private JsonNode ensureProject() {
        try {
            return lxd.get("/1.0/projects/" + PROJECT);
        } catch (LxdException e) {
            if (!e.notFound()) {
                throw e;
            }
            LOG.info("creating LXD project {}", PROJECT);
            lxd.post("/1.0/projects", Map.of("name", PROJECT,
                    "description", "Terrarium system state (configuration); managed by terrariumctl",
                    "config", Map.of("features.images", "false", "features.profiles", "false")));
            return lxd.get("/1.0/projects/" + PROJECT);
        }
    }
}
