package io.terrarium.proxy;

import io.terrarium.App;
import io.terrarium.config.TerrariumConfig;
import io.terrarium.host.lxd.LxdClient;
import io.terrarium.host.lxd.LxdInstances;
import io.terrarium.host.ufw.Ufw;
import io.terrarium.jobs.JobResult;
import io.terrarium.proxy.sync.ProxyStateStore;
import io.terrarium.proxy.sync.ProxySyncJob;
import io.terrarium.proxy.sync.StaticFallback;
import io.terrarium.testing.FakeLxdInstances;
import io.terrarium.testing.FakeTraefikUnit;
import io.terrarium.proxy.sync.TraefikRestart;
import io.terrarium.testing.RecordingCommandRunner;
import io.terrarium.testing.RecordingCommandRunner.Reply;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;

import static org.assertj.core.api.Assertions.assertThat;

/** The proxy-sync job against a recording command runner and an in-memory LXD (argv asserted). */
class ProxySyncJobTest {
    @TempDir
    Path dir;

    private final FakeLxdInstances lxd = new FakeLxdInstances();
    private final RecordingCommandRunner runner = new RecordingCommandRunner(lxd);
    private final TreeSet<Integer> busy = new TreeSet<>();
    private Boolean ufw = false;
    private FakeTraefikUnit traefik;
    private String dnsProvider;

    @org.junit.jupiter.api.BeforeEach
    void traefikUnit() {
        traefik = new FakeTraefikUnit(staticFile());
        lxd.other = traefik;
    }

    private Path dynamicFile() {
        return dir.resolve("traefik/dynamic/terrarium-lxc.yml");
    }

    private Path staticFile() {
        return dir.resolve("traefik/traefik.yml");
    }

    private ProxySyncJob job() {
        TerrariumConfig c = TerrariumConfig.defaults().withProxy(new TerrariumConfig.Proxy(dynamicFile().toString(),
                staticFile().toString(), null, null, null, dnsProvider, null, List.of("systemctl", "restart", "traefik"), ufw));
        return new ProxySyncJob(new LxdInstances(LxdClient.local(runner, new com.fasterxml.jackson.databind.ObjectMapper()), "default"),
                runner, ufw ? new Ufw(runner) : null, c, dir.resolve("state"), App.jsonMapper(),
                (first, last, skip) -> new TreeSet<>(busy.stream().filter(p -> !skip.contains(p)).toList()),
                new TraefikRestart(runner, java.time.Duration.ofMillis(200), java.time.Duration.ofMillis(20)));
    }

    private List<List<String>> callsSince(int n) {
        return runner.calls().subList(n, runner.calls().size());
    }

    @Test
    void firstSyncAddsOneBridgePerBackendWritesBothFilesAndReloads() throws Exception {
        lxd.add("web", true, "2026-01-01T00:00:00Z", "https://web.example.com:8080,https://web.example.com:8080/api@auth:ops")
                .add("pg1", true, "2026-01-02T00:00:00Z", "tcp://5432:5432");
        JobResult r = job().run();
        assertThat(r.status()).isEqualTo(JobResult.Status.OK);
        assertThat(runner.calls()).containsExactly(
                List.of("lxc", "query", "/1.0/instances?recursion=2&project=default"),
                List.of("lxc", "query", "--request", "PATCH", "--data",
                        "{\"devices\":{\"terrarium-proxy-tcp-5432\":{\"bind\":\"host\",\"connect\":\"tcp:127.0.0.1:5432\","
                                + "\"listen\":\"tcp:127.0.0.1:18081\",\"type\":\"proxy\"}}}",
                        "/1.0/instances/pg1?project=default"),
                List.of("lxc", "query", "--request", "PATCH", "--data",
                        "{\"devices\":{\"terrarium-proxy-tcp-8080\":{\"bind\":\"host\",\"connect\":\"tcp:127.0.0.1:8080\","
                                + "\"listen\":\"tcp:127.0.0.1:18082\",\"type\":\"proxy\"}}}",
                        "/1.0/instances/web?project=default"),
                List.of("systemctl", "restart", "traefik"),
                List.of("systemctl", "is-active", "traefik"),
                List.of("systemctl", "show", "-p", "MainPID", "--value", "traefik"),
                List.of("ss", "-H", "-l", "-n", "-p", "-t", "-u"));
        String dyn = Files.readString(dynamicFile());
        TraefikChecks.assertValidDynamic(dyn);
        TraefikChecks.assertValidStatic(Files.readString(staticFile()));
        assertThat(dyn).contains("url: \"http://127.0.0.1:18082\"").contains("address: \"127.0.0.1:18081\"");
        assertThat(Files.readString(staticFile())).contains("\":5432/tcp\"");
        assertThat(lxd.devices("web")).containsKey("root");
        assertThat(r.details()).containsEntry("lxd_calls", 3).containsEntry("reloads", 1).containsEntry("device_changes", 2);
    }

