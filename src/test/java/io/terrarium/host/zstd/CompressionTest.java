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
}
