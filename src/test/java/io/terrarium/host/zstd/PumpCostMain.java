package io.terrarium.host.zstd;

import io.terrarium.host.exec.Command;
import io.terrarium.host.exec.StreamingProcess;

import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Measures what the CLI engine's byte path costs this JVM per thread (issue 16 item 2), outside the
 * S3 path: {@code cat FILE} compressed by zstd and drained, either through the pump
 * ({@code pump}: {@link Compression#compress} of the process's stdout) or joined in the kernel
 * ({@code pipe}: {@link Compression#cliPipeline}). Prints the CPU seconds of this JVM, of each of its
 * live threads (from {@code /proc/self/task/*}/stat, summed by name), of its ended threads (the pump)
 * and of the waited-for children ({@code cat}, {@code zstd}).
 *
 * <p>Usage: {@code java -cp … io.terrarium.host.zstd.PumpCostMain pump|pipe FILE [BYTES]}: BYTES per
 * {@code readNBytes} of the compressed stream (default 64 KiB; the uploader asks for a whole part)
 */
public final class PumpCostMain {
    private PumpCostMain() {
    }

    public static void main(String[] args) throws Exception {
        Command cat = new Command("cat", List.of(args[1]), Duration.ofHours(1), null, null);
        long t0 = System.nanoTime();
        long[] sent = {0};
        long out = 0;
        byte[] buf = new byte[args.length > 2 ? Integer.parseInt(args[2]) : 1 << 16];
        if (args[0].equals("pump")) {
            try (StreamingProcess p = StreamingProcess.start(cat);
                 InputStream in = Compression.compress(p.stdout(), Compression.Engine.CLI, 2)) {
                int n;
                while ((n = in.readNBytes(buf, 0, buf.length)) > 0) {
                    out += n;
                }
            }
        } else {
            try (InputStream in = Compression.cliPipeline(cat, k -> sent[0] += k)) {
                int n;
                while ((n = in.readNBytes(buf, 0, buf.length)) > 0) {
                    out += n;
                }
            }
        }
        double wall = (System.nanoTime() - t0) / 1e9;
        long hz = 100;
        Map<String, Double> byName = new TreeMap<>();
        double total = 0;
        try (var tasks = Files.list(Path.of("/proc/self/task"))) {
            for (Path t : tasks.toList()) {
                String stat = Files.readString(t.resolve("stat"));
                String name = stat.substring(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
                String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
                double cpu = (Long.parseLong(f[11]) + Long.parseLong(f[12])) / (double) hz;
                byName.merge(name.replaceAll("[0-9]+$", "N"), cpu, Double::sum);
                total += cpu;
            }
        }
        String self = Files.readString(Path.of("/proc/self/stat"));
        String[] f = self.substring(self.lastIndexOf(')') + 2).split(" ");
        double children = (Long.parseLong(f[13]) + Long.parseLong(f[14])) / (double) hz;
        double jvm = (Long.parseLong(f[11]) + Long.parseLong(f[12])) / (double) hz;
        // threads that ended (the pump) are no longer listed: their CPU is the JVM's total less the live ones
        System.out.printf("mode=%s wall=%.2f compressed=%d sent=%d jvm_cpu=%.2f ended_threads_cpu=%.2f children_cpu=%.2f%n",
                args[0], wall, out, sent[0], jvm, jvm - total, children);
        byName.forEach((k, v) -> {
            if (v >= 0.05) {
                System.out.printf("  %-28s %.2f%n", k, v);
            }
        });
    }
}
