package io.terrarium.it;

import io.terrarium.cli.ProgressDisplay;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.S3Object;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Issue 15, item 2: an export run inside the real daemon (packaged launcher, real LXD, zfs-fuse,
 * s3proxy), triggered by {@code backup export} with its output on pipes, streams its progress back
 * to the CLI through the job MBean: plain lines on stderr (no carriage return), the first when the
 * dataset starts, the last when it is done, with the byte counts of the run's own result; typed at
 * a terminal (a pty), it is served by the daemon too, with the progress bar as wide as the terminal.
 */
class DaemonExportProgressIT {
    static final long N = System.nanoTime() % 1_000_000L;
    static final String PROJECT = "it-progress";
    static final String PARENT = "terrarium/it-progress";
    static final String NAME = "pg-web";
    static final String PREFIX = "it-progress-" + N + "/";
    static final String SCRIPT = Path.of("scripts/devhost/zfs-container.sh").toAbsolutePath().toString();
    static final String ENV = "TERRARIUM_DEV_CONTAINERS_DATASET=" + PARENT + " TERRARIUM_DEV_LXD_PROJECT=" + PROJECT + " ";
    static final int MIB = Integer.getInteger("progress.mib", 64);

    @TempDir
    Path dir;

    private Process daemon;
    private String savedConfig;
    private boolean configChanged;
    private int port;

    static String sh(String script) {
        return S3RestoreIT.sh(script);
    }

    static int shCode(String script) {
        return S3RestoreIT.shCode(script);
    }

    @AfterEach
    void tearDown() throws Exception {
        try {
            if (daemon != null && daemon.isAlive()) {
                daemon.destroy();
                if (!daemon.waitFor(30, TimeUnit.SECONDS)) {
                    daemon.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
                }
            }
            if (configChanged) {
                StoredConfig.restore(savedConfig);
            }
            io.terrarium.s3.S3Settings settings = new io.terrarium.s3.S3Settings(URI.create(System.getenv("TERRARIUM_DEV_S3_ENDPOINT")),
                    "us-east-1", System.getenv("TERRARIUM_DEV_S3_BUCKET"), PREFIX, System.getenv("TERRARIUM_DEV_S3_ACCESS_KEY"),
                    Path.of(System.getenv("TERRARIUM_DEV_S3_SECRET_FILE")), io.terrarium.s3.ProviderProfile.generic(), 4, null, null);
            try (S3Client s3 = io.terrarium.s3.S3ClientFactory.create(settings, 2)) {
                for (String k : s3.listObjectsV2Paginator(b -> b.bucket(settings.bucket()).prefix(PREFIX)).contents()
                        .stream().map(S3Object::key).toList()) {
                    s3.deleteObject(b -> b.bucket(settings.bucket()).key(k));
                }
            }
        } finally {
            cleanHost();
        }
    }

    static void cleanHost() {
        shCode("lxc --project " + PROJECT + " stop --force " + NAME + " 2>/dev/null; true");
        shCode("for s in $(zfs list -H -o name -t snapshot -r " + PARENT + " 2>/dev/null); do zfs release "
                + io.terrarium.s3.S3ExportJob.HOLD_TAG + " $s 2>/dev/null; done; true");
        shCode("for i in $(seq 60); do zfs list -H -o name " + PARENT + " >/dev/null 2>&1 || exit 0; zfs destroy -r " + PARENT
                + " 2>/dev/null && exit 0; sleep 0.5; done");
        String src = shCode("lxc storage show default >/dev/null") == 0 ? sh("lxc storage get default source") : "";
        String d = src + "/containers/" + PROJECT + "_" + NAME;
        shCode("if lxc query '/1.0/instances/" + NAME + "?project=" + PROJECT + "' >/dev/null 2>&1; then mkdir -p " + d
                + "; lxc --project " + PROJECT + " delete --force " + NAME + "; fi; rmdir " + d + " 2>/dev/null; true");
        shCode("lxc project delete " + PROJECT + " 2>/dev/null; true");
    }

