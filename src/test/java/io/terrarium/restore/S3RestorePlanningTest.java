package io.terrarium.restore;

import io.terrarium.host.zstd.Compression;
import io.terrarium.s3.FakeS3;
import io.terrarium.s3.GeneratedStream;
import io.terrarium.s3.S3Catalog;
import io.terrarium.s3.S3Exporter;
import io.terrarium.s3.S3ExporterTest;
import io.terrarium.s3.S3VerifyJob;
import io.terrarium.s3.S3Verifier;
import io.terrarium.s3.StreamingUploaderTest;

import io.terrarium.s3.Manifest;
import io.terrarium.restore.RestoreException;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.Random;

import static io.terrarium.s3.ProviderProfile.MIB;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The S3 side of restore and verify against the in-memory S3: catalog listing across
 * installations, chain walking, {@code --at} choice, plan failures naming the missing piece and the
 * newest restorable point (before LXD or ZFS are touched: they are {@code null} here), and
 * {@link S3Verifier} on healthy and corrupted objects.
 */
class S3RestorePlanningTest {
    static final Instant T0 = Instant.parse("2026-01-31T12:15:00Z");
    FakeS3 s3;
    Manifest full;
    Manifest inc1;
    Manifest inc2;

    Manifest export(String installation, Instant at, String snap, String guid, Manifest parent, long seed) throws Exception {
        var exporter = new S3Exporter(s3, StreamingUploaderTest.settings(S3ExporterTest.P), installation, Clock.fixed(at, ZoneOffset.UTC));
        var req = new S3Exporter.Request("web", "tank/containers/web", snap, guid, parent, List.of(), OptionalLong.empty(), MIB, 2,
                Compression.Engine.JNI, Map.of("terrarium", "test"));
        return exporter.exportStream(req, new GeneratedStream(MIB, seed), n -> { });
    }

    @BeforeEach
    void chain() throws Exception {
        s3 = new FakeS3();
        full = export("inst-old", T0, "terrarium-export-a", "11", null, 1);
        inc1 = export("inst-old", T0.plusSeconds(3600), "terrarium-export-b", "12", full, 2);
        inc2 = export("inst-old", T0.plusSeconds(7200), "terrarium-export-c", "13", inc1, 3);
    }

    S3Catalog catalog() {
        return new S3Catalog(s3, "b", "terrarium/");
    }

    S3RestoreService service(String own) {
        return new S3RestoreService(null, null, null, "default", Path.of("/nonexistent"), catalog(), new S3Restorer(s3, "b"), own,
                "s3://b/terrarium/", Clock.systemUTC());
    }

    /**
     * Rehearsal of session 5 (S3EncryptedZfsIT): a full and its incremental exported within the same
     * second, the full's snapshot GUID sorting after the incremental's — ordered by id alone the full
     * was "newest" and chainTo(newest) lost the incremental.
     */
    @Test
    void twoPointsOfTheSameSecondAreOrderedByExportTimeNotByGuid() throws Exception {
        s3 = new FakeS3();
        Instant t = Instant.parse("2026-12-06T20:58:16.100Z");
        Manifest f = export("inst-same", t, "terrarium-export-a", "9000", null, 1);
        Manifest i = export("inst-same", t.plusMillis(700), "terrarium-export-b", "1000", f, 2);
        assertThat(f.id()).isGreaterThan(i.id()); // the case that broke: same second, larger GUID
        S3Catalog.Points p = catalog().points("inst-same", "web");
        assertThat(p.newest().id()).isEqualTo(i.id());
        assertThat(p.chainTo(p.newest())).extracting(Manifest::id).containsExactly(f.id(), i.id());
    }

    @Test
    void catalogListsInstallationsInstancesAndChains() throws Exception {
        S3Catalog c = catalog();
        assertThat(c.installations()).containsExactly("inst-old");
        assertThat(c.instances("inst-old")).containsExactly("web");
        S3Catalog.Points p = c.points("inst-old", "web");
        assertThat(p.manifests()).extracting(Manifest::id).containsExactly(full.id(), inc1.id(), inc2.id());
        assertThat(p.chainTo(p.byId(inc2.id()))).extracting(Manifest::id).containsExactly(full.id(), inc1.id(), inc2.id());
        assertThat(p.choose(null).id()).isEqualTo(inc2.id());
        assertThat(p.choose("2026-01-31_13:15").id()).isEqualTo(inc1.id());
        assertThat(p.choose("20261231")).isNull();
        assertThat(c.installationsWith("web")).containsExactly("inst-old");
        assertThat(c.installationsWith("db")).isEmpty();
    }