    @Test
    void steadyStateSyncIsExactlyOneLxdCallAndNoWriteNoReload() throws Exception {
        lxd.add("web", true, "2026-01-01T00:00:00Z", "https://web.example.com:8080")
                .add("pg1", true, "2026-01-02T00:00:00Z", "tcp://5432:5432");
        job().run();
        BasicFileAttributes before = Files.readAttributes(dynamicFile(), BasicFileAttributes.class);
        BasicFileAttributes beforeStatic = Files.readAttributes(staticFile(), BasicFileAttributes.class);
        Thread.sleep(20);
        int n = runner.calls().size();
        JobResult r = job().run();
        assertThat(r.status()).isEqualTo(JobResult.Status.OK);
        assertThat(callsSince(n)).containsExactly(List.of("lxc", "query", "/1.0/instances?recursion=2&project=default"));
        assertThat(r.details()).containsEntry("lxd_calls", 1).containsEntry("reloads", 0)
                .containsEntry("files_written", List.of()).containsEntry("device_changes", 0);
        BasicFileAttributes after = Files.readAttributes(dynamicFile(), BasicFileAttributes.class);
        assertThat(after.fileKey()).isEqualTo(before.fileKey());
        assertThat(after.lastModifiedTime()).isEqualTo(before.lastModifiedTime());
        assertThat(Files.readAttributes(staticFile(), BasicFileAttributes.class).fileKey()).isEqualTo(beforeStatic.fileKey());
    }

    @Test
    void lostStateFileKeepsPortsFromTheDevicesListenAddresses() throws Exception {
        lxd.add("a", true, "2026-01-01T00:00:00Z", "https://a.example.com")
                .add("b", true, "2026-01-02T00:00:00Z", "https://b.example.com");
        job().run();
        // a takes 18081, b 18082; a's label goes away, then the state file is lost
        lxd.config("a").remove("user.proxy");
        job().run();
        Files.delete(dir.resolve("state").resolve(ProxyStateStore.BRIDGES));
        lxd.config("a").put("user.proxy", "https://a.example.com");
        int n = runner.calls().size();
        JobResult r = job().run();
        assertThat(lxd.devices("b").get("terrarium-proxy-tcp-80")).containsEntry("listen", "tcp:127.0.0.1:18082");
        assertThat(lxd.devices("a").get("terrarium-proxy-tcp-80")).containsEntry("listen", "tcp:127.0.0.1:18081");
        assertThat(callsSince(n)).hasSize(2); // list + one PATCH on a; b untouched
        assertThat(r.status()).isEqualTo(JobResult.Status.OK);
    }

    /**
     * `proxy list` says of a damaged state file that the next proxy sync rewrites it (tester, session 10,
     * left open: it said "no proxy sync has run yet"): the sync does, it does not stop at the damaged file.
     */
    @Test
    void aDamagedStateFileIsRewrittenByTheNextSync() throws Exception {
        lxd.add("web", true, "2026-01-01T00:00:00Z", "https://web.example.com:8080");
        job().run();
        ProxyStateStore store = new ProxyStateStore(dir.resolve("state"), App.jsonMapper());
        Files.writeString(store.stateFile(), "{\"routes\": [{\"instance\": \"we");
        org.junit.jupiter.api.Assertions.assertThrows(java.io.IOException.class, store::stateOrThrow);
        assertThat(job().run().status()).isEqualTo(JobResult.Status.OK);
        assertThat(store.stateOrThrow().routes()).singleElement().satisfies(row -> assertThat(row).containsEntry("instance", "web"));
    }

    @Test
    void staleDevicesAreRemovedByGetAndPutAndForeignDevicesAreKept() {
        lxd.add("web", true, "2026-01-01T00:00:00Z", "https://web.example.com:8080");
        lxd.devices("web").put("terrarium-proxy-tcp-9000", new java.util.TreeMap<>(Map.of("type", "proxy",
                "listen", "tcp:127.0.0.1:18090", "connect", "tcp:127.0.0.1:9000", "bind", "host")));
        lxd.devices("web").put("my-proxy", new java.util.TreeMap<>(Map.of("type", "proxy",
                "listen", "tcp:0.0.0.0:2222", "connect", "tcp:127.0.0.1:22")));
        JobResult r = job().run();
        assertThat(r.status()).isEqualTo(JobResult.Status.OK);
        List<List<String>> calls = runner.calls();
        assertThat(calls.get(1)).containsExactly("lxc", "query", "/1.0/instances/web?project=default");
        assertThat(calls.get(2)).startsWith("lxc", "query", "--request", "PUT", "--wait", "--data");
        assertThat(calls.get(2).get(6)).doesNotContain("terrarium-proxy-tcp-9000").contains("my-proxy");
        assertThat(calls.get(3)).contains("PATCH");
        assertThat(lxd.devices("web")).containsOnlyKeys("root", "my-proxy", "terrarium-proxy-tcp-8080");
    }

    @Test
    void stoppedInstanceLosesRouteAndDeviceAndBusyPortsAreSkipped() throws Exception {
        busy.add(18081);
        lxd.add("web", true, "2026-01-01T00:00:00Z", "https://web.example.com");
        job().run();
        assertThat(lxd.devices("web").get("terrarium-proxy-tcp-80")).containsEntry("listen", "tcp:127.0.0.1:18082");
        lxd.instances.get("web").put("status", "Stopped");
        JobResult r = job().run();
        assertThat(r.status()).isEqualTo(JobResult.Status.OK);
        assertThat(lxd.devices("web")).containsOnlyKeys("root");
        assertThat(Files.readString(dynamicFile())).doesNotContain("web.example.com");
        var state = new ProxyStateStore(dir.resolve("state"), App.jsonMapper()).state();
        assertThat(state.routes()).singleElement().satisfies(row -> assertThat(row).containsEntry("status", "stopped"));
    }

