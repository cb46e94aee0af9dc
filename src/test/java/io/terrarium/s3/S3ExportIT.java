package io.terrarium.s3;

import io.terrarium.host.zstd.Compression;

import io.terrarium.s3.Manifest;
import io.terrarium.s3.ManifestCodec;
import io.terrarium.host.exec.Command;
import io.terrarium.host.exec.StreamingProcess;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.s3.S3Client;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.concurrent.atomic.AtomicInteger;

import static io.terrarium.s3.ProviderProfile.MIB;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The streaming export against the development host's s3proxy, directly and through a fault proxy. */
class S3ExportIT {
    /** s3proxy enforces S3's 5 MiB minimum for all parts but the last, so the scaled profiles use 5 MiB parts. */
    static final long PART = 5 * MIB;
    private final List<Runnable> cleanups = new ArrayList<>();

    @AfterEach
    void cleanUp() {
        cleanups.forEach(Runnable::run);
    }

    private S3Client client(S3Settings s) throws IOException {
        S3Client c = S3ClientFactory.create(s, 8);
        S3Settings direct = s.withEndpoint(java.net.URI.create(DevS3.env("TERRARIUM_DEV_S3_ENDPOINT")));
        cleanups.add(() -> {
            try (S3Client d = S3ClientFactory.create(direct, 4)) {
                DevS3.cleanUp(d, direct);
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
            c.close();
        });
        return c;
    }

    private FaultProxy proxy() throws IOException {
        FaultProxy p = new FaultProxy(java.net.URI.create(DevS3.env("TERRARIUM_DEV_S3_ENDPOINT")));
        cleanups.add(() -> {
            try {
                p.close();
            } catch (IOException ignored) {
                // closing a server socket
            }
        });
        return p;
    }

    static S3Exporter.Request request(String snap, Manifest parent) {
        return new S3Exporter.Request("web", "terrarium/containers/web", snap, String.valueOf(Math.abs(snap.hashCode())),
                parent, List.of(), OptionalLong.empty(), PART, 3, Compression.Engine.JNI, Map.of("terrarium", "it"));
    }

    static byte[] restoreBytes(S3Client s3, String bucket, Manifest m) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (InputStream in = Compression.decompress(new VerifiedVolumesStream(s3, bucket, m))) {
            in.transferTo(out);
        }
        return out.toByteArray();
    }

    @Test
    void c01_partLimitOnS3proxyNeverSendsAPartBeyondTheLimit() throws Exception {
        FaultProxy proxy = proxy();
        S3Settings s = DevS3.settings("c01").withProfile(ProviderProfile.generic().scaled(4, PART, 1024 * MIB))
                .withEndpoint(proxy.endpoint());
        S3Client s3 = client(s);
        List<VolumeResult> vols = new StreamingUploader(s3, s, PART, 3)
                .upload(new GeneratedStream(30 * MIB, 1), i -> s.prefix() + "c01/v" + i);
        assertThat(vols).extracting(VolumeResult::bytes).containsExactly(20 * MIB, 10 * MIB);
        assertThat(proxy.maxPartNumber()).isEqualTo(4);
        for (VolumeResult v : vols) {
            assertThat(s3.headObject(b -> b.bucket(s.bucket()).key(v.key())).contentLength()).isEqualTo(v.bytes());
        }
    }

