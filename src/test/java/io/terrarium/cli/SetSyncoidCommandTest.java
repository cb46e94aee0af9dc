package io.terrarium.cli;

import io.terrarium.App;
import io.terrarium.config.TerrariumPaths;
import io.terrarium.host.exec.Command;
import io.terrarium.testing.FakeLxdProjects;
import io.terrarium.testing.RecordingCommandRunner;
import io.terrarium.testing.RecordingCommandRunner.Reply;
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
import java.util.function.Function;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class SetSyncoidCommandTest {
    @TempDir
    Path dir;

    private final FakeLxdProjects lxd = new FakeLxdProjects();
    private Function<Command, Reply> ssh = c -> Reply.ok("tank/terrarium\n");
    private RecordingCommandRunner runner;

    private record Run(int exit, String out, String err) {
    }

    private Run run(String... args) {
        runner = new RecordingCommandRunner(c -> c.executable().equals("ssh") ? ssh.apply(c) : lxd.apply(c));
        App app = new App(TerrariumPaths.from(Map.of("TERRARIUM_ETC_DIR", dir.resolve("etc").toString(),
                "TERRARIUM_RUN_DIR", dir.resolve("run").toString(), "TERRARIUM_STATE_DIR", dir.resolve("state").toString())), runner);
        CommandLine cl = TerrariumCommand.commandLine(app);
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        cl.setOut(new PrintWriter(out));
        cl.setErr(new PrintWriter(err));
        return new Run(cl.execute(args), out.toString(), err.toString());
    }

    private String key() throws Exception {
        Files.createDirectories(dir.resolve("etc/secrets"));
        Path key = dir.resolve("etc/secrets/syncoid-key");
        Files.writeString(key, "not a real key");
        Files.setPosixFilePermissions(key, PosixFilePermissions.fromString("rw-------"));
        return key.toString();
    }

    private List<String> sshArgv() {
        return runner.calls().stream().filter(a -> a.get(0).equals("ssh")).findFirst().orElseThrow();
    }

    @Test
    void keyMustExistAndNotBeReadableByOthers() throws Exception {
        Path key = dir.resolve("id");
        assertThatThrownBy(() -> SetSyncoidCommand.checkKey(key)).hasMessageContaining("no such file");
        Files.writeString(key, "not a real key");
        Files.setPosixFilePermissions(key, PosixFilePermissions.fromString("rw-r--r--"));
        assertThatThrownBy(() -> SetSyncoidCommand.checkKey(key)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("readable or writable by group or others").hasMessageContaining("chmod 600");
        Files.setPosixFilePermissions(key, PosixFilePermissions.fromString("rw-------"));
        assertThatCode(() -> SetSyncoidCommand.checkKey(key)).doesNotThrowAnyException();
        assertThatThrownBy(() -> SetSyncoidCommand.checkKey(Path.of("relative/id"))).hasMessageContaining("absolute");
    }

    /** Issue 15 item 8: {@code set syncoid --enable} stored an unreachable target without any check. */
    @Test
    void anUnreachableTargetIsRefusedAndNothingIsStored() throws Exception {
        ssh = c -> Reply.fail(255, "ssh: connect to host 127.0.0.1 port 2222: Connection refused");
        Run r = run("set", "syncoid", "--enable", "--target", "backup@127.0.0.1", "--target-dataset", "tank/terrarium",
                "--ssh-key", key(), "--ssh-port", "2222", "--no-apply");
        assertThat(r.exit()).as(r.err()).isEqualTo(1);
        assertThat(r.err()).contains("ERROR: syncoid check failed: cannot reach backup@127.0.0.1 over SSH on port 2222")
                .contains("Connection refused").contains("nothing was stored");
        assertThat(sshArgv()).containsSubsequence("-p", "2222").contains("BatchMode=yes", "backup@127.0.0.1", "tank/terrarium")
                .containsSubsequence("-i", dir.resolve("etc/secrets/syncoid-key").toString());
        assertThat(run("config", "show").out()).doesNotContain("backup@127.0.0.1");
    }

    @Test
    void aTargetWithoutTheDatasetIsRefusedNamingTheDataset() throws Exception {
        ssh = c -> Reply.fail(1, "cannot open 'tank/terrarium': dataset does not exist");
        Run r = run("set", "syncoid", "--enable", "--target", "backup@mirror", "--target-dataset", "tank/terrarium",
                "--ssh-key", key(), "--no-apply");
        assertThat(r.exit()).isEqualTo(1);
        assertThat(r.err()).contains("backup@mirror answered, but `zfs list tank/terrarium` failed there")
                .contains("zfs create tank/terrarium");
        assertThat(run("config", "show").out()).doesNotContain("backup@mirror");
    }

    @Test
    void aReachableTargetIsStoredAndNoCheckSkipsTheCheck() throws Exception {
        Run ok = run("set", "syncoid", "--enable", "--target", "backup@mirror", "--target-dataset", "tank/terrarium",
                "--ssh-key", key(), "--no-apply");
        assertThat(ok.exit()).as(ok.err()).isZero();
        assertThat(ok.out()).contains("syncoid check: backup@mirror answered over SSH and has tank/terrarium");
        assertThat(run("config", "show").out()).contains("backup@mirror");

        ssh = c -> Reply.fail(255, "ssh: Could not resolve hostname later");
        Run forced = run("set", "syncoid", "--enable", "--target", "backup@later", "--no-check", "--no-apply");
        assertThat(forced.exit()).as(forced.err()).isZero();
        assertThat(runner.calls()).noneMatch(a -> a.get(0).equals("ssh"));
        assertThat(run("config", "show").out()).contains("backup@later");
    }
}
