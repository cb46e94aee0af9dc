package io.terrarium.s3;

import io.terrarium.host.zstd.Compression;
import io.terrarium.restore.RestorePlanException;
import io.terrarium.restore.S3RestorePlan;
import io.terrarium.restore.S3Restorer;
import io.terrarium.host.zfs.ZfsStreamCommands;

import io.terrarium.s3.Manifest;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.s3.S3Client;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Clock;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.Random;
import java.util.TreeMap;
import java.util.stream.Stream;

import static io.terrarium.s3.ProviderProfile.MIB;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The real round trip on the development host: a throwaway zfs-fuse dataset with files → snapshot →
 * full export (real {@code zfs send}, several volumes) → change → incremental export → plan and
 * restore both into a fresh dataset tree → byte-identical files (recursive SHA-256).
 */
class S3ZfsRoundTripIT {
    final long n = System.nanoTime() % 1_000_000_000L;
    final String pool = DevS3.env("TERRARIUM_DEV_POOL");
    final String src = pool + "/it-s3-" + n;
    final String dstRoot = pool + "/it-s3-restore-" + n;
    final Path mnt = Path.of("/var/tmp/terrarium-it/it-s3-" + n);
    final Path dstMnt = Path.of("/var/tmp/terrarium-it/it-s3-restore-" + n);
    S3Client s3;
    S3Settings settings;