    @Test
    void c02_maxObjectSizeGivesVolumesThatReadBackAsOneStream() throws Exception {
        // scaled: max object "1 GiB" = 10 MiB, stream "2.5 GiB" = 25 MiB (incompressible, so zstd keeps the size)
        S3Settings s = DevS3.settings("c02").withProfile(ProviderProfile.generic().scaled(1000, PART, 10 * MIB));
        S3Client s3 = client(s);
        var exporter = new S3Exporter(s3, s, "inst-it", Clock.systemUTC());
        Manifest m = exporter.exportStream(request("s1", null), new GeneratedStream(25 * MIB, 2), n -> { });
        assertThat(m.volumes()).extracting(Manifest.Volume::bytes)
                .satisfies(b -> assertThat(b.get(0)).isEqualTo(10 * MIB), b -> assertThat(b.get(1)).isEqualTo(10 * MIB),
                        b -> assertThat(b.get(2)).isBetween(5 * MIB, 6 * MIB));
        assertThat(restoreBytes(s3, s.bucket(), m)).isEqualTo(StreamingUploaderTest.all(25 * MIB, 2));
        byte[] stored = s3.getObjectAsBytes(b -> b.bucket(s.bucket()).key(exporter.keys().manifest("web", m.id()))).asByteArray();
        assertThat(new ManifestCodec().read(stored, s.prefix())).isEqualTo(m);
    }

    @Test
    void c04_producerExitingNonZeroAfterBytesLeavesNothing() throws Exception {
        S3Settings s = DevS3.settings("c04");
        S3Client s3 = client(s);
        var exporter = new S3Exporter(s3, s, "inst-it", Clock.systemUTC());
        // 12 MiB of random bytes (more than two parts), then exit 3 — like a zfs send dying mid-stream
        Command failing = new Command("sh", List.of("-c", "head -c 12582912 /dev/urandom; echo 'cannot send: I/O error' >&2; exit 3"),
                Duration.ofMinutes(1), null, null);
        try (StreamingProcess p = StreamingProcess.start(failing)) {
            assertThatThrownBy(() -> exporter.exportStream(request("s1", null), p.stdout(), n -> { }))
                    .isInstanceOf(StreamingProcess.ProcessFailedIOException.class)
                    .hasMessageContaining("exit");
        }
        assertThat(DevS3.keys(s3, s)).isEmpty();
        assertThat(DevS3.uploads(s3, s)).isEmpty();
    }

    @Test
    void c05_nonAwsClientSendsNoChecksumHeaders() throws Exception {
        FaultProxy proxy = proxy();
        S3Settings s = DevS3.settings("c05").withEndpoint(proxy.endpoint());
        S3Client s3 = client(s);
        new S3Exporter(s3, s, "inst-it", Clock.systemUTC())
                .exportStream(request("s1", null), new GeneratedStream(12 * MIB, 5), n -> { });
        assertThat(proxy.seen).extracting(FaultProxy.Seen::method).contains("PUT", "POST", "HEAD");
        for (FaultProxy.Seen r : proxy.seen) {
            assertThat(r.headers().keySet()).as(r.method() + " " + r.target())
                    .noneMatch(h -> h.startsWith("x-amz-checksum") || h.startsWith("x-amz-sdk-checksum") || h.equals("x-amz-trailer"));
        }
        // loopback http: parts go as UNSIGNED-PAYLOAD, like over https (LoopbackSigner)
        assertThat(proxy.seen).filteredOn(FaultProxy.Seen::isUploadPart).isNotEmpty()
                .allSatisfy(r -> assertThat(r.headers()).containsEntry("x-amz-content-sha256", "UNSIGNED-PAYLOAD"));
        // the capture works: the same requests from an AWS-profile client carry them
        proxy.seen.clear();
        S3Settings aws = s.withProfile(new ProviderProfile("aws-path", 10_000, 5 * MIB, 5 * ProviderProfile.GIB,
                5 * ProviderProfile.TIB, 5 * ProviderProfile.GIB, false, false, true, java.util.Set.of()));
        try (S3Client awsClient = S3ClientFactory.create(aws, 4)) {
            awsClient.putObject(b -> b.bucket(s.bucket()).key(s.prefix() + "probe"),
                    software.amazon.awssdk.core.sync.RequestBody.fromString("x"));
        } catch (RuntimeException ignored) {
            // s3proxy may reject the checksum trailer; we only look at what was sent
        }
        assertThat(proxy.seen).anySatisfy(r -> assertThat(r.headers().keySet())
                .anyMatch(h -> h.startsWith("x-amz-checksum") || h.startsWith("x-amz-sdk-checksum")));
    }