    private String health() {
        try {
            return HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/observe/health"))
                    .timeout(Duration.ofSeconds(2)).build(), HttpResponse.BodyHandlers.ofString()).body();
        } catch (Exception e) {
            return "";
        }
    }

    /** The cell of column {@code header} in the first data row of a table printed by the CLI (columns start after two spaces). */
    static String cell(String table, String header) {
        List<String> lines = table.lines().filter(l -> !l.isBlank()).toList();
        for (int h = 0; h < lines.size() - 1; h++) {
            String head = lines.get(h);
            Matcher m = Pattern.compile("(?<=^|  )\\S(?:\\S| (?! ))*").matcher(head);
            List<int[]> cols = new java.util.ArrayList<>();
            List<String> names = new java.util.ArrayList<>();
            while (m.find()) {
                cols.add(new int[] {m.start()});
                names.add(m.group());
            }
            int i = names.indexOf(header);
            if (i >= 0) {
                String row = lines.get(h + 1);
                int from = cols.get(i)[0];
                int to = i + 1 < cols.size() ? cols.get(i + 1)[0] : row.length();
                return row.substring(Math.min(from, row.length()), Math.min(to, row.length())).strip();
            }
        }
        throw new AssertionError("no column " + header + " in:\n" + table);
    }

    @Test
    void anExportInTheDaemonStreamsStartAndEndLinesWithTheResultsBytesToACliOnAPipe() throws Exception {
        assertThat(System.getenv("TERRARIUM_DEV_S3_ENDPOINT")).as("source /var/lib/terrarium-dev/devhost.env").isNotBlank();
        savedConfig = StoredConfig.rawValue();
        cleanHost();
        sh("lxc project create " + PROJECT + " -c features.images=false -c features.profiles=false -c features.storage.volumes=false");
        sh("zfs create -o mountpoint=none " + PARENT);
        sh(ENV + SCRIPT + " create " + NAME);
        byte[] data = new byte[1 << 20];
        Random rnd = new Random(15);
        Path tmp = dir.resolve("data.bin");
        for (int i = 0; i < MIB; i++) {
            rnd.nextBytes(data); // incompressible: zstd keeps the stream as big as the data
            Files.write(tmp, data, java.nio.file.StandardOpenOption.CREATE, java.nio.file.StandardOpenOption.APPEND);
        }
        sh("lxc file push --project " + PROJECT + " " + tmp + " " + NAME + "/root/data.bin");
        Files.delete(tmp);
        StoredConfig.setYaml("version: 1\ninstallation_id: it-progress-" + N + "\nlxd:\n  project: " + PROJECT + "\ns3:\n  enabled: true\n"
                + "  provider: generic\n  endpoint: " + System.getenv("TERRARIUM_DEV_S3_ENDPOINT") + "\n  region: us-east-1\n"
                + "  bucket: " + System.getenv("TERRARIUM_DEV_S3_BUCKET") + "\n  prefix: " + PREFIX + "\n"
                + "  access_key: " + System.getenv("TERRARIUM_DEV_S3_ACCESS_KEY") + "\n"
                + "  secret_key_file: " + System.getenv("TERRARIUM_DEV_S3_SECRET_FILE") + "\n"
                + "daemon:\n  schedules:\n    s3-export: \"0 0 3 1 1 ?\"\n"); // no scheduled export while the test runs
        configChanged = true;

        Terrariumctl trm = new Terrariumctl(dir);
        port = Terrariumctl.freePort();
        Path log = dir.resolve("daemon.log");
        daemon = trm.builder("daemon", "--port", String.valueOf(port)).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (!health().contains("UP") || !Files.exists(dir.resolve("run/daemon.json"))) {
            assertThat(daemon.isAlive()).as("daemon died: %s", Files.readString(log)).isTrue();
            assertThat(System.nanoTime()).as("health UP within 60 s").isLessThan(deadline);
            Thread.sleep(100);
        }

        long t0 = System.nanoTime();
        Terrariumctl.Result r = trm.run(Duration.ofMinutes(5), "backup", "export");
        double seconds = (System.nanoTime() - t0) / 1e9;
        assertThat(r.exit()).as(r.all()).isZero();
        assertThat(r.out()).as("ran in the daemon").contains("s3-export: OK").contains("trigger cli").doesNotContain("in-process");
        long stored = Long.parseLong(cell(r.out(), "BYTES"));
        assertThat(stored).as("incompressible data: the stored stream is at least the data").isGreaterThanOrEqualTo((long) MIB << 20);

        assertThat(r.err()).as("a pipe gets plain lines").doesNotContain("\r");
        List<String> lines = r.err().lines().filter(l -> l.startsWith(NAME + ": ")).toList();
        assertThat(lines).as(r.err()).hasSizeGreaterThanOrEqualTo(2);
        assertThat(lines.get(0)).isEqualTo(NAME + ": full export started");
        String end = lines.get(lines.size() - 1);
        assertThat(end).as("the end line counts the bytes the result reports").matches(Pattern.quote(NAME + ": done, ")
                + "\\d+\\.\\d MiB sent, " + Pattern.quote(ProgressDisplay.bytes(stored)) + " compressed in \\d+ s \\(.+/s\\)");
        Matcher sent = Pattern.compile("done, (\\d+\\.\\d) MiB sent").matcher(end);
        assertThat(sent.find()).isTrue();
        assertThat(Double.parseDouble(sent.group(1))).as("the zfs send stream holds the data").isGreaterThanOrEqualTo(MIB);
        System.out.printf("PROGRESS-FIGURES data_mib=%d stored_bytes=%d cli_seconds=%.2f%n%s%n", MIB, stored, seconds, String.join("\n", lines));

        // issue 16: typed at a terminal (a pty 70 columns wide), the daemon serves the trigger too and draws the bar
        // there, as wide as the terminal; before, such a trigger was refused and ran in the CLI's own JVM (2–2.8 s)
        sh("dd if=/dev/urandom of=" + dir.resolve("more.bin") + " bs=1M count=8 status=none");
        sh("lxc file push --project " + PROJECT + " " + dir.resolve("more.bin") + " " + NAME + "/root/more.bin");
        Path dist = Terrariumctl.LAUNCHER.getParent().getParent();
        String inPty = "stty cols 70 rows 24; " + Terrariumctl.LAUNCHER + " backup export; echo LAUNCHER-EXIT=$?; "
                // the client alone: exit 222 would mean the daemon refused to serve a terminal (the launcher would then
                // have run the command in its own JVM, with the same bar)
                + "java -Dterrarium.columns=70 -cp " + dist.resolve("lib/terrarium.jar") + " io.terrarium.cli.served.ServedClient"
                + " jobs run host-facts; echo CLIENT-EXIT=$?";
        ProcessBuilder pty = new ProcessBuilder("script", "-qec", inPty, "/dev/null").redirectErrorStream(true);
        pty.environment().putAll(trm.env);
        Process p = pty.start();
        p.getOutputStream().close();
        String tty = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        assertThat(p.waitFor(5, TimeUnit.MINUTES)).isTrue();
        assertThat(tty).as(tty).contains("LAUNCHER-EXIT=0").contains("CLIENT-EXIT=0").contains("s3-export: OK").contains("host-facts: OK");
        // the pty turns every newline into \r\n: the bar is a carriage return that is not one of those
        List<String> redraws = Pattern.compile("\r(?!\n)").splitAsStream(tty).skip(1).map(l -> l.split("\r?\n")[0]).toList();
        assertThat(redraws).as("the bar redraws on the terminal: %s", tty).isNotEmpty();
        assertThat(redraws).as(tty).anySatisfy(l -> assertThat(l).contains(NAME).contains("MiB"));
        assertThat(redraws).as("drawn no wider than the terminal less one column").allSatisfy(l -> assertThat(l.length()).isLessThanOrEqualTo(69));
    }
}
