package io.terrarium.cli;

import io.terrarium.App;
import io.terrarium.config.TerrariumPaths;
import io.terrarium.testing.FakeLxdInstances;
import io.terrarium.testing.FakeLxdProjects;
import io.terrarium.testing.RecordingCommandRunner;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Issue 14 item 8, as a new user tried it: a change stored with {@code --no-apply} must not reach
 * Traefik at the next proxy sync (only {@code reconfigure} applies it), and turning DNS-01 off —
 * which withdraws every wildcard route — names the routes and is refused without {@code --yes}
 * (no terminal in tests), storing nothing.
 */
class SetNoApplyTest {
    @TempDir
    Path dir;

    private final FakeLxdProjects projects = new FakeLxdProjects();
    private final FakeLxdInstances instances = new FakeLxdInstances();
    private RecordingCommandRunner runner;
    private Path playbook;
    private Path fakeAnsible;
    private Path dynamic;

    private record Run(int exit, String out, String err) {
    }

    @BeforeEach
    void setUp() throws Exception {
        instances.add("web", true, "2026-12-01T10:00:00Z", "https://*.apps.example.com,https://www.example.com");
        runner = new RecordingCommandRunner(c -> c.executable().equals("lxc")
                && c.args().get(c.args().size() - 1).startsWith("/1.0/instances") ? instances.apply(c) : projects.apply(c));
        playbook = Files.createDirectories(dir.resolve("release/ansible")).resolve("site.yml");
        Files.writeString(playbook, "---\n");
        fakeAnsible = dir.resolve("ansible-playbook");
        Files.writeString(fakeAnsible, "#!/bin/sh\necho 'PLAY RECAP'\n");
        Files.setPosixFilePermissions(fakeAnsible, PosixFilePermissions.fromString("rwxr-xr-x"));
        dynamic = dir.resolve("traefik/dynamic/t.yml");
        Path config = dir.resolve("config.yaml");
        Files.writeString(config, "version: 1\ndomains:\n  base: example.com\ndns:\n  provider: cloudflare\nproxy:\n  dynamic_file: " + dynamic
                + "\n  static_file: " + dir.resolve("traefik/traefik.yml") + "\n  reload_command: []\n  ufw: false\n"
                + "  wildcard_bases: [apps.example.com]\n");
        assertThat(run("config", "import", "--file", config.toString()).exit()).isZero();
    }

    private boolean pending() {
        App app = app();
        return app.appliedConfig().pending(app.configStore().load().config());
    }

    private App app() {
        return new App(TerrariumPaths.from(Map.of("TERRARIUM_ETC_DIR", dir.resolve("etc").toString(),
                "TERRARIUM_SECRETS_DIR", dir.resolve("etc/secrets").toString(),
                "TERRARIUM_RUN_DIR", dir.resolve("run").toString(), "TERRARIUM_STATE_DIR", dir.resolve("state").toString())), runner);
    }

    private Run run(String... args) {
        App app = new App(TerrariumPaths.from(Map.of("TERRARIUM_ETC_DIR", dir.resolve("etc").toString(),
                "TERRARIUM_SECRETS_DIR", dir.resolve("etc/secrets").toString(),
                "TERRARIUM_RUN_DIR", dir.resolve("run").toString(), "TERRARIUM_STATE_DIR", dir.resolve("state").toString())), runner);
        CommandLine cl = TerrariumCommand.commandLine(app);
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        cl.setOut(new PrintWriter(out));
        cl.setErr(new PrintWriter(err));
        return new Run(cl.execute(args), out.toString(), err.toString());
    }

    private String storedYaml() {
        String b64 = projects.projects.get("terrarium-system").get("user.terrarium.config_b64");
        return new String(java.util.Base64.getDecoder().decode(b64), StandardCharsets.UTF_8);
    }

    @Test
    void turningDnsOffNamesTheWithdrawnWildcardRouteAndStoresNothingWithoutYes() throws Exception {
        String before = storedYaml();
        Run r = run("set", "dns", "provider", "--no-apply");
        assertThat(r.exit()).as(r.err()).isEqualTo(2);
        // the planner withdraws the whole label of an instance with a route it refuses, so both are named
        assertThat(r.err()).contains("this change withdraws 2 published route(s) at the next `terrariumctl reconfigure`:\n"
                        + "  instance \"web\": https://*.apps.example.com\n  instance \"web\": https://www.example.com\n")
                .contains("ERROR: refusing to withdraw 2 route(s) without confirmation: no terminal to ask on; nothing stored."
                        + " Repeat with --yes to store it");
        assertThat(storedYaml()).isEqualTo(before);
    }

    @Test
    void aChangeStoredWithNoApplyReachesTraefikOnlyAtReconfigure() throws Exception {
        Run sync = run("proxy", "sync");
        assertThat(sync.exit()).as(sync.out() + sync.err()).isZero();
        assertThat(Files.readString(dynamic)).contains("apps.example.com").contains("www.example.com");

        Run off = run("set", "dns", "provider", "--no-apply", "--yes");
        assertThat(off.exit()).as(off.err()).isZero();
        assertThat(off.out()).contains("stored only (--no-apply): nothing reaches Traefik or Ansible until `terrariumctl reconfigure`");
        assertThat(storedYaml()).doesNotContain("provider: cloudflare");
        assertThat(Files.readString(dir.resolve("state/applied-config.yaml"))).contains("provider: cloudflare");
        assertThat(Files.getPosixFilePermissions(dir.resolve("state/applied-config.yaml")))
                .isEqualTo(PosixFilePermissions.fromString("rw-------"));

        assertThat(pending()).as("`status` warns: changes stored with --no-apply, not applied yet").isTrue();
        // the next proxy sync (the daemon's every minute, or the CLI) still renders the applied document
        Run again = run("proxy", "sync");
        assertThat(again.exit()).as(again.out() + again.err()).isZero();
        assertThat(Files.readString(dynamic)).contains("apps.example.com");

        Run apply = run("reconfigure", "--playbook", playbook.toString(), "--ansible-playbook", fakeAnsible.toString());
        assertThat(apply.exit()).as(apply.out() + apply.err()).isEqualTo(1);
        assertThat(Files.readString(dir.resolve("state/applied-config.yaml"))).doesNotContain("provider: cloudflare");
        assertThat(apply.out()).contains("proxy-sync: FAILED");
        // DNS-01 off: the wildcard route is refused, and the planner withdraws that instance's whole label
        assertThat(Files.readString(dynamic)).doesNotContain("apps.example.com").doesNotContain("www.example.com");
        assertThat(storedYaml()).contains("wildcard_bases:").contains("apps.example.com");
        assertThat(pending()).isFalse();
    }
}
