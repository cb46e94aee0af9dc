package io.terrarium.restore;

import io.terrarium.host.zfs.ZfsAdapter;
import io.terrarium.s3.Manifest;
import io.terrarium.testing.RecordingCommandRunner;
import io.terrarium.testing.RecordingCommandRunner.Reply;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Which streams of a chain an interrupted restore's staging dataset already holds (issue 11 item 5):
 * exactly a prefix of the chain by snapshot name and GUID, nothing else (the real kill -9 on
 * zfs-fuse and s3proxy: {@code S3RestoreIT.killedMidChainResumes}).
 */
class StagingResumeTest {
    static Manifest m(String snap, String guid, long bytes) {
        return new Manifest(1, "20261206T1000" + snap + "-" + guid, "inst", "web", "tank/containers/web", snap, guid, null, null,
                "zstd", List.of(), Map.of(), Instant.EPOCH, bytes,
                List.of(new Manifest.Volume("k/" + snap, bytes, "00", bytes, 1, List.of("00"))));
    }

    static final List<Manifest> CHAIN = List.of(m("a", "11", 1000), m("b", "12", 200), m("c", "13", 30));

    static Map<String, String> snaps(String... nameGuid) {
        Map<String, String> out = new LinkedHashMap<>();
        for (int i = 0; i < nameGuid.length; i += 2) {
            out.put(nameGuid[i], nameGuid[i + 1]);
        }
        return out;
    }

    @Test
    void countsTheChainPrefixWhoseSnapshotsAndGuidsMatch() {
        assertThat(StagingResume.receivedPrefix(snaps(), CHAIN)).isZero();
        assertThat(StagingResume.receivedPrefix(snaps("a", "11"), CHAIN)).isEqualTo(1);
        assertThat(StagingResume.receivedPrefix(snaps("a", "11", "b", "12"), CHAIN)).isEqualTo(2);
        assertThat(StagingResume.receivedPrefix(snaps("a", "11", "b", "12", "c", "13"), CHAIN)).isEqualTo(3);
    }

    @Test
    void aSnapshotOfAnotherChainOrAnotherGuidIsNotOurs() {
        assertThat(StagingResume.receivedPrefix(snaps("a", "99"), CHAIN)).as("same name, other GUID").isZero();
        assertThat(StagingResume.receivedPrefix(snaps("a", "11", "x", "77"), CHAIN)).as("an extra snapshot").isZero();
        assertThat(StagingResume.receivedPrefix(snaps("b", "12"), CHAIN)).as("no full").isZero();
        assertThat(StagingResume.receivedPrefix(snaps("a", "11", "b", "12", "c", "13"), CHAIN.subList(0, 2)))
                .as("further than the chosen point").isZero();
        assertThat(StagingResume.receivedPrefix(snaps("a", ""), List.of(m("a", "", 5)))).as("a manifest without GUID cannot be checked").isZero();
    }

    @Test
    void inspectKeepsTheLongestPrefixAndDiscardsTheOtherLeftovers() {
        Map<String, String> out = Map.of(
                "tank/containers/web.s3restore-20261206T100000Z", "tank/containers/web.s3restore-20261206T100000Z@a\t11\n",
                "tank/containers/web.s3restore-20261206T110000Z",
                "tank/containers/web.s3restore-20261206T110000Z\t5\ntank/containers/web.s3restore-20261206T110000Z@a\t11\n"
                        + "tank/containers/web.s3restore-20261206T110000Z@b\t12\n",
                "tank/containers/web.s3restore-20261206T120000Z", "");
        RecordingCommandRunner runner = new RecordingCommandRunner(c -> {
            List<String> a = c.args();
            if (a.isEmpty()) {
                return Reply.fail(2, "usage:\n\tsend [-vRDp] [-[iI] snapshot] <snapshot>\n\treceive [-vnFu] <filesystem>\n");
            }
            if (a.get(0).equals("version")) {
                return Reply.fail(1, "unrecognized command 'version'");
            }
            if (a.get(0).equals("list")) {
                return Reply.ok("tank/containers\ntank/containers/web\ntank/containers/web.s3restore-20261206T100000Z\n"
                        + "tank/containers/web.s3restore-20261206T110000Z\ntank/containers/web.s3restore-20261206T120000Z\n"
                        + "tank/containers/webx.s3restore-20261206T100000Z\n");
            }
            return Reply.ok(out.get(a.get(a.size() - 1)));
        });
        StagingResume r = StagingResume.inspect(new ZfsAdapter(runner), "tank/containers", "web", CHAIN);
        assertThat(r.dataset()).isEqualTo("tank/containers/web.s3restore-20261206T110000Z");
        assertThat(r.received()).isEqualTo(2);
        assertThat(r.skippedBytes()).isEqualTo(1200);
        assertThat(r.partialState()).as("zfs-fuse has no resumable receive").isFalse();
        assertThat(r.discard()).containsExactly("tank/containers/web.s3restore-20261206T100000Z",
                "tank/containers/web.s3restore-20261206T120000Z");
        assertThat(r.describe(3)).isEqualTo("resuming: 2 of 3 stream(s) already received in tank/containers/web.s3restore-20261206T110000Z,"
                + " 1.2 KiB (1200 bytes) skipped");
    }

    @Test
    void sizesReadAsBinaryUnits() {
        assertThat(StagingResume.human(17)).isEqualTo("17 B");
        assertThat(StagingResume.human(1_288_490_188L)).isEqualTo("1.2 GiB");
        assertThat(StagingResume.human(5L << 20)).isEqualTo("5.0 MiB");
    }
}
