package io.terrarium.proxy;

import com.fasterxml.jackson.databind.JsonNode;
import io.terrarium.App;
import io.terrarium.config.TerrariumConfig;
import io.terrarium.config.TerrariumPaths;
import io.terrarium.daemon.JobTrigger;
import io.terrarium.host.exec.CamelExecCommandRunner;
import io.terrarium.jobs.JobResult;
import io.terrarium.proxy.sync.ProxySyncJob;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * proxy-sync against the development host's real LXD (docs/devhost.md): busybox containers with
 * httpd in a throwaway project {@value #PROJECT} (images and profiles from {@code default}), the
 * job triggered through its route in-process, Traefik files in a temp directory, requests to the
 * bridge URL written in the file. The demo containers and {@code terrarium-system} are not touched.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ProxySyncIT {
    static final String PROJECT = "it-proxy";
    static final String WEB = "it-proxy-web";
    static final String API = "it-proxy-api";
    static final String BAD = "it-proxy-bad";

    static Path dir;
    static App app;

    @BeforeAll
    static void up() throws Exception {
        dir = Files.createTempDirectory("proxy-sync-it");
        cleanup();
        lxc("project", "create", PROJECT, "-c", "features.images=false", "-c", "features.profiles=false");
        for (String n : List.of(WEB, API, BAD)) {
            lxc("launch", System.getenv().getOrDefault("TERRARIUM_DEV_IMAGE", "terrarium-busybox"), n, "--project", PROJECT);
        }
        lxc("config", "set", WEB, "user.proxy", "https://web.it.test:80", "--project", PROJECT);
        lxc("config", "set", API, "user.proxy", "http://api.it.test/api", "--project", PROJECT);
        lxc("config", "set", BAD, "user.proxy", "https://bad host:80@nosuch", "--project", PROJECT);
        app = new App(TerrariumPaths.from(Map.of("TERRARIUM_ETC_DIR", dir.resolve("etc").toString(),
                "TERRARIUM_RUN_DIR", dir.resolve("run").toString(), "TERRARIUM_STATE_DIR", dir.resolve("state").toString())),
                new CamelExecCommandRunner());
    }

    @AfterAll
    static void down() throws Exception {
        cleanup();
    }

    private static void cleanup() throws Exception {
        for (String n : List.of(WEB, API, BAD)) {
            run(List.of("lxc", "delete", "--force", n, "--project", PROJECT));
        }
        run(List.of("lxc", "project", "delete", PROJECT));
    }

    static TerrariumConfig config(String remote) {
        TerrariumConfig.Proxy proxy = new TerrariumConfig.Proxy(dir.resolve("traefik/dynamic/terrarium-lxc.yml").toString(),
                dir.resolve("traefik/traefik.yml").toString(), null, null, null, null, null,
                List.of("sh", "-c", "echo reload >> " + dir.resolve("reloads")), false);
        return new TerrariumConfig(null, null, null, null, new TerrariumConfig.Lxd(PROJECT, null, null, remote),
                null, null, null, proxy);
    }

    static JobResult sync() throws Exception {
        return sync(config(null));
    }

    static JobResult sync(TerrariumConfig c) throws Exception {
        return new JobTrigger(app).trigger(ProxySyncJob.ID, () -> c, Duration.ofSeconds(120));
    }

    static Path dynamicFile() {
        return dir.resolve("traefik/dynamic/terrarium-lxc.yml");
    }

    static String dynamic() throws IOException {
        String yaml = Files.readString(dynamicFile());
        TraefikChecks.assertValidDynamic(yaml);
        TraefikChecks.assertValidStatic(Files.readString(dir.resolve("traefik/traefik.yml")));
        return yaml;
    }

    /** The service URL the file routes {@code host} to (skipping redirect-only routers), or null. */
    static String serviceUrl(String host) throws IOException {
        JsonNode doc = TraefikChecks.parse(dynamic());
        for (Iterator<Map.Entry<String, JsonNode>> it = doc.path("http").path("routers").fields(); it.hasNext(); ) {
            JsonNode r = it.next().getValue();
            String svc = r.path("service").asText();
            if (r.path("rule").asText().contains("`" + host + "`") && !svc.endsWith("@internal")
                    && !svc.equals(TraefikDynamicRenderer.OAUTH2_SERVICE)) {
                return doc.path("http").path("services").path(svc).path("loadBalancer").path("servers").get(0).path("url").asText();
            }
        }
        return null;
    }

    static String get(String url) throws Exception {
        HttpClient c = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
        Exception last = null;
        for (int i = 0; i < 60; i++) { // the container's httpd may still be starting
            try {
                HttpResponse<String> r = c.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(3)).build(),
                        HttpResponse.BodyHandlers.ofString());
                if (r.statusCode() == 200) {
                    return r.body().strip();
                }
            } catch (IOException e) {
                last = e;
            }
            Thread.sleep(500);
        }
        throw new AssertionError("no answer from " + url, last);
    }

    static List<String> devices(String instance) throws Exception {
        String out = lxc("config", "device", "list", instance, "--project", PROJECT);
        return out.lines().map(String::strip).filter(s -> !s.isEmpty()).sorted().toList();
    }

    @SuppressWarnings("unchecked")
    static List<String> errors(JobResult r) {
        return (List<String>) r.details().get("errors");
    }

    @Test
    @Order(1)
    void goodLabelsAreRoutedToTheContainersAndTheBrokenOneFailsTheSync() throws Exception {
        JobResult r = sync();
        assertThat(r.status()).as(r.summary()).isEqualTo(JobResult.Status.FAILED);
        assertThat(errors(r)).singleElement().asString().startsWith("instance \"" + BAD + "\": route \"https://bad host:80@nosuch\"");
        String webUrl = serviceUrl("web.it.test");
        String apiUrl = serviceUrl("api.it.test");
        assertThat(webUrl).matches("http://127\\.0\\.0\\.1:\\d+");
        assertThat(get(webUrl + "/")).isEqualTo(WEB);
        assertThat(get(apiUrl + "/")).isEqualTo(API);
        assertThat(devices(WEB)).containsExactly("terrarium-proxy-tcp-80");
        assertThat(devices(BAD)).isEmpty();
        assertThat(dynamic()).doesNotContain("bad");
    }

    @Test
    @Order(2)
    void aSecondSyncMakesOneLxdCallAndWritesNothing() throws Exception {
        BasicFileAttributes before = Files.readAttributes(dynamicFile(), BasicFileAttributes.class);
        long reloadsBefore = Files.exists(dir.resolve("reloads")) ? Files.readAllLines(dir.resolve("reloads")).size() : 0;
        JobResult r = sync();
        assertThat(r.details()).containsEntry("lxd_calls", 1).containsEntry("device_changes", 0)
                .containsEntry("files_written", List.of()).containsEntry("reloads", 0);
        BasicFileAttributes after = Files.readAttributes(dynamicFile(), BasicFileAttributes.class);
        assertThat(after.fileKey()).isEqualTo(before.fileKey());
        assertThat(after.lastModifiedTime()).isEqualTo(before.lastModifiedTime());
        assertThat(Files.readAllLines(dir.resolve("reloads"))).hasSize((int) reloadsBefore);
    }

    @Test
    @Order(3)
    void changingALabelMovesTheRouteAndKeepsTheBridgePort() throws Exception {
        String before = serviceUrl("web.it.test");
        lxc("config", "set", WEB, "user.proxy", "https://web2.it.test", "--project", PROJECT);
        sync();
        assertThat(serviceUrl("web.it.test")).isNull();
        assertThat(serviceUrl("web2.it.test")).isEqualTo(before);
        assertThat(get(before + "/")).isEqualTo(WEB);
    }

    @Test
    @Order(4)
    void removingALabelRemovesTheRouteAndTheDevice() throws Exception {
        lxc("config", "unset", API, "user.proxy", "--project", PROJECT);
        sync();
        assertThat(serviceUrl("api.it.test")).isNull();
        assertThat(devices(API)).isEmpty();
        assertThat(devices(WEB)).containsExactly("terrarium-proxy-tcp-80");
    }

    @Test
    @Order(5)
    void stoppingTheContainerWithdrawsItsRoute() throws Exception {
        lxc("stop", "--force", WEB, "--project", PROJECT);
        sync();
        assertThat(serviceUrl("web2.it.test")).isNull();
        assertThat(devices(WEB)).isEmpty();
        var rows = app.proxyState().state().routes();
        assertThat(rows).anySatisfy(row -> assertThat(row).containsEntry("instance", WEB).containsEntry("status", "stopped"));
        lxc("start", WEB, "--project", PROJECT);
        sync();
        assertThat(get(serviceUrl("web2.it.test") + "/")).isEqualTo(WEB);
    }

    @Test
    @Order(6)
    void unreachableLxdLeavesTheLastGoodFileUntouched() throws Exception {
        byte[] good = Files.readAllBytes(dynamicFile());
        Object key = Files.readAttributes(dynamicFile(), BasicFileAttributes.class).fileKey();
        JobResult r = sync(config("it-proxy-nosuchremote"));
        assertThat(r.status()).isEqualTo(JobResult.Status.FAILED);
        assertThat(r.summary()).contains("cannot read LXD instances").contains("the last good Traefik files stay");
        assertThat(Files.readAllBytes(dynamicFile())).isEqualTo(good);
        assertThat(Files.readAttributes(dynamicFile(), BasicFileAttributes.class).fileKey()).isEqualTo(key);
    }

    static String lxc(String... args) throws Exception {
        List<String> argv = new ArrayList<>();
        argv.add("lxc");
        argv.addAll(List.of(args));
        String[] r = run(argv);
        if (!"0".equals(r[0])) {
            throw new IllegalStateException(String.join(" ", argv) + " failed: " + r[1]);
        }
        return r[1];
    }

    static String[] run(List<String> argv) throws Exception {
        Process p = new ProcessBuilder(argv).redirectErrorStream(true).start();
        p.getOutputStream().close();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        return new String[]{String.valueOf(p.waitFor()), out};
    }
}