    @Test
    void lxdUnreachableWritesNothingAndFails() throws Exception {
        lxd.add("web", true, "2026-01-01T00:00:00Z", "https://web.example.com");
        job().run();
        byte[] good = Files.readAllBytes(dynamicFile());
        var key = Files.readAttributes(dynamicFile(), BasicFileAttributes.class).fileKey();
        lxd.down = true;
        JobResult r = job().run();
        assertThat(r.status()).isEqualTo(JobResult.Status.FAILED);
        assertThat(r.summary()).contains("cannot read LXD instances of project default").contains("last good Traefik files stay");
        assertThat(Files.readAllBytes(dynamicFile())).isEqualTo(good);
        assertThat(Files.readAttributes(dynamicFile(), BasicFileAttributes.class).fileKey()).isEqualTo(key);
    }

    @Test
    void c11BrokenLabelIsReportedReaderNeverSeesPartialFileAndSecondRunDoesNotRewrite() throws Exception {
        lxd.add("web", true, "2026-01-01T00:00:00Z", "https://web.example.com:8080")
                .add("broken", true, "2026-01-01T00:00:00Z", "https://bad host:80@nosuch")
                .add("noproxy", true, "2026-01-01T00:00:00Z", null);
        Files.createDirectories(dynamicFile().getParent());
        AtomicBoolean stop = new AtomicBoolean();
        List<String> bad = new ArrayList<>();
        AtomicReference<Integer> reads = new AtomicReference<>(0);
        Thread reader = new Thread(() -> {
            while (!stop.get()) {
                try (var s = Files.list(dynamicFile().getParent())) {
                    for (Path p : s.toList()) {
                        String n = p.getFileName().toString();
                        if (n.endsWith(".yml") || n.endsWith(".yaml") || n.endsWith(".toml")) {
                            String text = Files.readString(p, StandardCharsets.UTF_8);
                            reads.set(reads.get() + 1);
                            if (!text.startsWith(TraefikDynamicRenderer.HEADER) || !text.endsWith("\n")
                                    || !text.contains("terrarium-redirect-https")) {
                                bad.add(n + ": " + text.length() + " bytes");
                            }
                        }
                    }
                } catch (java.nio.file.NoSuchFileException e) {
                    // a temp file vanished between list and read: not a watched name anyway
                } catch (Exception e) {
                    bad.add(e.toString());
                }
                try {
                    Thread.sleep(1);
                } catch (InterruptedException e) {
                    return;
                }
            }
        });
        reader.start();
        JobResult first = job().run();
        for (int i = 0; i < 20; i++) { // more label changes → more rewrites under the reader
            lxd.config("web").put("user.proxy", "https://web.example.com:8080/v" + i);
            job().run();
        }
        lxd.config("web").put("user.proxy", "https://web.example.com:8080");
        job().run();
        var key = Files.readAttributes(dynamicFile(), BasicFileAttributes.class).fileKey();
        var mtime = Files.getLastModifiedTime(dynamicFile());
        JobResult again = job().run();
        stop.set(true);
        reader.join();
        assertThat(bad).isEmpty();
        assertThat(reads.get()).isPositive();
        assertThat(first.status()).isEqualTo(JobResult.Status.FAILED);
        assertThat(first.summary()).contains("instance \"broken\": route \"https://bad host:80@nosuch\"");
        assertThat(again.details()).containsEntry("files_written", List.of());
        assertThat(Files.readAttributes(dynamicFile(), BasicFileAttributes.class).fileKey()).isEqualTo(key);
        assertThat(Files.getLastModifiedTime(dynamicFile())).isEqualTo(mtime);
        String dyn = Files.readString(dynamicFile());
        TraefikChecks.assertValidDynamic(dyn);
        assertThat(dyn).contains("web.example.com").doesNotContain("bad").doesNotContain("noproxy");
        assertThat(lxd.devices("broken")).containsOnlyKeys("root");
        assertThat(lxd.devices("noproxy")).containsOnlyKeys("root");
        try (var s = Files.list(dynamicFile().getParent())) {
            assertThat(s.map(p -> p.getFileName().toString()).toList()).containsExactly("terrarium-lxc.yml");
        }
    }

