package io.terrarium.backup;

import io.terrarium.config.TerrariumConfig;
import io.terrarium.jobs.JobResult;
import io.terrarium.testing.RecordingCommandRunner;
import io.terrarium.testing.RecordingCommandRunner.Reply;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

class ReplicateJobTest {
    private static final TerrariumConfig.Syncoid SETTINGS = new TerrariumConfig.Syncoid(true, "backup@mirror.example.com",
            "tank/terrarium", "/root/.ssh/terrarium-syncoid", 2222, null);

    private static final String NO_MATCH = """
            CRITICAL ERROR: Target tank/terrarium/cache exists but has no snapshots matching with terrarium/containers/cache!
                            Replication to target would require destroying existing
                            target. Cowardly refusing to destroy your existing target.""";

    @Test
    void syncoidArgvUsesTheKeyPathBatchModeAndATimeoutAndNeverForceDelete() {
        var job = new ReplicateJob(SETTINGS, new RecordingCommandRunner(c -> Reply.ok("")), List::of, "syncoid");
        var argv = job.command(new InstanceDataset("web", "Running", "terrarium/containers/web", null)).argv();
        assertThat(argv).containsExactly("syncoid", "--no-privilege-elevation", "--sshkey=/root/.ssh/terrarium-syncoid",
                "--sshport=2222", "--sshoption=BatchMode=yes", "--sshoption=ConnectTimeout=10",
                "terrarium/containers/web", "backup@mirror.example.com:tank/terrarium/web");
        assertThat(argv).doesNotContain("--force-delete");
    }

    @Test
    void knownHostsPinsTheTargetHostKey() {
        var s = new TerrariumConfig.Syncoid(true, "b@h.example.com", "tank/t", "/k", 22, "/etc/terrarium/known_hosts");
        var argv = new ReplicateJob(s, new RecordingCommandRunner(c -> Reply.ok("")), List::of, "syncoid")
                .command(new InstanceDataset("web", "Running", "p/containers/web", null)).argv();
        assertThat(argv).contains("--sshoption=UserKnownHostsFile=/etc/terrarium/known_hosts", "--sshoption=StrictHostKeyChecking=yes");
    }

    @Test
    void caseC09_webAndDbReplicate_newGetsAFull_cacheFailsWithAHint_overallFailed() {
        var runner = new RecordingCommandRunner(c -> {
            String src = c.args().get(c.args().size() - 2);
            return switch (src.substring(src.lastIndexOf('/') + 1)) {
                case "web", "db" -> Reply.ok("Sending incremental " + src + "@a ... b (~ 4 KB):\n");
                case "new" -> Reply.ok("INFO: Sending oldest full snapshot " + src + "@a (~ 2 MB) to new target filesystem:\n");
                default -> new Reply(2, "", NO_MATCH);
            };
        });
        List<InstanceDataset> inst = List.of(
                new InstanceDataset("cache", "Running", "terrarium/containers/cache", null),
                new InstanceDataset("db", "Running", "terrarium/containers/db", null),
                new InstanceDataset("new", "Running", "terrarium/containers/new", null),
                new InstanceDataset("web", "Running", "terrarium/containers/web", null));
        JobResult r = new ReplicateJob(SETTINGS, runner, () -> inst, "syncoid").run();
        assertThat(r.status()).isEqualTo(JobResult.Status.FAILED);
        assertThat(r.failed()).isTrue();
        assertThat(r.summary()).startsWith("3 of 4 replicated (2 incremental, 1 initial full)")
                .contains("cache FAILED: no common snapshot").contains("zfs rename tank/terrarium/cache")
                .contains("never destroys");
        @SuppressWarnings("unchecked")
        var rows = (List<Map<String, Object>>) r.details().get("datasets");
        assertThat(rows).extracting(m -> m.get("instance") + "=" + m.get("status"))
                .containsExactly("cache=FAILED", "db=INCREMENTAL", "new=INITIAL_FULL", "web=INCREMENTAL");
        assertThat(runner.calls()).hasSize(4);
    }

    @Test
    void anInstanceWithoutDatasetIsReportedAsSkippedAndMakesAWarning() {
        var runner = new RecordingCommandRunner(c -> Reply.ok("Sending incremental"));
        JobResult r = new ReplicateJob(SETTINGS, runner, () -> List.of(
                new InstanceDataset("web", "Running", "terrarium/containers/web", null),
                new InstanceDataset("plain", "Running", null, "no ZFS dataset mounted at /x")), "syncoid").run();
        assertThat(r.status()).isEqualTo(JobResult.Status.WARNING);
        assertThat(r.summary()).contains("skipped (no dataset): plain");
    }

    @Test
    void disabledReplicationRunsNothing() {
        var runner = new RecordingCommandRunner(c -> Reply.ok(""));
        JobResult r = new ReplicateJob(TerrariumConfig.Syncoid.disabled(), runner, List::of, "syncoid").run();
        assertThat(r.status()).isEqualTo(JobResult.Status.OK);
        assertThat(runner.calls()).isEmpty();
    }

    @Test
    void unreachableTargetIsAFailureWithSshHint() {
        var res = io.terrarium.host.sanoid.Syncoid.classify(2,
                "ssh: connect to host 127.0.0.1 port 22299: Connection refused\nCRITICAL ERROR: ssh connection echo test failed for b@h with exit code 255",
                "b@h", "tank/t/web");
        assertThat(res.outcome()).isEqualTo(io.terrarium.host.sanoid.Syncoid.Outcome.FAILED);
        assertThat(res.reason()).contains("cannot reach b@h");
    }
}
