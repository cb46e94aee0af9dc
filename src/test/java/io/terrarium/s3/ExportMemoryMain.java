package io.terrarium.s3;

import io.terrarium.host.zstd.Compression;

import io.terrarium.host.exec.Command;
import io.terrarium.host.exec.StreamingProcess;
import software.amazon.awssdk.services.s3.S3Client;

import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * Case C03 in a JVM of its own (started by {@link S3ExportMemoryIT} and scripts/bench-s3.sh with
 * {@code -Xmx256m}): uploads the stdout of a shell pipe (unknown length) to the dev host's s3proxy
 * through the {@link StreamingUploader}, optionally zstd-compressed, and prints one result line:
 * {@code RESULT bytes=… seconds=… peak_heap_mib=… peak_live_after_gc_mib=… vm_hwm_mib=… volumes=… key=…}
 * (peak heap includes garbage not yet collected; the live peak is the heap still in use after a GC).
 *
 * <p>Arguments: {@code <shell producer command> <part MiB> <in flight> <raw|jni|cli> <prefix>}.
 */
public final class ExportMemoryMain {
    private ExportMemoryMain() {
    }

    public static void main(String[] args) throws Exception {
        String producer = args[0];
        long part = Long.parseLong(args[1]) * ProviderProfile.MIB;
        int inFlight = Integer.parseInt(args[2]);
        String mode = args[3];
        S3Settings s = DevS3.settings("mem").withPrefix(args[4]);
        // peak of the heap still in use right after each collection (what the uploader really holds):
        // the sum over all heap pools of GcInfo.memoryUsageAfterGc, from GC notifications
        long[] peakLive = new long[1];
        java.util.Set<String> heapPools = new java.util.HashSet<>();
        for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
            if (pool.getType() == MemoryType.HEAP) {
                heapPools.add(pool.getName());
            }
        }
        for (java.lang.management.GarbageCollectorMXBean gc : ManagementFactory.getGarbageCollectorMXBeans()) {
            ((javax.management.NotificationEmitter) gc).addNotificationListener((n, hb) -> {
                if (!com.sun.management.GarbageCollectionNotificationInfo.GARBAGE_COLLECTION_NOTIFICATION.equals(n.getType())) {
                    return;
                }
                var info = com.sun.management.GarbageCollectionNotificationInfo.from(
                        (javax.management.openmbean.CompositeData) n.getUserData()).getGcInfo();
                long live = 0;
                for (var e : info.getMemoryUsageAfterGc().entrySet()) {
                    if (heapPools.contains(e.getKey())) {
                        live += e.getValue().getUsed();
                    }
                }
                synchronized (peakLive) {
                    peakLive[0] = Math.max(peakLive[0], live);
                }
            }, null, null);
        }
        long t0 = System.nanoTime();
        List<VolumeResult> vols;
        try (S3Client s3 = S3ClientFactory.create(s, inFlight + 2);
             StreamingProcess p = StreamingProcess.start(new Command("sh", List.of("-c", producer), Duration.ofHours(2), null, null))) {
            var in = switch (mode) {
                case "raw" -> p.stdout();
                case "jni" -> Compression.compress(p.stdout(), Compression.Engine.JNI, Runtime.getRuntime().availableProcessors());
                default -> Compression.compress(p.stdout(), Compression.Engine.CLI, 0);
            };
            vols = new StreamingUploader(s3, s, part, inFlight).upload(in, i -> s.prefix() + "stream." + i);
        }
        double secs = (System.nanoTime() - t0) / 1e9;
        long peakHeap = 0;
        for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
            if (pool.getType() == MemoryType.HEAP && pool.getPeakUsage() != null) {
                peakHeap += pool.getPeakUsage().getUsed();
            }
        }
        long hwmKib = Files.readAllLines(Path.of("/proc/self/status")).stream().filter(l -> l.startsWith("VmHWM:"))
                .map(l -> Long.parseLong(l.replaceAll("[^0-9]", ""))).findFirst().orElse(-1L);
        long bytes = vols.stream().mapToLong(VolumeResult::bytes).sum();
        long live;
        synchronized (peakLive) {
            live = peakLive[0];
        }
        System.out.printf("RESULT bytes=%d seconds=%.2f peak_heap_mib=%d peak_live_after_gc_mib=%d vm_hwm_mib=%d volumes=%d key=%s%n",
                bytes, secs, peakHeap >> 20, live >> 20, hwmKib >> 10, vols.size(), vols.get(0).key());
    }
}