    @Test
    void ufwOpensExactlyThePublishedPortsAndRetriesAFailedCall() {
        ufw = true;
        List<List<String>> ufwCalls = new ArrayList<>();
        AtomicBoolean failAllow = new AtomicBoolean(true);
        java.util.Set<String> rules = new java.util.TreeSet<>(List.of("6000/tcp"));
        lxd.other = c -> {
            if (!c.executable().equals("ufw")) {
                return traefik.apply(c);
            }
            ufwCalls.add(c.argv());
            List<String> a = c.args();
            if (a.equals(List.of("status"))) {
                StringBuilder sb = new StringBuilder("Status: active\n\nTo                         Action      From\n"
                        + "--                         ------      ----\n22/tcp                     ALLOW       Anywhere\n");
                rules.forEach(r -> sb.append(String.format("%-27sALLOW       Anywhere                   # terrarium-proxy%n", r))
                        .append(String.format("%-27sALLOW       Anywhere (v6)              # terrarium-proxy%n", r + " (v6)")));
                return Reply.ok(sb.toString());
            }
            if (a.get(0).equals("allow")) {
                if (failAllow.get()) {
                    return Reply.fail(1, "ERROR: Could not update running firewall");
                }
                rules.add(a.get(1));
            } else if (a.get(0).equals("delete")) {
                rules.remove(a.get(2));
            }
            return Reply.ok("Rule added");
        };
        lxd.add("pg1", true, "2026-01-01T00:00:00Z", "tcp://5432:5432,udp://5353:53");
        JobResult r = job().run();
        assertThat(r.status()).isEqualTo(JobResult.Status.FAILED);
        assertThat(ProxySyncJobTestSupport.errors(r)).anyMatch(e -> e.startsWith("ufw allow 5353/udp failed (retried next sync)"));
        assertThat(ufwCalls).contains(List.of("ufw", "allow", "5432/tcp", "comment", "terrarium-proxy"),
                List.of("ufw", "delete", "allow", "6000/tcp"));
        failAllow.set(false);
        ufwCalls.clear();
        JobResult r2 = job().run();
        assertThat(r2.status()).isEqualTo(JobResult.Status.OK);
        assertThat(ufwCalls).containsExactly(List.of("ufw", "status"),
                List.of("ufw", "allow", "5353/udp", "comment", "terrarium-proxy"),
                List.of("ufw", "allow", "5432/tcp", "comment", "terrarium-proxy"));
        ufwCalls.clear();
        job().run();
        assertThat(ufwCalls).containsExactly(List.of("ufw", "status"));
        assertThat(rules).containsExactly("5353/udp", "5432/tcp");
    }

    @Test
    void failedReloadIsRetriedByTheNextSync() {
        AtomicBoolean failReload = new AtomicBoolean(true);
        List<List<String>> reloads = new ArrayList<>();
        lxd.other = c -> {
            if (c.args().contains("restart")) {
                reloads.add(c.argv());
                if (failReload.get()) {
                    return Reply.fail(1, "Job for traefik.service failed");
                }
            }
            return traefik.apply(c);
        };
        lxd.add("pg1", true, "2026-01-01T00:00:00Z", "tcp://5432:5432");
        JobResult r = job().run();
        assertThat(r.status()).isEqualTo(JobResult.Status.FAILED);
        assertThat(ProxySyncJobTestSupport.errors(r)).singleElement().asString().startsWith("reload of Traefik failed (retried next sync)");
        failReload.set(false);
        assertThat(job().run().status()).isEqualTo(JobResult.Status.OK);
        assertThat(reloads).hasSize(2);
        job().run();
        assertThat(reloads).hasSize(2);
    }

    @Test
    void restartThatLeavesTraefikDownOrNotListeningIsFailedAndRetried() {
        // the restart command exits 0 (Type=simple), but Traefik cannot bind the new entrypoint and exits
        traefik.unbindable.add("5432/tcp");
        lxd.add("pg1", true, "2026-01-01T00:00:00Z", "tcp://5432:5432");
        JobResult r = job().run();
        assertThat(r.status()).isEqualTo(JobResult.Status.FAILED);
        assertThat(ProxySyncJobTestSupport.errors(r)).singleElement().asString()
                .startsWith("reload of Traefik failed (retried next sync): unit traefik is failed")
                .contains("journalctl -u traefik");
        assertThat(r.details()).containsEntry("reload_pending", true).containsEntry("reloads", 0);
        // nothing changed in LXD or the files, but the pending restart is tried again and now holds
        traefik.unbindable.clear();
        int n = traefik.calls.size();
        JobResult r2 = job().run();
        assertThat(r2.status()).isEqualTo(JobResult.Status.OK);
        assertThat(traefik.calls.subList(n, traefik.calls.size())).contains(List.of("systemctl", "restart", "traefik"));
        assertThat(traefik.active()).isTrue();
        assertThat(r2.details()).containsEntry("reload_pending", false).containsEntry("reloads", 1);
    }

    @Test
    void listenerCheckCountsOnlyTheUnitsOwnProcess() {
        String ss = "tcp   LISTEN 0      4096               *:80              *:*    users:((\"traefik\",pid=77,fd=7))\n"
                + "tcp   LISTEN 0      4096         0.0.0.0:5432        0.0.0.0:*    users:((\"postgres\",pid=12,fd=5))\n"
                + "udp   UNCONN 0      0               [::]:5353           [::]:*    users:((\"traefik\",pid=77,fd=9))\n"
                + "tcp   LISTEN 0      128             [::]:443            [::]:*    users:((\"traefik\",pid=77,fd=8),(\"traefik\",pid=78,fd=8))\n";
        assertThat(io.terrarium.proxy.sync.TraefikRestartAccess.listening(ss, java.util.Set.of(77L)))
                .containsExactly("443/tcp", "5353/udp", "80/tcp");
    }

