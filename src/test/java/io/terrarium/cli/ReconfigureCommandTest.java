package io.terrarium.cli;

import io.terrarium.App;
import io.terrarium.config.TerrariumPaths;
import io.terrarium.testing.FakeLxdProjects;
import io.terrarium.testing.RecordingCommandRunner;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code terrariumctl reconfigure}: state file, the ansible-playbook argv (a stand-in executable
 * records it and prints lines that must be streamed through), then the proxy sync (LXD faked by
 * the recording runner).
 */
class ReconfigureCommandTest {
    @TempDir
    Path dir;

    private final FakeLxdProjects projects = new FakeLxdProjects();
    private RecordingCommandRunner runner;
    private Path playbook;
    private Path fakeAnsible;

    private record Run(int exit, String out, String err) {
    }

    @BeforeEach
    void setUp() throws Exception {
        runner = new RecordingCommandRunner(c -> c.args().get(c.args().size() - 1).startsWith("/1.0/instances")
                ? RecordingCommandRunner.Reply.ok("[]") : projects.apply(c));
        playbook = Files.createDirectories(dir.resolve("release/ansible")).resolve("site.yml");
        Files.writeString(playbook, "---\n");
        fakeAnsible = dir.resolve("ansible-playbook");
        Files.writeString(fakeAnsible, "#!/bin/sh\nprintf '%s\\n' \"$@\" > \"" + dir.resolve("argv.txt") + "\"\n"
                + "cp \"${7#@}\" \"" + dir.resolve("seen-state.json") + "\"\n"
                + "echo 'PLAY RECAP'\necho 'localhost : ok=3 changed=0'\nexit ${FAKE_EXIT:-0}\n");
        Files.setPosixFilePermissions(fakeAnsible, PosixFilePermissions.fromString("rwxr-xr-x"));
        Path config = dir.resolve("config.yaml");
        Files.writeString(config, "version: 1\ndomains:\n  base: example.com\nproxy:\n  dynamic_file: " + dir.resolve("traefik/dynamic/t.yml")
                + "\n  static_file: " + dir.resolve("traefik/traefik.yml") + "\n  reload_command: []\n  ufw: false\n");
        assertThat(run("config", "import", "--file", config.toString()).exit()).isZero();
    }

    private Run run(String... args) {
        App app = new App(TerrariumPaths.from(Map.of("TERRARIUM_ETC_DIR", dir.resolve("etc").toString(),
                "TERRARIUM_RUN_DIR", dir.resolve("run").toString(), "TERRARIUM_STATE_DIR", dir.resolve("state").toString())), runner);
        CommandLine cl = TerrariumCommand.commandLine(app);
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        cl.setOut(new PrintWriter(out));
        cl.setErr(new PrintWriter(err));
        return new Run(cl.execute(args), out.toString(), err.toString());
    }

    @Test
    void rendersTheStateRunsAnsibleWithoutHardeningStreamsItsOutputThenSyncs() throws Exception {
        Run r = run("reconfigure", "--playbook", playbook.toString(), "--ansible-playbook", fakeAnsible.toString());
        assertThat(r.exit()).as(r.err()).isZero();
        Path state = dir.resolve("state/state.json");
        assertThat(Files.readAllLines(dir.resolve("argv.txt"))).containsExactly("-i", "localhost,", "-c", "local",
                playbook.toString(), "-e", "@" + state, "--skip-tags", "hardening");
        assertThat(r.out()).contains("PLAY RECAP\nlocalhost : ok=3 changed=0\n").contains("proxy-sync: OK");
        assertThat(Files.getPosixFilePermissions(state)).isEqualTo(PosixFilePermissions.fromString("rw-------"));
        assertThat(Files.readString(state)).contains("\"oauth2_proxy_tenant_listen\" : \"127.0.0.1:4181\"")
                .contains("\"backups_syncoid_key\" : \"" + dir.resolve("etc/secrets/syncoid_ed25519") + "\"");
        assertThat(runner.calls()).anySatisfy(argv -> assertThat(argv).containsSubsequence("lxc", "query")
                .anySatisfy(a -> assertThat(a).startsWith("/1.0/instances")));
    }

    @Test
    void checkModeUsesATemporaryStateFileAndNeitherWritesStateNorSyncs() throws Exception {
        Run r = run("reconfigure", "--check", "--with-hardening", "--playbook", playbook.toString(),
                "--ansible-playbook", fakeAnsible.toString());
        assertThat(r.exit()).as(r.err()).isZero();
        List<String> argv = Files.readAllLines(dir.resolve("argv.txt"));
        assertThat(argv).endsWith("--check", "--diff").doesNotContain("--skip-tags");
        assertThat(Files.readString(dir.resolve("seen-state.json"))).contains("\"zfs_pool\" : \"terrarium\"");
        try (var s = Files.list(dir.resolve("state"))) {
            assertThat(s.map(p -> p.getFileName().toString()).toList()).doesNotContain("state.json")
                    .noneMatch(n -> n.startsWith(".state-check"));
        }
        assertThat(r.out()).doesNotContain("proxy-sync");
        assertThat(runner.calls()).noneSatisfy(a -> assertThat(a.get(a.size() - 1)).startsWith("/1.0/instances"));
    }

    @Test
    void aFailingPlaybookExitsOneAndSkipsTheSync() throws Exception {
        Files.writeString(fakeAnsible, "#!/bin/sh\necho 'TASK [zfs : Create the pool]'\necho 'boom' >&2\nexit 2\n");
        Run r = run("reconfigure", "--playbook", playbook.toString(), "--ansible-playbook", fakeAnsible.toString());
        assertThat(r.exit()).isEqualTo(1);
        assertThat(r.out()).contains("TASK [zfs : Create the pool]").doesNotContain("proxy-sync");
        assertThat(r.err()).contains("ERROR: ansible-playbook failed").contains("boom");
    }

    @Test
    void aMissingPlaybookIsNamed() {
        Run r = run("reconfigure", "--playbook", dir.resolve("nope.yml").toString());
        assertThat(r.exit()).isEqualTo(1);
        assertThat(r.err()).contains("ERROR: playbook " + dir.resolve("nope.yml") + " not found");
    }
}
