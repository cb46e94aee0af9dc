package io.terrarium.it;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.terrarium.s3.MultipartJanitor;
import io.terrarium.s3.ProviderProfile;
import io.terrarium.s3.S3ClientFactory;
import io.terrarium.s3.S3ExportJob;
import io.terrarium.s3.S3Settings;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.S3Object;

import java.io.InputStream;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static io.terrarium.it.S3RestoreIT.sh;
import static io.terrarium.it.S3RestoreIT.shCode;

/**
 * The kill -9 campaign of issue 13 on the development host (zfs-fuse, LXD, s3proxy): the real
 * CLI ({@code target/dist/bin/terrariumctl}, its own JVM) runs {@code backup export} or
 * {@code backup restore --source s3} and is sent SIGKILL at a random point: time points (a delay
 * drawn uniformly from 0 to 1.2 × the last uncut run of the same kind, so kills land in JVM start,
 * planning, {@code zfs send}/upload or receive, commit and clean-up alike) and, for half the
 * exports, byte points (40–64 MiB written first, killed 0–2 s after the multipart upload appears). Exports are encrypted
 * (a backup key is created first) and chains are short ({@code s3.chain.max_incrementals: 3},
 * {@code keep_chains: 2}) so fulls, incrementals and retention all get killed.
 *
 * <p>After every kill: an uncut {@code backup export} must succeed, leave 0 multipart uploads of
 * this installation, and {@code backup verify} must pass (no chain broken); every restore point
 * committed since the last check (by the killed run or the uncut one) is restored as a new
 * instance and its files compared by SHA-256 with the files written into the container before
 * that export ({@code /root}), and with the whole export snapshot's tree when the export base is
 * still on the host. After a killed restore, the same point is restored again (new name) and
 * compared; leftovers of the killed restore (staging datasets, half-created instances) are
 * counted and reported.
 *
 * <p>Run by {@code scripts/bench-kill-campaign.sh N}; not part of the IT suite (one point takes 1–3
 * minutes on the dev host: an uncut export, {@code backup verify} and one or two restores per kill).
 * Not named {@code *IT}/{@code *Test}, so neither surefire nor failsafe runs it. The stored configuration (LXD project {@code terrarium-system}) is changed while it
 * runs and restored afterwards: hold {@code /var/lock/terrarium-it.lock}.
 */
final class KillCampaign implements AutoCloseable {
    /** One kill: what was killed, after how many milliseconds, and what the checks found. */
    record Point(int n, String kind, long delayMs, boolean killed, String outcome) {
    }

    /** The campaign's totals. */
    record Summary(List<Point> points, int killed, int committedChecked, int restoresIdentical, int abortedByNextRun,
                   int orphanedUploadsAfterNextRun, int verifyFailures, int leftovers, List<String> failures, Duration elapsed) {
    }

    final long n = System.nanoTime() % 1_000_000L;
    final String project = "kc-" + n;
    final String parent = "terrarium/kc-" + n;
    final String name = "kc-web";
    final String prefix = "kill-campaign-" + n + "/";
    final String install = "kc-" + n;
    final String script = Path.of("scripts/devhost/zfs-container.sh").toAbsolutePath().toString();
    final String env;
    final Path dir;
    final Random random;
    final Terrariumctl trm;
    final S3Settings settings;
    final S3Client s3;
    final String savedConfig;
    final ObjectMapper json = new ObjectMapper();
    final java.io.PrintStream log;

    /** /root file name → SHA-256 in the container now (what the next export must capture). */
    final Map<String, String> live = new TreeMap<>();
    /** manifest id → /root files at that point. */
    final Map<String, Map<String, String>> expectedRoot = new LinkedHashMap<>();
    /** manifest id → whole tree of its export snapshot (when it was seen on the host). */
    final Map<String, Map<String, String>> expectedTree = new LinkedHashMap<>();
    final List<String> checked = new ArrayList<>();
    final List<String> failures = new ArrayList<>();
    int copies;
    int identical;
    int orphans;
    /** Multipart uploads killed runs left, aborted at the start of the next export. */
    int abortedByNextRun;
    int verifyFailures;
    int leftovers;
    long lastExportMs = 8000;
    long lastRestoreMs = 8000;

