package io.terrarium.backup;

import io.terrarium.config.TerrariumConfig;
import io.terrarium.host.zfs.ZfsAdapter;
import io.terrarium.jobs.JobResult;
import io.terrarium.testing.RecordingCommandRunner;
import io.terrarium.testing.RecordingCommandRunner.Reply;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;

class SnapshotJobTest {
    @TempDir
    Path dir;

    @Test
    void runsSanoidInUtcAndReportsPerInstanceAndInstancesWithoutDataset() throws Exception {
        Path conf = dir.resolve("etc/sanoid/sanoid.conf");
        TerrariumConfig cfg = TerrariumConfig.defaults().withBackups(new TerrariumConfig.Backups(conf.toString(), null, null));
        AtomicInteger lists = new AtomicInteger();
        var runner = new RecordingCommandRunner(c -> {
            if (c.executable().equals("zfs")) {
                return lists.getAndIncrement() == 0
                        ? Reply.ok("terrarium/containers/web@old\tcreation\t100\n")
                        : Reply.ok("terrarium/containers/web@autosnap_2026-11-30_12:00:00_frequently\tcreation\t200\n");
            }
            return Reply.ok("");
        });
        var job = new SnapshotJob(cfg, runner, new ZfsAdapter(runner), () -> List.of(
                new InstanceDataset("web", "Running", "terrarium/containers/web", null),
                new InstanceDataset("plain", "Running", null, "no ZFS dataset")), "sanoid", dir.resolve("state"));
        JobResult r = job.run();
        assertThat(runner.calls().get(1)).containsExactly("env", "TZ=UTC", "sanoid", "--cron", "--verbose",
                "--configdir=" + conf.getParent(), "--cache-dir=" + dir.resolve("state/cache"), "--run-dir=" + dir.resolve("state/run"));
        assertThat(runner.calls().get(0)).containsExactly("zfs", "get", "-H", "-p", "-r", "-o", "name,property,value",
                "creation,used", "terrarium/containers");
        assertThat(r.status()).isEqualTo(JobResult.Status.WARNING);
        assertThat(r.summary()).startsWith("1 snapshot(s) taken, 1 pruned on 1 dataset(s) under terrarium/containers")
                .contains("plain: no ZFS dataset");
        assertThat(Files.readString(conf)).contains("[terrarium/containers]");
        assertThat(job.writeConf()).as("unchanged config is not rewritten").isFalse();
    }

    @Test
    void sanoidThatCannotListSnapshotsIsAWarning() {
        assertThat(io.terrarium.host.sanoid.Sanoid.listingProblem("invalid option 't'\nusage:")).contains("cannot prune");
        assertThat(io.terrarium.host.sanoid.Sanoid.listingProblem("")).isNull();
    }

    @Test
    void sanoidThatExitsZeroAfterACriticalErrorFailsTheJobNamingTheSnapshot() {
        Path conf = dir.resolve("etc/sanoid/sanoid.conf");
        TerrariumConfig cfg = TerrariumConfig.defaults().withBackups(new TerrariumConfig.Backups(conf.toString(), null, null));
        var runner = new RecordingCommandRunner(c -> {
            if (c.executable().equals("zfs")) {
                return Reply.ok("terrarium/containers/web@old\tcreation\t100\n"); // nothing new after the run
            }
            return new Reply(0, "taking snapshot terrarium/containers/web@autosnap_2026-12-06_11:30:00_frequently\n",
                    "cannot create snapshot 'terrarium/containers/web@autosnap_2026-12-06_11:30:00_frequently': out of space\n"
                            + "CRITICAL ERROR: zfs snapshot terrarium/containers/web@autosnap_2026-12-06_11:30:00_frequently failed, 256 at /usr/sbin/sanoid line 627.\n");
        });
        var job = new SnapshotJob(cfg, runner, new ZfsAdapter(runner), () -> List.of(
                new InstanceDataset("web", "Running", "terrarium/containers/web", null)), "sanoid", dir.resolve("state"));
        JobResult r = job.run();
        assertThat(r.status()).isEqualTo(JobResult.Status.FAILED);
        assertThat(r.summary()).startsWith("0 snapshot(s) taken")
                .contains("CRITICAL ERROR: zfs snapshot terrarium/containers/web@autosnap_2026-12-06_11:30:00_frequently failed, 256")
                .contains("snapshot terrarium/containers/web@autosnap_2026-12-06_11:30:00_frequently was due but does not exist after the run");
    }

    @Test
    void anAnnouncedSnapshotMissingAfterTheRunIsAFailureEvenWithoutAnErrorLine() {
        var failures = SnapshotJob.failures(new io.terrarium.host.sanoid.Sanoid.RunReport(
                        List.of("p/c/a@autosnap_x_hourly", "p/c/b@autosnap_x_hourly"), List.of()),
                List.of(new io.terrarium.host.zfs.ZfsSnapshot("p/c/a", "autosnap_x_hourly", java.time.Instant.EPOCH, 0)));
        assertThat(failures).containsExactly("snapshot p/c/b@autosnap_x_hourly was due but does not exist after the run");
    }
}
