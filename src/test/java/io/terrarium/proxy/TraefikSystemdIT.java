package io.terrarium.proxy;

import io.terrarium.App;
import io.terrarium.config.TerrariumConfig;
import io.terrarium.host.lxd.LxdClient;
import io.terrarium.host.lxd.LxdInstances;
import io.terrarium.jobs.JobResult;
import io.terrarium.proxy.sync.ProxySyncJob;
import io.terrarium.proxy.sync.TraefikRestart;
import io.terrarium.testing.DebianContainers;
import io.terrarium.testing.DebianContainers.Result;
import io.terrarium.testing.FakeLxdInstances;
import io.terrarium.testing.RecordingCommandRunner;
import io.terrarium.testing.RecordingCommandRunner.Reply;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Traefik's lifecycle under real systemd (issue 14 item 1): the unit Terrarium installs
 * ({@code ansible/roles/traefik/templates/traefik.service.j2}) in the Debian 12 system container of the
 * converge tests, with a stand-in for the traefik binary ({@code src/test/resources/traefik/traefik-standin.py};
 * Traefik cannot be downloaded here) whose signals behave as a Go program's: Go's {@code os/signal}
 * documentation (https://pkg.go.dev/os/signal, "Default behavior of signals in Go programs") says
 * "A SIGHUP, SIGINT, or SIGTERM signal causes the program to exit", and Traefik handles only
 * SIGINT/SIGTERM and SIGUSR1, so SIGHUP kills it.
 *
 * <p>Shows: the previous unit ({@code ExecReload=kill -HUP}) loses Traefik on a reload while
 * {@code systemctl reload} exits 0; the new unit refuses a reload and comes back after a stray SIGHUP;
 * the {@code proxy-sync} job applies a static change by restart and finds Traefik active and listening
 * on the new entrypoint; when Traefik cannot start with a new static file (the stand-in exits 1 as
 * Traefik does when an entrypoint cannot be built), the job puts the last good file back, restarts,
 * finds Traefik active and listening on the old entrypoints and reports FAILED; the next sync does
 * not restart again (the entrypoint is quarantined) until a re-apply lifts it. LXD is the
 * in-memory fake here (this test is about systemd; the job's LXD side
 * is tested in {@link ProxySyncIT}); every systemctl and ss call runs in the container.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class TraefikSystemdIT {
    static final String PROJECT = "default";
    static final Path TEMPLATE = Path.of("ansible/roles/traefik/templates/traefik.service.j2").toAbsolutePath();
    static final Path STANDIN = Path.of("src/test/resources/traefik/traefik-standin.py").toAbsolutePath();
    static String name;

    @TempDir
    Path dir;

    /** The dynamic file's directory is part of the static file: one for the whole class, as on a host. */
    @TempDir
    static Path dynamicDir;

    @BeforeAll
    static void container() throws Exception {
        String image = DebianContainers.image();
        name = DebianContainers.name("terrarium-it-traefik");
        DebianContainers.launch(image, name, PROJECT, List.of(), Map.of("security.nesting", "true"));
        DebianContainers.ok("lxc", "file", "push", "-q", "--mode", "0755", STANDIN.toString(), name + "/usr/local/bin/traefik");
        sh("useradd --system --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin traefik"
                + " && install -d -m 0755 /etc/traefik /etc/traefik/dynamic"
                + " && install -m 0600 -o traefik /dev/null /etc/traefik/acme.json");
        String staticYaml = TraefikStaticRenderer.render(ProxySettings.defaults(), List.of());
        push(staticYaml, "/etc/traefik/traefik.yml");
    }

    @AfterAll
    static void deleteContainer() {
        if (name != null) {
            DebianContainers.delete(name, PROJECT);
        }
    }

    @Test
    @Order(1)
    void oldUnitsSighupReloadExitsZeroAndLeavesTraefikDead() throws Exception {
        String old = unit().replace("StartLimitIntervalSec=0\n", "")
                .replaceAll("(?s)# No ExecReload.*?RestartSec=2s\n", "ExecReload=/bin/kill -HUP \\$MAINPID\nRestart=on-failure\n");
        assertThat(old).contains("ExecReload=/bin/kill -HUP $MAINPID").doesNotContain("Restart=always");
        installUnit(old);
        assertThat(sh("systemctl start traefik && sleep 1 && systemctl is-active traefik").out()).contains("active");
        Result reload = sh("systemctl reload traefik");
        assertThat(reload.exit()).as("systemctl reload exits 0: nothing tells the caller").isZero();
        Thread.sleep(3000);
        assertThat(sh("systemctl is-active traefik").out().strip()).isEqualTo("inactive");
        assertThat(sh("systemctl show -p Result --value traefik").out().strip()).isEqualTo("success");
        sh("systemctl stop traefik");
    }

    @Test
    @Order(2)
    void installedUnitRefusesReloadAndComesBackAfterAStraySighup() throws Exception {
        installUnit(unit());
        assertThat(sh("systemctl start traefik && sleep 1 && systemctl is-active traefik").out().strip()).isEqualTo("active");
        String pid = mainPid();
        assertThat(sh("systemctl reload traefik").exit()).as("no ExecReload: a reload is refused").isNotZero();
        assertThat(mainPid()).isEqualTo(pid);
        sh("systemctl kill -s HUP --kill-whom=main traefik");
        String after = "";
        for (int i = 0; i < 40 && (after.isEmpty() || after.equals("0") || after.equals(pid)); i++) {
            Thread.sleep(250);
            after = mainPid();
        }
        assertThat(after).as("Restart=always brought it back").isNotIn("0", pid, "");
        assertThat(sh("systemctl is-active traefik").out().strip()).isEqualTo("active");
        assertThat(listening(after)).contains("80/tcp", "443/tcp");
    }

    @Test
    @Order(3)
    void staticChangeRestartsTraefikWhichStaysActiveAndListensOnTheNewEntrypoint() throws Exception {
        installUnit(unit());
        sh("systemctl restart traefik");
        FakeLxdInstances lxd = new FakeLxdInstances();
        lxd.add("pg1", true, "2026-01-01T00:00:00Z", "tcp://5432:5432");
        long t0 = System.nanoTime();
        JobResult r = job(lxd).run();
        System.out.printf("static change applied by restart + check in %.2f s%n", (System.nanoTime() - t0) / 1e9);
        assertThat(r.status()).as(r.summary()).isEqualTo(JobResult.Status.OK);
        assertThat(r.details()).containsEntry("reloads", 1).containsEntry("reload_pending", false);
        assertThat(sh("cat /etc/traefik/traefik.yml").out()).contains("\":5432/tcp\"");
        assertThat(sh("systemctl is-active traefik").out().strip()).isEqualTo("active");
        assertThat(listening(mainPid())).contains("80/tcp", "443/tcp", "5432/tcp");
    }

    @Test
    @Order(4)
    void failedRestartFallsBackToTheLastGoodFileAndTheNextSyncDoesNotRestartLoop() throws Exception {
        // a host program grabbed 6000 after the plan's port check: the stand-in, like Traefik, exits 1
        // when it cannot build an entrypoint, so it refuses to start with the new static file
        sh("systemd-run --unit=squatter python3 -c \"import socket,time; s=socket.socket(); "
                + "s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1); s.bind(('0.0.0.0', 6000)); s.listen(); time.sleep(3600)\"");
        Thread.sleep(500);
        String good = sh("cat /etc/traefik/traefik.yml").out();
        assertThat(good).contains("\":5432/tcp\"").doesNotContain("6000");
        assertThat(sh("cat /etc/traefik/traefik.yml.last-good").out()).isEqualTo(good);
        FakeLxdInstances lxd = new FakeLxdInstances();
        lxd.add("pg1", true, "2026-01-01T00:00:00Z", "tcp://5432:5432");
        lxd.add("app", true, "2026-01-02T00:00:00Z", "tcp://6000:6000");
        long t0 = System.nanoTime();
        JobResult r = job(lxd).run();
        System.out.printf("failed restart, fallback and second restart in %.2f s%n", (System.nanoTime() - t0) / 1e9);
        assertThat(r.status()).isEqualTo(JobResult.Status.FAILED);
        assertThat(r.summary())
                .contains("reload of Traefik failed and was rolled back: the static change adding entrypoint(s) 6000/tcp of instance app: unit traefik")
                .contains("the previous static configuration was restored from " + Path.of("/var/lib/lxd/containers", name,
                        "rootfs/etc/traefik/traefik.yml.last-good"))
                .contains("Traefik is active and listening on 443/tcp, 5432/tcp, 80/tcp again, 1 route(s) of 1 instance(s) up")
                .contains("quarantined until the instance's user.proxy label changes or `terrariumctl reconfigure`")
                .contains("instance \"app\": route \"tcp://6000:6000\": public port 6000/tcp is quarantined");
        assertThat(r.details()).containsEntry("reload_pending", false).containsEntry("reloads", 1);
        assertThat(sh("systemctl is-active traefik").out().strip()).isEqualTo("active");
        String pid = mainPid();
        assertThat(listening(pid)).contains("80/tcp", "443/tcp", "5432/tcp").doesNotContain("6000/tcp");
        assertThat(sh("cat /etc/traefik/traefik.yml").out()).isEqualTo(good);
        Result rejected = sh("cat /etc/traefik/traefik.yml.rejected-*");
        assertThat(rejected.exit()).isZero();
        assertThat(rejected.out()).contains("\":6000/tcp\"");

        // the next sync (the daemon's minute timer) restarts nothing: 6000 stays quarantined for app
        JobResult r2 = job(lxd).run();
        assertThat(r2.status()).isEqualTo(JobResult.Status.FAILED);
        assertThat(r2.details()).containsEntry("reloads", 0).containsEntry("files_written", List.of())
                .containsEntry("reload_pending", false);
        assertThat(r2.summary()).contains("public port 6000/tcp is quarantined").doesNotContain("reload of Traefik");
        assertThat(mainPid()).as("not restarted").isEqualTo(pid);

        // the host frees the port and the admin runs `terrariumctl reconfigure` (it lifts the quarantine): it holds
        sh("systemctl stop squatter");
        new io.terrarium.proxy.sync.ProxyStateStore(dir.resolve("state"), App.jsonMapper()).clearQuarantine();
        JobResult r3 = job(lxd).run();
        assertThat(r3.status()).as(r3.summary()).isEqualTo(JobResult.Status.OK);
        assertThat(r3.details()).containsEntry("reloads", 1).containsEntry("reload_pending", false);
        assertThat(listening(mainPid())).contains("80/tcp", "443/tcp", "5432/tcp", "6000/tcp");
        assertThat(sh("cat /etc/traefik/traefik.yml.last-good").out()).contains("\":6000/tcp\"");
    }

    /** The proxy-sync job: fake LXD, static file inside the container's rootfs, systemctl/ss run in the container. */
    private ProxySyncJob job(FakeLxdInstances lxd) throws Exception {
        lxd.other = c -> {
            List<String> argv = new ArrayList<>(List.of("lxc", "exec", name, "--project", PROJECT, "--"));
            argv.addAll(c.argv());
            Result res = DebianContainers.run(Duration.ofMinutes(1), argv);
            return new Reply(res.exit(), res.out(), res.exit() == 0 ? "" : res.out());
        };
        RecordingCommandRunner runner = new RecordingCommandRunner(lxd);
        Path staticFile = Path.of("/var/lib/lxd/containers", name, "rootfs/etc/traefik/traefik.yml");
        TerrariumConfig c = TerrariumConfig.defaults().withProxy(new TerrariumConfig.Proxy(
                dynamicDir.resolve("terrarium-lxc.yml").toString(), staticFile.toString(), null, null, null, null, null,
                List.of("systemctl", "restart", "traefik"), false));
        return new ProxySyncJob(new LxdInstances(LxdClient.local(runner, new com.fasterxml.jackson.databind.ObjectMapper()), "default"),
                runner, null, c, dir.resolve("state"), App.jsonMapper(), (first, last, skip) -> new TreeSet<>(),
                new TraefikRestart(runner, Duration.ofSeconds(8), Duration.ofMillis(250)));
    }

    private static String unit() throws Exception {
        return Files.readString(TEMPLATE).replace("{{ ansible_managed }}", "rendered by TraefikSystemdIT")
                .replace("{{ traefik_user }}", "traefik").replace("{{ traefik_config_dir }}", "/etc/traefik")
                .replace("{{ traefik_acme_storage }}", "/etc/traefik/acme.json");
    }

    private static void installUnit(String text) throws Exception {
        push(text, "/etc/systemd/system/traefik.service");
        sh("systemctl daemon-reload && systemctl reset-failed traefik || true");
    }

    private static void push(String content, String path) throws Exception {
        Path tmp = Files.createTempFile("traefik-it", ".txt");
        try {
            Files.writeString(tmp, content, StandardCharsets.UTF_8);
            DebianContainers.ok("lxc", "file", "push", "-q", "--mode", "0644", tmp.toString(), name + path);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    private static String mainPid() {
        return sh("systemctl show -p MainPID --value traefik").out().strip();
    }

    private static java.util.SortedSet<String> listening(String pid) {
        String ss = sh("ss -H -l -n -p -t -u").out();
        return io.terrarium.proxy.sync.TraefikRestartAccess.listening(ss, java.util.Set.of(Long.parseLong(pid)));
    }

    private static Result sh(String script) {
        return DebianContainers.sh(name, PROJECT, script);
    }
}