    @Test
    void c06_janitorAbortsOnlyOldUploadsUnderOurPrefix() throws Exception {
        S3Settings s = DevS3.settings("c06");
        S3Client s3 = client(s);
        String foreignPrefix = "it-foreign-" + System.nanoTime() + "/";
        String ours = s.prefix() + "inst/web/data/a/stream.zst.0000";
        String oursYoung = s.prefix() + "inst/web/data/b/stream.zst.0000";
        String foreign = foreignPrefix + "big.bin";
        String idOld = s3.createMultipartUpload(b -> b.bucket(s.bucket()).key(ours)).uploadId();
        String idYoung = s3.createMultipartUpload(b -> b.bucket(s.bucket()).key(oursYoung)).uploadId();
        String idForeign = s3.createMultipartUpload(b -> b.bucket(s.bucket()).key(foreign)).uploadId();
        try {
            // s3proxy stamps initiation "now" and cannot be backdated: the clock moves instead. The real
            // listing must show all of ours (and none of the foreign prefix); the selection uses the
            // listed initiation times shifted as C06 describes.
            List<MultipartJanitor.Upload> listed = DevS3.uploads(s3, s);
            assertThat(listed).extracting(MultipartJanitor.Upload::key).containsExactlyInAnyOrder(ours, oursYoung);
            Instant initiated = listed.get(0).initiated() != null ? listed.get(0).initiated() : Instant.now();
            // make "ours" 25 h old: run the janitor with a clock 25 h ahead and a threshold that keeps the young
            // one (created just after) — equivalent to initiation times of 25 h and 1 h ago with a 24 h threshold
            var clock = Clock.fixed(initiated.plus(Duration.ofHours(25)), ZoneOffset.UTC);
            List<MultipartJanitor.Upload> shifted = new ArrayList<>();
            for (MultipartJanitor.Upload u : listed) {
                Instant at = u.key().equals(ours) ? initiated : initiated.plus(Duration.ofHours(24));
                shifted.add(new MultipartJanitor.Upload(u.key(), u.uploadId(), at));
            }
            var selected = MultipartJanitor.select(shifted, s.prefix(), clock.instant(), Duration.ofHours(24));
            assertThat(selected).extracting(MultipartJanitor.Upload::key).containsExactly(ours);
            // and a real run with threshold 0 aborts everything under our prefix, never the foreign one
            var report = new MultipartJanitor(s3, s.bucket(), s.prefix(), Duration.ZERO,
                    Clock.offset(Clock.systemUTC(), Duration.ofSeconds(5))).run();
            assertThat(report.aborted()).extracting(MultipartJanitor.Upload::uploadId).containsExactlyInAnyOrder(idOld, idYoung);
            assertThat(report.errors()).isEmpty();
            assertThat(DevS3.uploads(s3, s)).isEmpty();
            assertThat(DevS3.uploads(s3, s.withPrefix(foreignPrefix))).extracting(MultipartJanitor.Upload::uploadId)
                    .containsExactly(idForeign);
        } finally {
            s3.abortMultipartUpload(b -> b.bucket(s.bucket()).key(foreign).uploadId(idForeign));
        }
    }

    @Test
    void c06_partThreeFailingPermanentlyFailsAndLeavesNoManifestNoUpload() throws Exception {
        FaultProxy proxy = proxy();
        proxy.faults = r -> r.isUploadPart() && "3".equals(r.query("partNumber")) ? FaultProxy.Fault.SLOW_DOWN_503 : FaultProxy.Fault.NONE;
        S3Settings s = DevS3.settings("c06p").withEndpoint(proxy.endpoint()).withMaxAttempts(3);
        S3Client s3 = client(s);
        var exporter = new S3Exporter(s3, s, "inst-it", Clock.systemUTC());
        assertThatThrownBy(() -> exporter.exportStream(request("s1", null), new GeneratedStream(5 * PART - 100, 7), n -> { }))
                .isInstanceOf(UploadFailedException.class).hasMessageContaining("UploadPart 3");
        assertThat(proxy.seen.stream().filter(r -> r.isUploadPart() && "3".equals(r.query("partNumber")))).hasSize(3);
        assertThat(DevS3.keys(s3, s)).isEmpty();
        assertThat(DevS3.uploads(s3, s)).isEmpty();
    }

