package io.terrarium.restore;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.terrarium.backup.InstanceDataset;
import io.terrarium.config.TerrariumConfig;
import io.terrarium.host.zfs.ZfsAdapter;
import io.terrarium.jobs.JobResult;
import io.terrarium.testing.RecordingCommandRunner;
import io.terrarium.testing.RecordingCommandRunner.Reply;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** The restore drill's pure parts and its clean-up of leftovers (argv recorded); the drill itself: RestoreDrillIT. */
class RestoreDrillJobTest {
    @TempDir
    Path dir;

    @Test
    void rotatesNeverDrilledFirstThenTheOldestDrill() {
        Map<String, Map<String, Object>> drills = Map.of(
                "web", Map.of("at", "2026-12-01T05:00:00Z"),
                "db", Map.of("at", "2026-11-24T05:00:00Z"));
        assertThat(RestoreDrillJob.next(List.of("web", "db", "mail"), drills)).isEqualTo("mail");
        assertThat(RestoreDrillJob.next(List.of("web", "db"), drills)).isEqualTo("db");
        assertThat(RestoreDrillJob.next(List.of("b", "a"), Map.of())).isEqualTo("a");
    }

    @Test
    void treeHashChangesWithContentModeAndNamesButNotWithTheRootPath() throws Exception {
        Path a = Files.createDirectories(dir.resolve("a/sub"));
        Files.writeString(a.resolve("f.txt"), "v1");
        Files.createSymbolicLink(a.resolve("link"), Path.of("f.txt"));
        Path b = Files.createDirectories(dir.resolve("b/sub"));
        Files.writeString(b.resolve("f.txt"), "v1");
        Files.createSymbolicLink(b.resolve("link"), Path.of("f.txt"));
        String ha = RestoreDrillJob.treeHash(dir.resolve("a"));
        assertThat(ha).hasSize(64).isEqualTo(RestoreDrillJob.treeHash(dir.resolve("b")));
        Files.writeString(b.resolve("f.txt"), "v2");
        assertThat(RestoreDrillJob.treeHash(dir.resolve("b"))).isNotEqualTo(ha);
        Files.writeString(b.resolve("f.txt"), "v1");
        Files.setPosixFilePermissions(b.resolve("f.txt"), java.nio.file.attribute.PosixFilePermissions.fromString("rwx------"));
        assertThat(RestoreDrillJob.treeHash(dir.resolve("b"))).isNotEqualTo(ha);
    }

    @Test
    void removesOnlyScratchDatasetsLeftUnderTheScratchParentAndIsIdleWhileS3IsDisabled() {
        RecordingCommandRunner runner = new RecordingCommandRunner(c -> {
            List<String> a = c.args();
            if (a.get(0).equals("list") && a.contains("-r")) {
                return Reply.ok("tank/terrarium-drill\ntank/terrarium-drill/web.drill-20261201T050000Z\n"
                        + "tank/terrarium-drill/web.drill-20261201T050000Z-source\ntank/terrarium-drill/keep-me\n");
            }
            return Reply.ok("");
        });
        RestoreDrillJob job = new RestoreDrillJob(TerrariumConfig.S3::disabled, () -> "inst", "tank", new ZfsAdapter(runner),
                () -> List.of(new InstanceDataset("web", "Running", "tank/containers/web", null)), dir.resolve("state"),
                dir.resolve("run"), dir.resolve("secrets"), Clock.fixed(Instant.parse("2026-12-06T05:00:00Z"), ZoneOffset.UTC),
                new ObjectMapper());
        JobResult r = job.run();
        assertThat(r.status()).isEqualTo(JobResult.Status.OK);
        assertThat(r.summary()).isEqualTo("S3 exports are disabled; no restore point to drill");
        List<List<String>> destroyed = runner.calls().stream().filter(a -> a.size() > 1 && a.get(1).equals("destroy")).toList();
        assertThat(destroyed).containsExactly(
                List.of("zfs", "destroy", "-r", "tank/terrarium-drill/web.drill-20261201T050000Z"),
                List.of("zfs", "destroy", "-r", "tank/terrarium-drill/web.drill-20261201T050000Z-source"));
        assertThat(r.details().get("leftovers_removed")).isEqualTo(List.of("tank/terrarium-drill/web.drill-20261201T050000Z",
                "tank/terrarium-drill/web.drill-20261201T050000Z-source"));
        assertThat(RestoreDrillJob.lastDrills(dir.resolve("state"), new ObjectMapper())).isEmpty();
        // tester, session 5: a drill covers one instance, so its result is partial for the metrics
        assertThat(r.details().get("partial")).isEqualTo(true);
    }
}
