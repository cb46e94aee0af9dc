package io.terrarium.s3;

import io.terrarium.config.TerrariumConfig.Retention;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Chain-aware retention decisions of {@link RetentionPlanner}. */
class RetentionPlannerTest {
    static final ExportKeys KEYS = new ExportKeys("terrarium/", "inst-0001");
    static final String DIR = "terrarium/inst-0001/web/";

    final Map<String, Manifest> manifests = new LinkedHashMap<>();
    final List<String> objects = new ArrayList<>();

    /** Adds a committed export {@code id} (parent {@code parent}, null = full) with one volume. */
    void export(String id, String parent) {
        String vol = KEYS.volume("web", id, 0);
        manifests.put(id, new Manifest(Manifest.FORMAT_VERSION, id, "inst-0001", "web", "tank/containers/web",
                "terrarium-export-" + id, "1", parent, parent == null ? null : "terrarium-export-" + parent, "zstd",
                List.of(), Map.of(), Instant.EPOCH, 10, List.of(new Manifest.Volume(vol, 10, "00", 5, 2, List.of()))));
        objects.add(KEYS.manifest("web", id));
        objects.add(vol);
    }

    RetentionPlanner.Plan plan(int chains, int points) {
        return RetentionPlanner.plan(KEYS, "web", objects, manifests, new Retention(chains, points));
    }

    static String m(String id) {
        return DIR + "manifests/" + id + ".json";
    }

    static String v(String id) {
        return DIR + "data/" + id + "/stream.zst.0000";
    }

    /** Three chains: A (full a0, a1, a2), B (b0, b1), C (c0, c1). */
    void threeChains() {
        export("20261101T000000Z-1", null);
        export("20261101T010000Z-2", "20261101T000000Z-1");
        export("20261101T020000Z-3", "20261101T010000Z-2");
        export("20261102T000000Z-4", null);
        export("20261102T010000Z-5", "20261102T000000Z-4");
        export("20261103T000000Z-6", null);
        export("20261103T010000Z-7", "20261103T000000Z-6");
    }

    @Test
    void keepsTheNewestChainsWholeAndDeletesOlderChainsManifestsFirstNewestFirst() {
        threeChains();
        var p = plan(2, 0);
        assertThat(p.keptIds()).containsExactly("20261103T010000Z-7", "20261103T000000Z-6", "20261102T010000Z-5",
                "20261102T000000Z-4");
        assertThat(p.deleteManifests()).containsExactly(m("20261101T020000Z-3"), m("20261101T010000Z-2"),
                m("20261101T000000Z-1"));
        assertThat(p.deleteVolumes()).containsExactly(v("20261101T020000Z-3"), v("20261101T010000Z-2"),
                v("20261101T000000Z-1"));
        assertThat(p.warnings()).isEmpty();
    }

    @Test
    void aChainWithALockedPointIsKeptWholeAndSaysUntilWhen() {
        threeChains();
        Instant until = Instant.parse("2026-12-24T10:00:00Z");
        // only the full of chain A reads as locked (its date was extended to its newest incremental's)
        var p = RetentionPlanner.plan(KEYS, "web", objects, manifests, new Retention(1, 0),
                Map.of("20261101T000000Z-1", until));
        assertThat(p.deletedIds()).containsExactly("20261102T010000Z-5", "20261102T000000Z-4");
        assertThat(p.deleteManifests()).containsExactly(m("20261102T010000Z-5"), m("20261102T000000Z-4"));
        assertThat(p.deleteVolumes()).containsExactly(v("20261102T010000Z-5"), v("20261102T000000Z-4"));
        assertThat(p.lockedKept()).containsExactly(Map.entry("20261101T020000Z-3", until),
                Map.entry("20261101T010000Z-2", until), Map.entry("20261101T000000Z-1", until));
        assertThat(p.keptIds()).contains("20261101T000000Z-1", "20261101T010000Z-2", "20261101T020000Z-3");
    }

    @Test
    void aChainKeptAnywayIsNotReportedAsLockedAndTheLatestDateOfAChainIsReported() {
        threeChains();
        Instant early = Instant.parse("2026-12-20T00:00:00Z");
        Instant late = Instant.parse("2026-12-21T00:00:00Z");
        var p = RetentionPlanner.plan(KEYS, "web", objects, manifests, new Retention(1, 0),
                Map.of("20261103T000000Z-6", early, "20261102T000000Z-4", early, "20261102T010000Z-5", late));
        assertThat(p.lockedKept()).containsExactly(Map.entry("20261102T010000Z-5", late), Map.entry("20261102T000000Z-4", late));
        assertThat(p.deletedIds()).containsExactly("20261101T020000Z-3", "20261101T010000Z-2", "20261101T000000Z-1");
    }

