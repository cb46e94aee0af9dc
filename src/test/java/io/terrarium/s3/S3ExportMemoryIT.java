package io.terrarium.s3;

import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.s3.S3Client;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Case C03: a 2 GiB stream of unknown length from a pipe, 16 MiB parts, 4 in flight, in a JVM with
 * {@code -Xmx256m}. Completes; the live heap stays near part × (in flight + 1) = 80 MiB plus overhead
 * (the raw peak includes garbage G1 has not collected yet, bounded by -Xmx).
 */
class S3ExportMemoryIT {
    @Test
    void c03_twoGiBStreamIn256MiBHeap() throws Exception {
        String prefix = "it-s3-c03-" + System.nanoTime() + "/";
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        // 2 GiB from a pipe: random 1 MiB block repeated (cheap to produce, no compression involved)
        String producer = "b=$(mktemp); head -c 1048576 /dev/urandom > $b; i=0; while [ $i -lt 2048 ]; do cat $b; i=$((i+1)); done; rm -f $b";
        Process p = new ProcessBuilder(java, "-Xmx256m", "-cp", System.getProperty("java.class.path"),
                ExportMemoryMain.class.getName(), producer, "16", "4", "raw", prefix)
                .redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        int code = p.waitFor();
        S3Settings s = DevS3.settings("c03").withPrefix(prefix);
        try (S3Client s3 = S3ClientFactory.create(s, 4)) {
            try {
                assertThat(code).as(out).isZero();
                Matcher m = Pattern.compile("RESULT bytes=(\\d+) seconds=(\\S+) peak_heap_mib=(\\d+) peak_live_after_gc_mib=(\\d+) vm_hwm_mib=(\\d+)").matcher(out);
                assertThat(m.find()).as(out).isTrue();
                System.out.println("C03: " + m.group());
                assertThat(Long.parseLong(m.group(1))).isEqualTo(2048L << 20);
                // live heap: 5 buffers of 16 MiB = 80 MiB, plus SDK/JVM overhead
                assertThat(Long.parseLong(m.group(4))).as("peak live heap after GC, MiB").isLessThan(80 + 64);
                assertThat(DevS3.uploads(s3, s)).isEmpty();
                assertThat(DevS3.keys(s3, s)).isEqualTo(List.of(prefix + "stream.0"));
            } finally {
                DevS3.cleanUp(s3, s);
            }
        }
    }
}