    @Test
    void faults_transient503sAndResetsAreRetriedAndTheExportVerifies() throws Exception {
        FaultProxy proxy = proxy();
        AtomicInteger n = new AtomicInteger();
        java.util.Set<String> faulted = java.util.concurrent.ConcurrentHashMap.newKeySet();
        proxy.faults = r -> {
            if (!r.isUploadPart() || !faulted.add(r.query("partNumber"))) {
                return FaultProxy.Fault.NONE; // each part fails at most once
            }
            return n.incrementAndGet() % 2 == 0 ? FaultProxy.Fault.RESET : FaultProxy.Fault.SLOW_DOWN_503;
        };
        S3Settings s = DevS3.settings("flt").withEndpoint(proxy.endpoint());
        S3Client s3 = client(s);
        Manifest m = new S3Exporter(s3, s, "inst-it", Clock.systemUTC())
                .exportStream(request("s1", null), new GeneratedStream(6 * PART + 3, 8), x -> { });
        assertThat(proxy.seen).anyMatch(r -> r.fault() == FaultProxy.Fault.RESET)
                .anyMatch(r -> r.fault() == FaultProxy.Fault.SLOW_DOWN_503);
        assertThat(restoreBytes(s3, s.bucket(), m)).isEqualTo(StreamingUploaderTest.all(6 * PART + 3, 8));
    }

    @Test
    void faults_completeAnswering200WithErrorIsNotTakenAsSuccess() throws Exception {
        FaultProxy proxy = proxy();
        AtomicInteger completes = new AtomicInteger();
        proxy.faults = r -> r.isComplete() && completes.incrementAndGet() == 1 ? FaultProxy.Fault.OK_200_WITH_ERROR : FaultProxy.Fault.NONE;
        S3Settings s = DevS3.settings("err200").withEndpoint(proxy.endpoint());
        S3Client s3 = client(s);
        var exporter = new S3Exporter(s3, s, "inst-it", Clock.systemUTC());
        Manifest m;
        try {
            m = exporter.exportStream(request("s1", null), new GeneratedStream(2 * PART + 3, 9), x -> { });
        } catch (UploadFailedException e) {
            // failing is acceptable — but then nothing may be left
            assertThat(DevS3.keys(s3, s)).isEmpty();
            assertThat(DevS3.uploads(s3, s)).isEmpty();
            return;
        }
        // the SDK recognised the <Error> in the 200 and retried: the second Complete went through
        assertThat(completes.get()).isEqualTo(2);
        assertThat(restoreBytes(s3, s.bucket(), m)).isEqualTo(StreamingUploaderTest.all(2 * PART + 3, 9));
    }

    @Test
    void faults_completeAnswering200WithErrorEveryTimeFailsWithoutManifest() throws Exception {
        FaultProxy proxy = proxy();
        proxy.faults = r -> r.isComplete() ? FaultProxy.Fault.OK_200_WITH_ERROR : FaultProxy.Fault.NONE;
        S3Settings s = DevS3.settings("err200p").withEndpoint(proxy.endpoint()).withMaxAttempts(2);
        S3Client s3 = client(s);
        var exporter = new S3Exporter(s3, s, "inst-it", Clock.systemUTC());
        assertThatThrownBy(() -> exporter.exportStream(request("s1", null), new GeneratedStream(2 * PART + 3, 9), x -> { }))
                .isInstanceOf(UploadFailedException.class).hasMessageContaining("CompleteMultipartUpload");
        assertThat(DevS3.keys(s3, s)).isEmpty();
        assertThat(DevS3.uploads(s3, s)).isEmpty();
    }
}
