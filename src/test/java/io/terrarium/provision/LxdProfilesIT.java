package io.terrarium.provision;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
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
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The lxd role's managed profiles (ansible/roles/lxd/vars/main.yml, applied by its {@code profiles}
 * entry point) on the development host's real LXD, in a throwaway project: applied twice (the second
 * run changes nothing), then Debian 12 system containers with cloud-init (the debootstrap image of
 * {@code scripts/debian-container-image.sh}) on {@code default}, {@code strict} and {@code dev} show
 * what each profile promises: nesting, isolated idmaps, the locked {@code terrarium} user and who
 * may use sudo.
 */
class LxdProfilesIT {
    static final Path ANSIBLE = Path.of("ansible").toAbsolutePath();
    static final String PROJECT = "terrarium-it-profiles";
    static final List<String> PROFILES = List.of("default", "strict", "dev");

    static Path tmp;
    static Result firstApply;
    static Result secondApply;
    static final Map<String, String> CONTAINERS = Map.of("default", "prof-default", "strict", "prof-strict", "dev", "prof-dev");

    @BeforeAll
    static void applyProfilesAndLaunch() throws Exception {
        String image = DebianContainers.image();
        tmp = Files.createTempDirectory("profiles-it");
        removeProject();
        DebianContainers.ok("lxc", "project", "create", PROJECT, "-c", "features.images=false", "-c", "features.profiles=true",
                "-c", "features.storage.volumes=false", "-c", "features.networks=false");
        Path playbook = tmp.resolve("profiles.yml");
        Files.writeString(playbook, """
                ---
                - name: Apply the managed LXD profiles to a project
                  hosts: localhost
                  connection: local
                  gather_facts: false
                  tasks:
                    - name: Apply the lxd role's profiles
                      ansible.builtin.include_role:
                        name: lxd
                        tasks_from: profiles
                """, StandardCharsets.UTF_8);
        firstApply = apply(playbook);
        secondApply = apply(playbook);
        assertThat(firstApply.exit()).as(firstApply.out()).isZero();
        // launched one after the other: each boot (systemd + cloud-init) is CPU-bound here
        for (String profile : PROFILES) {
            DebianContainers.launch(image, CONTAINERS.get(profile), PROJECT, List.of(profile), Map.of());
        }
    }

    static Result apply(Path playbook) {
        return DebianContainers.run(Duration.ofMinutes(5), List.of("env", "ANSIBLE_NOCOLOR=1",
                "ANSIBLE_ROLES_PATH=" + ANSIBLE.resolve("roles"), "ANSIBLE_LOCAL_TEMP=" + tmp.resolve(".ansible-tmp"),
                "ansible-playbook", "-i", "localhost,", playbook.toString(), "-e", "lxd_project=" + PROJECT));
    }

    @AfterAll
    static void removeProject() {
        for (String c : CONTAINERS.values()) {
            DebianContainers.delete(c, PROJECT);
        }
        for (String p : List.of("terrarium", "strict", "dev", "kvm")) {
            DebianContainers.run(Duration.ofMinutes(1), List.of("lxc", "profile", "delete", p, "--project", PROJECT));
        }
        DebianContainers.run(Duration.ofMinutes(1), List.of("lxc", "project", "delete", PROJECT));
    }

    static String config(String container, String key) {
        return DebianContainers.ok("lxc", "config", "get", container, key, "--project", PROJECT).strip();
    }

    static String expanded(String container, String key) {
        String yaml = DebianContainers.ok("lxc", "config", "show", container, "--expanded", "--project", PROJECT);
        Matcher m = Pattern.compile("(?m)^  " + Pattern.quote(key) + ": \"?([^\"\\n]*)\"?$").matcher(yaml);
        return m.find() ? m.group(1) : "";
    }

    static Result in(String profile, String script) {
        return DebianContainers.sh(CONTAINERS.get(profile), PROJECT, script);
    }

    @Test
    void roleCreatesTheManagedProfilesAndASecondRunChangesNothing() {
        String list = DebianContainers.ok("lxc", "profile", "list", "--project", PROJECT, "--format", "csv");
        Set<String> names = new HashSet<>();
        for (String line : list.strip().split("\n")) {
            names.add(line.split(",")[0]);
        }
        Set<String> expected = new HashSet<>(List.of("default", "terrarium", "strict", "dev"));
        if (Files.exists(Path.of("/dev/kvm"))) {
            expected.add("kvm");
        }
        assertThat(names).isEqualTo(expected);
        assertThat(secondApply.exit()).as(secondApply.out()).isZero();
        assertThat(secondApply.out()).containsPattern("localhost\\s+: ok=\\d+\\s+changed=0\\s+unreachable=0\\s+failed=0");
        // terrarium is default under another name: the same config and devices
        JsonNode def = profile("default");
        JsonNode alias = profile("terrarium");
        assertThat(alias.get("config")).isEqualTo(def.get("config"));
        assertThat(alias.get("devices")).isEqualTo(def.get("devices"));
        // each complete on its own: the network and the root disk
        for (String p : List.of("default", "strict", "dev")) {
            JsonNode devices = profile(p).get("devices");
            assertThat(devices.at("/eth0/network").asText()).as(p).isEqualTo("terrarium-ovn");
            assertThat(devices.at("/root/path").asText()).as(p).isEqualTo("/");
        }
    }

