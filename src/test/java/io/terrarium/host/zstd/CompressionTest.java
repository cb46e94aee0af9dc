package io.terrarium.host.zstd;

import io.terrarium.s3.GeneratedStream;
import io.terrarium.s3.StreamingUploaderTest;

import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class CompressionTest {
    @Test
    void c04_aFailingSourceNeverReadsAsACleanEndOfStream() {
        // the failure comes right at the source's end: the race between "frame closed" and "failure
        // reported" must always end in the failure (it once let a truncated stream through)
        for (int i = 0; i < 200; i++) {
            final int size = 1000 + i * 37;
            final long seed = i;
            for (Compression.Engine e : new Compression.Engine[]{Compression.Engine.JNI}) {
                assertThatThrownBy(() -> {
                    try (InputStream in = Compression.compress(new GeneratedStream(10_000_000, seed, size), e, 2)) {
                        in.transferTo(OutputStreamSink.INSTANCE);
                    }
                }).as("%s run %d", e, i).isInstanceOf(IOException.class).hasMessageContaining("injected");
            }
        }
    }

    @Test
    void roundTripsThroughBothEngines() throws Exception {
        byte[] expected = StreamingUploaderTest.all(3_000_000, 4);
        for (Compression.Engine e : Compression.Engine.values()) {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            try (InputStream in = Compression.decompress(Compression.compress(new GeneratedStream(3_000_000, 4), e, 2))) {
                in.transferTo(out);
            }
            assertThat(out.toByteArray()).as(e.name()).isEqualTo(expected);
        }
    }

    private static final class OutputStreamSink extends java.io.OutputStream {
        static final OutputStreamSink INSTANCE = new OutputStreamSink();

        @Override
        public void write(int b) {
        }

        @Override
        public void write(byte[] b, int off, int len) {
        }
    }

    @Test
    void theCliEngineIsPreferredWhereZstdIsOnThePath(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir) throws Exception {
        java.nio.file.Path bin = java.nio.file.Files.createDirectories(dir.resolve("bin"));
        assertThat(Compression.preferredEngine(bin.toString())).isEqualTo(Compression.Engine.JNI);
        java.nio.file.Path zstd = java.nio.file.Files.writeString(bin.resolve("zstd"), "#!/bin/sh\n");
        assertThat(Compression.preferredEngine(bin.toString())).as("not executable").isEqualTo(Compression.Engine.JNI);
        zstd.toFile().setExecutable(true);
        assertThat(Compression.preferredEngine("/nonexistent::" + bin)).isEqualTo(Compression.Engine.CLI);
    }

    private static io.terrarium.host.exec.Command sh(String script) {
        return new io.terrarium.host.exec.Command("sh", java.util.List.of("-c", script), java.time.Duration.ofMinutes(1), null, null);
    }

    @Test
    void theCliPipelineCompressesACommandsOutputAndCountsItsBytesExactly() throws Exception {
        java.util.concurrent.atomic.AtomicLong sent = new java.util.concurrent.atomic.AtomicLong();
        java.util.concurrent.atomic.AtomicInteger calls = new java.util.concurrent.atomic.AtomicInteger();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        // two halves a second apart: the sampler must report the first half while the second is pending
        try (InputStream in = Compression.decompress(Compression.cliPipeline(
                sh("head -c 4000000 /dev/urandom; sleep 1; head -c 3000001 /dev/zero"), n -> {
                    sent.addAndGet(n);
                    calls.incrementAndGet();
                }))) {
            in.transferTo(out);
        }
        assertThat(out.size()).isEqualTo(7_000_001);
        assertThat(sent.get()).as("zstd's summary makes the count exact").isEqualTo(7_000_001);
        assertThat(calls.get()).as("sampled while running, then the rest at the end").isGreaterThanOrEqualTo(2);
    }

    @Test
    void c04_aFailingSourceFailsTheCliPipelineWithItsStderr() {
        java.util.concurrent.atomic.AtomicLong sent = new java.util.concurrent.atomic.AtomicLong();
        assertThatThrownBy(() -> {
            try (InputStream in = Compression.cliPipeline(
                    sh("head -c 3000000 /dev/urandom; echo 'cannot send: I/O error' >&2; exit 3"), sent::addAndGet)) {
                in.transferTo(OutputStreamSink.INSTANCE);
            }
        }).isInstanceOf(io.terrarium.host.exec.StreamingProcess.ProcessFailedIOException.class)
                .hasMessageContaining("exited with 3").hasMessageContaining("cannot send: I/O error");
        assertThat(sent.get()).as("never more than was sent").isLessThanOrEqualTo(3_000_000);
    }

    @Test
    void anEmptyStreamCountsZero() throws Exception {
        java.util.concurrent.atomic.AtomicLong sent = new java.util.concurrent.atomic.AtomicLong();
        try (InputStream in = Compression.decompress(Compression.cliPipeline(sh("true"), sent::addAndGet))) {
            assertThat(in.readAllBytes()).isEmpty();
        }
        assertThat(sent.get()).isZero();
    }

    @Test
    void zstdsSummaryGivesTheExactInputSizeOnlyWhenItIsExact() {
        assertThat(Compression.summaryBytesIn("""
                *** Zstandard CLI (64-bit) v1.5.4, by Yann Collet ***
                Decompression will require 2097152 B of memory
                /*stdin*\\            :  0.00%   (300000000 B =>   9420 B, /*stdout*\\)\s
                /*stdin*\\            : Completed in 0.18 sec  (cpu load : 119%)
                """)).hasValue(300_000_000L);
        assertThat(Compression.summaryBytesIn("/*stdin*\\            :230.00%   (    10 B =>     23 B, /*stdout*\\)"))
                .hasValue(10L);
        // more digits than a long holds (a zstd we do not know): not taken, and no exception out of a good stream (tester, session 9)
        assertThat(Compression.summaryBytesIn("/*stdin*\\ :100.00%   (99999999999999999999 B => 23 B, /*stdout*\\)")).isEmpty();
        assertThat(Compression.summaryBytesIn("/*stdin*\\ : 33.42%   (1048576 => 350445 bytes, /*stdout*\\)")) // zstd 1.4
                .hasValue(1_048_576L);
        assertThat(Compression.summaryBytesIn("/*stdin*\\            :100.00%   (  2.86 MiB =>   2.86 MiB, /*stdout*\\)"))
                .as("human-readable: not exact").isEmpty();
        assertThat(Compression.summaryBytesIn("/*stdin*\\            :  0.00%   (   286 MiB =>   9.20 KiB, /*stdout*\\)"))
                .isEmpty();
        assertThat(Compression.summaryBytesIn("")).isEmpty();
    }

    @Test
    void theReadCountComesFromProcIo(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir) throws Exception {
        java.nio.file.Path io = java.nio.file.Files.writeString(dir.resolve("io"),
                "rchar: 1009176\nwchar: 0\nsyscr: 12\nsyscw: 0\nread_bytes: 0\n");
        assertThat(Compression.readChars(io)).hasValue(1_009_176L);
        assertThat(Compression.readChars(dir.resolve("gone"))).isEmpty();
        assertThat(Compression.readChars(java.nio.file.Files.writeString(dir.resolve("odd"), "wchar: 5\n"))).isEmpty();
        assertThat(Compression.readChars(java.nio.file.Path.of("/proc/self/io"))).isPresent();
    }

    @Test
    void theCounterNeverGoesBack() {
        java.util.List<Long> told = new java.util.ArrayList<>();
        Compression.SentCounter c = new Compression.SentCounter(told::add);
        c.upTo(-65536);
        c.upTo(100);
        c.upTo(50);
        c.upTo(250);
        assertThat(told).containsExactly(100L, 150L);
        assertThat(c.told()).isEqualTo(250);
        c.close();
        c.upTo(400);
        assertThat(told).as("closed: a late sample tells nothing").containsExactly(100L, 150L);
    }
}
