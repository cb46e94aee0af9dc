package io.terrarium.s3;

import io.terrarium.host.zstd.Compression;
import software.amazon.awssdk.services.s3.S3Client;

import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;

/**
 * Issue 16 item 3 in a JVM of its own (started by {@link S3StreamMemoryIT} with the launcher's options
 * for backup commands): the export and the restore byte paths with the default engine, against the dev
 * host's s3proxy, each printing its peak resident set (VmHWM) so memory can be compared across sizes.
 *
 * <pre>
 *   export  &lt;GiB&gt; &lt;prefix&gt;  → S3Exporter (manifest, {@link Compression#preferredEngine()}) of a
 *           pseudo-random stream → RESULT bytes=… seconds=… vm_hwm_mib=… manifest=&lt;id&gt;
 *   restore &lt;prefix&gt; &lt;id&gt;  → VerifiedVolumesStream (parallel ranged GETs, per-part SHA-256)
 *           → zstd -d → counted and dropped (zfs receive's place) → RESULT bytes=… seconds=… vm_hwm_mib=…
 * </pre>
 */
public final class StreamMemoryMain {
    private StreamMemoryMain() {
    }

    public static void main(String[] args) throws Exception {
        boolean export = args[0].equals("export");
        S3Settings s = DevS3.settings("mem16").withPrefix(args[export ? 2 : 1]);
        ExportKeys keys = new ExportKeys(s.prefix(), BenchS3Main.INSTALLATION);
        long t0 = System.nanoTime();
        try (S3Client s3 = S3ClientFactory.create(s, 6)) {
            if (export) {
                long bytes = Long.parseLong(args[1]) << 30;
                var req = new S3Exporter.Request(BenchS3Main.INSTANCE, "mem/ds", "m1", "4242", null, List.of(),
                        OptionalLong.empty(), PartSizing.DEFAULT_FLOOR, 4, Compression.preferredEngine(), Map.of());
                Manifest m = new S3Exporter(s3, s, BenchS3Main.INSTALLATION, Clock.systemUTC())
                        .exportStream(req, new GeneratedStream(bytes, 7), n -> { });
                System.out.printf("RESULT bytes=%d seconds=%.2f vm_hwm_mib=%d manifest=%s%n", m.streamBytes(),
                        (System.nanoTime() - t0) / 1e9, hwmMib(), m.id());
            } else {
                Manifest m = new ManifestCodec().read(s3.getObjectAsBytes(b -> b.bucket(s.bucket())
                        .key(keys.manifest(BenchS3Main.INSTANCE, args[2]))).asByteArray(), s.prefix());
                long n = 0;
                try (InputStream in = Compression.decompress(VerifiedVolumesStream.open(s3, s.bucket(), m, null))) {
                    byte[] buf = new byte[1 << 20];
                    int k;
                    while ((k = in.read(buf)) >= 0) {
                        n += k;
                    }
                }
                System.out.printf("RESULT bytes=%d seconds=%.2f vm_hwm_mib=%d%n", n, (System.nanoTime() - t0) / 1e9, hwmMib());
            }
        }
    }

    private static long hwmMib() throws java.io.IOException {
        return Files.readAllLines(Path.of("/proc/self/status")).stream().filter(l -> l.startsWith("VmHWM:"))
                .map(l -> Long.parseLong(l.replaceAll("[^0-9]", ""))).findFirst().orElse(-1L) >> 10;
    }
}
