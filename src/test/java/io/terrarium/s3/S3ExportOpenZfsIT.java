package io.terrarium.s3;

import io.terrarium.host.zstd.Compression;
import io.terrarium.restore.S3Restorer;
import io.terrarium.host.zfs.ZfsStreamCommands;

import io.terrarium.backup.InstanceDataset;
import io.terrarium.s3.Manifest;
import io.terrarium.config.TerrariumConfig;
import io.terrarium.host.exec.CamelExecCommandRunner;
import io.terrarium.host.exec.Command;
import io.terrarium.host.exec.CommandFailedException;
import io.terrarium.host.exec.StreamingProcess;
import io.terrarium.host.zfs.ZfsAdapter;
import io.terrarium.host.zfs.ZfsCapabilities;
import io.terrarium.jobs.JobResult;
import io.terrarium.testing.ZfsTarget;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.s3.S3Client;

import java.io.InputStream;
import java.io.OutputStream;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;

import static io.terrarium.s3.ProviderProfile.MIB;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * S3 export and restore through the host's s3proxy with the ZFS side in the OpenZFS guest (streams
 * flow through the ssh wrappers), exercising the OpenZFS-only paths: the {@code send -n -P}
 * estimate, compressed ({@code -L -c}) and raw ({@code -w}, encrypted dataset) sends, holds on the
 * export job's chain base, and a resumable receive ({@code receive -s}) after an interrupted stream.
 * On zfs-fuse the same tests run where the feature exists (the job's holds) and are reported as not
 * applicable where it does not.
 */
class S3ExportOpenZfsIT {
    static final ZfsTarget T = ZfsTarget.get();
    final long n = System.nanoTime() % 1_000_000_000L;
    final String src = T.pool() + "/it-oz-s3-" + n;
    final String dstRoot = T.pool() + "/it-oz-s3r-" + n;
    final CamelExecCommandRunner runner = new CamelExecCommandRunner();
    final ZfsAdapter zfs = new ZfsAdapter(runner);
    final List<String> datasets = new ArrayList<>(List.of(dstRoot, src));
    S3Settings settings;
    S3Client s3;

    @AfterEach
    void cleanUp() {
        List<String> left = datasets.stream().filter(d -> !T.destroy(d)).toList();
        T.sh("rm -f /root/it-oz-" + n + ".key");
        if (s3 != null) {
            DevS3.cleanUp(s3, settings);
            s3.close();
        }
        assertThat(left).as("datasets left behind").isEmpty();
    }

    ZfsCapabilities caps() {
        return zfs.capabilities();
    }

    void open(String what) throws java.io.IOException {
        settings = DevS3.settings(what);
        s3 = S3ClientFactory.create(settings, 4);
    }

    /** Creates {@code ds} (extra zfs create options allowed) with 3 MiB random data and a compressible file. */
    void fill(String ds, String options) {
        T.ok("zfs create " + ZfsTarget.mountOption(ds) + " " + options + " " + ds + " && m=$(zfs get -H -o value mountpoint " + ds + ")"
                + " && head -c 3145728 /dev/urandom > $m/random.bin && seq 1 200000 > $m/numbers.txt && sync");
    }

    S3Exporter.Request req(String ds, String snap, Manifest parent, List<String> flags, OptionalLong estimate) {
        String guid = T.ok("zfs get -H -p -o value guid " + ds + "@" + snap).strip();
        return new S3Exporter.Request("it-oz", ds, snap, guid, parent, flags, estimate, 5 * MIB, 2,
                Compression.Engine.JNI, Map.of("terrarium", "it", "zfs", T.name()));
    }

    OptionalLong estimate(String ds, String snap, String base, List<String> flags) {
        return ZfsStreamCommands.parseEstimate(runner.run(ZfsStreamCommands.estimate(ds, snap, base, flags)).stdout());
    }

    @Test
    void compressedSendsWithSizeEstimatesRestoreByteIdentical() throws Exception {
        T.requires(caps().compressedSend() && caps().sizeEstimate(), "zfs send -L -c and -n -P");
        open("oz-c");
        List<String> flags = List.of("-L", "-c");
        fill(src, "-o compression=lz4");
        T.ok("zfs snapshot " + src + "@s1");
        OptionalLong e1 = estimate(src, "s1", null, flags);
        assertThat(e1).isPresent();
        var exporter = new S3Exporter(s3, settings, "inst-oz", Clock.systemUTC());
        Manifest full = exporter.export(req(src, "s1", null, flags, e1), x -> { });
        assertThat(full.sendFlags()).containsExactly("-L", "-c");
        // the estimate of a compressed send is the on-disk size: within reach of what was stored
        assertThat(full.streamBytes()).isLessThan(e1.getAsLong() * 2);

        T.ok("seq 1 5000 > $(zfs get -H -o value mountpoint " + src + ")/more.txt && rm $(zfs get -H -o value mountpoint "
                + src + ")/numbers.txt && sync && zfs snapshot " + src + "@s2");
        OptionalLong e2 = estimate(src, "s2", "s1", flags);
        assertThat(e2.getAsLong()).isLessThan(e1.getAsLong());
        Manifest inc = exporter.export(req(src, "s2", full, flags, e2), x -> { });
        assertThat(inc.parentId()).isEqualTo(full.id());

        T.ok("zfs create " + ZfsTarget.mountOption(dstRoot) + " " + dstRoot);
        String target = dstRoot + "/web";
        var restorer = new S3Restorer(s3, settings.bucket());
        restorer.restore(restorer.plan(List.of(full, inc)), m -> ZfsStreamCommands.receive(target, !m.full(), false));
        assertThat(T.ok("zfs list -H -t snapshot -o name -r " + target).lines().toList())
                .containsExactly(target + "@s1", target + "@s2");
        assertThat(T.checksums(target)).isEqualTo(T.checksums(src)).contains("./more.txt").doesNotContain("./numbers.txt");
    }

    @Test
    void rawSendOfAnEncryptedDatasetRestoresStillEncrypted() throws Exception {
        T.requires(caps().rawSend(), "zfs send -w (raw) and native encryption");
        open("oz-w");
        String key = "/root/it-oz-" + n + ".key";
        T.ok("printf 'it-oz-passphrase-%s' " + n + " > " + key);
        fill(src, "-o encryption=on -o keyformat=passphrase -o keylocation=file://" + key);
        T.ok("zfs snapshot " + src + "@s1");
        Manifest full = new S3Exporter(s3, settings, "inst-oz", Clock.systemUTC())
                .export(req(src, "s1", null, List.of("-w"), estimate(src, "s1", null, List.of("-w"))), x -> { });
        assertThat(full.sendFlags()).containsExactly("-w");

        T.ok("zfs create " + ZfsTarget.mountOption(dstRoot) + " " + dstRoot);
        String target = dstRoot + "/vault";
        var restorer = new S3Restorer(s3, settings.bucket());
        restorer.restore(restorer.plan(List.of(full)), m -> ZfsStreamCommands.receive(target, false, true));
        // received raw: still encrypted, key not loaded, nothing readable until it is
        assertThat(T.ok("zfs get -H -o value encryption,keystatus " + target).lines().toList())
                .containsExactly("aes-256-gcm", "unavailable");
        T.ok("zfs load-key -L file://" + key + " " + target + " && zfs mount " + target);
        assertThat(T.checksums(target)).isEqualTo(T.checksums(src));
    }

    @Test
    void exportJobHoldsItsChainBaseAndReleasesTheOldOne() throws Exception {
        T.requires(caps().holds(), "zfs hold");
        open("oz-job");
        var cfg = new TerrariumConfig.S3(true, "generic", settings.endpoint().toString(), settings.region(),
                settings.bucket(), settings.prefix(), settings.accessKey(), settings.secretKeyFile().toString());
        fill(src, "");
        io.terrarium.testing.MutableClock clock = new io.terrarium.testing.MutableClock(java.time.Instant.parse("2026-11-30T10:30:00Z"));
        S3ExportJob job = new S3ExportJob(() -> cfg, () -> "inst-oz", runner, zfs,
                () -> List.of(new InstanceDataset("it-oz", "Running", src, null)), S3ExportJob::s3Target, clock,
                S3ExportJob.DEFAULT_MAX_INCREMENTALS);
        String base1 = src + "@terrarium-export-20261130T103000Z";
        String base2 = src + "@terrarium-export-20261130T113000Z";

        JobResult r1 = job.run();
        assertThat(r1.status()).as(r1.summary()).isEqualTo(JobResult.Status.OK);
        assertThat(S3ExportJobIT.row(r1)).containsEntry("held", true).containsEntry("kind", "full");
        if (caps().sizeEstimate()) {
            assertThat((Long) S3ExportJobIT.row(r1).get("estimate_bytes")).isGreaterThan(3L << 20);
        }
        assertHeld(base1);

        T.ok("seq 1 5000 > $(zfs get -H -o value mountpoint " + src + ")/more.txt && sync");
        clock.now = clock.now.plusSeconds(3600);
        JobResult r2 = job.run();
        assertThat(r2.status()).as(r2.summary()).isEqualTo(JobResult.Status.OK);
        assertThat(S3ExportJobIT.row(r2)).containsEntry("kind", "incremental");
        assertThat(zfs.exists(base1)).as("old base released and destroyed").isFalse();
        assertHeld(base2);
    }

    /** A held snapshot cannot be destroyed; on OpenZFS {@code zfs holds} names the tag. */
    void assertHeld(String snapshot) {
        assertThat(T.sh("zfs destroy " + snapshot).exit()).as("destroy of held %s", snapshot).isNotZero();
        assertThat(zfs.exists(snapshot)).isTrue();
        if (T.openZfs()) {
            assertThat(zfs.holds(snapshot)).containsExactly(S3ExportJob.HOLD_TAG);
        }
    }

    @Test
    void interruptedResumableReceiveLeavesATokenThatResumesTheStream() throws Exception {
        T.requires(caps().resumable(), "zfs receive -s (resume tokens)");
        open("oz-resume");
        fill(src, "");
        T.ok("zfs snapshot " + src + "@s1 && zfs create " + ZfsTarget.mountOption(dstRoot) + " " + dstRoot);
        Manifest full = new S3Exporter(s3, settings, "inst-oz", Clock.systemUTC())
                .export(req(src, "s1", null, List.of(), OptionalLong.empty()), x -> { });
        String target = dstRoot + "/web";
        Command recv = new Command("zfs", List.of("receive", "-s", target), Duration.ofMinutes(10), null, null);

        // the stream from S3 breaks off after 1 MiB: the receive fails and keeps what it got
        StreamingProcess r = StreamingProcess.startWithStdin(recv);
        try (InputStream plain = Compression.decompress(new VerifiedVolumesStream(s3, settings.bucket(), full));
             OutputStream in = r.stdin()) {
            in.write(plain.readNBytes((int) MIB));
        }
        assertThatThrownBy(r::waitForSuccess).isInstanceOf(CommandFailedException.class);
        r.close();
        String token = T.ok("zfs get -H -o value receive_resume_token " + target).strip();
        assertThat(token).isNotEqualTo("-").isNotBlank();

        // resume: the sender continues from the token, the receive completes the snapshot
        try (StreamingProcess send = runner.stream(new Command("zfs", List.of("send", "-t", token), Duration.ofMinutes(10), null, null));
             StreamingProcess again = StreamingProcess.startWithStdin(recv)) {
            try (InputStream s = send.stdout(); OutputStream in = again.stdin()) {
                s.transferTo(in);
            }
            again.waitForSuccess();
            send.waitForSuccess();
        }
        assertThat(T.ok("zfs get -H -o value receive_resume_token " + target).strip()).isEqualTo("-");
        assertThat(T.ok("zfs list -H -t snapshot -o name -r " + target).strip()).isEqualTo(target + "@s1");
        assertThat(T.checksums(target)).isEqualTo(T.checksums(src));
    }
}
