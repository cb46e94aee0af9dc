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

    private static byte[] zstd(byte[] plain) throws IOException {
        try (InputStream in = Compression.compress(new java.io.ByteArrayInputStream(plain), Compression.Engine.JNI, 1)) {
            return in.readAllBytes();
        }
    }

    @Test
    void decompressAheadHandsOnTheWholeStreamInOrderAndRunsTheEndCheckOnce() throws Exception {
        // 7 MiB + a bit: more chunks than the pipe holds, and a last chunk shorter than 1 MiB
        byte[] expected = StreamingUploaderTest.all(7 * 1024 * 1024 + 12_345, 5);
        java.util.concurrent.atomic.AtomicInteger checks = new java.util.concurrent.atomic.AtomicInteger();
        try (InputStream in = Compression.decompressAhead(new java.io.ByteArrayInputStream(zstd(expected)), checks::incrementAndGet)) {
            assertThat(in.readAllBytes()).isEqualTo(expected);
            assertThat(in.read()).isEqualTo(-1);
        }
        assertThat(checks).hasValue(1);
    }

    @Test
    void aFailedEndCheckIsAnErrorInsteadOfTheEndOfTheStream() throws Exception {
        // the check fails after the whole stream was queued: the reader must never see a clean EOF,
        // at any size (a consumer such as zfs receive commits at EOF)
        for (int i = 0; i < 50; i++) {
            byte[] compressed = zstd(StreamingUploaderTest.all(10_000 + i * 100_003, i));
            assertThatThrownBy(() -> {
                try (InputStream in = Compression.decompressAhead(new java.io.ByteArrayInputStream(compressed), () -> {
                    throw new IOException("data after the end (injected)");
                })) {
                    in.transferTo(OutputStreamSink.INSTANCE);
                }
            }).as("run %d", i).isInstanceOf(IOException.class).hasMessage("data after the end (injected)");
        }
    }

    @Test
    void aTruncatedOrFailingCompressedStreamIsAnErrorInsteadOfTheEndOfTheStream() throws Exception {
        byte[] compressed = zstd(StreamingUploaderTest.all(3_000_000, 6));
        byte[] truncated = java.util.Arrays.copyOf(compressed, compressed.length / 2);
        assertThatThrownBy(() -> {
            try (InputStream in = Compression.decompressAhead(new java.io.ByteArrayInputStream(truncated), () -> { })) {
                in.transferTo(OutputStreamSink.INSTANCE);
            }
        }).isInstanceOf(IOException.class);
        assertThatThrownBy(() -> {
            InputStream failing = new java.io.FilterInputStream(new java.io.ByteArrayInputStream(compressed)) {
                private long read;

                @Override
                public int read(byte[] b, int off, int len) throws IOException {
                    if (read > compressed.length / 2) {
                        throw new IOException("source failed (injected)");
                    }
                    int n = super.read(b, off, Math.min(len, 4096));
                    read += Math.max(0, n);
                    return n;
                }
            };
            try (InputStream in = Compression.decompressAhead(failing, () -> { })) {
                in.transferTo(OutputStreamSink.INSTANCE);
            }
        }).isInstanceOf(IOException.class).hasMessageContaining("injected");
    }

    @Test
    void closingTheViewEarlyStopsTheDecompressingThread() throws Exception {
        byte[] compressed = zstd(StreamingUploaderTest.all(40 * 1024 * 1024, 8));
        java.util.concurrent.atomic.AtomicLong consumed = new java.util.concurrent.atomic.AtomicLong();
        InputStream counting = new java.io.FilterInputStream(new java.io.ByteArrayInputStream(compressed)) {
            @Override
            public int read(byte[] b, int off, int len) throws IOException {
                int n = super.read(b, off, len);
                consumed.addAndGet(Math.max(0, n));
                return n;
            }
        };
        InputStream in = Compression.decompressAhead(counting, () -> { });
        assertThat(in.readNBytes(1024 * 1024)).hasSize(1024 * 1024);
        in.close();
        long after = consumed.get();
        Thread.sleep(500);
        assertThat(consumed.get()).as("no compressed bytes read after close").isEqualTo(after);
        assertThat(after).as("bounded read-ahead: far less than the whole stream").isLessThan(compressed.length);
    }
}
