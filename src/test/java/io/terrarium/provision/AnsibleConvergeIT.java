package io.terrarium.provision;

import io.terrarium.testing.DebianContainers;
import io.terrarium.testing.DebianContainers.Result;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The roles that can run on this machine (base, hardening, backups, terrarium) applied for real,
 * through Ansible's LXD connection, to a throwaway Debian 12 system container (debootstrap image
 * with systemd, {@code scripts/debian-container-image.sh}) with the packaged release installed under
 * /opt/terrarium: a converge, a second run that must change nothing, then checks of the real state
 * (sshd's effective settings and a password login refused over SSH, UFW's rules, sanoid, the daemon
 * unit enabled and verified by systemd). The other roles (zfs, lxd, traefik, idp, oauth2_proxy)
 * need kernel ZFS, OVN or downloaded binaries and run in check mode in {@link AnsibleIT}.
 */
class AnsibleConvergeIT {
    static final Path ANSIBLE = Path.of("ansible").toAbsolutePath();
    static final Path DIST = Path.of("target/dist").toAbsolutePath();
    static final String PROJECT = "default";
    static final List<String> TAGS = List.of("base", "hardening", "backups", "terrarium");
    static final Pattern RECAP = Pattern.compile("ok=(\\d+)\\s+changed=(\\d+)\\s+unreachable=(\\d+)\\s+failed=(\\d+)");

    static String name;
    static Path tmp;
    static Result first;
    static Result second;

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

        // no LXD inside, so the daemon is enabled but not started (its config check would fail)
        Path vars = tmp.resolve("state.json");
        Files.writeString(vars, "{\"terrarium_service_started\": false}\n", StandardCharsets.UTF_8);
        long t0 = System.nanoTime();
        first = playbook(vars);
        long t1 = System.nanoTime();
        second = playbook(vars);
        long t2 = System.nanoTime();
        System.out.printf("converge timings: boot+setup %.1f s, first run %.1f s, second run %.1f s%n",
                (t0 - start) / 1e9, (t1 - t0) / 1e9, (t2 - t1) / 1e9);
    }

    static Result playbook(Path vars) {
        List<String> argv = new ArrayList<>(List.of("env", "ANSIBLE_NOCOLOR=1", "ANSIBLE_CONFIG=" + ANSIBLE.resolve("ansible.cfg"),
                "ANSIBLE_ROLES_PATH=" + ANSIBLE.resolve("roles"), "ANSIBLE_LOCAL_TEMP=" + tmp.resolve(".ansible-tmp"),
                "ansible-playbook", "-i", name + ",", "-c", "community.general.lxd",
                "--tags", String.join(",", TAGS), "-e", "@" + vars, ANSIBLE.resolve("site.yml").toString()));
        return DebianContainers.run(Duration.ofMinutes(15), argv);
    }

    @AfterAll
    static void deleteContainer() {
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
        assertThat(first.out()).doesNotContainPattern("TASK \\[(zfs|lxd|traefik|idp|oauth2_proxy) : (?!Validating arguments)");
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