    @Test
    void ufwStatusParsesOnlyTerrariumRules() {
        Ufw.Status s = Ufw.parseStatus("Status: active\n\nTo                         Action      From\n"
                + "--                         ------      ----\n"
                + "22/tcp                     ALLOW       Anywhere\n"
                + "5432/tcp                   ALLOW       Anywhere                   # terrarium-proxy\n"
                + "53/udp                     ALLOW IN    Anywhere                   # terrarium-proxy\n"
                + "8080/tcp                   ALLOW       Anywhere                   # mine\n"
                + "5432/tcp (v6)              ALLOW       Anywhere (v6)              # terrarium-proxy\n");
        assertThat(s.active()).isTrue();
        assertThat(s.terrariumRules()).containsExactlyInAnyOrder("5432/tcp", "53/udp");
        assertThat(Ufw.parseStatus("Status: inactive\n").active()).isFalse();
    }

    @Test
    void routeChangesArePublishedOnlyWhenTheyHappen() throws Exception {
        List<io.terrarium.events.Event> published = new java.util.concurrent.CopyOnWriteArrayList<>();
        io.terrarium.events.Events.install(published::add);
        try {
            lxd.add("web", true, "2026-01-01T00:00:00Z", "https://web.example.com:8080");
            job().run();
            assertThat(published).extracting(e -> e.key() + " " + e.details().get("change") + " " + e.details().get("route"))
                    .containsExactly("web added https://web.example.com:8080");
            published.clear();
            job().run();
            assertThat(published).as("steady state: no change, no event").isEmpty();
        } finally {
            io.terrarium.events.Events.install(null);
        }
    }

    private long restarts(int since) {
        return traefik.calls.subList(since, traefik.calls.size()).stream()
                .filter(c -> c.equals(List.of("systemctl", "restart", "traefik"))).count();
    }

    private List<Path> rejectedCopies() throws Exception {
        try (var files = Files.list(staticFile().getParent())) {
            return files.filter(f -> f.getFileName().toString().startsWith("traefik.yml.rejected-")).sorted().toList();
        }
    }

    @Test
    void failedRestartWithANewEntrypointRestoresTheLastGoodFileQuarantinesItAndTheNextSyncDoesNotRestart() throws Exception {
        lxd.add("pg1", true, "2026-01-01T00:00:00Z", "tcp://5432:5432")
                .add("web", true, "2026-01-01T00:00:00Z", "https://web.example.com:8080");
        assertThat(job().run().status()).isEqualTo(JobResult.Status.OK);
        String good = Files.readString(staticFile());
        assertThat(StaticFallback.lastGood(staticFile())).hasContent(good);

        // a host program grabbed 6000 between the port check and the restart: Traefik cannot start with the new file
        traefik.unbindable.add("6000/tcp");
        lxd.add("app", true, "2026-01-03T00:00:00Z", "https://app.example.com:3000,tcp://6000:6000");
        int n = traefik.calls.size();
        JobResult r = job().run();
        assertThat(r.status()).isEqualTo(JobResult.Status.FAILED);
        assertThat(restarts(n)).as("the failed restart and the one with the restored file").isEqualTo(2);
        assertThat(traefik.active()).isTrue();
        assertThat(staticFile()).hasContent(good);
        assertThat(rejectedCopies()).singleElement().satisfies(f -> assertThat(Files.readString(f)).contains("\":6000/tcp\""));
        assertThat(Files.readString(dynamicFile())).doesNotContain("tcp-6000").contains("app.example.com");
        List<String> errors = ProxySyncJobTestSupport.errors(r);
        assertThat(errors).anySatisfy(e -> assertThat(e).startsWith("instance \"app\": route \"tcp://6000:6000\": public port 6000/tcp is quarantined"));
        assertThat(errors).anySatisfy(e -> assertThat(e)
                .startsWith("reload of Traefik failed and was rolled back: the static change adding entrypoint(s) 6000/tcp of instance app: unit traefik is failed")
                .contains("the previous static configuration was restored from " + StaticFallback.lastGood(staticFile()))
                .contains("Traefik is active and listening on 443/tcp, 5432/tcp, 80/tcp again, 3 route(s) of 3 instance(s) up")
                .contains("kept as " + rejectedCopies().get(0))
                .contains("quarantined until the instance's user.proxy label changes or `terrariumctl reconfigure`"));
        assertThat(r.details()).containsEntry("reload_pending", false).containsEntry("reloads", 1);
        assertThat((List<?>) r.details().get("quarantined")).singleElement().asString().contains("entrypoint=6000/tcp").contains("instance=app");

        // the next syncs: no restart, no write, the quarantine is reported for app only
        traefik.unbindable.clear();
        n = traefik.calls.size();
        JobResult r2 = job().run();
        assertThat(restarts(n)).isZero();
        assertThat(r2.details()).containsEntry("files_written", List.of()).containsEntry("reloads", 0);
        assertThat(ProxySyncJobTestSupport.errors(r2)).singleElement().asString()
                .startsWith("instance \"app\": route \"tcp://6000:6000\": public port 6000/tcp is quarantined");
        assertThat(new ProxyStateStore(dir.resolve("state"), App.jsonMapper()).state().routes())
                .anySatisfy(row -> assertThat(row).containsEntry("instance", "app").containsEntry("status", "conflict"))
                .anySatisfy(row -> assertThat(row).containsEntry("instance", "pg1").containsEntry("status", "ok"));

        // a changed label lifts the quarantine: the next sync restarts with the new entrypoint
        lxd.config("app").put("user.proxy", "https://app.example.com:3000,tcp://6001:6000");
        n = traefik.calls.size();
        JobResult r3 = job().run();
        assertThat(r3.status()).as(r3.summary()).isEqualTo(JobResult.Status.OK);
        assertThat(restarts(n)).isEqualTo(1);
        assertThat(Files.readString(staticFile())).contains("\":6001/tcp\"");
        assertThat(new ProxyStateStore(dir.resolve("state"), App.jsonMapper()).quarantine()).isEqualTo(ProxyStateStore.Quarantine.NONE);
    }