    static String run(String... argv) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(argv).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        int code = p.waitFor();
        if (code != 0) {
            throw new IOException(String.join(" ", argv) + " exited " + code + ": " + out);
        }
        return out.strip();
    }

    @AfterEach
    void cleanUp() throws Exception {
        List<String> left = new java.util.ArrayList<>();
        for (String ds : List.of(dstRoot, src)) {
            if (!destroy(ds)) {
                left.add(ds);
            }
        }
        for (Path p : List.of(mnt, dstMnt)) {
            Files.deleteIfExists(p);
        }
        if (s3 != null) {
            DevS3.cleanUp(s3, settings);
            s3.close();
        }
        assertThat(left).as("datasets left behind").isEmpty();
    }

    /** zfs-fuse reports "dataset is busy" for a moment after writes: retry, then force the unmount. */
    /**
     * Destroys {@code ds} recursively, first releasing the {@code s3-export} job's hold on each of
     * its snapshots (the job holds export bases where zfs has holds, zfs-fuse included — a held
     * snapshot makes {@code destroy -r} fail; S3RetentionIT's clean-up failed that way).
     */
    static boolean destroy(String ds) throws InterruptedException {
        try {
            for (String snap : run("zfs", "list", "-H", "-t", "snapshot", "-o", "name", "-r", ds).lines().toList()) {
                if (snap.contains("@")) {
                    new ProcessBuilder("zfs", "release", S3ExportJob.HOLD_TAG, snap).redirectErrorStream(true)
                            .redirectOutput(ProcessBuilder.Redirect.DISCARD).start().waitFor();
                }
            }
        } catch (IOException notThere) {
            // no dataset or no snapshots: nothing held
        }
        for (int attempt = 0; attempt < 6; attempt++) {
            try {
                run("zfs", "list", "-H", "-o", "name", ds);
            } catch (IOException notThere) {
                return true;
            }
            try {
                if (attempt >= 3) {
                    run("zfs", "unmount", "-f", ds);
                }
                run("zfs", "destroy", "-r", ds);
                return true;
            } catch (IOException busy) {
                Thread.sleep(1000);
            }
        }
        return false;
    }

    static Map<String, String> tree(Path root) throws IOException {
        Map<String, String> out = new TreeMap<>();
        try (Stream<Path> files = Files.walk(root)) {
            for (Path f : (Iterable<Path>) files::iterator) {
                if (Files.isRegularFile(f)) {
                    try (InputStream in = Files.newInputStream(f)) {
                        MessageDigest md = MessageDigest.getInstance("SHA-256");
                        byte[] buf = new byte[1 << 16];
                        int k;
                        while ((k = in.read(buf)) >= 0) {
                            md.update(buf, 0, k);
                        }
                        out.put(root.relativize(f).toString(), HexFormat.of().formatHex(md.digest()));
                    } catch (java.security.NoSuchAlgorithmException e) {
                        throw new IllegalStateException(e);
                    }
                }
            }
        }
        return out;
    }

    S3Exporter.Request req(String snap, Manifest parent) throws Exception {
        String guid = run("zfs", "get", "-H", "-p", "-o", "value", "guid", src + "@" + snap);
        return new S3Exporter.Request("it-web", src, snap, guid, parent, List.of(), OptionalLong.empty(), 5 * MIB, 2,
                Compression.Engine.JNI, Map.of("terrarium", "it", "zfs", "zfs-fuse"));
    }

    @Test
    void c02_fullAndIncrementalRestoreByteIdenticalIntoAFreshTree() throws Exception {
        // max object size 10 MiB (scaled "1 GiB"): the full stream (~13 MiB compressed) spans two volumes,
        // which restore concatenates into one zfs receive
        settings = DevS3.settings("zfs").withProfile(ProviderProfile.generic().scaled(1000, 5 * MIB, 10 * MIB));
        s3 = S3ClientFactory.create(settings, 6);
        run("zfs", "create", "-o", "mountpoint=" + mnt, src);
        Random rnd = new Random(n);
        byte[] random = new byte[12 * (int) MIB];
        rnd.nextBytes(random);
        Files.write(mnt.resolve("random.bin"), random);
        Files.write(mnt.resolve("zeros.bin"), new byte[8 * (int) MIB]);
        Files.createDirectories(mnt.resolve("etc/app"));
        Files.writeString(mnt.resolve("etc/app/config.yaml"), "version: 1\n");
        Files.writeString(mnt.resolve("gone.txt"), "to be deleted\n");
        run("sync");
        run("zfs", "snapshot", src + "@s1");
        var exporter = new S3Exporter(s3, settings, "inst-it", Clock.systemUTC());
        Manifest full = exporter.export(req("s1", null), x -> { });
        assertThat(full.volumes()).hasSizeGreaterThanOrEqualTo(2);
        Map<String, String> atS1 = tree(mnt);

        Files.writeString(mnt.resolve("etc/app/config.yaml"), "version: 2\n");
        Files.delete(mnt.resolve("gone.txt"));
        byte[] more = new byte[(int) MIB];
        rnd.nextBytes(more);
        Files.write(mnt.resolve("new.bin"), more);
        run("sync");
        run("zfs", "snapshot", src + "@s2");
        Manifest inc = exporter.export(req("s2", full), x -> { });
        assertThat(inc.parentId()).isEqualTo(full.id());
        assertThat(inc.streamBytes()).isLessThan(full.streamBytes() / 4);
        Map<String, String> atS2 = tree(mnt);
        assertThat(atS2).isNotEqualTo(atS1);

        run("zfs", "create", "-o", "mountpoint=" + dstMnt, dstRoot);
        String target = dstRoot + "/it-web";
        var restorer = new S3Restorer(s3, settings.bucket());
        S3RestorePlan plan = restorer.plan(List.of(full, inc));
        restorer.restore(plan, m -> ZfsStreamCommands.receive(target, !m.full(), false));
        assertThat(run("zfs", "list", "-H", "-t", "snapshot", "-o", "name", "-r", target).lines().toList())
                .containsExactly(target + "@s1", target + "@s2");
        assertThat(tree(dstMnt.resolve("it-web"))).isEqualTo(atS2);
    }

    @Test
    void corruptedVolumeFailsRestoreAndReceivesNothing() throws Exception {
        settings = DevS3.settings("zfsbad");
        s3 = S3ClientFactory.create(settings, 6);
        run("zfs", "create", "-o", "mountpoint=" + mnt, src);
        byte[] random = new byte[7 * (int) MIB];
        new Random(1).nextBytes(random);
        Files.write(mnt.resolve("random.bin"), random);
        run("sync");
        run("zfs", "snapshot", src + "@s1");
        Manifest full = new S3Exporter(s3, settings, "inst-it", Clock.systemUTC()).export(req("s1", null), x -> { });
        // overwrite the volume with same-size garbage: HEAD sizes still match, the SHA-256 check must catch it
        Manifest.Volume v = full.volumes().get(0);
        byte[] garbage = new byte[(int) v.bytes()];
        new Random(2).nextBytes(garbage);
        s3.putObject(b -> b.bucket(settings.bucket()).key(v.key()), software.amazon.awssdk.core.sync.RequestBody.fromBytes(garbage));
        run("zfs", "create", "-o", "mountpoint=" + dstMnt, dstRoot);
        var restorer = new S3Restorer(s3, settings.bucket());
        S3RestorePlan plan = restorer.plan(List.of(full));
        assertThatThrownBy(() -> restorer.restore(plan, m -> ZfsStreamCommands.receive(dstRoot + "/it-web", false, false)))
                .isInstanceOf(VerifiedVolumesStream.IntegrityException.class).hasMessageContaining("part 1");
        assertThat(run("zfs", "list", "-H", "-o", "name", "-r", dstRoot).lines().toList()).containsExactly(dstRoot);
        // and a missing volume fails the plan before anything starts
        s3.deleteObject(b -> b.bucket(settings.bucket()).key(v.key()));
        assertThatThrownBy(() -> restorer.plan(List.of(full))).isInstanceOf(RestorePlanException.class)
                .hasMessageContaining("is missing");
    }
}
