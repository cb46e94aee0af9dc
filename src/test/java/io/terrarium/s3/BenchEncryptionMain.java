package io.terrarium.s3;

import io.terrarium.host.zstd.Compression;
import io.terrarium.s3.crypto.BackupKey;
import io.terrarium.s3.crypto.BackupKeys;
import software.amazon.awssdk.services.s3.S3Client;

import java.io.InputStream;
import java.lang.management.ManagementFactory;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;

/**
 * Cost of backup encryption (issue 13), run by scripts/bench-s3-encryption.sh against the dev host's
 * s3proxy: the same generated stream (incompressible, the worst case: every byte goes through
 * AES-GCM) exported with and without a backup key, alternating in one JVM, then read back through
 * the restore path (verify parts, decrypt, zstd -d) to /dev/null. Prints one line per run:
 * {@code RESULT mode=plain|sealed phase=export|restore mib=… seconds=… cpu_seconds=…}; CPU is this
 * JVM's (all threads), not s3proxy's.
 *
 * <p>Arguments: {@code <MiB> <rounds> <prefix>}.
 */
public final class BenchEncryptionMain {
    private BenchEncryptionMain() {
    }

    private static double cpu() {
        return ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean()).getProcessCpuTime() / 1e9;
    }

    public static void main(String[] args) throws Exception {
        long mib = Long.parseLong(args[0]);
        int rounds = Integer.parseInt(args[1]);
        S3Settings s = DevS3.settings("bench-enc").withPrefix(args[2]);
        BackupKeys keys = BackupKeys.of(BackupKey.generate());
        try (S3Client s3 = S3ClientFactory.create(s, 6)) {
            for (int r = 0; r < rounds; r++) {
                for (boolean sealed : new boolean[]{false, true}) {
                    String mode = sealed ? "sealed" : "plain";
                    S3Exporter ex = new S3Exporter(s3, s, "bench", Clock.systemUTC(), sealed ? keys : null);
                    var req = new S3Exporter.Request("bench", "terrarium/bench", "b" + r + mode, String.valueOf(r + 1), null,
                            List.of(), OptionalLong.of(mib * ProviderProfile.MIB), 8 * ProviderProfile.MIB, 2,
                            Compression.Engine.JNI, Map.of());
                    double c0 = cpu();
                    long t0 = System.nanoTime();
                    Manifest m = ex.exportStream(req, new GeneratedStream(mib * ProviderProfile.MIB, 7 + r), n -> { });
                    line(mode, "export", mib, (System.nanoTime() - t0) / 1e9, cpu() - c0);
                    c0 = cpu();
                    t0 = System.nanoTime();
                    byte[] buf = new byte[1 << 20];
                    long got = 0;
                    try (InputStream in = Compression.decompress(VerifiedVolumesStream.open(s3, s.bucket(), m, keys))) {
                        int n;
                        while ((n = in.read(buf)) >= 0) {
                            got += n;
                        }
                    }
                    if (got != mib * ProviderProfile.MIB) {
                        throw new IllegalStateException("read back " + got + " bytes");
                    }
                    line(mode, "restore", mib, (System.nanoTime() - t0) / 1e9, cpu() - c0);
                }
            }
            DevS3.cleanUp(s3, s);
        }
    }

    private static void line(String mode, String phase, long mib, double secs, double cpu) {
        System.out.printf("RESULT mode=%s phase=%s mib=%d seconds=%.2f cpu_seconds=%.2f%n", mode, phase, mib, secs, cpu);
    }
}
