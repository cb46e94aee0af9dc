package io.terrarium.it;

import io.terrarium.cli.served.ServedProtocol;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Issue 16 item 1: {@code backup restore --source s3 --instance NAME --yes} served by the running
 * daemon (its warm JVM) prints what the CLI's own JVM prints — stdout, stderr (progress lines),
 * exit code — for a restore as a new instance and two failures; a client killed with SIGKILL
 * mid-receive cancels the restore (no staging dataset, no new instance left); a daemon killed
 * mid-receive makes the client say so with exit 1 and never run the restore a second time, and the
 * same command run again afterwards restores. Real daemon, LXD (a throwaway project), zfs-fuse and
 * s3proxy (a throwaway prefix); ~70 s.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ServedRestoreIT {
    private static final Path JAR = Path.of("target/dist/lib/terrarium.jar").toAbsolutePath();
    static final long N = System.nanoTime() % 1_000_000L;
    static final String PROJECT = "it-srvrs";
    static final String PARENT = "terrarium/it-srvrs";
    static final String NAME = "srv-web";
    static final String COPY = "srv-copy";
    static final String PREFIX = "it-srvrs-" + N + "/";
    static final String SCRIPT = Path.of("scripts/devhost/zfs-container.sh").toAbsolutePath().toString();
    static final String ENV = "TERRARIUM_DEV_CONTAINERS_DATASET=" + PARENT + " TERRARIUM_DEV_LXD_PROJECT=" + PROJECT
            + " TERRARIUM_DEV_NO_START=1 ";

    @TempDir
    static Path dir;
    static Terrariumctl trm;
    static String savedConfig;
    static Process daemon;
    static int port;

    @BeforeAll
    static void setUp() throws Exception {
        assertThat(System.getenv("TERRARIUM_DEV_S3_ENDPOINT")).as("source /var/lib/terrarium-dev/devhost.env").isNotBlank();
        savedConfig = StoredConfig.rawValue();
        cleanHost();
        S3RestoreIT.sh("lxc project create " + PROJECT + " -c features.images=false -c features.profiles=false -c features.storage.volumes=false");
        S3RestoreIT.sh("zfs create -o mountpoint=none " + PARENT);
        S3RestoreIT.sh(ENV + SCRIPT + " create " + NAME);
        // incompressible data, so a receive lasts long enough to be held and killed
        S3RestoreIT.sh("head -c 48M /dev/urandom > $(" + ENV + SCRIPT + " path " + NAME + ")/rootfs/root/data.bin");
        StoredConfig.setYaml("version: 1\ninstallation_id: it-srvrs-" + N + "\nlxd:\n  project: " + PROJECT + "\ns3:\n  enabled: true\n"
                + "  provider: generic\n  endpoint: " + System.getenv("TERRARIUM_DEV_S3_ENDPOINT") + "\n  region: us-east-1\n"
                + "  bucket: " + System.getenv("TERRARIUM_DEV_S3_BUCKET") + "\n  prefix: " + PREFIX + "\n"
                + "  access_key: " + System.getenv("TERRARIUM_DEV_S3_ACCESS_KEY") + "\n"
                + "  secret_key_file: " + System.getenv("TERRARIUM_DEV_S3_SECRET_FILE") + "\n");
        trm = new Terrariumctl(dir);
        var export = trm.run(Duration.ofMinutes(5), "backup", "export", "--instance", NAME);
        assertThat(export.exit()).as(export.all()).isZero();
        port = Terrariumctl.freePrivilegedPort();
        startDaemon();
    }

    static void startDaemon() throws Exception {
        Path log = dir.resolve("daemon.log");
        daemon = trm.builder("daemon", "--port", String.valueOf(port)).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile())).start();
        long deadline = System.nanoTime() + Duration.ofSeconds(90).toNanos();
        while (!health().contains("UP") || !Files.exists(dir.resolve("run/cli/cli.sock"))) {
            assertThat(daemon.isAlive()).as("daemon died: %s", Files.readString(log)).isTrue();
            assertThat(System.nanoTime()).as("daemon up with its CLI socket within 90 s").isLessThan(deadline);
            Thread.sleep(100);
        }
        for (String id : List.of("s3-export", "s3-verify", "restore-drill", "snapshot", "replicate", "s3-janitor")) {
            trm.run("jobs", "pause", id); // nothing of the daemon's own runs beside the restores
        }
    }

    @AfterAll
    static void tearDown() throws Exception {
        try {
            if (daemon != null && daemon.isAlive()) {
                daemon.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
            if (savedConfig != null || trm != null) {
                StoredConfig.restore(savedConfig);
            }
            // s3proxy's filesystem store of the dev host (scripts/devhost.sh)
            S3RestoreIT.shCode("rm -rf /var/lib/terrarium-dev/s3/" + System.getenv("TERRARIUM_DEV_S3_BUCKET") + "/" + PREFIX.replace("/", ""));
        } finally {
            cleanHost();
        }
    }

    static void cleanHost() {
        for (String n : List.of(COPY, NAME)) {
            S3RestoreIT.shCode("lxc --project " + PROJECT + " stop --force " + n + " 2>/dev/null; true");
        }
        S3RestoreIT.shCode("zfs list -H -t snapshot -o name -r " + PARENT + " 2>/dev/null | grep @" + io.terrarium.s3.S3ExportJob.BASE_PREFIX
                + " | xargs -r -n1 zfs release " + io.terrarium.s3.S3ExportJob.HOLD_TAG + " 2>/dev/null; true");
        destroy(PARENT);
        for (String n : List.of(COPY, NAME)) {
            deleteInstance(n);
        }
        S3RestoreIT.shCode("lxc project delete " + PROJECT + " 2>/dev/null; true");
    }

    /** Removes the instance a restore created as new: its dataset first (mounted on its directory), then the LXD record. */
    static void removeInstance(String n) {
        S3RestoreIT.shCode("lxc --project " + PROJECT + " stop --force " + n + " 2>/dev/null; true");
        destroy(PARENT + "/" + PROJECT + "_" + n);
        deleteInstance(n);
    }

    static void destroy(String dataset) {
        S3RestoreIT.shCode("for i in $(seq 40); do zfs list -H -o name " + dataset + " >/dev/null 2>&1 || exit 0; zfs destroy -r " + dataset
                + " 2>/dev/null && exit 0; sleep 0.5; done");
    }

    /** Deletes the LXD record (LXD wants the instance's directory, gone with the zfs-fuse dataset, to delete it). */
    static void deleteInstance(String n) {
        String src = S3RestoreIT.shCode("lxc storage show default >/dev/null") == 0 ? S3RestoreIT.sh("lxc storage get default source") : "";
        String d = src + "/containers/" + PROJECT + "_" + n;
        S3RestoreIT.shCode("if lxc query '/1.0/instances/" + n + "?project=" + PROJECT + "' >/dev/null 2>&1; then mkdir -p " + d
                + "; lxc --project " + PROJECT + " delete --force " + n + "; fi; rmdir " + d + " 2>/dev/null; true");
    }

    private static String health() {
        return Terrariumctl.health(port);
    }

    private static String log() throws IOException {
        return Files.readString(dir.resolve("daemon.log"));
    }

    private static int served() throws IOException {
        return log().split("CLI socket: served \\[backup, restore", -1).length - 1;
    }

    private Process clientProcess(String tag, String... args) throws Exception {
        return trm.servedClient(JAR, dir, tag, args);
    }

    private Terrariumctl.Result result(Process p, String tag) throws Exception {
        return Terrariumctl.result(p, dir, tag, Duration.ofSeconds(180));
    }

    private Terrariumctl.Result inJvm(String... args) throws Exception {
        return trm.runInOwnJvm(Duration.ofMinutes(3), args);
    }

    /** What differs between two runs of one restore: the staging dataset's UTC stamp, durations, rates, 10-s progress lines. */
    static Terrariumctl.Result runless(Terrariumctl.Result r) {
        return new Terrariumctl.Result(r.exit(), runless(r.out()), runless(r.err()));
    }

    static String runless(String s) {
        return s.replaceAll("\\.s3restore-[0-9A-Za-z_:.-]+", ".s3restore-STAMP").replaceAll("in [0-9]+ ms", "in N ms")
                .replaceAll("(restore: (done|failed), [^\n]*) in [^\n]*", "$1 in T").replaceAll("(?m)^\\S+ restore: [0-9][^\n]*\n", "");
    }

    static final String[] AS_NEW = {"backup", "restore", "--source", "s3", "--instance", NAME, "--as-new", COPY, "--yes"};

    @Test
    @Order(1)
    void aServedRestorePrintsWhatTheJvmPathPrintsForOkAndFailures() throws Exception {
        int before = served();
        var launcher = trm.run(Duration.ofMinutes(3), AS_NEW); // the launcher picks the daemon's socket itself
        assertThat(served()).as("served by the daemon: %s", log()).isEqualTo(before + 1);
        assertThat(launcher.exit()).as(launcher.all()).isZero();
        assertThat(launcher.out()).contains("as instance " + COPY);
        assertThat(launcher.err()).contains(NAME + " restore: started, ").contains(NAME + " restore: done, ");
        removeInstance(COPY);
        var jvm = inJvm(AS_NEW);
        assertThat(runless(launcher)).isEqualTo(runless(jvm));
        assertThat(S3RestoreIT.sh("lxc list --project " + PROJECT + " ^" + COPY + "$ -c s --format csv")).isEqualTo("STOPPED");
        removeInstance(COPY);

        List<String[]> failures = List.of(
                new String[]{"backup", "restore", "--source", "s3", "--instance", "no-such", "--yes"},
                new String[]{"backup", "restore", "--source", "s3", "--instance", NAME, "--at", "1999-01-01", "--yes"});
        for (String[] c : failures) {
            var s = result(clientProcess("fail", c), "fail");
            assertThat(s.exit()).as("served: %s", s.all()).isEqualTo(1);
            assertThat(s.err()).startsWith("ERROR: ");
            assertThat(s).isEqualTo(inJvm(c));
        }
        // without --yes the command may ask or prints the exact command: never served, exit 2 as before
        var noYes = result(clientProcess("noyes", "backup", "restore", "--source", "s3", "--instance", NAME), "noyes");
        assertThat(noYes.exit()).isEqualTo(ServedProtocol.NOT_SERVED_EXIT);
        assertThat(trm.run("backup", "restore", "--source", "s3", "--instance", NAME).exit()).isEqualTo(2);
        assertThat(S3RestoreIT.sh("zfs list -H -o name -r " + PARENT)).doesNotContain(".s3restore-").doesNotContain(COPY);
    }

    /**
     * Waits for the daemon's {@code zfs receive} to start: the restore is then mid-receive. (Stopping
     * that process would not hold the restore: zfs-fuse's own daemon reads the stream's pipe.)
     */
    private static long awaitReceive() throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (System.nanoTime() < deadline) {
            Optional<ProcessHandle> r = daemon.toHandle().descendants()
                    .filter(p -> p.info().arguments().map(a -> List.of(a).contains("receive")).orElse(false)).findFirst();
            if (r.isPresent()) {
                return r.get().pid();
            }
            Thread.sleep(2);
        }
        throw new AssertionError("the daemon started no zfs receive within 60 s");
    }

    private static void signal(String sig, long pid) throws Exception {
        new ProcessBuilder("kill", "-" + sig, String.valueOf(pid)).start().waitFor();
    }

    @Test
    @Order(2)
    void aKilledClientCancelsTheReceiveAndTheDaemonRecordsIt() throws Exception {
        Process client = clientProcess("killed", AS_NEW);
        awaitReceive();
        signal("STOP", daemon.pid()); // the restore stays mid-receive while its client is killed
        try {
            client.destroyForcibly().waitFor(10, TimeUnit.SECONDS); // kill -9 mid-receive
        } finally {
            signal("CONT", daemon.pid()); // the next bytes read probe the client (a heartbeat), find it gone and cancel
        }
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (!log().contains("ended with exit 1 after its client went away")) {
            assertThat(System.nanoTime()).as("the daemon recorded the cancelled restore: %s", log()).isLessThan(deadline);
            Thread.sleep(100);
        }
        assertThat(log()).contains("restore of " + NAME + " as " + COPY + " from S3 failed: restore from S3 failed while receiving:"
                + " cancelled: the command that started this restore went away");
        assertThat(S3RestoreIT.sh("zfs list -H -o name -r " + PARENT)).doesNotContain(".s3restore-").doesNotContain(COPY);
        assertThat(S3RestoreIT.shCode("lxc query '/1.0/instances/" + COPY + "?project=" + PROJECT + "'")).isNotZero();
        assertThat(daemon.isAlive()).isTrue();
    }

    @Test
    @Order(3)
    void aDaemonKilledMidRestoreIsReportedNotRunAgainAndTheNextRunRestores() throws Exception {
        Process client = clientProcess("died", AS_NEW);
        long held = awaitReceive();
        signal("KILL", daemon.pid());
        Terrariumctl.Result r = result(client, "died");
        // not run a second time in the client's JVM (the client is java.base only; nothing else started)
        assertThat(S3RestoreIT.shCode("lxc query '/1.0/instances/" + COPY + "?project=" + PROJECT + "'")).isNotZero();
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (ProcessHandle.of(held).map(ProcessHandle::isAlive).orElse(false)) {
            assertThat(System.nanoTime()).as("the orphaned zfs receive ended").isLessThan(deadline);
            Thread.sleep(50);
        }
        assertThat(r.exit()).as(r.all()).isEqualTo(1);
        assertThat(r.out()).contains("receive into staging dataset");
        assertThat(r.err()).contains("ERROR: the daemon's answer broke off").contains("the restore did not finish here")
                .contains("it was not run again");
        // the orphaned receive ends at the end of its input; the same command (now in the CLI's own JVM) restores
        var again = trm.run(Duration.ofMinutes(3), AS_NEW);
        assertThat(again.exit()).as(again.all()).isZero();
        assertThat(again.out()).contains("as instance " + COPY);
        assertThat(S3RestoreIT.sh("zfs list -H -o name -r " + PARENT)).doesNotContain(".s3restore-");
    }
}