    @Test
    void reconfigureLiftsTheQuarantineAndTheEntrypointIsTriedAgain() throws Exception {
        lxd.add("pg1", true, "2026-01-01T00:00:00Z", "tcp://5432:5432");
        job().run();
        traefik.unbindable.add("6000/tcp");
        lxd.add("app", true, "2026-01-03T00:00:00Z", "tcp://6000:6000");
        assertThat(job().run().status()).isEqualTo(JobResult.Status.FAILED);
        traefik.unbindable.clear();
        new ProxyStateStore(dir.resolve("state"), App.jsonMapper()).clearQuarantine(); // what Reapply does
        JobResult r = job().run();
        assertThat(r.status()).as(r.summary()).isEqualTo(JobResult.Status.OK);
        assertThat(Files.readString(staticFile())).contains("\":6000/tcp\"");
        assertThat(StaticFallback.lastGood(staticFile())).hasContent(Files.readString(staticFile()));
    }

    @Test
    void failedSettingsChangeIsRolledBackAndHeldBackInsteadOfRestartingEverySync() throws Exception {
        lxd.add("pg1", true, "2026-01-01T00:00:00Z", "tcp://5432:5432");
        job().run();
        String good = Files.readString(staticFile());
        traefik.refuseWhenContains = "cloudflare";
        dnsProvider = "cloudflare";
        int n = traefik.calls.size();
        JobResult r = job().run();
        assertThat(restarts(n)).isEqualTo(2);
        assertThat(staticFile()).hasContent(good);
        assertThat(traefik.active()).isTrue();
        assertThat(ProxySyncJobTestSupport.errors(r)).singleElement().asString()
                .startsWith("reload of Traefik failed and was rolled back: the static change (no new entrypoint: a settings change)")
                .contains("listening on 443/tcp, 5432/tcp, 80/tcp again, 1 route(s) of 1 instance(s) up")
                .contains("It is held back (not written again)");
        assertThat(rejectedCopies()).singleElement().satisfies(f -> assertThat(Files.readString(f)).contains("cloudflare"));

        n = traefik.calls.size();
        JobResult r2 = job().run();
        assertThat(restarts(n)).isZero();
        assertThat(staticFile()).hasContent(good);
        assertThat(ProxySyncJobTestSupport.errors(r2)).singleElement().asString()
                .startsWith("static configuration held back: Traefik did not start with it at ")
                .contains("kept as " + rejectedCopies().get(0)).contains("terrariumctl reconfigure");
        assertThat(r2.details()).containsKey("static_held_back");

        // the setting is taken back: nothing held back any more, nothing to restart
        dnsProvider = null;
        JobResult r3 = job().run();
        assertThat(r3.status()).as(r3.summary()).isEqualTo(JobResult.Status.OK);
        assertThat(r3.details()).doesNotContainKey("static_held_back");
        assertThat(new ProxyStateStore(dir.resolve("state"), App.jsonMapper()).quarantine()).isEqualTo(ProxyStateStore.Quarantine.NONE);
        assertThat(rejectedCopies()).as("kept for debugging").hasSize(1);
    }

    @Test
    void firstInstallWithoutALastGoodFileSaysSoKeepsTheFileOnceAndRetries() throws Exception {
        traefik.unbindable.add("5432/tcp");
        lxd.add("pg1", true, "2026-01-01T00:00:00Z", "tcp://5432:5432");
        JobResult r = job().run();
        assertThat(ProxySyncJobTestSupport.errors(r)).singleElement().asString()
                .startsWith("reload of Traefik failed (retried next sync): unit traefik is failed")
                .contains("no last good static configuration to fall back to (none was kept yet: first install)")
                .contains("kept as " + rejectedCopies().get(0));
        assertThat(staticFile()).exists();
        assertThat(StaticFallback.lastGood(staticFile())).doesNotExist();
        int n = traefik.calls.size();
        assertThat(job().run().status()).isEqualTo(JobResult.Status.FAILED);
        assertThat(restarts(n)).isEqualTo(1);
        assertThat(rejectedCopies()).as("one copy, not one per retry").hasSize(1);
    }