    @Test
    void aLockedBrokenManifestIsLeftInPlace() {
        threeChains();
        export("20261031T000000Z-9", "20261030T000000Z-8"); // parent missing: broken, older than every kept point
        var unlocked = plan(2, 0);
        assertThat(unlocked.deletedIds()).contains("20261031T000000Z-9");
        var p = RetentionPlanner.plan(KEYS, "web", objects, manifests, new Retention(2, 0),
                Map.of("20261031T000000Z-9", Instant.parse("2026-12-24T10:00:00Z")));
        assertThat(p.deletedIds()).doesNotContain("20261031T000000Z-9");
        assertThat(p.deleteVolumes()).doesNotContain(v("20261031T000000Z-9"));
        assertThat(p.warnings()).anyMatch(w -> w.contains("20261031T000000Z-9") && w.contains("locked until 2026-12-24T10:00:00Z"));
    }

    @Test
    void keepOneChainKeepsOnlyTheNewestChain() {
        threeChains();
        var p = plan(1, 0);
        assertThat(p.keptIds()).containsExactly("20261103T010000Z-7", "20261103T000000Z-6");
        assertThat(p.deletedIds()).containsExactly("20261102T010000Z-5", "20261102T000000Z-4", "20261101T020000Z-3",
                "20261101T010000Z-2", "20261101T000000Z-1");
    }

    @Test
    void aKeptPointKeepsItsWholeChainBackToTheFull() {
        threeChains();
        // newest 3 points: 7, 6, 5 → chain C and chain B (5 needs 4)
        var p = plan(1, 3);
        assertThat(p.keptIds()).contains("20261102T010000Z-5", "20261102T000000Z-4");
        assertThat(p.deletedIds()).containsExactly("20261101T020000Z-3", "20261101T010000Z-2", "20261101T000000Z-1");
    }

    @Test
    void theNewestChainIsKeptEvenWhenItIsOnlyAFull() {
        threeChains();
        export("20261104T000000Z-8", null);
        var p = plan(1, 0);
        assertThat(p.keptIds()).containsExactly("20261104T000000Z-8");
        assertThat(p.deleteManifests()).hasSize(7).doesNotContain(m("20261104T000000Z-8"));
    }

    @Test
    void nothingToDeleteWhenFewerChainsThanKept() {
        threeChains();
        var p = plan(5, 0);
        assertThat(p.empty()).isTrue();
        assertThat(p.keptIds()).hasSize(7);
    }

    @Test
    void everyPrefixOfTheManifestDeletesLeavesOnlyCompleteChains() {
        threeChains();
        var p = plan(1, 0);
        Map<String, Manifest> left = new LinkedHashMap<>(manifests);
        for (String key : p.deleteManifests()) {
            String id = key.substring(key.lastIndexOf('/') + 1, key.length() - ".json".length());
            left.remove(id);
            for (Manifest mf : left.values()) {
                Manifest cur = mf;
                while (!cur.full()) {
                    cur = left.get(cur.parentId());
                    assertThat(cur).as("after deleting %s, %s still reaches a full", id, mf.id()).isNotNull();
                }
            }
        }
    }

    @Test
    void anIncrementalWithAMissingParentIsBrokenAndDeletedWhenOlderThanWhatIsKept() {
        threeChains();
        // a1's full was removed by hand: a1, a2 are broken
        manifests.remove("20261101T000000Z-1");
        objects.remove(m("20261101T000000Z-1"));
        var p = plan(5, 0);
        assertThat(p.keptIds()).containsExactly("20261103T010000Z-7", "20261103T000000Z-6", "20261102T010000Z-5",
                "20261102T000000Z-4");
        assertThat(p.deletedIds()).containsExactly("20261101T020000Z-3", "20261101T010000Z-2");
        // the full's volume has no manifest any more: an orphan older than the newest manifest
        assertThat(p.orphanIds()).containsExactly("20261101T000000Z-1");
        assertThat(p.deleteVolumes()).contains(v("20261101T000000Z-1"));
    }

    @Test
    void aBrokenChainNewerThanTheOldestKeptPointIsLeftAndReported() {
        threeChains();
        export("20261104T010000Z-9", "20261104T000000Z-gone");
        var p = plan(1, 0);
        assertThat(p.deletedIds()).doesNotContain("20261104T010000Z-9");
        assertThat(p.warnings()).anyMatch(w -> w.contains("20261104T010000Z-9") && w.contains("cannot be restored"));
    }

    @Test
    void aBrokenChainDoesNotCountAsAKeptChain() {
        threeChains();
        export("20261104T010000Z-9", "20261104T000000Z-gone");
        var p = plan(2, 0);
        // chains C and B are the two newest complete chains; the broken one does not push B out
        assertThat(p.keptIds()).contains("20261102T000000Z-4");
    }

