package io.terrarium.proxy;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * Benchmark (not a test): parse + plan + render of 1,000 running instances with 3 routes each
 * (HTTPS, HTTPS path with {@code @auth}, TCP). Prints the median of the measured runs after
 * warm-up. Run with {@code scripts/bench-proxy.sh}. Target (issue 3): render ≤ 50 ms.
 */
public final class ProxyRenderBenchmark {

    private ProxyRenderBenchmark() {
    }

    public static void main(String[] args) {
        int instances = args.length > 0 ? Integer.parseInt(args[0]) : 1000;
        int warmup = 30;
        int runs = 50;
        // 2 bridges per instance: the default 18081-18999 range holds 919, so widen it.
        ProxySettings settings = ProxySettings.defaults().withOauth2ProxyUrl("http://127.0.0.1:4180")
                .withDnsProvider("cloudflare").withBridgeRange(20000, 29999);
        List<ProxyInstance> input = new ArrayList<>();
        Instant t0 = Instant.parse("2026-01-01T00:00:00Z");
        for (int i = 0; i < instances; i++) {
            String name = String.format("app%04d", i);
            input.add(new ProxyInstance(name, true, t0.plusSeconds(i), null,
                    "https://" + name + ".example.com:8080, https://" + name + ".example.com:8080/api@auth:ops,dev\n"
                            + "tcp://" + (30000 + i) + ":5432"));
        }
        ProxyPlan plan = ProxyPlanner.plan(input, settings, Map.of());
        if (plan.hasErrors()) {
            throw new IllegalStateException(plan.errors().get(0));
        }
        long[] full = new long[runs];
        long[] renderOnly = new long[runs];
        long[] treeOnly = new long[runs];
        int bytes = 0;
        for (int i = 0; i < warmup + runs; i++) {
            long a = System.nanoTime();
            ProxyPlan p = ProxyPlanner.plan(input, settings, plan.bridgePorts());
            long b = System.nanoTime();
            String yaml = TraefikDynamicRenderer.render(p, settings);
            long c = System.nanoTime();
            long d = System.nanoTime();
            TraefikDynamicRenderer.tree(p, settings);
            long e = System.nanoTime();
            bytes = yaml.length();
            if (i >= warmup) {
                treeOnly[i - warmup] = e - d;
                full[i - warmup] = c - a;
                renderOnly[i - warmup] = c - b;
            }
        }
        System.out.printf("instances=%d routes=%d file=%d bytes runs=%d (after %d warm-up)%n",
                instances, instances * 3, bytes, runs, warmup);
        System.out.printf("median parse+plan+render: %.1f ms%n", median(full) / 1e6);
        System.out.printf("median render only:       %.1f ms%n", median(renderOnly) / 1e6);
        System.out.printf("  of which map tree:      %.1f ms%n", median(treeOnly) / 1e6);
    }

    private static double median(long[] values) {
        long[] sorted = values.clone();
        Arrays.sort(sorted);
        return sorted[sorted.length / 2];
    }
}
