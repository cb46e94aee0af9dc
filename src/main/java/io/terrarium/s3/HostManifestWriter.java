package io.terrarium.s3;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.terrarium.s3.ExportKeys;
import io.terrarium.s3.HostManifest;
import io.terrarium.s3.HostManifestCodec;
import io.terrarium.config.ConfigCodec;
import io.terrarium.config.TerrariumConfig;
import io.terrarium.host.lxd.LxdClient;
import io.terrarium.host.lxd.LxdException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.S3Object;

import java.io.IOException;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Writes the {@link HostManifest} of this host after an {@code s3-export} run (issue 11 item 3): one
 * entry point, {@link #write}. It reads, through {@code lxc query} GETs ({@link LxdClient}), every
 * instance of the configured project ({@code GET /1.0/instances?recursion=1}), the project, and the
 * profiles, managed networks and storage pools their (expanded) devices use, adds the configuration
 * document ({@link ConfigCodec#write}; it names secrets only by file path), and PUTs the JSON at
 * {@link ExportKeys#hostManifest}. Afterwards only the newest {@value #KEEP} host manifests of this
 * installation are kept (each a few KiB).
 *
 * <p>A failure here never undoes the instance exports: it is reported in the job's details
 * ({@code host_manifest.error}) and makes the run WARNING.
 */
public final class HostManifestWriter {
    /** Host manifests kept per installation. */
    public static final int KEEP = 48;

    private static final Logger LOG = LoggerFactory.getLogger(HostManifestWriter.class);

    /** The S3 side (a seam for tests): put, list and delete small objects. */
    public interface Store extends AutoCloseable {
        /** Stores {@code body} at {@code key} (replacing it). @throws IOException when S3 fails */
        void put(String key, byte[] body) throws IOException;

        /** Keys under {@code prefix}, sorted. @throws IOException when S3 fails */
        List<String> list(String prefix) throws IOException;

        /** Deletes one object. @throws IOException when S3 fails */
        void delete(String key) throws IOException;

        @Override
        void close();
    }

    /** Opens the S3 side for a configured destination. */
    @FunctionalInterface
    public interface StoreFactory {
        /** @throws IOException when the destination is unusable (e.g. the secret file is missing) */
        Store open(TerrariumConfig.S3 s3) throws IOException;
    }

    private final TerrariumConfig config;
    private final ConfigCodec codec;
    private final LxdClient lxd;
    private final StoreFactory stores;
    private final Clock clock;

    /**
     * @param config the configuration the export ran with (written without secret values: it holds only their paths)
     * @param codec  writes the configuration document
     * @param lxd    reads LXD's objects (GET only)
     * @param stores opens the S3 side ({@link #s3Store} in production)
     * @param clock  names the manifest ({@code created_at}, UTC)
     */
    public HostManifestWriter(TerrariumConfig config, ConfigCodec codec, LxdClient lxd, StoreFactory stores, Clock clock) {
        this.config = config;
        this.codec = codec;
        this.lxd = lxd;
        this.stores = stores;
        this.clock = clock;
    }

    /**
     * Builds and stores the host manifest; the one call {@code s3-export} makes after the instance
     * manifests are committed. Never throws: a failure is put into {@code details} and {@code errors}.
     *
     * @param s3c            the s3 section the run used
     * @param installationId this installation's id
     * @param exported       instances whose restore point this run committed
     * @param details        the job's details; gets {@code host_manifest}: {@code {key, instances, profiles, networks,
     *                       storage_pools}} or {@code {error}}
     * @param errors         the job's error list; gets a line when writing failed
     * @return true when the host manifest was stored
     */
    public boolean write(TerrariumConfig.S3 s3c, String installationId, Collection<String> exported, Map<String, Object> details,
                         List<String> errors) {
        Map<String, Object> row = new LinkedHashMap<>();
        details.put("host_manifest", row);
        try {
            HostManifest m = build(installationId, Set.copyOf(exported));
            ExportKeys keys = new ExportKeys(S3Settings.fromConfig(s3c).prefix(), installationId);
            String key = keys.hostManifest(m.createdAt());
            byte[] body = new HostManifestCodec().write(m);
            try (Store store = stores.open(s3c)) {
                store.put(key, body);
                row.put("key", key);
                row.put("bytes", body.length);
                row.put("instances", m.instances().size());
                row.put("profiles", m.profiles().size());
                row.put("networks", m.networks().size());
                row.put("storage_pools", m.storagePools().size());
                List<String> all = store.list(keys.hostManifestDir()).stream().filter(k -> k.endsWith(".json")).sorted().toList();
                for (int i = 0; i < all.size() - KEEP; i++) {
                    store.delete(all.get(i));
                }
            }
            LOG.info("s3-export: host manifest {} ({} instances, {} profiles)", key, m.instances().size(), m.profiles().size());
            return true;
        } catch (IOException | RuntimeException e) {
            String msg = "host manifest not written: " + e.getMessage();
            row.put("error", msg);
            errors.add(msg);
            LOG.warn("s3-export: {}", msg);
            return false;
        }
    }

    /**
     * The host manifest of this host now (reads LXD, writes nothing).
     *
     * @param installationId this installation's id
     * @param exported       instances exported by this run
     * @throws LxdException when LXD cannot be read
     */
    public HostManifest build(String installationId, Set<String> exported) {
        String project = config.lxd().project();
        String q = "?project=" + enc(project);
        JsonNode list = lxd.get("/1.0/instances?recursion=1&project=" + enc(project));
        List<HostManifest.Instance> instances = new ArrayList<>();
        Set<String> profiles = new TreeSet<>();
        Set<String> networks = new TreeSet<>();
        Set<String> pools = new TreeSet<>();
        for (JsonNode i : list) {
            List<String> ps = new ArrayList<>();
            i.path("profiles").forEach(p -> ps.add(p.asText()));
            profiles.addAll(ps);
            JsonNode devs = i.path("expanded_devices").isObject() && !i.path("expanded_devices").isEmpty()
                    ? i.path("expanded_devices") : i.path("devices");
            for (JsonNode d : devs) {
                if ("nic".equals(d.path("type").asText()) && d.hasNonNull("network")) {
                    networks.add(d.path("network").asText());
                }
                if ("disk".equals(d.path("type").asText()) && d.hasNonNull("pool")) {
                    pools.add(d.path("pool").asText());
                }
            }
            String status = i.path("status").asText();
            instances.add(new HostManifest.Instance(i.path("name").asText(), i.path("type").asText("container"), status,
                    "Running".equalsIgnoreCase(status), exported.contains(i.path("name").asText()), ps, strings(i.path("config")),
                    devices(i.path("devices"))));
        }
        List<ObjectNode> profileDefs = new ArrayList<>();
        for (String p : profiles) {
            profileDefs.add(pick(lxd.get("/1.0/profiles/" + enc(p) + q), "name", "description", "config", "devices"));
        }
        List<ObjectNode> networkDefs = new ArrayList<>();
        for (String n : networks) {
            JsonNode net = lxd.get("/1.0/networks/" + enc(n) + q);
            if (net.path("managed").asBoolean(false)) {
                networkDefs.add(pick(net, "name", "type", "description", "config"));
            }
        }
        List<ObjectNode> poolDefs = new ArrayList<>();
        for (String p : pools) {
            poolDefs.add(pick(lxd.get("/1.0/storage-pools/" + enc(p)), "name", "driver", "description", "config"));
        }
        ObjectNode projectDef = pick(lxd.get("/1.0/projects/" + enc(project)), "name", "description", "config");
        return new HostManifest(HostManifest.FORMAT_VERSION, installationId, Instant.now(clock).truncatedTo(java.time.temporal.ChronoUnit.SECONDS),
                version(), codec.write(config), project, projectDef, profileDefs, networkDefs, poolDefs, instances);
    }

    /** The production {@link StoreFactory}: the configured bucket through {@link S3ClientFactory}. */
    public static Store s3Store(TerrariumConfig.S3 s3c) throws IOException {
        S3Settings settings = S3Settings.fromConfig(s3c);
        S3Client s3 = S3ClientFactory.create(settings, 2);
        String bucket = settings.bucket();
        return new Store() {
            @Override
            public void put(String key, byte[] body) throws IOException {
                try {
                    s3.putObject(b -> b.bucket(bucket).key(key).contentType("application/json"), RequestBody.fromBytes(body));
                } catch (SdkException e) {
                    throw new IOException("cannot store " + key + ": " + e.getMessage(), e);
                }
            }

            @Override
            public List<String> list(String prefix) throws IOException {
                try {
                    return s3.listObjectsV2Paginator(b -> b.bucket(bucket).prefix(prefix)).contents().stream().map(S3Object::key)
                            .sorted().toList();
                } catch (SdkException e) {
                    throw new IOException("cannot list " + prefix + ": " + e.getMessage(), e);
                }
            }

            @Override
            public void delete(String key) throws IOException {
                try {
                    s3.deleteObject(b -> b.bucket(bucket).key(key));
                } catch (SdkException e) {
                    throw new IOException("cannot delete " + key + ": " + e.getMessage(), e);
                }
            }

            @Override
            public void close() {
                s3.close();
            }
        };
    }

    /**
     * A copy of {@code src} with only {@code fields} — LXD's writable fields of that object (the
     * PUT shapes on LXD's REST API page). Shared with the whole-host restore, which writes what
     * this writer read.
     *
     * @param src    a JSON object from the LXD API (never modified)
     * @param fields field names to keep; absent ones are skipped
     * @return a new object holding deep copies of those fields
     */
    public static ObjectNode pick(JsonNode src, String... fields) {
        ObjectNode o = new ObjectMapper().createObjectNode();
        for (String f : fields) {
            if (src.has(f) && !src.get(f).isNull()) {
                o.set(f, src.get(f).deepCopy());
            }
        }
        return o;
    }

    private static Map<String, String> strings(JsonNode obj) {
        Map<String, String> m = new TreeMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = obj.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            m.put(e.getKey(), e.getValue().asText());
        }
        return m;
    }

    private static Map<String, Map<String, String>> devices(JsonNode obj) {
        Map<String, Map<String, String>> m = new TreeMap<>();
        obj.fields().forEachRemaining(e -> m.put(e.getKey(), strings(e.getValue())));
        return m;
    }

    private static String version() {
        String v = HostManifestWriter.class.getPackage().getImplementationVersion();
        return v == null ? "dev" : v;
    }

    private static String enc(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8);
    }
}