    @Test
    void aLoopOfParentsIsBroken() {
        threeChains();
        export("20261100T000000Z-x", "20261100T000000Z-y");
        export("20261100T000000Z-y", "20261100T000000Z-x");
        var p = plan(3, 0);
        assertThat(p.deletedIds()).containsExactly("20261100T000000Z-y", "20261100T000000Z-x");
    }

    @Test
    void onlyBrokenManifestsMeansNothingIsDeleted() {
        export("20261101T010000Z-2", "20261101T000000Z-1");
        var p = plan(1, 0);
        assertThat(p.empty()).isTrue();
        assertThat(p.warnings()).singleElement().asString().contains("no complete chain");
    }

    @Test
    void anUnreadableManifestAndItsDescendantsAreNeverTouched() {
        threeChains();
        manifests.remove("20261101T010000Z-2"); // listed, but reading it failed
        var p = plan(1, 0);
        assertThat(p.deleteManifests()).doesNotContain(m("20261101T010000Z-2"), m("20261101T020000Z-3"));
        assertThat(p.deleteVolumes()).doesNotContain(v("20261101T010000Z-2"), v("20261101T020000Z-3"));
        assertThat(p.deletedIds()).contains("20261101T000000Z-1", "20261102T000000Z-4");
        assertThat(p.warnings()).anyMatch(w -> w.contains("20261101T010000Z-2") && w.contains("could not be read"));
        assertThat(p.warnings()).anyMatch(w -> w.contains("20261101T020000Z-3") && w.contains("unreadable"));
    }

    @Test
    void foreignKeysUnderThePrefixAreNeverDeleted() {
        threeChains();
        objects.add(DIR + "notes.txt");
        objects.add(DIR + "manifests/README");
        objects.add(DIR + "manifests/sub/20261101T000000Z-1.json");
        objects.add(DIR + "manifests/20261101T000000Z-1.json.bak");
        objects.add(DIR + "data/stray-file");
        objects.add("terrarium/inst-0001/other/manifests/20261101T000000Z-1.json");
        var p = plan(1, 0);
        List<String> all = new ArrayList<>(p.deleteManifests());
        all.addAll(p.deleteVolumes());
        assertThat(all).allMatch(k -> k.startsWith(DIR + "manifests/2026") && k.endsWith(".json") && !k.contains("/sub/")
                || k.startsWith(DIR + "data/2026"));
        assertThat(all).doesNotContain(DIR + "manifests/20261101T000000Z-1.json.bak", DIR + "data/stray-file");
    }

    @Test
    void anOrphanNewerThanTheNewestManifestIsAnUploadInProgressAndKept() {
        threeChains();
        objects.add(DIR + "data/20261105T000000Z-10/stream.zst.0000");
        objects.add(DIR + "data/20261101T120000Z-11/stream.zst.0000");
        objects.add(DIR + "data/20261101T120000Z-11/stream.zst.0001");
        var p = plan(5, 0);
        assertThat(p.orphanIds()).containsExactly("20261101T120000Z-11");
        assertThat(p.deleteVolumes()).containsExactly(DIR + "data/20261101T120000Z-11/stream.zst.0000",
                DIR + "data/20261101T120000Z-11/stream.zst.0001");
        assertThat(p.deleteManifests()).isEmpty();
    }

    @Test
    void aVolumeAKeptManifestNamesIsNeverDeletedEvenUnderADeletedId() {
        threeChains();
        // a (hand-edited) kept manifest that names the volume of an old export
        Manifest c1 = manifests.get("20261103T010000Z-7");
        manifests.put(c1.id(), new Manifest(c1.formatVersion(), c1.id(), c1.installationId(), c1.instance(), c1.dataset(),
                c1.snapshot(), c1.snapshotGuid(), c1.parentId(), c1.parentSnapshot(), c1.compression(), c1.sendFlags(),
                c1.toolVersions(), c1.createdAt(), c1.streamBytes(),
                List.of(new Manifest.Volume(v("20261101T000000Z-1"), 10, "00", 5, 2, List.of()))));
        var p = plan(1, 0);
        assertThat(p.deleteManifests()).contains(m("20261101T000000Z-1"));
        assertThat(p.deleteVolumes()).doesNotContain(v("20261101T000000Z-1"));
    }

    @Test
    void anEmptyFolderPlansNothing() {
        var p = plan(1, 0);
        assertThat(p.empty()).isTrue();
        assertThat(p.warnings()).isEmpty();
    }

    @Test
    void rejectsKeepChainsBelowOne() {
        assertThatThrownBy(() -> plan(0, 5)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("keep_chains must be at least 1");
    }
}
