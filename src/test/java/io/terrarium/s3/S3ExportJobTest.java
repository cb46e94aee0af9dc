package io.terrarium.s3;

import io.terrarium.backup.InstanceDataset;
import io.terrarium.s3.Manifest;
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
import java.util.Set;
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
    /** Whether the OpenZFS fake's dataset is encrypted. */
    boolean encrypted;
    /** Full snapshot name → GUID the fake zfs answers (default 1234). */
    final Map<String, String> guids = new java.util.HashMap<>();
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
            return Reply.ok(guids.getOrDefault(a.get(a.size() - 1), "1234") + "\n");
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
        if (a.size() > 6 && a.get(1).equals("get") && a.contains("encryption")) {
            return Reply.ok((encrypted ? "aes-256-gcm" : "off") + "\tdefault\n");
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
        final io.terrarium.s3.ExportKeys keys = new io.terrarium.s3.ExportKeys("terrarium/", "inst");
        final Map<String, Manifest> manifests = new LinkedHashMap<>();
        /** Volume keys stored. */
        final TreeSet<String> volumes = new TreeSet<>();
        boolean fail;
        int exports;
        /** Key whose delete fails. */
        String failDelete;
        /** Answer a delete of {@link #failDelete} with 403 AccessDenied (a locked object) instead of a 503. */
        boolean failDeleteLocked;
        /** Object Lock on, with these retain-until dates per key (GetObjectRetention). */
        Map<String, Instant> locks;
        final List<S3Exporter.Request> requests = new ArrayList<>();
        /** Unfinished uploads of this installation a killed run left (aborted by abortOrphanedUploads). */
        final List<String> orphans = new ArrayList<>();

        @Override
        public MultipartJanitor.Report abortOrphanedUploads() {
            log.add("abort-orphans " + orphans.size());
            List<MultipartJanitor.Upload> aborted = orphans.stream()
                    .map(k -> new MultipartJanitor.Upload(k, "u-" + k.hashCode(), Instant.EPOCH)).toList();
            orphans.clear();
            return new MultipartJanitor.Report(aborted, List.of(), List.of());
        }

        @Override
        public List<String> manifestIds(String instance) {
            return List.copyOf(manifests.keySet());
        }

        @Override
        public Manifest manifest(String instance, String id) {
            return manifests.get(id);
        }

        @Override
        public Manifest export(S3Exporter.Request req, ExportProgress progress) throws IOException {
            requests.add(req);
            if (fail) {
                log.add("export failed");
                throw new UploadFailedException("store said no", null);
            }
            String id = "2026" + String.format("%04d", exports++) + "-" + req.snapshotGuid();
            Manifest m = mf(id, req.snapshot(), req.parent(), req.sendFlags(), now);
            manifests.put(id, m);
            volumes.add(keys.volume("web", id, 0));
            log.add("commit " + req.snapshot());
            return m;
        }

        @Override
        public io.terrarium.s3.ExportKeys keys() {
            return keys;
        }

        @Override
        public List<String> listKeys(String instance) {
            List<String> all = new ArrayList<>();
            manifests.keySet().forEach(id -> all.add(keys.manifest(instance, id)));
            all.addAll(volumes);
            return all;
        }

        @Override
        public void delete(String key) throws IOException {
            if (key.equals(failDelete)) {
                if (failDeleteLocked) {
                    throw new IOException("cannot delete " + key, software.amazon.awssdk.services.s3.model.S3Exception
                            .builder().statusCode(403).message("Access Denied").build());
                }
                throw new IOException("503 Slow Down");
            }
            String dir = keys.instanceDir("web") + "manifests/";
            if (key.startsWith(dir)) {
                String id = key.substring(dir.length(), key.length() - ".json".length());
                manifests.remove(id);
                log.add("delete manifest " + id);
            } else {
                volumes.remove(key);
                log.add("delete " + key.substring(keys.instanceDir("web").length()));
            }
        }

        /** Returned once by takeLockError (the Object Lock extension after a commit failed). */
        String lockError;

        @Override
        public String takeLockError() {
            String e = lockError;
            lockError = null;
            return e;
        }

        @Override
        public boolean objectLock() {
            return locks != null;
        }

        @Override
        public java.util.Optional<Instant> lockedUntil(String key) {
            return java.util.Optional.ofNullable(locks.get(key));
        }

        @Override
        public void close() {
        }
    }

    static Manifest mf(String id, String snapshot, Manifest parent) {
        return mf(id, snapshot, parent, List.of(), Instant.EPOCH);
    }

    static Manifest mf(String id, String snapshot, Manifest parent, List<String> sendFlags, Instant createdAt) {
        return new Manifest(Manifest.FORMAT_VERSION, id, "inst", "web", DS, snapshot, "1234",
                parent == null ? null : parent.id(), parent == null ? null : parent.snapshot(), "zstd", sendFlags,
                Map.of(), createdAt, 10, List.of());
    }

    TerrariumConfig.S3 cfg = ON;

    S3ExportJob job(int max) {
        return new S3ExportJob(() -> cfg, () -> "inst", runner, new ZfsAdapter(runner),
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

    /**
     * Issue 13 item 5: the base was matched by name only. A local snapshot of the same name but
     * another GUID (destroyed and taken again, dataset re-created) cannot be the base of an
     * incremental the manifest's chain can receive.
     */
    @Test
    void fullWhenTheLocalBaseHasTheNameButNotTheGuidOfTheManifestsSnapshot() {
        run(24);
        guids.put(DS + "@terrarium-export-20261130T103000Z", "987654321");
        JobResult r = run(24);
        assertThat(row(r)).containsEntry("kind", "full");
        assertThat(target.requests.get(1).parent()).isNull();
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
    void c08BaseOfAKilledRunDoesNotBreakTheChain() {
        run(24); // full from terrarium-export-20261130T103000Z, committed
        snaps.add("terrarium-export-20261130T110000Z"); // a run killed before its manifest commit
        JobResult r = run(24);
        assertThat(row(r)).containsEntry("kind", "incremental");
        assertThat(target.requests.get(1).parent().snapshot()).isEqualTo("terrarium-export-20261130T103000Z");
        assertThat(snaps).containsExactly("terrarium-export-20261130T113000Z");
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
                "estimate -L -c -i " + DS + "@terrarium-export-20261130T103000Z " + DS + "@terrarium-export-20261130T113000Z",
                "commit terrarium-export-20261130T113000Z",
                "release terrarium-export " + DS + "@terrarium-export-20261130T103000Z",
                "destroy " + DS + "@terrarium-export-20261130T103000Z");
        assertThat(held).containsExactly(DS + "@terrarium-export-20261130T113000Z");
        assertThat(target.requests.get(1).estimate()).hasValue(123456L);
    }

    @Test
    void onlyTheNamedInstancesAreExportedAndAnUnknownNameFailsBeforeAnything() {
        JobResult r = job(24).only(Set.of("web")).run();
        assertThat(r.status()).isEqualTo(JobResult.Status.OK);
        assertThat(target.requests).hasSize(1);
        log.clear();
        JobResult bad = job(24).only(Set.of("web", "nope")).run();
        assertThat(bad.status()).isEqualTo(JobResult.Status.FAILED);
        assertThat(bad.summary()).contains("no such instance: nope").contains("instances: web");
        assertThat(log).as("nothing snapshotted or exported").isEmpty();
        assertThat(target.requests).hasSize(1);
    }

    /**
     * Issue 13 item 5: after kill -9, orphaned uploads lived until the daily janitor found them older
     * than 24 h (~48 h). Holding the export lock, a run aborts this installation's unfinished uploads
     * first (none of its own can be live then).
     */
    @Test
    void holdingTheExportLockARunAbortsThisInstallationsOrphanedUploadsBeforeAnything(@org.junit.jupiter.api.io.TempDir java.nio.file.Path tmp) {
        target.orphans.addAll(List.of("terrarium/inst/web/data/x/stream.zst.0000", "terrarium/inst/web/data/x/stream.zst.0001"));
        JobResult r = job(24).lockFile(tmp.resolve("s3-export.lock")).run();
        assertThat(r.status()).isEqualTo(JobResult.Status.OK);
        assertThat(r.details()).containsEntry("orphaned_uploads_aborted", 2);
        assertThat(log.get(0)).isEqualTo("abort-orphans 2");
        assertThat(target.requests).hasSize(1);
        log.clear();
        job(24).run(); // no lock configured: no claim that nothing of ours is live, so nothing is aborted
        assertThat(log).noneMatch(l -> l.startsWith("abort-orphans"));
    }

    @Test
    void aRunFindingTheHostLockTakenIsRejectedAndTouchesNothing(@org.junit.jupiter.api.io.TempDir java.nio.file.Path tmp)
            throws Exception {
        java.nio.file.Path lock = tmp.resolve("run/s3-export.lock");
        java.nio.file.Files.createDirectories(lock.getParent());
        try (var ch = java.nio.channels.FileChannel.open(lock, java.nio.file.StandardOpenOption.CREATE,
                java.nio.file.StandardOpenOption.WRITE); var held = ch.lock()) {
            JobResult r = job(24).lockFile(lock).run();
            assertThat(r.status()).isEqualTo(JobResult.Status.REJECTED);
            assertThat(r.summary()).contains("another s3-export is running");
            assertThat(log).isEmpty();
            assertThat(target.requests).isEmpty();
        }
        JobResult after = job(24).lockFile(lock).run();
        assertThat(after.status()).as("the lock is free again").isEqualTo(JobResult.Status.OK);
        assertThat(target.requests).hasSize(1);
    }

    @Test
    void aChainWhoseFullIsOlderThanTheAgeLimitGetsANewFull() {
        java.time.Duration week = java.time.Duration.ofDays(7);
        assertThat(row(job(24).maxChainAge(week).run())).containsEntry("kind", "full"); // full at 10:30
        now = now.plus(java.time.Duration.ofDays(6));
        assertThat(row(job(24).maxChainAge(week).run())).as("full 6 days old").containsEntry("kind", "incremental");
        now = now.plus(java.time.Duration.ofDays(1)).plusSeconds(1);
        assertThat(row(job(24).maxChainAge(java.time.Duration.ZERO).run())).as("no age limit")
                .containsEntry("kind", "incremental");
        now = now.plusSeconds(3600);
        assertThat(row(job(24).maxChainAge(week).run())).as("full 7 days and 1 h old").containsEntry("kind", "full");
    }

    @Test
    void sendFlagsFollowTheProbedCapabilities() {
        var openzfs = new io.terrarium.host.zfs.ZfsCapabilities("openzfs", "2.2.2", java.util.Set.of("L", "c", "w", "n", "P"),
                true, true, true, true);
        var fuse = new io.terrarium.host.zfs.ZfsCapabilities("zfs-fuse", "", java.util.Set.of("R", "D", "p", "i", "I"),
                false, false, false, false);
        assertThat(S3ExportJob.sendFlags(openzfs, false)).containsExactly("-L", "-c");
        assertThat(S3ExportJob.sendFlags(openzfs, true)).containsExactly("-w");
        assertThat(S3ExportJob.sendFlags(fuse, false)).isEmpty();
        assertThat(S3ExportJob.sendFlags(fuse, true)).as("no raw send without -w").isEmpty();
    }

    @Test
    void onOpenZfsTheFullIsSentCompressedAndItsIncrementalsRepeatTheFullsFlags() {
        openZfs = true;
        run(24);
        assertThat(target.requests.get(0).sendFlags()).containsExactly("-L", "-c");
        encrypted = true; // even if the answer changed, a chain never switches flags
        run(24);
        assertThat(target.requests.get(1).parent()).isNotNull();
        assertThat(target.requests.get(1).sendFlags()).containsExactly("-L", "-c");
    }

    @Test
    void onOpenZfsAnEncryptedDatasetIsSentRaw() {
        openZfs = true;
        encrypted = true;
        JobResult r = run(24);
        assertThat(target.requests.get(0).sendFlags()).containsExactly("-w");
        assertThat(row(r)).containsEntry("send_flags", List.of("-w"));
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

    @Test
    void retentionRemovesTheOldestChainAfterTheCommitManifestsNewestFirstThenVolumes() {
        cfg = ON.withRetention(new TerrariumConfig.Retention(1, 0));
        for (int k = 0; k < 3; k++) {
            run(2); // full 0000, incremental 0001, incremental 0002
        }
        log.clear();
        JobResult r = run(2); // full 0003: a second chain → the first goes
        assertThat(r.status()).isEqualTo(JobResult.Status.OK);
        assertThat(row(r)).containsEntry("kind", "full");
        assertThat(log).containsExactly("snapshot " + DS + "@terrarium-export-20261130T133000Z",
                "commit terrarium-export-20261130T133000Z",
                "destroy " + DS + "@terrarium-export-20261130T123000Z",
                "delete manifest 20260002-1234", "delete manifest 20260001-1234", "delete manifest 20260000-1234",
                "delete data/20260002-1234/stream.zst.0000", "delete data/20260001-1234/stream.zst.0000",
                "delete data/20260000-1234/stream.zst.0000");
        assertThat(target.manifests).containsOnlyKeys("20260003-1234");
        @SuppressWarnings("unchecked")
        Map<String, Object> ret = (Map<String, Object>) row(r).get("retention");
        assertThat(ret).containsEntry("kept_points", 1).containsEntry("deleted_objects", 6)
                .containsEntry("deleted_points", List.of("20260002-1234", "20260001-1234", "20260000-1234"));
    }

    @Test
    void retentionNeverTriesToDeleteALockedChainAndSaysUntilWhen() {
        cfg = ON.withRetention(new TerrariumConfig.Retention(1, 0));
        run(1); // full 0000 at 10:30
        run(1); // incremental 0001 at 11:30
        Instant until = Instant.parse("2026-12-01T11:30:00Z");
        // the full was extended to its incremental's date; a passed lock (the incremental's own) counts as none
        target.locks = new java.util.HashMap<>(Map.of(target.keys.manifest("web", "20260000-1234"), until,
                target.keys.manifest("web", "20260001-1234"), Instant.parse("2026-11-30T11:00:00Z")));
        log.clear();
        JobResult r = run(1); // full 0002 at 12:30: keep_chains 1 would delete [0000, 0001]
        assertThat(r.status()).isEqualTo(JobResult.Status.OK);
        assertThat(log).noneMatch(l -> l.contains("delete"));
        assertThat(target.manifests).containsOnlyKeys("20260000-1234", "20260001-1234", "20260002-1234");
        @SuppressWarnings("unchecked")
        Map<String, Object> ret = (Map<String, Object>) row(r).get("retention");
        assertThat(ret).containsEntry("deleted_points", List.of()).containsEntry("kept_points", 3)
                .containsEntry("locked", Map.of("20260001-1234", "kept: locked until 2026-12-01T11:30:00Z",
                        "20260000-1234", "kept: locked until 2026-12-01T11:30:00Z"));
        // once the date has passed, the next run deletes the chain whole
        now = until.plusSeconds(1);
        r = run(1);
        assertThat(target.manifests).doesNotContainKeys("20260000-1234", "20260001-1234");
        assertThat((Map<String, Object>) row(r).get("retention")).doesNotContainKey("locked");
    }

    @Test
    void aFailedLockExtensionKeepsTheCommittedPointAndItsBaseAndTheRunIsAWarning() {
        run(1); // full 0000
        target.lockError = "restore point 20260001-1234 is committed, but extending the Object Lock of its chain to "
                + "2026-12-01T11:30:00Z failed (503 Slow Down); the next export retries";
        log.clear();
        JobResult r = run(2); // incremental 0001
        assertThat(r.status()).isEqualTo(JobResult.Status.WARNING);
        assertThat(row(r)).containsEntry("status", "ok").containsEntry("kind", "incremental")
                .containsEntry("lock_error", "restore point 20260001-1234 is committed, but extending the Object Lock of "
                        + "its chain to 2026-12-01T11:30:00Z failed (503 Slow Down); the next export retries");
        assertThat(r.summary()).contains("web: restore point 20260001-1234 is committed, but extending");
        // the new base stays (the next export chains on it), the old one goes as after any commit
        assertThat(log).noneMatch(l -> l.startsWith("destroy") && l.contains("20261130T113000Z"));
        assertThat(run(2).status()).isEqualTo(JobResult.Status.OK);
    }

    @Test
    void anAccessDeniedOnAManifestDeleteIsReportedAsARefusalNotAGenericFailure() {
        cfg = ON.withRetention(new TerrariumConfig.Retention(1, 0));
        run(1);
        run(1);
        target.failDelete = target.keys.manifest("web", "20260001-1234");
        target.failDeleteLocked = true;
        JobResult r = run(1);
        assertThat(r.status()).isEqualTo(JobResult.Status.WARNING);
        assertThat((String) row(r).get("retention_error")).isEqualTo("deleting manifest "
                + target.keys.manifest("web", "20260001-1234") + " was refused (AccessDenied: the object is locked by "
                + "S3 Object Lock or the key may not delete); its volumes and older manifests are kept");
        assertThat(target.manifests).containsKeys("20260000-1234", "20260001-1234");
    }

    @Test
    void defaultRetentionKeepsTwoChains() {
        for (int k = 0; k < 5; k++) {
            run(1); // chains: [0,1] [2,3] [4]
        }
        assertThat(target.manifests).containsOnlyKeys("20260002-1234", "20260003-1234", "20260004-1234");
    }

    @Test
    void aFailedManifestDeleteStopsRetentionBeforeAnyVolumeAndTheRunIsAWarning() {
        cfg = ON.withRetention(new TerrariumConfig.Retention(1, 0));
        run(1);
        run(1);
        target.failDelete = target.keys.manifest("web", "20260000-1234");
        log.clear();
        JobResult r = run(1); // chain [0,1] goes; deleting 0000 fails
        assertThat(r.status()).isEqualTo(JobResult.Status.WARNING);
        assertThat(row(r)).containsEntry("status", "ok");
        assertThat((String) row(r).get("retention_error")).contains("20260000-1234").contains("503 Slow Down");
        assertThat(log).containsSubsequence("delete manifest 20260001-1234").noneMatch(l -> l.startsWith("delete data/"));
        // what is left is still a complete chain: the full 0000 (its volume too) and the new full
        assertThat(target.manifests).containsOnlyKeys("20260000-1234", "20260002-1234");
        assertThat(target.volumes).contains(target.keys.volume("web", "20260000-1234", 0));
        // the next run finishes the job
        target.failDelete = null;
        JobResult r2 = run(1);
        assertThat(r2.status()).isEqualTo(JobResult.Status.OK);
        assertThat(target.manifests).containsOnlyKeys("20260002-1234", "20260003-1234");
        assertThat(target.volumes).containsExactly(target.keys.volume("web", "20260002-1234", 0),
                target.keys.volume("web", "20260003-1234", 0));
    }

    @Test
    void eachDatasetExportIsPublishedAsAnEventKeyedByItsInstance() {
        List<io.terrarium.events.Event> published = new java.util.concurrent.CopyOnWriteArrayList<>();
        io.terrarium.events.Events.install(published::add);
        try {
            run(24);
        } finally {
            io.terrarium.events.Events.install(null);
        }
        assertThat(published).extracting(io.terrarium.events.Event::type, io.terrarium.events.Event::key,
                        io.terrarium.events.Event::status, io.terrarium.events.Event::summary)
                .containsExactly(org.assertj.core.groups.Tuple.tuple("backup.export", "web", "OK", "web: exported full"));
        assertThat(published.get(0).details()).containsEntry("dataset", DS).containsEntry("kind", "full");
    }
}