    static JsonNode profile(String name) {
        try {
            return new ObjectMapper().readTree(DebianContainers.ok("lxc", "query", "/1.0/profiles/" + name + "?project=" + PROJECT));
        } catch (java.io.IOException e) {
            throw new IllegalStateException(e);
        }
    }

    @Test
    void nestingIsOnForDefaultAndDevAndOffForStrict() {
        assertThat(expanded(CONTAINERS.get("default"), "security.nesting")).isEqualTo("true");
        assertThat(expanded(CONTAINERS.get("dev"), "security.nesting")).isEqualTo("true");
        assertThat(expanded(CONTAINERS.get("strict"), "security.nesting")).isEqualTo("false");
        for (String profile : PROFILES) {
            assertThat(expanded(CONTAINERS.get(profile), "security.privileged")).isEqualTo("false");
        }
        // what nesting gives a container: LXD's unobstructed proc and sys for nested runtimes
        assertThat(in("default", "ls /dev/.lxc").out()).isEqualTo("proc\nsys\n");
        assertThat(in("dev", "ls /dev/.lxc").out()).isEqualTo("proc\nsys\n");
        assertThat(in("strict", "test -e /dev/.lxc").exit()).isEqualTo(1);
    }

    @Test
    void everyContainerHasItsOwnIdmap() {
        List<long[]> ranges = new ArrayList<>();
        Pattern uid = Pattern.compile("\\{\"Isuid\":true,\"Isgid\":(?:true|false),\"Hostid\":(\\d+),\"Nsid\":0,\"Maprange\":(\\d+)\\}");
        for (String profile : PROFILES) {
            String c = CONTAINERS.get(profile);
            assertThat(expanded(c, "security.idmap.isolated")).isEqualTo("true");
            String map = config(c, "volatile.idmap.current");
            Matcher m = uid.matcher(map);
            assertThat(m.find()).as(map).isTrue();
            ranges.add(new long[]{Long.parseLong(m.group(1)), Long.parseLong(m.group(2))});
            // root inside is that host uid outside
            String hostUid = DebianContainers.ok("sh", "-c", "lxc exec " + c + " --project " + PROJECT
                    + " -- cat /proc/self/uid_map").strip().split("\\s+")[1];
            assertThat(Long.parseLong(hostUid)).isEqualTo(ranges.get(ranges.size() - 1)[0]);
        }
        for (int i = 0; i < ranges.size(); i++) {
            for (int j = i + 1; j < ranges.size(); j++) {
                long[] a = ranges.get(i);
                long[] b = ranges.get(j);
                assertThat(a[0] + a[1] <= b[0] || b[0] + b[1] <= a[0])
                        .as("uid ranges %d+%d and %d+%d overlap", a[0], a[1], b[0], b[1]).isTrue();
            }
        }
    }

    @Test
    void cloudInitCreatesALockedTerrariumUser() {
        for (String profile : PROFILES) {
            Result id = in(profile, "id -un terrarium && getent passwd terrarium | cut -d: -f7 && passwd -S terrarium | cut -d' ' -f2");
            assertThat(id.exit()).as(profile + ": " + id.out()).isZero();
            assertThat(id.out()).as(profile).isEqualTo("terrarium\n/bin/bash\nL\n");
        }
    }

    @Test
    void terrariumHasNoSudoOnDefaultAndStrict() {
        for (String profile : List.of("default", "strict")) {
            Result sudo = in(profile, "runuser -u terrarium -- sudo -n true");
            assertThat(sudo.exit()).as(profile + ": " + sudo.out()).isNotZero();
            assertThat(sudo.out()).as(profile).contains("a password is required");
            assertThat(in(profile, "sudo -l -U terrarium").out()).as(profile).contains("is not allowed to run sudo");
        }
    }

    @Test
    void terrariumHasPasswordlessSudoOnDev() {
        Result sudo = in("dev", "runuser -u terrarium -- sudo -n id -un");
        assertThat(sudo.exit()).as(sudo.out()).isZero();
        assertThat(sudo.out().strip()).isEqualTo("root");
    }
}
