package io.terrarium.s3;

import io.terrarium.host.zfs.ZfsStreamCommands;
import io.terrarium.host.zstd.Compression;
import io.terrarium.restore.RestorePlanException;
import io.terrarium.restore.S3RestorePlan;
import io.terrarium.restore.S3Restorer;
import io.terrarium.s3.crypto.BackupKey;
import io.terrarium.s3.crypto.BackupKeys;
import io.terrarium.s3.crypto.ManifestSeal;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.Random;

import static io.terrarium.s3.ProviderProfile.MIB;
import static io.terrarium.s3.S3ZfsRoundTripIT.destroy;
import static io.terrarium.s3.S3ZfsRoundTripIT.run;
import static io.terrarium.s3.S3ZfsRoundTripIT.tree;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Encrypted, authenticated exports on the development host (issue 13): real {@code zfs send} of a
 * zfs-fuse dataset → zstd → AES-256-GCM segments → s3proxy; restore on a "new host" that has only
 * the bucket and the recovery key text; no bucket object holds a marker written in the dataset; a
 * wrong key, an altered manifest and a swapped part are refused with nothing received.
 */
class S3EncryptedZfsIT {
    static final String MARKER = "TERRARIUM-SECRET-MARKER-d41c9e";
    final long n = System.nanoTime() % 1_000_000_000L;
    final String pool = DevS3.env("TERRARIUM_DEV_POOL");
    final String src = pool + "/it-enc-" + n;
    final String dstRoot = pool + "/it-enc-restore-" + n;
    final Path mnt = Path.of("/var/tmp/terrarium-it/it-enc-" + n);
    final Path dstMnt = Path.of("/var/tmp/terrarium-it/it-enc-restore-" + n);
    final List<S3Settings> used = new ArrayList<>();
    S3Client s3;

    @AfterEach
    void cleanUp() throws Exception {
        List<String> left = new ArrayList<>();
        for (String ds : List.of(dstRoot, src)) {
            if (!destroy(ds)) {
                left.add(ds);
            }
        }
        for (Path p : List.of(mnt, dstMnt)) {
            Files.deleteIfExists(p);
        }
        if (s3 != null) {
            for (S3Settings s : used) {
                DevS3.cleanUp(s3, s);
            }
            s3.close();
        }
        assertThat(left).as("datasets left behind").isEmpty();
    }

    S3Settings settings(String what) {
        S3Settings s = DevS3.settings(what).withProfile(ProviderProfile.generic().scaled(1000, 5 * MIB, 10 * MIB));
        used.add(s);
        return s;
    }

    S3Exporter.Request req(String snap, Manifest parent) throws Exception {
        String guid = run("zfs", "get", "-H", "-p", "-o", "value", "guid", src + "@" + snap);
        return new S3Exporter.Request("it-web", src, snap, guid, parent, List.of(), OptionalLong.empty(), 5 * MIB, 2,
                Compression.Engine.JNI, Map.of("terrarium", "it", "zfs", "zfs-fuse"));
    }

    /** A dataset with 12 MiB of random data and the marker in a small text file. */
    void dataset(Random rnd) throws Exception {
        run("zfs", "create", "-o", "mountpoint=" + mnt, src);
        byte[] random = new byte[12 * (int) MIB];
        rnd.nextBytes(random);
        Files.write(mnt.resolve("random.bin"), random);
        Files.writeString(mnt.resolve("secret.txt"), "db_password: " + MARKER + "\n");
        run("sync");
        run("zfs", "snapshot", src + "@s1");
    }

    static boolean bucketContains(S3Client s3, S3Settings s, byte[] marker) {
        for (String key : DevS3.keys(s3, s)) {
            byte[] body = s3.getObjectAsBytes(b -> b.bucket(s.bucket()).key(key)).asByteArray();
            for (int i = 0; i + marker.length <= body.length; i++) {
                int j = 0;
                while (j < marker.length && body[i + j] == marker[j]) {
                    j++;
                }
                if (j == marker.length) {
                    return true;
                }
            }
        }
        return false;
    }

