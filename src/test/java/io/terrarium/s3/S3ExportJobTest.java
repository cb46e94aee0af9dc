package io.terrarium.s3;

import io.terrarium.backup.InstanceDataset;
import io.terrarium.backup.Manifest;
import io.terrarium.config.TerrariumConfig;
import io.terrarium.host.exec.Command;
import io.terrarium.host.zfs.ZfsAdapter;
import io.terrarium.jobs.JobResult;
import io.terrarium.testing.RecordingCommandRunner;
import io.terrarium.testing.RecordingCommandRunner.Reply;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

import static org.assertj.core.api.Assertions.assertThat;

/** The full/incremental decision and the C07 clean-up order of {@link S3ExportJob}, against a fake zfs and S3. */
class S3ExportJobTest {
    static final String DS = "tank/containers/web";
    static final TerrariumConfig.S3 ON = new TerrariumConfig.S3(true, "generic", "http://127.0.0.1:1", null, "b",
            "terrarium/", "AK", "/nonexistent");

    /** Event log shared by the fake zfs and the fake S3: the order of destroys and commits. */
    final List<String> log = new ArrayList<>();
    /** Snapshot names of {@link #DS}. */
    final TreeSet<String> snaps = new TreeSet<>();
    final RecordingCommandRunner runner = new RecordingCommandRunner(this::zfs);
    final FakeTarget target = new FakeTarget();
    Instant now = Instant.parse("2026-11-30T10:30:00Z");

    /** Whether the fake zfs answers the capability probe as OpenZFS 2.2 (holds, send -n -P). */
    boolean openZfs;
    /** Held snapshots (full names) of the OpenZFS fake. */
    final TreeSet<String> held = new TreeSet<>();

    Reply zfs(Command c) {
        List<String> a = c.argv();
        if (openZfs) {
            Reply r = openZfsOnly(a);
            if (r != null) {
                return r;
            }
        }
        if (a.size() < 2) {
            return null;
        }
        if (a.get(1).equals("snapshot")) {
            snaps.add(a.get(2).substring(a.get(2).indexOf('@') + 1));
            log.add("snapshot " + a.get(2));
            return Reply.ok("");
        }
        if (a.get(1).equals("destroy")) {
            snaps.remove(a.get(a.size() - 1).substring(a.get(a.size() - 1).indexOf('@') + 1));
            log.add("destroy " + a.get(a.size() - 1));
            return Reply.ok("");
        }
        if (a.contains("guid")) {
            return Reply.ok("1234\n");
        }
        if (a.contains("creation,used")) {
            StringBuilder sb = new StringBuilder(DS + "\tcreation\t1\t-\n");
            int t = 100;
            for (String s : snaps) {
                sb.append(DS).append('@').append(s).append("\tcreation\t").append(t++).append("\t-\n");
                sb.append(DS).append('@').append(s).append("\tused\t0\t-\n");
            }
            return Reply.ok(sb.toString());
        }
        return null;
    }

    Reply openZfsOnly(List<String> a) {
        if (a.equals(List.of("zfs", "version"))) {
            return Reply.ok("zfs-2.2.2-0ubuntu9\nzfs-kmod-2.2.2-0ubuntu9\n");
        }
        if (a.equals(List.of("zfs"))) {
            return new Reply(2, "", USAGE);
        }
        if (a.get(1).equals("hold")) {
            held.add(a.get(3));
            log.add("hold " + a.get(2) + " " + a.get(3));
            return Reply.ok("");
        }
        if (a.get(1).equals("holds")) {
            String snap = a.get(a.size() - 1);
            return Reply.ok(held.contains(snap) ? snap + "\t" + S3ExportJob.HOLD_TAG + "\tMon Nov 30 10:30 2026\n" : "");
        }
        if (a.get(1).equals("release")) {
            if (!held.remove(a.get(3))) {
                return Reply.fail(1, "cannot release: no such tag on this dataset");
            }
            log.add("release " + a.get(2) + " " + a.get(3));
            return Reply.ok("");
        }
        if (a.get(1).equals("destroy") && held.contains(a.get(a.size() - 1))) {
            return Reply.fail(1, "cannot destroy snapshot: dataset is busy");
        }
        if (a.size() > 4 && a.subList(1, 4).equals(List.of("send", "-n", "-P"))) {
            log.add("estimate " + String.join(" ", a.subList(4, a.size())));
            return Reply.ok("full\t" + a.get(a.size() - 1) + "\t123456\nsize\t123456\n");
        }
        return null;
    }

    static final String USAGE;

