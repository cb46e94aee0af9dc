package io.terrarium.provision;

import com.sun.net.httpserver.HttpServer;
import io.terrarium.testing.DebianContainers;
import io.terrarium.testing.DebianContainers.Result;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The roles that can run on this machine (base, hardening, oauth2_proxy, backups, terrarium) applied for real,
 * through Ansible's LXD connection, to a throwaway Debian 12 system container (debootstrap image
 * with systemd, {@code scripts/debian-container-image.sh}) with the packaged release installed under
 * /opt/terrarium: a converge, a second run that must change nothing, then checks of the real state
 * (sshd's effective settings and a password login refused over SSH, UFW's rules, sanoid, the daemon
 * unit enabled and verified by systemd, both oauth2-proxy gates running). The other roles (zfs, lxd,
 * traefik, idp) need kernel ZFS, OVN or downloaded binaries and run in check mode in {@link AnsibleIT}.
 *
 * <p>oauth2-proxy cannot be downloaded here, so the role's {@code oauth2_proxy_release_url} points at
 * an HTTP server of this test on the LXD bridge's host address, serving a stand-in release: a
 * tarball laid out like oauth2-proxy's ({@code oauth2-proxy-v<version>.linux-<arch>/oauth2-proxy})
 * and its {@code <archive>-sha256sum.txt}, which the role's own checksum setting verifies. The
 * stand-in {@code oauth2-proxy} ({@link #STAND_IN}) does what the units rely on: reads
 * {@code --config=<file>}, refuses to start without {@code OAUTH2_PROXY_COOKIE_SECRET} of 16, 24 or
 * 32 bytes or without a readable {@code client_secret_file} (oauth2-proxy's option validation), and
 * answers {@code GET /ping} with 200 on {@code http_address} (oauth2-proxy's health endpoint,
 * "Endpoints" page of its docs).
 */
class AnsibleConvergeIT {
    static final Path ANSIBLE = Path.of("ansible").toAbsolutePath();
    static final Path DIST = Path.of("target/dist").toAbsolutePath();
    static final String PROJECT = "default";
    static final List<String> TAGS = List.of("base", "hardening", "oauth2_proxy", "backups", "terrarium");
    static final String GATE_VERSION = "0.0.0-it";
    static final List<String> GATES = List.of("oauth2-proxy", "oauth2-proxy-tenant");
    /** The stand-in oauth2-proxy (see the class comment). */
    static final String STAND_IN = """
            #!/usr/bin/python3
            # Stand-in for oauth2-proxy in AnsibleConvergeIT (not the real program).
            import http.server, os, re, sys
            cfg = [a.split("=", 1)[1] for a in sys.argv[1:] if a.startswith("--config=")]
            if not cfg:
                sys.exit("oauth2-proxy stand-in: --config=<file> is required")
            text = open(cfg[0]).read()
            def opt(name):
                m = re.search(r'^' + name + r'[ ]*=[ ]*"([^"]*)"', text, re.M)
                return m.group(1) if m else None
            secret = os.environ.get("OAUTH2_PROXY_COOKIE_SECRET", "")
            if len(secret.encode()) not in (16, 24, 32):
                sys.exit("cookie_secret must be 16, 24, or 32 bytes to create an AES cipher")
            open(opt("client_secret_file")).read()
            host, port = opt("http_address").rsplit(":", 1)
            class Handler(http.server.BaseHTTPRequestHandler):
                def do_GET(self):
                    ok = self.path == "/ping"
                    body = b"OK" if ok else b"not found"
                    self.send_response(200 if ok else 404)
                    self.send_header("Content-Length", str(len(body)))
                    self.end_headers()
                    self.wfile.write(body)
            http.server.HTTPServer((host, int(port)), Handler).serve_forever()
            """;
    static final Pattern RECAP = Pattern.compile("ok=(\\d+)\\s+changed=(\\d+)\\s+unreachable=(\\d+)\\s+failed=(\\d+)");

    static String name;
    static Path tmp;
    static Result first;
    static Result second;
    static String secretsAfterFirst;
    static HttpServer releases;
    static final AtomicInteger archiveDownloads = new AtomicInteger();

    @BeforeAll
    static void converge() throws Exception {
        assertThat(DIST.resolve("bin/terrariumctl")).as("ITs run after mvn package").isExecutable();
        long start = System.nanoTime();
        String image = DebianContainers.image();
        tmp = Files.createTempDirectory("converge-it");
        name = DebianContainers.name("terrarium-it-converge");
        // systemd inside an unprivileged LXD 5.0 container needs nesting (its own mounts and cgroups)
        DebianContainers.launch(image, name, PROJECT, List.of(), Map.of("security.nesting", "true"));

        // the operator's key: the hardening role refuses to turn password logins off without one
        DebianContainers.ok("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", tmp.resolve("id").toString());
        DebianContainers.ok("lxc", "exec", name, "--", "install", "-d", "-m", "0700", "/root/.ssh");
        DebianContainers.ok("lxc", "file", "push", "-q", "--mode", "0600", tmp.resolve("id.pub").toString(),
                name + "/root/.ssh/authorized_keys");

        // the release as install.sh lays it out: /opt/terrarium/current and /usr/local/bin/terrariumctl
        Path release = DIST.toRealPath();
        String dir = release.getFileName().toString();
        String version = dir.substring("terrarium-".length());
        DebianContainers.ok("lxc", "exec", name, "--", "mkdir", "-p", "/opt/terrarium/releases");
        DebianContainers.ok("lxc", "file", "push", "-q", "-r", release.toString(), name + "/opt/terrarium/releases/");
        DebianContainers.ok("lxc", "exec", name, "--", "sh", "-c",
                "mv /opt/terrarium/releases/" + dir + " /opt/terrarium/releases/" + version
                        + " && ln -sfn releases/" + version + " /opt/terrarium/current"
                        + " && ln -sfn /opt/terrarium/current/bin/terrariumctl /usr/local/bin/terrariumctl");

        // the OIDC client secret the operator (or the idp role) puts in place; the gates read it as a credential
        DebianContainers.ok("lxc", "exec", name, "--", "sh", "-c", "install -d -m 0700 /etc/terrarium/secrets"
                + " && umask 077 && echo it-client-secret > /etc/terrarium/secrets/oidc-client-secret");
        String releaseUrl = serveStandInRelease();

        // no LXD inside, so the daemon is enabled but not started (its config check would fail)
        Path vars = tmp.resolve("state.json");
        Files.writeString(vars, "{\"terrarium_service_started\": false, \"oauth2_proxy_version\": \"" + GATE_VERSION
                + "\", \"oauth2_proxy_release_url\": \"" + releaseUrl + "\"}\n", StandardCharsets.UTF_8);
        long t0 = System.nanoTime();
        first = playbook(vars);
        secretsAfterFirst = in("sha256sum /etc/terrarium/secrets/oauth2-proxy.env /etc/terrarium/secrets/oauth2-proxy-tenant.env").out();
        long t1 = System.nanoTime();
        second = playbook(vars);
        long t2 = System.nanoTime();
        System.out.printf("converge timings: boot+setup %.1f s, first run %.1f s, second run %.1f s%n",
                (t0 - start) / 1e9, (t1 - t0) / 1e9, (t2 - t1) / 1e9);
        System.out.println("time per role, first run: " + roleTimes(first) + "; second run: " + roleTimes(second));
    }

    /**
     * Builds the stand-in release and serves it on the container's default gateway (this host's
     * address on the LXD bridge), port chosen by the kernel.
     *
     * @return the release directory URL for {@code oauth2_proxy_release_url}
     */
    static String serveStandInRelease() throws Exception {
        String arch = switch (System.getProperty("os.arch")) {
            case "aarch64" -> "arm64";
            default -> "amd64";
        };
        String top = "oauth2-proxy-v" + GATE_VERSION + ".linux-" + arch;
        String archive = top + ".tar.gz";
        Path pkg = Files.createDirectories(tmp.resolve("release").resolve(top));
        Path bin = pkg.resolve("oauth2-proxy");
        Files.writeString(bin, STAND_IN, StandardCharsets.UTF_8);
        Files.setPosixFilePermissions(bin, PosixFilePermissions.fromString("rwxr-xr-x"));
        Path tarball = tmp.resolve(archive);
        DebianContainers.ok("tar", "-C", tmp.resolve("release").toString(), "--owner=0", "--group=0", "-czf", tarball.toString(), top);
        byte[] bytes = Files.readAllBytes(tarball);
        String sum = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes)) + "  " + archive + "\n";

        address(); // the container has its lease, so its default route is up
        Matcher gw = Pattern.compile("default via (\\d+\\.\\d+\\.\\d+\\.\\d+)").matcher(in("ip -4 route show default").out());
        assertThat(gw.find()).as("the container's default gateway").isTrue();
        releases = HttpServer.create(new InetSocketAddress(gw.group(1), 0), 0);
        releases.createContext("/v" + GATE_VERSION + "/", exchange -> {
            String file = exchange.getRequestURI().getPath().substring(("/v" + GATE_VERSION + "/").length());
            byte[] body = file.equals(archive) ? bytes : file.equals(archive + "-sha256sum.txt") ? sum.getBytes(StandardCharsets.UTF_8) : null;
            if (file.equals(archive)) {
                archiveDownloads.incrementAndGet();
            }
            if (body == null) {
                exchange.sendResponseHeaders(404, -1);
            } else {
                exchange.sendResponseHeaders(200, body.length);
                exchange.getResponseBody().write(body);
            }
            exchange.close();
        });
        releases.start();
        return "http://" + gw.group(1) + ":" + releases.getAddress().getPort() + "/v" + GATE_VERSION;
    }

    static Result playbook(Path vars) {
        List<String> argv = new ArrayList<>(List.of("env", "ANSIBLE_NOCOLOR=1", "ANSIBLE_CONFIG=" + ANSIBLE.resolve("ansible.cfg"),
                "ANSIBLE_CALLBACKS_ENABLED=ansible.posix.profile_roles",
                "ANSIBLE_ROLES_PATH=" + ANSIBLE.resolve("roles"), "ANSIBLE_LOCAL_TEMP=" + tmp.resolve(".ansible-tmp"),
                "ansible-playbook", "-i", name + ",", "-c", "community.general.lxd",
                "--tags", String.join(",", TAGS), "-e", "@" + vars, ANSIBLE.resolve("site.yml").toString()));
        return DebianContainers.run(Duration.ofMinutes(15), argv);
    }

    /** The per-role times that Ansible's {@code profile_roles} callback prints after the recap, e.g. {@code base 20.1s}. */
    static String roleTimes(Result r) {
        Matcher m = Pattern.compile("(?m)^(\\w+) -+ (\\d+\\.\\d+s)$").matcher(r.out());
        List<String> times = new ArrayList<>();
        while (m.find()) {
            times.add(m.group(1) + " " + m.group(2));
        }
        return String.join(", ", times);
    }

    @AfterAll
    static void deleteContainer() {
        if (releases != null) {
            releases.stop(0);
        }
        if (name != null) {
            DebianContainers.delete(name, PROJECT);
        }
    }

    static int[] recap(Result r) {
        Matcher m = RECAP.matcher(r.out().substring(r.out().lastIndexOf("PLAY RECAP")));
        assertThat(m.find()).as(r.out()).isTrue();
        return new int[]{Integer.parseInt(m.group(1)), Integer.parseInt(m.group(2)),
                Integer.parseInt(m.group(3)), Integer.parseInt(m.group(4))};
    }

    static Result in(String script) {
        return DebianContainers.sh(name, PROJECT, script);
    }

    @Test
    void convergeAppliesEveryRoleThatRunsHere() {
        assertThat(first.exit()).as(first.out()).isZero();
        int[] r = recap(first);
        assertThat(r[1]).as("changed on the first run\n" + first.out()).isPositive();
        assertThat(r[2] + r[3]).as(first.out()).isZero();
        for (String role : TAGS) {
            assertThat(first.out()).contains("TASK [" + role + " : ");
        }
        // of the other roles only the argument validation (tagged always) runs
        assertThat(first.out()).doesNotContainPattern("TASK \\[(zfs|lxd|traefik|idp) : (?!Validating arguments)");
    }

    /** Found by this test: systemd-timesyncd cannot start in a container, so "started" changed every run. */
    @Test
    void secondRunChangesNothing() {
        assertThat(second.exit()).as(second.out()).isZero();
        int[] r = recap(second);
        assertThat(r[1]).as("changed on the second run\n" + second.out()).isZero();
        assertThat(r[3]).isZero();
        assertThat(second.out()).doesNotContain("changed: [");
    }

    @Test
    void bothGatesRunUnderSystemdAsTheirOwnUserAndAnswerOnTheirOwnPorts() {
        for (String unit : GATES) {
            assertThat(in("systemctl is-enabled " + unit).out().strip()).as(unit).isEqualTo("enabled");
            assertThat(in("systemctl is-active " + unit).out().strip()).as(unit + "\n" + in("journalctl -u " + unit + " -n 20").out())
                    .isEqualTo("active");
            assertThat(in("ps -o user= -p \"$(systemctl show -p MainPID --value " + unit + ")\"").out().strip()).as(unit)
                    .isEqualTo("oauth2-proxy");
        }
        for (int port : List.of(4180, 4181)) {
            Result ping = in("python3 -c 'import urllib.request; print(urllib.request.urlopen(\"http://127.0.0.1:" + port
                    + "/ping\", timeout=5).read().decode())'");
            assertThat(ping.out().strip()).as(port + ": " + ping.out()).isEqualTo("OK");
        }
        // the stand-in came from the served release, checksum-verified, downloaded once in two runs
        assertThat(in("readlink -f /usr/local/bin/oauth2-proxy").out().strip())
                .isEqualTo("/usr/local/lib/oauth2-proxy/" + GATE_VERSION + "/oauth2-proxy");
        assertThat(archiveDownloads.get()).isEqualTo(1);
    }

    @Test
    void gateFilesHaveTheirDesignedOwnersAndModesAndTheCookieSecretsAreMadeOnce() {
        // configurations hold no secret (0644); the cookie secrets are root-only environment files
        assertThat(in("stat -c '%a %U %G %n' /etc/oauth2-proxy/oauth2-proxy.cfg /etc/oauth2-proxy/oauth2-proxy-tenant.cfg"
                + " /etc/terrarium/secrets/oauth2-proxy.env /etc/terrarium/secrets/oauth2-proxy-tenant.env").out())
                .isEqualTo("644 root root /etc/oauth2-proxy/oauth2-proxy.cfg\n644 root root /etc/oauth2-proxy/oauth2-proxy-tenant.cfg\n"
                        + "600 root root /etc/terrarium/secrets/oauth2-proxy.env\n600 root root /etc/terrarium/secrets/oauth2-proxy-tenant.env\n");
        assertThat(in("grep -c cookie_secret /etc/oauth2-proxy/oauth2-proxy.cfg /etc/oauth2-proxy/oauth2-proxy-tenant.cfg").out())
                .contains("oauth2-proxy.cfg:0", "oauth2-proxy-tenant.cfg:0");
        String now = in("sha256sum /etc/terrarium/secrets/oauth2-proxy.env /etc/terrarium/secrets/oauth2-proxy-tenant.env").out();
        assertThat(now).isEqualTo(secretsAfterFirst);
        String[] sums = now.strip().split("\n");
        assertThat(sums).hasSize(2);
        assertThat(sums[0].split(" ")[0]).as("each gate has its own secret").isNotEqualTo(sums[1].split(" ")[0]);
        assertThat(in("grep -c '^OAUTH2_PROXY_COOKIE_SECRET=[0-9a-f]\\{32\\}$' /etc/terrarium/secrets/oauth2-proxy.env").out().strip())
                .isEqualTo("1");
    }

    @Test
    void timeSyncIsEnabledAndLeftToTheHostInsideAContainer() {
        assertThat(in("systemctl is-enabled systemd-timesyncd").out().strip()).isEqualTo("enabled");
        assertThat(in("systemd-detect-virt --container").out().strip()).isEqualTo("lxc");
        assertThat(in("systemctl show -p ConditionResult --value systemd-timesyncd").out().strip()).isEqualTo("no");
    }

    @Test
    void sshdOnlyAcceptsKeysAndRootOnlyWithAKey() {
        Result t = in("sshd -T");
        assertThat(t.exit()).as(t.out()).isZero();
        assertThat(t.out()).contains("passwordauthentication no\n", "kbdinteractiveauthentication no\n",
                "permitrootlogin without-password\n", "permitemptypasswords no\n", "maxauthtries 3\n", "x11forwarding no\n");
        assertThat(in("systemctl is-active ssh").out().strip()).isEqualTo("active");
    }

    @Test
    void sshOffersOnlyPublicKeyAndTheOperatorsKeyLogsIn() {
        String address = address();
        List<String> ssh = List.of("ssh", "-o", "BatchMode=yes", "-o", "StrictHostKeyChecking=no", "-o",
                "UserKnownHostsFile=/dev/null", "-o", "ConnectTimeout=10");
        List<String> password = new ArrayList<>(ssh);
        password.addAll(List.of("-o", "PreferredAuthentications=password,keyboard-interactive", "-o", "PubkeyAuthentication=no",
                "root@" + address, "true"));
        Result refused = DebianContainers.run(Duration.ofMinutes(1), password);
        assertThat(refused.exit()).as(refused.out()).isEqualTo(255);
        assertThat(refused.out()).contains("Permission denied (publickey).");
        List<String> key = new ArrayList<>(ssh);
        key.addAll(List.of("-i", tmp.resolve("id").toString(), "root@" + address, "echo", "in-by-key"));
        Result in = DebianContainers.run(Duration.ofMinutes(1), key);
        assertThat(in.exit()).as(in.out()).isZero();
        assertThat(in.out()).contains("in-by-key");
    }

    @Test
    void ufwDeniesIncomingExceptSshHttpAndHttps() {
        Result s = in("ufw status verbose");
        assertThat(s.exit()).as(s.out()).isZero();
        assertThat(s.out()).contains("Status: active", "Default: deny (incoming)");
        for (int port : List.of(22, 80, 443)) {
            assertThat(s.out()).containsPattern("(?m)^" + port + "/tcp\\s+ALLOW IN\\s+Anywhere\\s+# terrarium-base$");
        }
        // the rules are in the kernel, not only in UFW's files
        Result rules = in("iptables -S ufw-user-input");
        assertThat(rules.exit()).as(rules.out()).isZero();
        assertThat(rules.out()).contains("--dport 22 -j ACCEPT", "--dport 80 -j ACCEPT", "--dport 443 -j ACCEPT");
    }

    @Test
    void backupsRoleLeavesSanoidToTheDaemonAndMakesTheSyncoidKey() {
        assertThat(in("sanoid --version").out()).contains("sanoid");
        assertThat(in("stat -c '%a %U' /etc/sanoid").out().strip()).isEqualTo("755 root");
        assertThat(in("systemctl is-enabled sanoid.timer").out().strip()).isEqualTo("disabled");
        assertThat(in("stat -c '%a %U' /etc/terrarium/secrets/syncoid_ed25519 /etc/terrarium/secrets").out())
                .isEqualTo("600 root\n700 root\n");
        assertThat(in("ssh-keygen -l -f /etc/terrarium/secrets/syncoid_ed25519.pub").out()).contains("(ED25519)");
    }

    @Test
    void daemonUnitIsEnabledAndValid() {
        assertThat(in("systemctl is-enabled terrarium.service").out().strip()).isEqualTo("enabled");
        Result verify = in("systemd-analyze verify terrarium.service");
        assertThat(verify.exit()).as(verify.out()).isZero();
        assertThat(in("systemctl show -p NoNewPrivileges -p PrivateTmp -p ProtectSystem terrarium.service").out())
                .contains("NoNewPrivileges=yes", "PrivateTmp=yes", "ProtectSystem=strict");
        Result version = in("terrariumctl --version");
        assertThat(version.exit()).as(version.out()).isZero();
    }

    /**
     * Issue 16 item 4: the terrarium role records the daemon's own AppCDS archive in the release
     * (the unit cannot write it) before the daemon is started, once: the second run finds it up to date.
     */
    @Test
    void terrariumRoleRecordsTheDaemonsClassDataArchiveOnce() {
        // the task header, profile_tasks' timing line, then the task's result
        assertThat(first.out()).containsPattern("TASK \\[terrarium : Record the daemon's class-data archive[^\\n]*\\n(?:[^\\n]*\\n)?changed: ");
        assertThat(second.out()).containsPattern("TASK \\[terrarium : Record the daemon's class-data archive[^\\n]*\\n(?:[^\\n]*\\n)?ok: ");
        Result files = in("cd /opt/terrarium/current/lib/cds && ls daemon-*.jsa daemon-*.jsa.sum && f=$(ls daemon-*.jsa) && cksum < \"$f\" | cmp - \"$f.sum\"");
        assertThat(files.exit()).as(files.out()).isZero();
        Result again = in("terrariumctl daemon --train-cds");
        assertThat(again.out()).as(again.out()).startsWith("daemon CDS archive up to date: /opt/terrarium/releases/");
    }

    @Test
    void baseRoleInstalledThePackagesAndUnattendedUpgrades() {
        assertThat(in("dpkg-query -W -f '${Status}\\n' openjdk-17-jre-headless jq zstd unattended-upgrades").out())
                .isEqualTo("install ok installed\n".repeat(4));
        assertThat(in("cat /etc/apt/apt.conf.d/20auto-upgrades").out())
                .contains("APT::Periodic::Update-Package-Lists \"1\";", "APT::Periodic::Unattended-Upgrade \"1\";");
    }

    static String address() {
        for (int i = 0; i < 30; i++) {
            String out = in("ip -4 -o addr show dev eth0").out();
            Matcher m = Pattern.compile("inet (\\d+\\.\\d+\\.\\d+\\.\\d+)/").matcher(out);
            if (m.find()) {
                return m.group(1);
            }
            try {
                Thread.sleep(1000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
        }
        throw new IllegalStateException(name + " got no IPv4 address on eth0");
    }
}