    KillCampaign(Path dir, long seed, java.io.PrintStream log) throws Exception {
        this.dir = dir;
        this.random = new Random(seed);
        this.log = log;
        this.env = "TERRARIUM_DEV_CONTAINERS_DATASET=" + parent + " TERRARIUM_DEV_LXD_PROJECT=" + project + " ";
        savedConfig = StoredConfig.rawValue();
        settings = new S3Settings(URI.create(System.getenv("TERRARIUM_DEV_S3_ENDPOINT")), "us-east-1",
                System.getenv("TERRARIUM_DEV_S3_BUCKET"), prefix, System.getenv("TERRARIUM_DEV_S3_ACCESS_KEY"),
                Path.of(System.getenv("TERRARIUM_DEV_S3_SECRET_FILE")), ProviderProfile.generic(), 4, null, null);
        s3 = S3ClientFactory.create(settings, 2);
        trm = new Terrariumctl(dir);
        sh("lxc project create " + project + " -c features.images=false -c features.profiles=false -c features.storage.volumes=false");
        sh("zfs create -o mountpoint=none " + parent);
        sh(env + script + " create " + name);
        StoredConfig.setYaml("version: 1\ninstallation_id: " + install + "\nlxd:\n  project: " + project + "\ns3:\n  enabled: true\n"
                + "  provider: generic\n  endpoint: " + System.getenv("TERRARIUM_DEV_S3_ENDPOINT") + "\n  region: us-east-1\n"
                + "  bucket: " + System.getenv("TERRARIUM_DEV_S3_BUCKET") + "\n  prefix: " + prefix + "\n"
                + "  access_key: " + System.getenv("TERRARIUM_DEV_S3_ACCESS_KEY") + "\n"
                + "  secret_key_file: " + System.getenv("TERRARIUM_DEV_S3_SECRET_FILE") + "\n"
                + "  retention:\n    keep_chains: 2\n  chain:\n    max_incrementals: 3\n");
        Terrariumctl.Result key = trm.run("backup", "key", "init");
        if (key.exit() != 0) {
            throw new IllegalStateException("backup key init: " + key.all());
        }
    }

    /**
     * Runs {@code points} kills (points whose process had already exited when the signal was due
     * are re-drawn, at most 3 × points attempts).
     */
    Summary run(int points) throws Exception {
        Instant start = Instant.now();
        List<Point> out = new ArrayList<>();
        change(1);
        uncutExport(0);
        int attempts = 0;
        while (out.stream().filter(Point::killed).count() < points && attempts++ < 3 * points) {
            int i = out.size() + 1;
            boolean restore = !checked.isEmpty() && random.nextInt(3) == 0;
            Point p = restore ? killRestore(i) : killExport(i);
            out.add(p);
            log.printf("[kill-campaign] %d %s delay=%dms killed=%s: %s%n", p.n(), p.kind(), p.delayMs(), p.killed(), p.outcome());
        }
        return new Summary(out, (int) out.stream().filter(Point::killed).count(), checked.size(), identical, abortedByNextRun, orphans, verifyFailures,
                leftovers, failures, Duration.between(start, Instant.now()));
    }

    /** Writes 1–12 MiB of random bytes into a new /root file and sometimes removes an older one. */
    void change(int i) throws Exception {
        change(i, 1 + random.nextInt(12));
    }

