package io.terrarium.restore;

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
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Local restore on the real development host: a zfs-backed LXD container (created with
 * scripts/devhost/zfs-container.sh under a throwaway parent dataset), file v1, {@code backup snapshot
 * --now}, v2, snapshot, v3 unsnapshotted → {@code backup restore --yes} → v1 in the container, and the
 * state before the restore kept as an aside copy, byte-identical (recursive SHA-256), listed by
 * {@code backup list} and {@code backup aside list}, removed by {@code backup aside remove} (bad names
 * refused, nothing changed); {@code --as-new} → a second container that starts, holds v1 and has no
 * proxy label or proxy device.
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

    /** SHA-256 of every file under a directory: "sum  ./path" lines, sorted. */
    private static String sums(String mnt) {
        return DevHost.ok("cd '" + mnt + "' && find . -type f | LC_ALL=C sort | xargs -r sha256sum");
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
        // an aside copy of a local restore is a clone of the instance's snapshot: it goes first
        DevHost.sh("zfs list -H -r -o name " + PARENT + " 2>/dev/null | grep '[.]pre-restore-' | while read -r d; do zfs destroy -r \"$d\"; done; true");
        // ok(), not sh(): a delete that fails must fail the test (zfs-container.sh once died silently
        // under pipefail when a dataset had no export base, leaving both instances behind)
        DevHost.ok(ENV + SCRIPT + " delete " + COPY);
        DevHost.ok(ENV + SCRIPT + " delete " + NAME);
        DevHost.destroy(PARENT);
    }

    @Test
    void restoreInPlaceKeepsTheStateBeforeAsideThenAsNew() throws Exception {
        String ds = PARENT + "/" + NAME;
        exec(NAME, "echo v1 > /root/v.txt");
        Run now = cli("backup", "snapshot", "--now", "--instance", NAME, "--name", "it_v1");
        assertThat(now.exit()).as(now.err()).isZero();
        assertThat(now.out()).contains(ds + "@it_v1").contains("taken");
        Run again = cli("backup", "snapshot", "--now", "--instance", NAME, "--name", "it_v1");
        assertThat(again.exit()).isEqualTo(1);
        assertThat(again.err()).contains(ds + "@it_v1 already exists");
        Run reserved = cli("backup", "snapshot", "--now", "--instance", NAME, "--name", "autosnap_mine");
        assertThat(reserved.exit()).isEqualTo(2);
        assertThat(reserved.err()).contains("another tool owns");
        Thread.sleep(1100);
        exec(NAME, "echo v2 > /root/v.txt");
        DevHost.ok("zfs snapshot " + ds + "@it_v2");
        // changes made after the newest snapshot: a restore must not lose them
        exec(NAME, "echo v3 > /root/v.txt; head -c 300000 /dev/urandom > /root/unsnapshotted.bin");

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
        assertThat(refused.out()).contains("changes made since it_v1 are NOT lost").contains(".pre-restore-")
                .contains("newer snapshots moved to the aside copy (1):").contains("it_v2").doesNotContain("destroyed (");
        assertThat(refused.err()).contains("terrariumctl backup restore --instance " + NAME + " --snapshot it_v1 --yes");
        assertThat(exec(NAME, "cat /root/v.txt")).isEqualTo("v3");

        // the state before the restore, byte for byte (stopped, so nothing writes between the sum and the restore)
        DevHost.ok("lxc stop " + NAME);
        String mnt = DevHost.ok("zfs get -H -o value mountpoint " + ds).strip();
        String before = sums(mnt);
        assertThat(before).contains("./rootfs/root/unsnapshotted.bin");

        long t0 = System.nanoTime();
        Run inPlace = cli("backup", "restore", "--instance", NAME, "--at", "it_v1", "--yes");
        long ms = (System.nanoTime() - t0) / 1_000_000;
        assertThat(inPlace.exit()).as(inPlace.err()).isZero();
        System.out.println("in-place restore took " + ms + " ms\n" + refused.out() + refused.err() + inPlace.out());
        assertThat(inPlace.out()).contains("restored " + NAME + " to it_v1").contains("left stopped");
        List<String> asides = DevHost.ok("zfs list -H -o name -r " + PARENT).lines().filter(l -> l.contains(".pre-restore-")).toList();
        assertThat(asides).hasSize(1);
        String aside = asides.get(0);
        String leaf = aside.substring(aside.lastIndexOf('/') + 1);
        assertThat(aside).matches(java.util.regex.Pattern.quote(ds) + "\\.pre-restore-\\d{8}T\\d{6}Z");
        assertThat(inPlace.out()).contains("kept as " + aside).contains("terrariumctl backup aside remove " + leaf);
        DevHost.ok("lxc start " + NAME);
        assertThat(exec(NAME, "cat /root/v.txt")).isEqualTo("v1");
        assertThat(DevHost.sh("lxc exec " + NAME + " -- ls /root/unsnapshotted.bin").exit()).isNotZero();
        assertThat(DevHost.ok("zfs get -H -o value mountpoint " + ds).strip()).isEqualTo(mnt);
        // nothing destroyed: the newer snapshot moved with the aside copy, the restored one stays with the instance
        assertThat(DevHost.ok("zfs list -H -t snapshot -o name -r " + PARENT)).contains(aside + "@it_v2").contains(ds + "@it_v1")
                .doesNotContain(ds + "@it_v2");
        assertThat(DevHost.ok("zfs get -H -o value mountpoint " + aside).strip()).isEqualTo("none");
        DevHost.ok("zfs set mountpoint=" + dir.resolve("aside") + " " + aside);
        String kept = sums(dir.resolve("aside").toString());
        DevHost.ok("zfs set mountpoint=none " + aside);
        assertThat(kept).as("the aside copy is the live data before the restore, byte for byte").isEqualTo(before);

        // listed
        Run listed = cli("backup", "list", "--instance", NAME, "--source", "local", "--format", "json");
        assertThat(listed.exit()).as(listed.err()).isZero();
        var json = io.terrarium.App.jsonMapper().readTree(listed.out());
        assertThat(json.get(0).path("asides").get(0).path("dataset").asText()).isEqualTo(aside);
        assertThat(json.get(0).path("asides").get(0).path("origin").asText()).isEqualTo(ds + "@it_v1");
        assertThat(cli("backup", "list", "--instance", NAME).out()).contains("aside").contains(leaf);
        Run asideList = cli("backup", "aside", "list", "--format", "json");
        System.out.println(cli("backup", "aside", "list").out() + cli("backup", "list", "--instance", NAME, "--source", "local").out());
        var rows = io.terrarium.App.jsonMapper().readTree(asideList.out());
        assertThat(rows).hasSize(1);
        assertThat(rows.get(0).path("dataset").asText()).isEqualTo(aside);
        assertThat(rows.get(0).path("instance").asText()).isEqualTo(NAME);
        assertThat(rows.get(0).path("used_bytes").asLong()).isPositive();

        // removal: bad input changes nothing
        String tree = DevHost.ok("zfs list -H -t all -o name -r " + PARENT);
        Run notOurs = cli("backup", "aside", "remove", ds, "--yes");
        assertThat(notOurs.exit()).isEqualTo(1);
        assertThat(notOurs.err()).contains(ds + " is not an aside copy");
        Run noSuch = cli("backup", "aside", "remove", NAME + ".pre-restore-20000101T000000Z", "--yes");
        assertThat(noSuch.exit()).isEqualTo(1);
        assertThat(noSuch.err()).contains("no aside copy " + NAME + ".pre-restore-20000101T000000Z").contains(aside);
        Run noYes = cli("backup", "aside", "remove", leaf);
        assertThat(noYes.exit()).isEqualTo(2);
        assertThat(noYes.err()).contains("terrariumctl backup aside remove " + aside + " --yes");
        assertThat(DevHost.ok("zfs list -H -t all -o name -r " + PARENT)).isEqualTo(tree);
        Run removed = cli("backup", "aside", "remove", leaf, "--yes");
        assertThat(removed.exit()).as(removed.err()).isZero();
        assertThat(removed.out()).contains("removed " + aside);
        System.out.println(removed.out());
        assertThat(DevHost.ok("zfs list -H -t all -o name -r " + PARENT)).doesNotContain(".pre-restore-").contains(ds + "@it_v1");
        assertThat(cli("backup", "aside", "list").out()).contains("no aside copies");

        // a running instance is stopped and started again
        exec(NAME, "echo v4 > /root/v.txt");
        Run running = cli("backup", "restore", "--instance", NAME, "--snapshot", "it_v1", "--yes");
        assertThat(running.exit()).as(running.err()).isZero();
        assertThat(running.out()).contains("running again");
        assertThat(DevHost.ok("lxc list ^" + NAME + "$ -c s --format csv").strip()).isEqualTo("RUNNING");
        assertThat(exec(NAME, "cat /root/v.txt")).isEqualTo("v1");
        String second = DevHost.ok("zfs list -H -o name -r " + PARENT).lines().filter(l -> l.contains(".pre-restore-")).findFirst().orElseThrow();
        assertThat(cli("backup", "aside", "remove", second, "--yes").exit()).isZero();

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