    @Test
    void fallbackThatFailsTooLeavesTheRestoredFileAndBothCopiesAndRestartsNextSync() throws Exception {
        lxd.add("pg1", true, "2026-01-01T00:00:00Z", "tcp://5432:5432");
        job().run();
        String good = Files.readString(staticFile());
        traefik.unbindable.addAll(List.of("5432/tcp", "6000/tcp")); // postgres on the host took 5432 as well
        lxd.add("app", true, "2026-01-03T00:00:00Z", "tcp://6000:6000");
        JobResult r = job().run();
        assertThat(ProxySyncJobTestSupport.errors(r)).singleElement().asString()
                .startsWith("reload of Traefik failed: the static change adding entrypoint(s) 6000/tcp of instance app")
                .contains("did not come back with it either").contains("every route is down");
        assertThat(r.details()).containsEntry("reload_pending", true);
        assertThat(staticFile()).hasContent(good);
        assertThat(StaticFallback.lastGood(staticFile())).hasContent(good);
        assertThat(rejectedCopies()).hasSize(1);
        // the host frees 5432: the next sync restarts with the restored file (the rejected one stays held back)
        traefik.unbindable.remove("5432/tcp");
        int n = traefik.calls.size();
        JobResult r2 = job().run();
        assertThat(restarts(n)).isEqualTo(1);
        assertThat(traefik.active()).isTrue();
        assertThat(staticFile()).hasContent(good);
        assertThat(r2.details()).containsEntry("reload_pending", false);
        assertThat(ProxySyncJobTestSupport.errors(r2)).singleElement().asString().startsWith("static configuration held back");
    }

    @Test
    void garbageLastGoodFileIsReportedAsUnusableAndTheRejectedFileIsCopiedOnceNotOncePerSync() throws Exception {
        lxd.add("pg1", true, "2026-01-01T00:00:00Z", "tcp://5432:5432");
        assertThat(job().run().status()).isEqualTo(JobResult.Status.OK);
        Path good = StaticFallback.lastGood(staticFile());
        Files.writeString(good, "entryPoints: {web: [address\n  - :80\n\t}}: :\n"); // what the tester's corrupt file looked like: not YAML
        traefik.stop(); // so the current file is not proven good and cannot replace the corrupt copy
        traefik.unbindable.add("6000/tcp");
        lxd.add("app", true, "2026-01-03T00:00:00Z", "tcp://6000:6000");
        JobResult r = job().run();
        assertThat(ProxySyncJobTestSupport.errors(r)).singleElement().asString()
                .startsWith("reload of Traefik failed (retried next sync): unit traefik is failed")
                .contains("the last good static file " + good + " cannot be used: not YAML: ")
                .contains("fix or remove it, then `terrariumctl reconfigure`")
                .doesNotContain("first install")
                .contains("kept as " + rejectedCopies().get(0));
        assertThat(good).content().startsWith("entryPoints: {web: [address");
        assertThat(Files.readString(staticFile())).contains("\":6000/tcp\"");
        assertThat(new ProxyStateStore(dir.resolve("state"), App.jsonMapper()).quarantine().rejectedSha256())
                .isEqualTo(StaticFallback.sha256(Files.readString(staticFile())));
        for (int i = 0; i < 3; i++) {
            int n = traefik.calls.size();
            JobResult again = job().run();
            assertThat(restarts(n)).as("Traefik is down either way: the restart is retried").isEqualTo(1);
            assertThat(ProxySyncJobTestSupport.errors(again)).singleElement().asString().contains("cannot be used: not YAML");
        }
        assertThat(rejectedCopies()).as("one copy of the rejected content, not one per sync").hasSize(1);
    }

    @Test
    void directoryAsLastGoodFileIsReportedAsUnusableNotAsAFirstInstall() throws Exception {
        lxd.add("pg1", true, "2026-01-01T00:00:00Z", "tcp://5432:5432");
        job().run();
        Path good = StaticFallback.lastGood(staticFile());
        Files.delete(good);
        Files.createDirectories(good.resolve("sub")); // not empty: an atomic replace cannot put a file there
        traefik.unbindable.add("6000/tcp");
        lxd.add("app", true, "2026-01-03T00:00:00Z", "tcp://6000:6000");
        JobResult r = job().run();
        assertThat(ProxySyncJobTestSupport.errors(r)).singleElement().asString()
                .contains("the last good static file " + good + " cannot be used: not a regular file; fix or remove it")
                .doesNotContain("first install");
        int n = traefik.calls.size();
        job().run();
        assertThat(restarts(n)).isEqualTo(1);
        assertThat(rejectedCopies()).hasSize(1);
    }

    @Test
    void aRejectedContentThatFailsAgainAfterReconfigureReusesItsCopy() throws Exception {
        lxd.add("pg1", true, "2026-01-01T00:00:00Z", "tcp://5432:5432");
        job().run();
        traefik.unbindable.add("6000/tcp");
        lxd.add("app", true, "2026-01-03T00:00:00Z", "tcp://6000:6000");
        job().run();
        assertThat(rejectedCopies()).hasSize(1);
        new ProxyStateStore(dir.resolve("state"), App.jsonMapper()).clearQuarantine(); // reconfigure, port still taken
        JobResult r = job().run();
        assertThat(ProxySyncJobTestSupport.errors(r)).anySatisfy(e -> assertThat(e)
                .startsWith("reload of Traefik failed and was rolled back").contains("kept as " + rejectedCopies().get(0)));
        assertThat(rejectedCopies()).as("the same rejected content is kept once").hasSize(1);
    }

