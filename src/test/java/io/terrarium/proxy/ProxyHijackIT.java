package io.terrarium.proxy;

import com.fasterxml.jackson.databind.JsonNode;
import io.terrarium.App;
import io.terrarium.config.TerrariumConfig;
import io.terrarium.config.TerrariumPaths;
import io.terrarium.host.exec.CamelExecCommandRunner;
import io.terrarium.jobs.JobResult;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import static io.terrarium.proxy.ProxySyncIT.errors;
import static io.terrarium.proxy.ProxySyncIT.get;
import static io.terrarium.proxy.ProxySyncIT.lxc;
import static io.terrarium.proxy.ProxySyncIT.run;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Each hijack and port case of issue 14 against the development host's real LXD: an owner
 * ({@value #OWNER}: {@code https://a.it.test}, {@code tcp://24681:80}) and a tenant ({@value #TENANT})
 * whose label tries, one at a time, to take the owner's traffic (a path on its host, while it runs
 * and while it is stopped), an admin host, a wildcard outside the admin's bases, a forced
 * name-hash collision, a privileged, a reserved and a busy public port. Each time: the sync is
 * FAILED with an error for the tenant only, the owner's routers, services and the static file are
 * byte-for-byte what they were, and the owner's URL still answers from the owner's container.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ProxyHijackIT {
    static final String PROJECT = "it-hijack";
    static final String OWNER = "it-own-a";
    /** Named so that, with the hash cut to 0 characters, its router name equals the owner's (see the collision case). */
    static final String TENANT = "it-own-a-a";

    static Path dir;
    static App app;
    static Map<String, JsonNode> ownerObjects;
    static String ownerStatic;

    @BeforeAll
    static void up() throws Exception {
        dir = Files.createTempDirectory("proxy-hijack-it");
        cleanup();
        lxc("project", "create", PROJECT, "-c", "features.images=false", "-c", "features.profiles=false");
        for (String n : List.of(OWNER, TENANT)) {
            lxc("launch", System.getenv().getOrDefault("TERRARIUM_DEV_IMAGE", "terrarium-busybox"), n, "--project", PROJECT);
        }
        lxc("config", "set", OWNER, "user.proxy", "https://a.it.test, tcp://24681:80", "--project", PROJECT);
        app = new App(TerrariumPaths.from(Map.of("TERRARIUM_ETC_DIR", dir.resolve("etc").toString(),
                "TERRARIUM_RUN_DIR", dir.resolve("run").toString(), "TERRARIUM_STATE_DIR", dir.resolve("state").toString())),
                new CamelExecCommandRunner());
        JobResult r = sync();
        assertThat(r.status()).as(r.summary()).isEqualTo(JobResult.Status.OK);
        ownerObjects = objectsOf(OWNER);
        ownerStatic = Files.readString(dir.resolve("traefik/traefik.yml"));
        assertThat(ownerObjects).hasSize(4); // https router, http service, tcp router + service (the redirect router points at noop@internal)
    }

    @AfterAll
    static void down() throws Exception {
        TraefikNames.hashChars = TraefikNames.HASH_CHARS;
        cleanup();
    }

    @AfterEach
    void tenantUnlabelled() throws Exception {
        TraefikNames.hashChars = TraefikNames.HASH_CHARS;
        run(List.of("lxc", "config", "unset", TENANT, "user.proxy", "--project", PROJECT));
    }

    private static void cleanup() throws Exception {
        for (String n : List.of(OWNER, TENANT)) {
            run(List.of("lxc", "delete", "--force", n, "--project", PROJECT));
        }
        run(List.of("lxc", "project", "delete", PROJECT));
    }

    static TerrariumConfig config() {
        TerrariumConfig.Proxy proxy = new TerrariumConfig.Proxy(dir.resolve("traefik/dynamic/terrarium-lxc.yml").toString(),
                dir.resolve("traefik/traefik.yml").toString(), null, null, null, null, null,
                List.of("sh", "-c", "echo reload >> " + dir.resolve("reloads")), false,
                List.of("apps.it.test"), null, null);
        return new TerrariumConfig(null, null, new TerrariumConfig.Domains("admin.it.test", "manage.it.test", null, null, "auth.it.test"),
                null, new TerrariumConfig.Lxd(PROJECT, null, null, null), null, null, null, proxy, null);
    }

    static JobResult sync() throws Exception {
        return new io.terrarium.daemon.JobTrigger(app).trigger(io.terrarium.proxy.sync.ProxySyncJob.ID, ProxyHijackIT::config,
                java.time.Duration.ofSeconds(120));
    }

    /**
     * The owner's Traefik objects by section/kind/name: its services (named after the instance and
     * its container port 80) and every router (http, tcp, udp) that points at one of them. By content,
     * not by name prefix: with the hash cut to 0 the tenant's names share the owner's prefix.
     */
    static Map<String, JsonNode> objectsOf(String instance) throws Exception {
        JsonNode doc = TraefikChecks.assertValidDynamic(Files.readString(dir.resolve("traefik/dynamic/terrarium-lxc.yml")));
        TraefikChecks.assertValidStatic(Files.readString(dir.resolve("traefik/traefik.yml")));
        Map<String, JsonNode> out = new TreeMap<>();
        java.util.Set<String> services = new java.util.TreeSet<>();
        String servicePrefix = TraefikNames.slug(instance + "-80") + "-";
        doc.fields().forEachRemaining(section -> section.getValue().path("services").fields().forEachRemaining(o -> {
            if (o.getKey().startsWith(servicePrefix)) {
                services.add(o.getKey());
                out.put(section.getKey() + "/services/" + o.getKey(), o.getValue());
            }
        }));
        doc.fields().forEachRemaining(section -> section.getValue().path("routers").fields().forEachRemaining(o -> {
            if (services.contains(o.getValue().path("service").asText())) {
                out.put(section.getKey() + "/routers/" + o.getKey(), o.getValue());
            }
        }));
        return out;
    }

    /** The tenant's label is refused with {@code expected}; the owner's objects and the static file are unchanged. */
    static void refusedForTheTenantOnly(String label, String expected) throws Exception {
        lxc("config", "set", TENANT, "user.proxy", label, "--project", PROJECT);
        JobResult r = sync();
        assertThat(r.status()).as(label + ": " + r.summary()).isEqualTo(JobResult.Status.FAILED);
        assertThat(errors(r)).as(label).singleElement().asString().startsWith("instance \"" + TENANT + "\"").contains(expected);
        assertThat(objectsOf(OWNER)).as(label + ": the owner's routers and services").isEqualTo(ownerObjects);
        assertThat(Files.readString(dir.resolve("traefik/traefik.yml"))).as(label + ": static file").isEqualTo(ownerStatic);
        assertThat(Files.readString(dir.resolve("traefik/dynamic/terrarium-lxc.yml"))).as(label + ": no service of the tenant")
                .doesNotContainPattern(TraefikNames.slug(TENANT) + "-[0-9]+-[0-9a-f]+:");
        String url = serviceUrl("a.it.test");
        assertThat(get(url + "/")).as("a.it.test still answers from the owner").isEqualTo(OWNER);
    }

    static String serviceUrl(String host) throws Exception {
        JsonNode doc = TraefikChecks.parse(Files.readString(dir.resolve("traefik/dynamic/terrarium-lxc.yml")));
        for (var it = doc.path("http").path("routers").fields(); it.hasNext(); ) {
            JsonNode r = it.next().getValue();
            String svc = r.path("service").asText();
            if (r.path("rule").asText().contains("`" + host + "`") && !svc.endsWith("@internal")) {
                return doc.path("http").path("services").path(svc).path("loadBalancer").path("servers").get(0).path("url").asText();
            }
        }
        throw new AssertionError("no route for " + host);
    }

    @Test
    @Order(1)
    void pathOnAnotherInstancesHostIsRefused() throws Exception {
        refusedForTheTenantOnly("https://a.it.test/api", "host a.it.test is owned by " + OWNER);
    }

    @Test
    @Order(2)
    void adminHostsAreRefused() throws Exception {
        refusedForTheTenantOnly("https://manage.it.test", "host \"manage.it.test\" is reserved for Terrarium itself");
        refusedForTheTenantOnly("http://auth.it.test/oauth2", "host \"auth.it.test\" is reserved");
        refusedForTheTenantOnly("https://admin.it.test", "host \"admin.it.test\" is reserved");
    }

    @Test
    @Order(3)
    void wildcardOutsideTheBasesIsRefused() throws Exception {
        refusedForTheTenantOnly("http://*.it.test", "is not under a base the admin allows for wildcards (proxy.wildcard_bases: apps.it.test)");
    }

    @Test
    @Order(4)
    void forcedNameHashCollisionIsRefusedForTheLaterInstanceOnly() throws Exception {
        TraefikNames.hashChars = 0; // names become bare slugs: "it-own-a" + "a.it.test" and "it-own-a-a" + "it.test" clash
        assertThat(sync().status()).isEqualTo(JobResult.Status.OK);
        Map<String, JsonNode> before = objectsOf(OWNER);
        lxc("config", "set", TENANT, "user.proxy", "https://it.test", "--project", PROJECT);
        JobResult r = sync();
        assertThat(r.status()).as(r.summary()).isEqualTo(JobResult.Status.FAILED);
        assertThat(errors(r)).singleElement().asString().startsWith("instance \"" + TENANT + "\": Traefik object name \"")
                .contains("hash collision");
        assertThat(objectsOf(OWNER)).isEqualTo(before);
        assertThat(get(serviceUrl("a.it.test") + "/")).isEqualTo(OWNER);
        TraefikNames.hashChars = TraefikNames.HASH_CHARS;
        lxc("config", "unset", TENANT, "user.proxy", "--project", PROJECT);
        assertThat(sync().status()).isEqualTo(JobResult.Status.OK);
        assertThat(objectsOf(OWNER)).isEqualTo(ownerObjects);
    }

    @Test
    @Order(5)
    void privilegedReservedAndBusyPublicPortsAreRefused() throws Exception {
        refusedForTheTenantOnly("udp://53:53", "public port 53/udp is outside the allowed range 1024-65535 (privileged ports");
        refusedForTheTenantOnly("tcp://22:22", "public port 22/tcp is reserved");
        refusedForTheTenantOnly("tcp://4180:80", "public port 4180/tcp is reserved");
        try (ServerSocket squatter = new ServerSocket()) {
            squatter.bind(new InetSocketAddress(24690)); // a host program listening on all addresses
            refusedForTheTenantOnly("tcp://24690:80", "public port 24690/tcp is in use by another program on the host");
        }
        // the owner's own entrypoint is Traefik's, not "busy": the owner keeps it (checked by the helper)
    }

    @Test
    @Order(6)
    void stoppedOwnersHostStaysItsOwnUntilReleased() throws Exception {
        lxc("stop", OWNER, "--force", "--project", PROJECT);
        try {
            lxc("config", "set", TENANT, "user.proxy", "https://a.it.test", "--project", PROJECT);
            JobResult r = sync();
            assertThat(r.status()).isEqualTo(JobResult.Status.FAILED);
            assertThat(errors(r)).singleElement().asString().startsWith("instance \"" + TENANT + "\"")
                    .contains("host a.it.test is owned by " + OWNER);
            assertThat(Files.readString(dir.resolve("traefik/dynamic/terrarium-lxc.yml"))).doesNotContain("a.it.test");
            // the admin releases it: the running tenant gets it at the next sync
            app.proxyState().addReleases(List.of("a.it.test"));
            JobResult released = sync();
            assertThat(released.status()).as(released.summary()).isEqualTo(JobResult.Status.OK);
            assertThat(app.proxyState().state().owners()).containsEntry("a.it.test", TENANT);
            assertThat(app.proxyState().releases()).isEmpty();
            assertThat(get(serviceUrl("a.it.test") + "/")).isEqualTo(TENANT);
        } finally {
            lxc("config", "unset", TENANT, "user.proxy", "--project", PROJECT);
            lxc("start", OWNER, "--project", PROJECT);
        }
        // the tenant's label no longer names the host: it goes back to the owner
        JobResult back = sync();
        assertThat(back.status()).as(back.summary()).isEqualTo(JobResult.Status.OK);
        assertThat(app.proxyState().state().owners()).containsEntry("a.it.test", OWNER);
        assertThat(get(serviceUrl("a.it.test") + "/")).isEqualTo(OWNER);
    }
}
