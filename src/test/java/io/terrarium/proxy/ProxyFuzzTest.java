package io.terrarium.proxy;

import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Fuzz run of the whole pure path (issue 14): 10,000 random and hostile {@code user.proxy} labels,
 * in batches of 100 instances, through parse → plan → name-clash check → render (dynamic and static
 * file), exactly as {@code proxy-sync} does. For every batch: nothing throws; both files validate
 * against the Traefik v3 schemas in {@code ../shared/schemas} and every rule passes the v3 syntax
 * check; an instance without a label is never routed; a batch's good instance (a fresh, valid,
 * unique host) is always published; and removing every instance whose label is invalid changes no
 * other instance's published routes (one bad label never blocks another). Seeded, so a failure
 * reproduces; the seed and the batch are in the message. Its time is in docs/benchmarks.md.
 */
class ProxyFuzzTest {
    static final int BATCHES = 100;
    static final int PER_BATCH = 100;
    static final long SEED = 20261206L;

    static final ProxySettings SETTINGS = ProxyOwnershipTest.ADMIN.withReservedPorts(Set.of(8765, 4180));

    /** Hostile fragments: rule injection, YAML specials, control and non-ASCII characters, huge and empty parts. */
    static final List<String> HOSTILE = List.of("`", "`) || Host(`evil.com", "\")\n", "'", "\"", "\\", "\u0000", "\t",
            "\r\n", "\u2028", "é", "ℌ", "\uD83D\uDE00", "..", "/../", "%2e%2e", "?q=1", "#frag", "{}", "[]", "&anchor",
            "*alias", "!!python/object", ": ", "- ", "|", ">", "${HOME}", "$(id)", ";rm -rf /", "@", "@auth", "@auth:",
            "@auth:a,,b", "@auth~", "~", ":", "::", ":0", ":65536", ":-1", ":99999999999999999999", "//", "*", "*.*",
            "a".repeat(64), "b".repeat(300), "x.".repeat(130), ",", ",https://", "\nudp://", "tcp://", "udp://0:0",
            "tcp://22:22", "tcp://18081:1", "https://", "HTTPS://", "ftp://", " ", "");

    static final List<String> HOSTS = List.of("a.example.com", "b.example.com", "example.com", "manage.example.com",
            "auth.example.com", "*.apps.example.com", "one.apps.example.com", "*.x.apps.example.com", "*.evil.org",
            "c.example.org", "A.Example.COM", "xn--bcher-kva.example", "127.0.0.1", "[::1]", "localhost", "a-.example.com",
            "-a.example.com", "a_b.example.com", "*.com", "a.b.c.d.e.example.com");

    static final List<String> SUFFIXES = List.of("", "", "", ":8080", "/api", "/api/", "/a/b/c", ":3000/x", "@auth",
            "@auth:ops", "@auth:ops,dev", "@auth~login.apps.example.com", "@auth:ops~login.apps.example.com",
            "@auth~auth.example.com", "/../x", "/%41", "/a b");