    static {
        try (var in = S3ExportJobTest.class.getResourceAsStream("/zfs/usage-openzfs-2.2.txt")) {
            USAGE = new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    final class FakeTarget implements S3ExportJob.Target {
        final Map<String, Manifest> manifests = new LinkedHashMap<>();
        boolean fail;
        final List<S3Exporter.Request> requests = new ArrayList<>();

        @Override
        public List<String> manifestIds(String instance) {
            return List.copyOf(manifests.keySet());
        }

        @Override
        public Manifest manifest(String instance, String id) {
            return manifests.get(id);
        }

        @Override
        public Manifest export(S3Exporter.Request req) throws IOException {
            requests.add(req);
            if (fail) {
                log.add("export failed");
                throw new UploadFailedException("store said no", null);
            }
            String id = "2026" + String.format("%04d", manifests.size()) + "-" + req.snapshotGuid();
            Manifest m = mf(id, req.snapshot(), req.parent());
            manifests.put(id, m);
            log.add("commit " + req.snapshot());
            return m;
        }

        @Override
        public void close() {
        }
    }

    static Manifest mf(String id, String snapshot, Manifest parent) {
        return new Manifest(Manifest.FORMAT_VERSION, id, "inst", "web", DS, snapshot, "1234",
                parent == null ? null : parent.id(), parent == null ? null : parent.snapshot(), "zstd", List.of(),
                Map.of(), Instant.EPOCH, 10, List.of());
    }

    S3ExportJob job(int max) {
        return new S3ExportJob(() -> ON, () -> "inst", runner, new ZfsAdapter(runner),
                () -> List.of(new InstanceDataset("web", "Running", DS, null)),
                (s3, id, clock) -> target, Clock.fixed(now, ZoneOffset.UTC), max);
    }

    JobResult run(int max) {
        JobResult r = job(max).run();
        now = now.plusSeconds(3600);
        return r;
    }

    @SuppressWarnings("unchecked")
    static Map<String, Object> row(JobResult r) {
        return ((List<Map<String, Object>>) r.details().get("datasets")).get(0);
    }

    @Test
    void disabledIsOk() {
        JobResult r = new S3ExportJob(TerrariumConfig.S3::disabled, () -> "inst", runner, new ZfsAdapter(runner),
                List::of, (s3, id, clock) -> target, Clock.systemUTC(), 24).run();
        assertThat(r.status()).isEqualTo(JobResult.Status.OK);
        assertThat(r.summary()).isEqualTo("S3 exports are disabled");
        assertThat(runner.calls()).isEmpty();
    }

    @Test
    void firstFullThenIncrementalFromThePreviousBase() {
        JobResult r1 = run(24);
        assertThat(r1.status()).isEqualTo(JobResult.Status.OK);
        assertThat(row(r1)).containsEntry("kind", "full").containsEntry("status", "ok");
        JobResult r2 = run(24);
        assertThat(row(r2)).containsEntry("kind", "incremental");
        assertThat(target.requests.get(1).parent().snapshot()).isEqualTo("terrarium-export-20261130T103000Z");
        assertThat(target.requests.get(1).snapshot()).isEqualTo("terrarium-export-20261130T113000Z");
        assertThat(snaps).containsExactly("terrarium-export-20261130T113000Z");
    }

    @Test
    void fullWhenTheNewestManifestDoesNotNameThePreviousBase() {
        run(24);
        target.manifests.clear(); // S3 emptied
        assertThat(row(run(24))).containsEntry("kind", "full");
        // a foreign newest manifest naming another snapshot
        target.manifests.put("29990101-9", mf("29990101-9", "autosnap_x", null));
        assertThat(row(run(24))).containsEntry("kind", "full");
    }

    @Test
    void fullWhenThePreviousBaseIsGoneLocally() {
        run(24);
        snaps.clear();
        assertThat(row(run(24))).containsEntry("kind", "full");
    }

    @Test
    void fullAgainOnceTheChainReachesTheLimit() {
        List<Object> kinds = new ArrayList<>();
        for (int k = 0; k < 9; k++) {
            kinds.add(row(run(3)).get("kind"));
        }
        // at most 3 incrementals hang off one full
        assertThat(kinds).containsExactly("full", "incremental", "incremental", "incremental",
                "full", "incremental", "incremental", "incremental", "full");
    }

    @Test
    void c07OlderBasesDestroyedOnlyAfterTheCommitAndOtherSnapshotsKept() {
        snaps.add("terrarium-export-20261129T010000Z"); // leftover of a crashed run
        snaps.add("autosnap_2026-11-30_10:15:00_frequently");
        snaps.add("keep-me");
        run(24);
        log.clear();
        JobResult r = run(24);
        assertThat(r.status()).isEqualTo(JobResult.Status.OK);
        assertThat(log).containsExactly("snapshot " + DS + "@terrarium-export-20261130T113000Z",
                "commit terrarium-export-20261130T113000Z",
                "destroy " + DS + "@terrarium-export-20261130T103000Z");
        assertThat(snaps).containsExactly("autosnap_2026-11-30_10:15:00_frequently", "keep-me",
                "terrarium-export-20261130T113000Z");
    }

    @Test
    void c07LeftoverIsDestroyedAfterTheFirstCommit() {
        snaps.add("terrarium-export-20261129T010000Z");
        snaps.add("keep-me");
        run(24);
        assertThat(log).containsExactly("snapshot " + DS + "@terrarium-export-20261130T103000Z",
                "commit terrarium-export-20261130T103000Z",
                "destroy " + DS + "@terrarium-export-20261129T010000Z");
        assertThat(snaps).containsExactly("keep-me", "terrarium-export-20261130T103000Z");
    }

    @Test
    void failureDestroysOnlyTheNewBaseAndKeepsTheChain() {
        run(24);
        target.fail = true;
        log.clear();
        JobResult r = run(24);
        assertThat(r.status()).isEqualTo(JobResult.Status.FAILED);
        assertThat(row(r)).containsEntry("status", "failed").containsEntry("kind", "incremental");
        assertThat((List<?>) r.details().get("errors")).singleElement().asString().contains("store said no");
        assertThat(log).containsExactly("snapshot " + DS + "@terrarium-export-20261130T113000Z", "export failed",
                "destroy " + DS + "@terrarium-export-20261130T113000Z");
        assertThat(snaps).containsExactly("terrarium-export-20261130T103000Z");
        // the next run continues the chain from the surviving base
        target.fail = false;
        JobResult r3 = run(24);
        assertThat(row(r3)).containsEntry("kind", "incremental");
        assertThat(target.requests.get(2).parent().snapshot()).isEqualTo("terrarium-export-20261130T103000Z");
    }

    @Test
    void onOpenZfsTheNewBaseIsHeldAndReleasedJustBeforeItIsDestroyed() {
        openZfs = true;
        run(24);
        assertThat(held).containsExactly(DS + "@terrarium-export-20261130T103000Z");
        log.clear();
        JobResult r = run(24);
        assertThat(r.status()).as(r.summary()).isEqualTo(JobResult.Status.OK);
        assertThat(row(r)).containsEntry("held", true).containsEntry("estimate_bytes", 123456L);
        assertThat(log).containsExactly("snapshot " + DS + "@terrarium-export-20261130T113000Z",
                "hold terrarium-export " + DS + "@terrarium-export-20261130T113000Z",
                "estimate -i " + DS + "@terrarium-export-20261130T103000Z " + DS + "@terrarium-export-20261130T113000Z",
                "commit terrarium-export-20261130T113000Z",
                "release terrarium-export " + DS + "@terrarium-export-20261130T103000Z",
                "destroy " + DS + "@terrarium-export-20261130T103000Z");
        assertThat(held).containsExactly(DS + "@terrarium-export-20261130T113000Z");
        assertThat(target.requests.get(1).estimate()).hasValue(123456L);
    }

    @Test
    void onOpenZfsAFailedExportReleasesAndDestroysOnlyTheNewBase() {
        openZfs = true;
        run(24);
        target.fail = true;
        log.clear();
        JobResult r = run(24);
        assertThat(r.status()).isEqualTo(JobResult.Status.FAILED);
        assertThat(log).containsSubsequence("hold terrarium-export " + DS + "@terrarium-export-20261130T113000Z",
                "export failed", "release terrarium-export " + DS + "@terrarium-export-20261130T113000Z",
                "destroy " + DS + "@terrarium-export-20261130T113000Z");
        assertThat(held).containsExactly(DS + "@terrarium-export-20261130T103000Z");
        assertThat(snaps).containsExactly("terrarium-export-20261130T103000Z");
    }

    @Test
    void withoutHoldsAndEstimatesNoHoldIsTakenAndThePartsAreSizedWithoutAnEstimate() {
        run(24);
        assertThat(runner.calls()).noneMatch(a -> a.size() > 1 && (a.get(1).startsWith("hold") || a.get(1).equals("release")));
        assertThat(target.requests.get(0).estimate()).isEmpty();
        assertThat(row(run(24))).doesNotContainKey("held");
    }

    @Test
    void instanceWithoutDatasetIsReportedAsFailed() {
        JobResult r = new S3ExportJob(() -> ON, () -> "inst", runner, new ZfsAdapter(runner),
                () -> List.of(new InstanceDataset("db", "Running", null, "has no root disk device")),
                (s3, id, clock) -> target, Clock.systemUTC(), 24).run();
        assertThat(r.status()).isEqualTo(JobResult.Status.FAILED);
        assertThat(row(r)).containsEntry("instance", "db").containsEntry("status", "failed");
        assertThat((List<?>) r.details().get("errors")).singleElement().asString().contains("no root disk");
        assertThat(runner.calls()).isEmpty();
    }
}
