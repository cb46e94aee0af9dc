package io.terrarium.backup;

import io.terrarium.App;
import io.terrarium.cli.TerrariumCommand;
import io.terrarium.config.TerrariumPaths;
import io.terrarium.host.exec.CamelExecCommandRunner;
import io.terrarium.testing.DevHost;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Local restore on the real development host: a zfs-backed LXD container (created with
 * scripts/devhost/zfs-container.sh under a throwaway parent dataset), file v1, snapshot, v2 →
 * {@code backup restore --yes} → v1 inside the running container; {@code --as-new} → a second
 * container that starts, holds v1 and has no proxy label or proxy device.
 */
class BackupRestoreIT {
    private static final String PARENT = "terrarium/it-tm-rs";
    private static final String NAME = "it-tm-rs1";
    private static final String COPY = "it-tm-rs1-new";
    private static final String ENV = "TERRARIUM_DEV_CONTAINERS_DATASET=" + PARENT + " ";
    private static final String SCRIPT = DevHost.REPO.resolve("scripts/devhost/zfs-container.sh").toString();

    @TempDir
    static Path dir;

    private record Run(int exit, String out, String err) {
    }

    private static Run cli(String... args) {
        App app = new App(TerrariumPaths.from(Map.of("TERRARIUM_ETC_DIR", dir.resolve("etc").toString(),
                "TERRARIUM_RUN_DIR", dir.resolve("run").toString(), "TERRARIUM_STATE_DIR", dir.resolve("state").toString())),
                new CamelExecCommandRunner());
        CommandLine cl = TerrariumCommand.commandLine(app);
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        cl.setOut(new PrintWriter(out));
        cl.setErr(new PrintWriter(err));
        int code = cl.execute(args);
        return new Run(code, out.toString(), err.toString());
    }

    private static String exec(String name, String cmd) {
        return DevHost.ok("lxc exec " + name + " -- sh -c '" + cmd + "'").strip();
    }

    @BeforeAll
    static void container() {
        cleanup();
        DevHost.ok("zfs create -o mountpoint=none " + PARENT);
        DevHost.ok(ENV + SCRIPT + " create " + NAME);
    }

    @AfterAll
    static void cleanup() {
        // ok(), not sh(): a delete that fails must fail the test (zfs-container.sh once died silently
        // under pipefail when a dataset had no export base, leaving both instances behind)
        DevHost.ok(ENV + SCRIPT + " delete " + COPY);
        DevHost.ok(ENV + SCRIPT + " delete " + NAME);
        DevHost.destroy(PARENT);
    }

    @Test
    void restoreInPlaceThenAsNew() throws Exception {
        String ds = PARENT + "/" + NAME;
        exec(NAME, "echo v1 > /root/v.txt");
        DevHost.ok("zfs snapshot " + ds + "@it_v1");
        Thread.sleep(1100);
        exec(NAME, "echo v2 > /root/v.txt");
        DevHost.ok("zfs snapshot " + ds + "@it_v2");

        Run list = cli("backup", "list", "--instance", NAME);
        assertThat(list.exit()).isZero();
        assertThat(list.out()).contains("it_v1").contains("it_v2").contains("CREATED (UTC)");

        Run noMatch = cli("backup", "restore", "--instance", NAME, "--at", "2001-01-01");
        assertThat(noMatch.exit()).isEqualTo(1);
        assertThat(noMatch.err()).contains("no snapshot of " + NAME + " matches --at 2001-01-01; nearest: it_v1");

        Run unknown = cli("backup", "restore", "--instance", "it-tm-nosuch", "--yes");
        assertThat(unknown.exit()).isEqualTo(1);
        assertThat(unknown.err()).contains("instance \"it-tm-nosuch\" does not exist");

        Run refused = cli("backup", "restore", "--instance", NAME, "--at", "it_v1");
        assertThat(refused.exit()).isEqualTo(2);
        assertThat(refused.out()).contains("newer snapshots destroyed (1):").contains("it_v2");
        assertThat(refused.err()).contains("terrariumctl backup restore --instance " + NAME + " --snapshot it_v1 --yes");
        assertThat(exec(NAME, "cat /root/v.txt")).isEqualTo("v2");

        long t0 = System.nanoTime();
        Run inPlace = cli("backup", "restore", "--instance", NAME, "--at", "it_v1", "--yes");
        long ms = (System.nanoTime() - t0) / 1_000_000;
        assertThat(inPlace.exit()).as(inPlace.err()).isZero();
        assertThat(inPlace.out()).contains("restored " + NAME + " to it_v1").contains("running again");
        System.out.println("in-place restore took " + ms + " ms");
        assertThat(DevHost.ok("lxc list ^" + NAME + "$ -c s --format csv").strip()).isEqualTo("RUNNING");
        assertThat(exec(NAME, "cat /root/v.txt")).isEqualTo("v1");
        assertThat(DevHost.sh("zfs list -H -o name " + ds + "@it_v2").exit()).isNotZero();

        // as new: the copy comes from the snapshot, not from the live v3; the proxy label and device stay behind
        exec(NAME, "echo v3 > /root/v.txt");
        DevHost.ok("lxc config set " + NAME + " user.proxy https://rs1.example.test:80 && lxc config device add " + NAME
                + " terrarium-proxy-it proxy listen=tcp:127.0.0.1:18977 connect=tcp:127.0.0.1:80 bind=host");
        long t1 = System.nanoTime();
        Run asNew = cli("backup", "restore", "--instance", NAME, "--snapshot", "it_v1", "--as-new", COPY, "--yes");
        long ms2 = (System.nanoTime() - t1) / 1_000_000;
        assertThat(asNew.exit()).as(asNew.err()).isZero();
        System.out.println("as-new restore took " + ms2 + " ms");
        assertThat(asNew.out()).contains("as new instance " + COPY);
        assertThat(DevHost.ok("lxc list ^" + COPY + "$ -c s --format csv").strip()).isEqualTo("STOPPED");
        String config = DevHost.ok("lxc config show " + COPY);
        assertThat(config).doesNotContain("user.proxy").doesNotContain("terrarium-proxy");
        DevHost.ok("lxc start " + COPY);
        assertThat(exec(COPY, "cat /root/v.txt")).isEqualTo("v1");
        assertThat(exec(COPY, "stat -c %u /root/v.txt")).as("files are not shifted twice").isEqualTo("0");
        assertThat(exec(NAME, "cat /root/v.txt")).isEqualTo("v3");

        Run exists = cli("backup", "restore", "--instance", NAME, "--as-new", COPY, "--yes");
        assertThat(exists.exit()).isEqualTo(1);
        assertThat(exists.err()).contains("already exists");
    }
}