    @Test
    void encryptedChainRestoresOnANewHostWithOnlyTheRecoveryKeyAndTheBucketHoldsNoPlaintext() throws Exception {
        S3Settings settings = settings("enc");
        s3 = S3ClientFactory.create(settings, 6);
        Random rnd = new Random(n);
        dataset(rnd);
        BackupKey key = BackupKey.generate();
        String recoveryKey = key.recoveryKey(); // what the operator keeps offline
        var exporter = new S3Exporter(s3, settings, "inst-it", Clock.systemUTC(), BackupKeys.of(key));
        Manifest full = exporter.export(req("s1", null), x -> { });
        assertThat(full.encryption()).isNotNull();
        Files.writeString(mnt.resolve("secret.txt"), "db_password: " + MARKER + " rotated\n");
        byte[] more = new byte[(int) MIB];
        rnd.nextBytes(more);
        Files.write(mnt.resolve("new.bin"), more);
        run("sync");
        run("zfs", "snapshot", src + "@s2");
        Manifest inc = exporter.export(req("s2", full), x -> { });
        Map<String, String> atS2 = tree(mnt);

        byte[] marker = MARKER.getBytes(StandardCharsets.UTF_8);
        assertThat(bucketContains(s3, settings, marker)).as("an object in the bucket holds the marker").isFalse();
        // control: the same snapshot exported without a key does show the marker, so the search works
        S3Settings plain = settings("enc-control");
        new S3Exporter(s3, plain, "inst-it", Clock.systemUTC()).export(req("s1", null), x -> { });
        assertThat(bucketContains(s3, plain, marker)).isTrue();

        // "new host": a fresh client, the manifests read from the bucket, the key from its recovery text only
        try (S3Client fresh = S3ClientFactory.create(settings, 4)) {
            S3Catalog.Points points = new S3Catalog(fresh, settings.bucket(), settings.prefix()).points("inst-it", "it-web");
            List<Manifest> chain = points.chainTo(points.newest());
            assertThat(chain).extracting(Manifest::id).containsExactly(full.id(), inc.id());
            var restorer = new S3Restorer(fresh, settings.bucket(), BackupKeys.of(BackupKey.parse(recoveryKey)),
                    ManifestSeal.Legacy.REFUSE);
            S3RestorePlan plan = restorer.plan(chain);
            run("zfs", "create", "-o", "mountpoint=" + dstMnt, dstRoot);
            String target = dstRoot + "/it-web";
            restorer.restore(plan, m -> ZfsStreamCommands.receive(target, !m.full(), false));
            assertThat(tree(dstMnt.resolve("it-web"))).isEqualTo(atS2);
        }
    }

    @Test
    void wrongKeyAlteredManifestAndSwappedPartAreRefusedAndNothingIsReceived() throws Exception {
        S3Settings settings = settings("enc-bad");
        s3 = S3ClientFactory.create(settings, 6);
        dataset(new Random(n));
        BackupKeys keys = BackupKeys.of(BackupKey.generate());
        Manifest full = new S3Exporter(s3, settings, "inst-it", Clock.systemUTC(), keys).export(req("s1", null), x -> { });
        run("zfs", "create", "-o", "mountpoint=" + dstMnt, dstRoot);
        String target = dstRoot + "/it-web";
        S3Catalog catalog = new S3Catalog(s3, settings.bucket(), settings.prefix());

        // wrong key
        assertThatThrownBy(() -> new S3Restorer(s3, settings.bucket(), BackupKeys.of(BackupKey.generate()),
                ManifestSeal.Legacy.REFUSE).plan(List.of(full)))
                .isInstanceOf(RestorePlanException.class).hasMessageContaining("wrong key, nothing was received");

        // a bucket writer edits the manifest (another snapshot GUID) and keeps the MAC
        String key = new ExportKeys(settings.prefix(), "inst-it").manifest("it-web", full.id());
        String original = s3.getObjectAsBytes(b -> b.bucket(settings.bucket()).key(key)).asUtf8String();
        String altered = original.replace("\"snapshot_guid\" : \"" + full.snapshotGuid() + "\"", "\"snapshot_guid\" : \"1\"");
        assertThat(altered).isNotEqualTo(original);
        s3.putObject(b -> b.bucket(settings.bucket()).key(key), RequestBody.fromString(altered));
        Manifest read = catalog.points("inst-it", "it-web").newest();
        var restorer = new S3Restorer(s3, settings.bucket(), keys, ManifestSeal.Legacy.REFUSE);
        assertThatThrownBy(() -> restorer.plan(List.of(read))).isInstanceOf(RestorePlanException.class)
                .hasMessageContaining("failed authentication");
        s3.putObject(b -> b.bucket(settings.bucket()).key(key), RequestBody.fromString(original));

        // two parts of the first volume swapped (same sizes, so HEAD still matches)
        Manifest.Volume v = full.volumes().get(0);
        assertThat(v.parts()).isGreaterThanOrEqualTo(2);
        byte[] obj = s3.getObjectAsBytes(b -> b.bucket(settings.bucket()).key(v.key())).asByteArray();
        int ps = (int) v.partSize();
        byte[] swapped = obj.clone();
        System.arraycopy(obj, 0, swapped, ps, ps);
        System.arraycopy(obj, ps, swapped, 0, ps);
        s3.putObject(b -> b.bucket(settings.bucket()).key(v.key()), RequestBody.fromBytes(swapped));
        S3RestorePlan plan = restorer.plan(List.of(catalog.points("inst-it", "it-web").newest()));
        assertThatThrownBy(() -> restorer.restore(plan, m -> ZfsStreamCommands.receive(target, false, false)))
                .isInstanceOf(VerifiedVolumesStream.IntegrityException.class).hasMessageContaining("part 1 of");
        assertThat(run("zfs", "list", "-H", "-o", "name", "-r", dstRoot).lines().toList()).containsExactly(dstRoot);
    }
}