    @Test
    void tenThousandRandomAndHostileLabelsNeverCrashAlwaysRenderValidFilesAndNeverBlockEachOther() {
        Random rnd = new Random(SEED);
        long t0 = System.nanoTime();
        int labels = 0;
        int invalid = 0;
        int published = 0;
        for (int batch = 0; batch < BATCHES; batch++) {
            List<ProxyInstance> instances = new ArrayList<>();
            for (int i = 0; i < PER_BATCH; i++) {
                instances.add(new ProxyInstance("t" + i, rnd.nextInt(10) > 0,
                        rnd.nextInt(20) == 0 ? null : Instant.parse("2026-01-01T00:00:00Z").plusSeconds(rnd.nextInt(1000)),
                        rnd.nextInt(50) == 0 ? "system" : null, label(rnd)));
                labels++;
            }
            instances.add(new ProxyInstance("unlabelled", true, Instant.parse("2025-01-01T00:00:00Z"), null, null));
            instances.add(new ProxyInstance("good", true, Instant.parse("2027-01-01T00:00:00Z"), null,
                    "https://good-" + batch + ".example.net:8080/app@auth:ops"));
            String where = "seed " + SEED + ", batch " + batch;

            Map<String, String> owners = new HashMap<>();
            if (rnd.nextBoolean()) {
                owners.put("a.example.com", "t" + rnd.nextInt(PER_BATCH));
            }
            ProxyPlan plan = TraefikDynamicRenderer.withoutNameClashes(
                    ProxyPlanner.plan(instances, SETTINGS, Map.of(), Set.of(), owners, p -> p.port() % 97 == 0), SETTINGS);
            String dynamic = TraefikDynamicRenderer.render(plan, SETTINGS);
            String staticYaml = TraefikStaticRenderer.render(SETTINGS, plan.publicPorts());
            TraefikChecks.assertValidDynamic(dynamic);
            TraefikChecks.assertValidStatic(staticYaml);

            assertThat(dynamic).as(where).doesNotContain("unlabelled");
            assertThat(ProxyPlannerTest.report(plan, "unlabelled").published()).as(where).isEmpty();
            assertThat(ProxyPlannerTest.report(plan, "good").published()).as(where).hasSize(1);
            assertThat(dynamic).as(where).contains("Host(`good-" + batch + ".example.net`) && PathPrefix(`/app`)");

            // one bad label never blocks another: without the invalid ones, everyone else publishes the same.
            // (An invalid label keeps a host its instance already owned — a typo must not hand the host to
            // someone else — so the comparison starts from owners none of the invalid ones hold.)
            List<ProxyInstance> withoutBad = new ArrayList<>();
            Set<String> bad = new java.util.HashSet<>();
            for (ProxyInstance inst : instances) {
                if (ProxyPlannerTest.report(plan, inst.name()).status() == InstanceStatus.ERROR) {
                    invalid++;
                    bad.add(inst.name());
                } else {
                    withoutBad.add(inst);
                }
            }
            Map<String, String> goodOwners = new HashMap<>(owners);
            goodOwners.values().removeIf(bad::contains);
            ProxyPlan all = TraefikDynamicRenderer.withoutNameClashes(
                    ProxyPlanner.plan(instances, SETTINGS, Map.of(), Set.of(), goodOwners, p -> p.port() % 97 == 0), SETTINGS);
            ProxyPlan clean = TraefikDynamicRenderer.withoutNameClashes(
                    ProxyPlanner.plan(withoutBad, SETTINGS, Map.of(), Set.of(), goodOwners, p -> p.port() % 97 == 0), SETTINGS);
            for (ProxyInstance inst : withoutBad) {
                assertThat(ProxyPlannerTest.report(all, inst.name()).published()).as(where + ", " + inst.name())
                        .isEqualTo(ProxyPlannerTest.report(clean, inst.name()).published());
                published += ProxyPlannerTest.report(plan, inst.name()).published().size();
            }
        }
        double seconds = (System.nanoTime() - t0) / 1e9;
        System.out.printf("proxy fuzz: %d labels (%d instances with an invalid label), %d routes published, %.2f s%n",
                labels, invalid, published, seconds);
        assertThat(labels).isGreaterThanOrEqualTo(10_000);
        assertThat(invalid).as("the generator produces hostile labels").isGreaterThan(1000);
        assertThat(published).as("and valid ones").isGreaterThan(1000);
    }

    /** One random label: 1–4 items, each a mix of a scheme, a host, a suffix and hostile fragments. */
    static String label(Random rnd) {
        int items = 1 + rnd.nextInt(4);
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < items; i++) {
            if (i > 0) {
                sb.append(rnd.nextBoolean() ? ", " : "\n");
            }
            int kind = rnd.nextInt(10);
            if (kind < 5) {
                sb.append(rnd.nextBoolean() ? "https://" : "http://").append(pick(rnd, HOSTS)).append(pick(rnd, SUFFIXES));
            } else if (kind < 7) {
                sb.append(rnd.nextBoolean() ? "tcp://" : "udp://").append(rnd.nextInt(70000)).append(':').append(rnd.nextInt(70000));
            } else if (kind < 9) {
                sb.append(rnd.nextBoolean() ? "https://" : "tcp://").append(pick(rnd, HOSTS)).append(pick(rnd, HOSTILE))
                        .append(pick(rnd, SUFFIXES)).append(pick(rnd, HOSTILE));
            } else {
                for (int k = 0; k < 1 + rnd.nextInt(5); k++) {
                    sb.append(pick(rnd, HOSTILE));
                }
            }
        }
        return sb.toString();
    }

    private static String pick(Random rnd, List<String> from) {
        return from.get(rnd.nextInt(from.size()));
    }
}