    @Test
    void garbageQuarantineFileIsReportedAndNoNewStaticFileOrPortIsTriedWhileRoutesStillUpdate() throws Exception {
        lxd.add("pg1", true, "2026-01-01T00:00:00Z", "tcp://5432:5432");
        job().run();
        String staticBefore = Files.readString(staticFile());
        ProxyStateStore store = new ProxyStateStore(dir.resolve("state"), App.jsonMapper());
        Files.writeString(store.quarantineFile(), "{garbage");
        lxd.add("app", true, "2026-01-03T00:00:00Z", "https://app.example.com:3000,tcp://6000:6000");
        int n = traefik.calls.size();
        JobResult r = job().run();
        assertThat(r.status()).isEqualTo(JobResult.Status.FAILED);
        assertThat(restarts(n)).isZero();
        assertThat(staticFile()).hasContent(staticBefore);
        assertThat(Files.readString(dynamicFile())).contains("app.example.com").doesNotContain("tcp-6000");
        List<String> errors = ProxySyncJobTestSupport.errors(r);
        assertThat(errors).filteredOn(e -> e.startsWith("the proxy quarantine ")).singleElement().asString()
                .startsWith("the proxy quarantine " + store.quarantineFile() + " cannot be read: ")
                .contains("the Traefik static file is not changed and no new public TCP/UDP port is published")
                .contains("`terrariumctl reconfigure`");
        assertThat(errors).anySatisfy(e -> assertThat(e).startsWith("instance \"app\": route \"tcp://6000:6000\": public port 6000/tcp is not published while "
                + store.quarantineFile() + " cannot be read"));
        assertThat(store.quarantineFile()).as("left for the admin, not overwritten as empty").hasContent("{garbage");

        store.clearQuarantine(); // terrariumctl reconfigure
        JobResult r2 = job().run();
        assertThat(r2.status()).as(r2.summary()).isEqualTo(JobResult.Status.OK);
        assertThat(Files.readString(staticFile())).contains("\":6000/tcp\"");
    }

    @Test
    void aStaticFileWrittenByHandWithoutARestartIsNotAdoptedAsLastGoodEvenWithTheSamePorts() throws Exception {
        lxd.add("pg1", true, "2026-01-01T00:00:00Z", "tcp://5432:5432");
        job().run();
        String good = Files.readString(staticFile());
        Thread.sleep(30); // the file's mtime must fall after Traefik's start (kernel timestamps are coarse)
        // `terrariumctl proxy static` by hand: same entrypoints, different text, no restart
        String byHand = good + "# written by hand\n";
        Files.writeString(staticFile(), byHand);
        traefik.unbindable.add("6000/tcp");
        lxd.add("app", true, "2026-01-03T00:00:00Z", "tcp://6000:6000");
        JobResult r = job().run();
        assertThat(StaticFallback.lastGood(staticFile())).as("Traefik never ran the hand-written file").hasContent(good);
        assertThat(staticFile()).as("the fallback restores what Traefik ran").hasContent(good);
        assertThat(ProxySyncJobTestSupport.errors(r)).anySatisfy(e -> assertThat(e).startsWith("reload of Traefik failed and was rolled back"));
    }

    @Test
    void theCurrentFileIsAdoptedAsLastGoodWhenTraefikStartedAfterItWasWritten() throws Exception {
        lxd.add("pg1", true, "2026-01-01T00:00:00Z", "tcp://5432:5432");
        job().run();
        String good = Files.readString(staticFile());
        Files.delete(StaticFallback.lastGood(staticFile())); // a release before the fallback kept none
        lxd.add("app", true, "2026-01-03T00:00:00Z", "tcp://6000:6000");
        traefik.unbindable.add("6000/tcp");
        JobResult r = job().run();
        assertThat(ProxySyncJobTestSupport.errors(r)).anySatisfy(e -> assertThat(e).startsWith("reload of Traefik failed and was rolled back"));
        assertThat(staticFile()).hasContent(good);
    }

    @Test
    void systemdUsUtcTimestampsAreParsedAndAnythingElseIsUnknown() {
        assertThat(io.terrarium.proxy.sync.TraefikRestartAccess.systemdUtc("Mon 2026-12-07 03:40:13.123456 UTC"))
                .isEqualTo(java.time.Instant.parse("2026-12-07T03:40:13.123456Z"));
        assertThat(io.terrarium.proxy.sync.TraefikRestartAccess.systemdUtc("")).isNull();
        assertThat(io.terrarium.proxy.sync.TraefikRestartAccess.systemdUtc("n/a")).isNull();
        assertThat(io.terrarium.proxy.sync.TraefikRestartAccess.systemdUtc("Mon 2026-12-07 04:40:13 CET")).as("not UTC").isNull();
    }
}
