package io.terrarium.host.lxd;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * LXD through its unix socket on the real daemon (issue 14 item 6): requests and operations, the
 * ETag-guarded read-modify-write that keeps a concurrent {@code lxc config set}, and the launcher's
 * LXD writes without a request body in any argv.
 */
class LxdSocketIT {
    private static final String PROJECT = "trm-it-socket";
    private static final String C = "sock1";
    private static LxdClient lxd;

    @BeforeAll
    static void up() throws Exception {
        Path sock = LxdSocket.locate(System.getenv());
        assertThat(sock).as("LXD socket (scripts/devhost.sh up)").isNotNull();
        lxd = LxdClient.overSocket(new LxdSocket(sock), new ObjectMapper(), Duration.ofSeconds(120));
        down();
        sh("lxc", "project", "create", PROJECT, "-c", "features.images=false", "-c", "features.profiles=false");
        sh("lxc", "init", System.getenv().getOrDefault("TERRARIUM_DEV_IMAGE", "terrarium-busybox"), C, "--project", PROJECT);
    }

    @AfterAll
    static void down() throws Exception {
        run("lxc", "delete", "--force", C, "--project", PROJECT);
        run("lxc", "project", "delete", PROJECT);
    }

    private static String path() {
        return "/1.0/instances/" + C + "?project=" + PROJECT;
    }

    @Test
    void requestsAndOperationsGoThroughTheSocket() {
        assertThat(lxd.get("/1.0").path("api_version").asText()).isEqualTo("1.0");
        assertThatThrownBy(() -> lxd.get("/1.0/instances/nosuch?project=" + PROJECT))
                .isInstanceOfSatisfying(LxdException.class, e -> assertThat(e.notFound()).isTrue());
        // an async operation (PATCH of devices on a stopped instance is synchronous; POST of a snapshot is not)
        lxd.post("/1.0/instances/" + C + "/snapshots?project=" + PROJECT, Map.of("name", "s1"));
        assertThat(lxd.get("/1.0/instances/" + C + "/snapshots/s1?project=" + PROJECT).path("name").asText()).isEqualTo("s1");
        lxd.delete("/1.0/instances/" + C + "/snapshots/s1?project=" + PROJECT);
        assertThatThrownBy(() -> lxd.get("/1.0/instances/" + C + "/snapshots/s1?project=" + PROJECT))
                .isInstanceOf(LxdException.class);
    }