    /** Writes {@code mib} MiB of random bytes into a new /root file and sometimes removes an older one. */
    void change(int i, int mib) throws Exception {
        byte[] data = new byte[mib << 20];
        random.nextBytes(data);
        Path tmp = dir.resolve("f" + i + ".bin");
        Files.write(tmp, data);
        sh("lxc file push --project " + project + " " + tmp + " " + name + "/root/f" + i + ".bin");
        Files.delete(tmp);
        live.put("f" + i + ".bin", HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(data)));
        if (live.size() > 3 && random.nextBoolean()) {
            String gone = live.keySet().iterator().next();
            sh("lxc exec --project " + project + " " + name + " -- rm /root/" + gone);
            live.remove(gone);
        }
    }

    Point killExport(int i) throws Exception {
        // half the export kills are byte points: 40–64 MiB of incompressible data (3–4 parts of 16 MiB),
        // killed 0–2 s after this installation's multipart upload appears in the listing (mid-upload);
        // the other half are time points over the whole run (JVM start, plan, snapshot, commit, clean-up)
        boolean bytePoint = random.nextBoolean();
        change(i + 1, bytePoint ? 40 + random.nextInt(25) : 1 + random.nextInt(12));
        Map<String, String> before = Map.copyOf(live);
        List<String> had = manifests();
        long delay;
        boolean killed;
        if (bytePoint) {
            delay = random.nextInt(2000);
            killed = killMidUpload(trm.builder("backup", "export"), delay, "export-" + i);
        } else {
            delay = (long) (random.nextDouble() * 1.2 * lastExportMs);
            killed = kill(trm.builder("backup", "export"), delay, "export-" + i);
        }
        // a point the killed run committed holds the state of this step
        for (String m : manifests()) {
            if (!had.contains(m)) {
                expectedRoot.put(id(m), before);
            }
        }
        String outcome = afterKill(i);
        return new Point(i, bytePoint ? "export mid-upload" : "export", delay, killed, outcome);
    }

    Point killRestore(int i) throws Exception {
        List<String> present = manifests().stream().map(KillCampaign::id).filter(checked::contains).toList();
        String point = present.get(random.nextInt(present.size()));
        String copy = "kc-r" + i;
        long delay = (long) (random.nextDouble() * 1.2 * lastRestoreMs);
        String before = datasets();
        boolean killed = kill(trm.builder("backup", "restore", "--source", "s3", "--instance", name, "--at", point, "--as-new", copy,
                "--yes"), delay, "restore-" + i);
        List<String> left = new ArrayList<>();
        for (String d : datasets().lines().toList()) {
            if (killed && !before.contains(d + "\n")) {
                left.add(d);
            }
        }
        boolean half = shCode("lxc query '/1.0/instances/" + copy + "?project=" + project + "'") == 0;
        String note = "left " + left + (half ? " and instance " + copy : "");
        if (!left.isEmpty()) {
            leftovers += left.size();
        }
        deleteInstance(copy);
        String again = restoreAndCompare(point, "kc-a" + i);
        return new Point(i, "restore", delay, killed, note + "; restore again: " + again + "; " + afterKill(i));
    }

    /**
     * Starts the export, waits until this installation has a multipart upload in the listing, then
     * SIGKILLs it {@code delayMs} later; true when it was still running then.
     */
    boolean killMidUpload(ProcessBuilder pb, long delayMs, String tag) throws Exception {
        Process p = pb.redirectErrorStream(true).redirectOutput(dir.resolve(tag + ".log").toFile()).start();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(180);
        MultipartJanitor janitor = new MultipartJanitor(s3, settings.bucket(), prefix, Duration.ZERO, Clock.systemUTC());
        while (p.isAlive() && System.nanoTime() < deadline
                && janitor.list().stream().noneMatch(u -> u.key().startsWith(prefix + install + "/"))) {
            Thread.sleep(50);
        }
        if (p.waitFor(delayMs, TimeUnit.MILLISECONDS)) {
            return false;
        }
        return killNow(p);
    }

    /** Starts the process, SIGKILLs it after {@code delayMs}; true when it was still running. */
    boolean kill(ProcessBuilder pb, long delayMs, String tag) throws Exception {
        Process p = pb.redirectErrorStream(true).redirectOutput(dir.resolve(tag + ".log").toFile()).start();
        boolean exited = p.waitFor(delayMs, TimeUnit.MILLISECONDS);
        if (exited) {
            return false;
        }
        return killNow(p);
    }

    boolean killNow(Process p) throws Exception {
        List<ProcessHandle> children = p.descendants().toList();
        p.toHandle().destroyForcibly();
        p.waitFor(30, TimeUnit.SECONDS);
        for (ProcessHandle c : children) { // zfs send / receive die of the broken pipe; wait for them
            c.onExit().get(60, TimeUnit.SECONDS);
        }
        return true;
    }

    /** The uncut export, orphan and chain checks, and a restore of every point not checked yet. */
    String afterKill(int i) throws Exception {
        Map<String, String> state = Map.copyOf(live);
        String r = uncutExport(i);
        List<MultipartJanitor.Upload> ups = new MultipartJanitor(s3, settings.bucket(), prefix, Duration.ZERO, Clock.systemUTC()).list()
                .stream().filter(u -> u.key().startsWith(prefix + install + "/")).toList();
        orphans += ups.size();
        if (!ups.isEmpty()) {
            failures.add("point " + i + ": " + ups.size() + " multipart upload(s) left after the next run");
        }
        Terrariumctl.Result verify = trm.run(Duration.ofMinutes(5), "backup", "verify", "--instance", name);
        if (verify.exit() != 0) {
            verifyFailures++;
            failures.add("point " + i + ": backup verify failed: " + verify.all());
        }
        List<String> results = new ArrayList<>();
        for (String m : manifests()) {
            String id = id(m);
            if (!checked.contains(id)) {
                expectedRoot.putIfAbsent(id, state);
                results.add(restoreAndCompare(id, "kc-c" + (++copies)));
                checked.add(id);
            }
        }
        return r + "; next export ok, " + ups.size() + " upload(s) left, verify " + (verify.exit() == 0 ? "ok" : "FAILED")
                + "; new points " + results;
    }

    /** {@code backup export} without a kill; records its point's snapshot tree. */
    String uncutExport(int i) throws Exception {
        long t0 = System.nanoTime();
        Terrariumctl.Result r = trm.run(Duration.ofMinutes(10), "backup", "export", "--format", "json");
        if (r.exit() != 0) {
            failures.add("point " + i + ": the export after the kill failed: " + r.all());
            return "next export FAILED";
        }
        lastExportMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
        JsonNode row = json.readTree(r.out()).path("details").path("datasets").get(0);
        String id = row.path("manifest").asText();
        expectedRoot.put(id, Map.copyOf(live));
        String base = sh("zfs list -H -t snapshot -o name -r " + parent + "/" + name + " | grep '@" + S3ExportJob.BASE_PREFIX
                + "' | sort | tail -n1");
        expectedTree.put(id, treeOf(base));
        int aborted = json.readTree(r.out()).path("details").path("orphaned_uploads_aborted").asInt();
        abortedByNextRun += aborted;
        return row.path("kind").asText() + " " + id + ", " + aborted + " orphan(s) aborted";
    }

    /** Restores point {@code id} as new instance {@code copy}, compares, deletes the copy. */
    String restoreAndCompare(String id, String copy) throws Exception {
        long t0 = System.nanoTime();
        Terrariumctl.Result r = trm.run(Duration.ofMinutes(10), "backup", "restore", "--source", "s3", "--instance", name, "--at", id,
                "--as-new", copy, "--yes");
        try {
            if (r.exit() != 0) {
                failures.add("restore of " + id + " failed: " + r.all());
                return id + " restore FAILED";
            }
            lastRestoreMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
            String ds = parent + "/" + project + "_" + copy;
            String snap = sh("zfs list -H -t snapshot -o name -d 1 " + ds + " | sort | tail -n1");
            Map<String, String> tree = treeOf(snap);
            Map<String, String> root = new TreeMap<>();
            tree.forEach((k, v) -> {
                if (k.startsWith("rootfs/root/f") && k.endsWith(".bin")) {
                    root.put(k.substring("rootfs/root/".length()), v);
                }
            });
            boolean same = root.equals(expectedRoot.get(id)) && (!expectedTree.containsKey(id) || tree.equals(expectedTree.get(id)));
            if (!same) {
                failures.add("point " + id + " is not byte-identical: files " + root + " expected " + expectedRoot.get(id));
                return id + " DIFFERS";
            }
            identical++;
            return id + " identical (" + root.size() + " files" + (expectedTree.containsKey(id) ? ", whole tree" : "") + ")";
        } finally {
            deleteInstance(copy);
        }
    }

    String datasets() {
        return sh("zfs list -H -o name -r " + parent) + "\n";
    }

    /** Stops and deletes instance {@code copy}: its dataset first (LXD's dir driver cannot remove a mounted zfs-fuse directory). */
    void deleteInstance(String copy) {
        String ds = parent + "/" + project + "_" + copy;
        shCode("lxc --project " + project + " stop --force " + copy + " 2>/dev/null; true");
        shCode("for i in $(seq 40); do zfs list -H -o name " + ds + " >/dev/null 2>&1 || exit 0; zfs destroy -r " + ds
                + " 2>/dev/null && exit 0; sleep 0.5; done");
        String d = sh("lxc storage get default source") + "/containers/" + project + "_" + copy;
        shCode("if lxc query '/1.0/instances/" + copy + "?project=" + project + "' >/dev/null 2>&1; then mkdir -p " + d
                + "; lxc --project " + project + " delete --force " + copy + "; fi; rmdir " + d + " 2>/dev/null; true");
        // staging datasets of a killed restore: the campaign counted them; remove them so the next point starts clean
        shCode("zfs list -H -o name -r " + parent + " | grep -E '\\.s3restore-' | xargs -r -n1 zfs destroy -r 2>/dev/null; true");
        if (shCode("lxc query '/1.0/instances/" + copy + "?project=" + project + "'") == 0) {
            failures.add("campaign clean-up: instance " + copy + " could not be deleted");
        }
    }

    static String id(String manifestKey) {
        String leaf = manifestKey.substring(manifestKey.lastIndexOf('/') + 1);
        return leaf.substring(0, leaf.length() - ".json".length());
    }

    List<String> manifests() {
        return s3.listObjectsV2Paginator(b -> b.bucket(settings.bucket()).prefix(prefix)).contents().stream().map(S3Object::key)
                .filter(k -> k.contains("/manifests/") && k.endsWith(".json") && !k.contains("/_host/")).sorted().toList();
    }

    Map<String, String> treeOf(String snapshot) throws Exception {
        String clone = parent + "/cmp";
        Path mnt = Path.of("/var/tmp/terrarium-it/kc-cmp-" + n);
        Files.createDirectories(mnt);
        sh("zfs clone " + snapshot + " " + clone + " && zfs set mountpoint=" + mnt + " " + clone);
        if (!sh("zfs get -H -o value mounted " + clone).equals("yes")) {
            sh("zfs mount " + clone);
        }
        try {
            Map<String, String> out = new TreeMap<>();
            try (Stream<Path> files = Files.walk(mnt)) {
                for (Path f : (Iterable<Path>) files::iterator) {
                    if (Files.isRegularFile(f, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
                        MessageDigest md = MessageDigest.getInstance("SHA-256");
                        try (InputStream in = Files.newInputStream(f)) {
                            byte[] buf = new byte[1 << 16];
                            int k;
                            while ((k = in.read(buf)) >= 0) {
                                md.update(buf, 0, k);
                            }
                        }
                        out.put(mnt.relativize(f).toString(), HexFormat.of().formatHex(md.digest()));
                    }
                }
            }
            return out;
        } finally {
            sh("for i in $(seq 40); do zfs destroy " + clone + " 2>/dev/null && exit 0; sleep 0.5; done; zfs destroy " + clone);
        }
    }

    @Override
    public void close() throws Exception {
        try {
            StoredConfig.restore(savedConfig);
            for (String k : s3.listObjectsV2Paginator(b -> b.bucket(settings.bucket()).prefix(prefix)).contents().stream()
                    .map(S3Object::key).toList()) {
                s3.deleteObject(b -> b.bucket(settings.bucket()).key(k));
            }
            for (MultipartJanitor.Upload u : new MultipartJanitor(s3, settings.bucket(), prefix, Duration.ZERO, Clock.systemUTC()).list()) {
                s3.abortMultipartUpload(b -> b.bucket(settings.bucket()).key(u.key()).uploadId(u.uploadId()));
            }
            s3.close();
        } finally {
            shCode("lxc --project " + project + " stop --force " + name + " 2>/dev/null; true");
            shCode("zfs list -H -r -t snapshot -o name " + parent + " 2>/dev/null | grep @" + S3ExportJob.BASE_PREFIX
                    + " | xargs -r -n1 zfs release " + S3ExportJob.HOLD_TAG + " 2>/dev/null; true");
            shCode("for i in $(seq 40); do zfs list -H -o name " + parent + " >/dev/null 2>&1 || exit 0; zfs destroy -r " + parent
                    + " 2>/dev/null && exit 0; sleep 0.5; done");
            for (String inst : sh("lxc list --project " + project + " -c n --format csv 2>/dev/null || true").lines().toList()) {
                deleteInstanceQuiet(inst);
            }
            shCode("lxc project delete " + project + " 2>/dev/null; true");
            shCode("rm -rf /var/tmp/terrarium-it/kc-cmp-" + n);
        }
    }

    void deleteInstanceQuiet(String inst) {
        String src = shCode("lxc storage show default >/dev/null") == 0 ? sh("lxc storage get default source") : "";
        String d = src + "/containers/" + project + "_" + inst;
        shCode("lxc --project " + project + " stop --force " + inst + " 2>/dev/null; mkdir -p " + d + "; lxc --project " + project
                + " delete --force " + inst + "; rmdir " + d + " 2>/dev/null; true");
    }

    /** {@code KillCampaign POINTS [SEED]}: prints one line per point and a Markdown summary; exit 1 on any failure. */
    public static void main(String[] args) throws Exception {
        int points = args.length > 0 ? Integer.parseInt(args[0]) : 20;
        long seed = args.length > 1 ? Long.parseLong(args[1]) : System.currentTimeMillis();
        Path dir = Files.createTempDirectory("kill-campaign-");
        System.err.println("[kill-campaign] logs of the killed runs in " + dir);
        Summary s;
        try (KillCampaign c = new KillCampaign(dir, seed, System.err)) {
            s = c.run(points);
        }
        long exports = s.points().stream().filter(p -> p.killed() && p.kind().startsWith("export")).count();
        long midUpload = s.points().stream().filter(p -> p.killed() && p.kind().equals("export mid-upload")).count();
        long restores = s.points().stream().filter(p -> p.killed() && p.kind().equals("restore")).count();
        System.out.println("| seed | kills (export [of which mid-upload] / restore) | draws that finished before the signal | restore points checked "
                + "| byte-identical | uploads left by kills, aborted by the next export | multipart uploads left after the next run | backup verify failures | killed-restore leftovers "
                + "| minutes |");
        System.out.println("|---|---|---|---|---|---|---|---|---|---|");
        System.out.printf("| %d | %d (%d [%d] / %d) | %d | %d | %d | %d | %d | %d | %d | %.1f |%n", seed, s.killed(), exports, midUpload, restores,
                s.points().size() - s.killed(), s.committedChecked(), s.restoresIdentical(), s.abortedByNextRun(), s.orphanedUploadsAfterNextRun(),
                s.verifyFailures(), s.leftovers(), s.elapsed().toSeconds() / 60.0);
        for (String f : s.failures()) {
            System.out.println("FAILURE: " + f);
        }
        System.exit(s.failures().isEmpty() ? 0 : 1);
    }
}
