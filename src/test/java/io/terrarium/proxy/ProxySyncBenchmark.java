package io.terrarium.proxy;

import io.terrarium.App;
import io.terrarium.config.TerrariumConfig;
import io.terrarium.config.TerrariumPaths;
import io.terrarium.host.exec.CamelExecCommandRunner;
import io.terrarium.jobs.JobResult;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Steady-state cost of proxy-sync on the development host's real LXD: a throwaway project
 * {@code bench-proxy} with N labelled busybox containers, one cold sync, then R syncs without
 * changes. Prints LXD calls, device changes, file writes and reloads per steady sync (targets: 1,
 * 0, 0, 0) and the median duration. Run by {@code scripts/bench-proxy.sh sync [N] [R]}.
 */
public final class ProxySyncBenchmark {
    private ProxySyncBenchmark() {
    }

    public static void main(String[] args) throws Exception {
        int n = args.length > 0 ? Integer.parseInt(args[0]) : 3;
        int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 10;
        String project = "bench-proxy";
        Path dir = Files.createTempDirectory("proxy-sync-bench");
        List<String> names = new ArrayList<>();
        for (int i = 1; i <= n; i++) {
            names.add("bench-proxy-" + i);
        }
        try {
            ProxySyncIT.run(List.of("lxc", "project", "create", project, "-c", "features.images=false", "-c", "features.profiles=false"));
            for (String name : names) {
                ProxySyncIT.lxc("launch", "terrarium-busybox", name, "--project", project);
                ProxySyncIT.lxc("config", "set", name, "user.proxy", "https://" + name + ".bench.test,tcp://" + (30000 + names.indexOf(name)) + ":22",
                        "--project", project);
            }
            App app = new App(TerrariumPaths.from(Map.of("TERRARIUM_RUN_DIR", dir.resolve("run").toString(),
                    "TERRARIUM_STATE_DIR", dir.resolve("state").toString())), new CamelExecCommandRunner());
            TerrariumConfig.Proxy proxy = new TerrariumConfig.Proxy(dir.resolve("dynamic/terrarium-lxc.yml").toString(),
                    dir.resolve("traefik.yml").toString(), null, null, null, null, null, List.of("true"), false);
            TerrariumConfig c = new TerrariumConfig(null, null, null, null, new TerrariumConfig.Lxd(project, null, null, null),
                    null, null, null, proxy, null);
            var job = app.proxySync(c);
            JobResult cold = job.run();
            System.out.printf("cold sync: %s, %s%n", cold.status(), cold.details().entrySet().stream()
                    .filter(e -> !e.getKey().equals("instances")).toList());
            long[] ms = new long[rounds];
            int calls = 0, writes = 0, reloads = 0, devices = 0;
            for (int r = 0; r < rounds; r++) {
                long t0 = System.nanoTime();
                JobResult s = job.run();
                ms[r] = (System.nanoTime() - t0) / 1_000_000;
                calls += (Integer) s.details().get("lxd_calls");
                devices += (Integer) s.details().get("device_changes");
                writes += ((List<?>) s.details().get("files_written")).size();
                reloads += (Integer) s.details().get("reloads");
            }
            java.util.Arrays.sort(ms);
            System.out.printf("%d instances, %d steady syncs: LXD calls/sync %.2f, device changes/sync %.2f, "
                            + "file writes/sync %.2f, reloads/sync %.2f, median %d ms%n",
                    n, rounds, calls / (double) rounds, devices / (double) rounds, writes / (double) rounds,
                    reloads / (double) rounds, ms[rounds / 2]);
        } finally {
            for (String name : names) {
                ProxySyncIT.run(List.of("lxc", "delete", "--force", name, "--project", project));
            }
            ProxySyncIT.run(List.of("lxc", "project", "delete", project));
        }
    }
}