    @Test
    void aConcurrentLxcConfigSetDuringADeviceRemovalSurvives() throws Exception {
        lxd.patch(path(), Map.of("devices", Map.of("gone", Map.of("type", "none"), "kept", Map.of("type", "none"))));
        AtomicInteger attempts = new AtomicInteger();
        boolean written = lxd.update(path(), current -> {
            if (attempts.incrementAndGet() == 1) {
                // another writer between our GET and our PUT
                try {
                    sh("lxc", "config", "set", C, "user.concurrent=kept", "--project", PROJECT);
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            }
            ObjectNode body = new ObjectMapper().createObjectNode();
            for (String f : List.of("architecture", "config", "devices", "ephemeral", "profiles", "stateful", "description")) {
                if (current.has(f)) {
                    body.set(f, current.get(f));
                }
            }
            ((ObjectNode) body.get("devices")).remove("gone");
            return body;
        });
        assertThat(written).isTrue();
        assertThat(attempts.get()).as("the stale PUT was refused with 412 and re-applied").isEqualTo(2);
        JsonNode after = lxd.get(path());
        assertThat(after.path("config").path("user.concurrent").asText()).isEqualTo("kept");
        assertThat(after.path("devices").has("gone")).isFalse();
        assertThat(after.path("devices").has("kept")).isTrue();

        // the product's own device removal, with another config change just before it
        sh("lxc", "config", "set", C, "user.second=also-kept", "--project", PROJECT);
        new LxdInstances(lxd, PROJECT).removeDevices(C, Set.of("kept"));
        JsonNode last = lxd.get(path());
        assertThat(last.path("devices").has("kept")).isFalse();
        assertThat(last.path("config").path("user.concurrent").asText()).isEqualTo("kept");
        assertThat(last.path("config").path("user.second").asText()).isEqualTo("also-kept");
    }

    @Test
    void theLaunchersLxdWritesPutNoRequestBodyInAnyArgv(@TempDir Path dir) throws Exception {
        // every `lxc` the launcher might exec is logged with its argv; the socket needs none
        Path bin = Files.createDirectories(dir.resolve("bin"));
        Path log = dir.resolve("lxc-argv.log");
        Path real = Path.of(sh("sh", "-c", "command -v lxc").strip());
        Files.writeString(bin.resolve("lxc"), "#!/bin/sh\nprintf '%s\\n' \"$*\" >> " + log + "\nexec " + real + " \"$@\"\n");
        Files.setPosixFilePermissions(bin.resolve("lxc"), PosixFilePermissions.fromString("rwxr-xr-x"));
        String saved = sh("lxc", "project", "get", "terrarium-system", "user.terrarium.config_b64").strip();
        String savedMac = sh("lxc", "project", "get", "terrarium-system", "user.terrarium.config_mac").strip();
        try {
            Path cfg = dir.resolve("c.yaml");
            Files.writeString(cfg, "version: 1\ninstallation_id: it-socket-0001\ndomains:\n  base: socket-it.example.com\n");
            List<String> launcher = List.of(Path.of("target/dist/bin/terrariumctl").toAbsolutePath().toString());
            Map<String, String> env = Map.of("PATH", bin + ":" + System.getenv("PATH"),
                    "TERRARIUM_ETC_DIR", dir.resolve("etc").toString(), "TERRARIUM_SECRETS_DIR", dir.resolve("etc/secrets").toString(),
                    "TERRARIUM_RUN_DIR", dir.resolve("run").toString(), "TERRARIUM_STATE_DIR", dir.resolve("state").toString());
            assertThat(launch(launcher, env, "config", "import", "--file", cfg.toString())).isZero();
            assertThat(launch(launcher, env, "set", "domains", "--no-apply", "socket-it2.example.com")).isZero();
            String stored = sh("lxc", "project", "get", "terrarium-system", "user.terrarium.config_b64").strip();
            assertThat(new String(Base64.getDecoder().decode(stored), StandardCharsets.UTF_8)).contains("base: socket-it2.example.com");
            String argv = Files.exists(log) ? Files.readString(log) : "";
            assertThat(argv).doesNotContain("--data").doesNotContain(stored).doesNotContain("config_b64");
        } finally {
            if (saved.isEmpty()) {
                run("lxc", "project", "unset", "terrarium-system", "user.terrarium.config_b64");
            } else {
                sh("lxc", "project", "set", "terrarium-system", "user.terrarium.config_b64", saved);
            }
            if (savedMac.isEmpty()) {
                run("lxc", "project", "unset", "terrarium-system", "user.terrarium.config_mac");
            } else {
                sh("lxc", "project", "set", "terrarium-system", "user.terrarium.config_mac", savedMac);
            }
        }
    }

    @Test
    void aStoragePoolIsCreatedOverTheSocketWithItsKeysInNoArgv(@TempDir Path dir) throws Exception {
        String pool = "trm-it-pool-" + ProcessHandle.current().pid();
        Path source = Files.createDirectories(dir.resolve("pool"));
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwx--x--x"));
        List<List<String>> argv = new ArrayList<>();
        io.terrarium.host.exec.CommandRunner recording = c -> {
            argv.add(c.argv());
            throw new IllegalStateException("no command expected: " + c.argv());
        };
        try {
            new LxdEditor(recording, lxd).createPool(pool, "dir", Map.of("source", source.toString(), "volatile.x", "y"));
            JsonNode created = lxd.get("/1.0/storage-pools/" + pool);
            assertThat(created.path("driver").asText()).isEqualTo("dir");
            assertThat(created.path("config").path("source").asText()).isEqualTo(source.toString());
            assertThat(argv).isEmpty();
        } finally {
            run("lxc", "storage", "delete", pool);
        }
    }

    @Test
    void onARemoteDevicesChangeThroughLxcsDeviceVerbsAndTheConfigSecretIsInNoArgv() throws Exception {
        // `local:` is lxc's own name for this daemon's socket: the remote transport against real LXD
        sh("lxc", "config", "set", C, "environment.IT_TOKEN=tok-" + ProcessHandle.current().pid(), "--project", PROJECT);
        List<List<String>> argv = new ArrayList<>();
        io.terrarium.host.exec.CommandRunner real = c -> {
            argv.add(c.argv());
            String out;
            String err;
            int exit;
            try {
                Process p = new ProcessBuilder(c.argv()).redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null"))).start();
                out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
                err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
                exit = p.waitFor();
            } catch (IOException | InterruptedException e) {
                throw new IllegalStateException(e);
            }
            if (exit != 0) {
                throw new io.terrarium.host.exec.CommandFailedException(c, exit, err, false, null);
            }
            return new io.terrarium.host.exec.CommandResult(c, exit, out, err, Duration.ZERO);
        };
        LxdInstances remote = new LxdInstances(new LxdClient(real, new ObjectMapper(), "local", Duration.ofSeconds(60)), PROJECT);
        Map<String, String> dev = Map.of("type", "proxy", "listen", "tcp:127.0.0.1:18997", "connect", "tcp:127.0.0.1:80", "bind", "host");
        remote.putDevices(C, Map.of("terrarium-proxy-tcp-80", dev));
        remote.putDevices(C, Map.of("terrarium-proxy-tcp-80", Map.of("type", "proxy", "listen", "tcp:127.0.0.1:18998",
                "connect", "tcp:127.0.0.1:80", "bind", "host")));
        assertThat(lxd.get(path()).path("devices").path("terrarium-proxy-tcp-80").path("listen").asText()).isEqualTo("tcp:127.0.0.1:18998");
        remote.removeDevices(C, Set.of("terrarium-proxy-tcp-80"));
        JsonNode after = lxd.get(path());
        assertThat(after.path("devices").has("terrarium-proxy-tcp-80")).isFalse();
        assertThat(after.path("config").path("environment.IT_TOKEN").asText()).startsWith("tok-");
        assertThat(argv).isNotEmpty().allSatisfy(a -> assertThat(String.join(" ", a)).doesNotContain("--data", "tok-", "environment."));
    }

    private static int launch(List<String> launcher, Map<String, String> env, String... args) throws Exception {
        List<String> argv = new ArrayList<>(launcher);
        argv.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(argv).redirectErrorStream(true);
        pb.environment().putAll(env);
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(120, TimeUnit.SECONDS)).isTrue();
        if (p.exitValue() != 0) {
            System.err.println(out);
        }
        return p.exitValue();
    }

    private static String sh(String... argv) throws IOException, InterruptedException {
        // stdin from /dev/null: `lxc init` reads a YAML config from a stdin that is not a terminal
        Process p = new ProcessBuilder(argv).redirectErrorStream(true)
                .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null"))).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (p.waitFor() != 0) {
            throw new IllegalStateException(String.join(" ", argv) + " failed: " + out);
        }
        return out;
    }

    private static void run(String... argv) throws IOException, InterruptedException {
        new ProcessBuilder(argv).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD)
                .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null"))).start().waitFor();
    }
}