    @Test
    void unreadableManifestIsReportedNotUsed() throws Exception {
        s3.objects.put("terrarium/inst-old/web/manifests/20260131T150000Z-99.json", "{\"format_version\":2}".getBytes());
        S3Catalog.Points p = catalog().points("inst-old", "web");
        assertThat(p.manifests()).hasSize(3);
        assertThat(p.unreadable()).singleElement().satisfies(u -> assertThat(u.key()).endsWith("20260131T150000Z-99.json"));
    }

    @Test
    void missingVolumeFailsThePlanNamingItAndTheNewestRestorablePoint() {
        String key = inc2.volumes().get(0).key();
        s3.objects.remove(key);
        assertThatThrownBy(() -> service("inst-new").plan("web", null, null, null, null))
                .isInstanceOfSatisfying(RestorePlanException.class, e -> {
                    assertThat(e.problems()).containsExactly(key + " (volume of " + inc2.id() + ") is missing");
                    assertThat(e.newestRestorable()).isEqualTo(inc1.id());
                });
    }

    @Test
    void shortVolumeOrMissingParentManifestFailsThePlan() {
        String key = inc1.volumes().get(0).key();
        s3.objects.put(key, new byte[10]);
        assertThatThrownBy(() -> service(null).plan("web", inc2.id(), null, null, null))
                .isInstanceOfSatisfying(RestorePlanException.class, e -> {
                    assertThat(e.problems()).contains(key + " has 10 bytes, manifest " + inc1.id() + " says " + inc1.volumes().get(0).bytes());
                    assertThat(e.newestRestorable()).isEqualTo(full.id());
                });
        s3.objects.remove("terrarium/inst-old/web/manifests/" + inc1.id() + ".json");
        assertThatThrownBy(() -> service(null).plan("web", null, null, null, null))
                .isInstanceOfSatisfying(RestorePlanException.class, e -> {
                    assertThat(e.getMessage()).contains("parent " + inc1.id());
                    assertThat(e.newestRestorable()).isEqualTo(full.id());
                });
    }

    @Test
    void installationChoice() throws Exception {
        assertThatThrownBy(() -> service("inst-new").plan("db", null, null, null, null)).isInstanceOf(RestoreException.class)
                .hasMessageContaining("no restore point of db under s3://b/terrarium/");
        export("inst-other", T0, "terrarium-export-z", "21", null, 9);
        assertThatThrownBy(() -> service("inst-new").plan("web", null, null, null, null)).isInstanceOf(RestoreException.class)
                .hasMessageContaining("several installations (inst-old, inst-other); choose one with --installation ID");
        assertThatThrownBy(() -> service("inst-new").plan("web", "no-such", null, "inst-old", null)).isInstanceOf(RestoreException.class)
                .hasMessageContaining("no restore point of web matches --at no-such; newest: " + inc2.id());
        assertThatThrownBy(() -> service("inst-new").plan("web", null, "bad_name", null, null)).isInstanceOf(RestoreException.class)
                .hasMessageContaining("--as-new bad_name: not a valid instance name");
    }

    @Test
    void verifierPassesAHealthyChainAndNamesACorruptedObject() throws Exception {
        S3Verifier v = new S3Verifier(s3, "b", catalog());
        S3Verifier.Report ok = v.verify("inst-old", "web");
        assertThat(ok.problems()).isEmpty();
        assertThat(ok.manifests()).isEqualTo(3);
        assertThat(ok.bytes()).isEqualTo(full.streamBytes() + inc1.streamBytes() + inc2.streamBytes());

        String key = inc1.volumes().get(0).key();
        byte[] garbage = new byte[s3.objects.get(key).length];
        new Random(5).nextBytes(garbage);
        s3.objects.put(key, garbage);
        S3Verifier.Report bad = v.verify("inst-old", "web");
        assertThat(bad.problems()).singleElement().satisfies(p -> assertThat(p).startsWith("restore point " + inc1.id() + ": part 1 of " + key
                + " has SHA-256 "));
        assertThat(bad.row()).containsEntry("status", "failed");

        s3.objects.remove("terrarium/inst-old/web/manifests/" + full.id() + ".json");
        assertThat(v.verify("inst-old", "web").problems()).anyMatch(p -> p.equals("manifest " + inc1.id() + ": its parent " + full.id()
                + " is missing (the chain is broken from here)"));
    }

    @Test
    void verifyJobIsIdleWhenS3IsDisabled() {
        var r = new S3VerifyJob(io.terrarium.config.TerrariumConfig.S3::disabled, () -> "inst-1").run();
        assertThat(r.status()).isEqualTo(io.terrarium.jobs.JobResult.Status.OK);
        assertThat(r.summary()).isEqualTo("S3 exports are disabled; nothing to verify");
        assertThat(new S3VerifyJob(null, null).defaultSchedule()).isEqualTo("0 0 3 ? * SUN");
        assertThat(org.quartz.CronExpression.isValidExpression(new S3VerifyJob(null, null).defaultSchedule())).isTrue();
    }
}
