package io.terrarium.host.zstd;


import com.github.luben.zstd.ZstdInputStream;
import com.github.luben.zstd.ZstdOutputStream;
import io.terrarium.host.exec.Command;
import io.terrarium.host.exec.StreamingProcess;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * zstd compression of a stream, as a pull {@link InputStream} the uploader reads. Two engines:
 * {@link Engine#JNI} (zstd-jni in this process, multi-threaded, fed by one pump thread through a
 * bounded {@link ChunkPipe} of 4 × 1 MiB, plus a 1 MiB read buffer) and {@link Engine#CLI} (the {@code zstd -T0} program as a
 * second {@link StreamingProcess}, fed by a pump thread). Either way a failure of the source (e.g.
 * {@code zfs send} exiting non-zero) surfaces as an exception from the compressed stream's
 * {@code read} — never as a clean EOF.
 */
public final class Compression {
    /** Compression engines. */
    public enum Engine { JNI, CLI }

    /**
     * The engine the export job uses: {@link Engine#CLI} when a {@code zstd} program is on the
     * {@code PATH} (measured faster and smaller: 1.22× vs 1.06× rclone's pipeline end to end and
     * 257 vs 344 MiB RSS for a 2 GiB stream, docs/benchmarks.md), else {@link Engine#JNI}.
     */
    public static Engine preferredEngine() {
        return preferredEngine(System.getenv().getOrDefault("PATH", "/usr/local/bin:/usr/bin:/bin"));
    }

    /** {@link #preferredEngine()} for a given {@code PATH} value. */
    static Engine preferredEngine(String path) {
        for (String dir : path.split(":")) {
            if (!dir.isEmpty() && java.nio.file.Files.isExecutable(java.nio.file.Path.of(dir, "zstd"))) {
                return Engine.CLI;
            }
        }
        return Engine.JNI;
    }

    /** zstd level (3 is zstd's default: fast, good ratio on ZFS streams). */
    public static final int LEVEL = 3;

    private Compression() {
    }

    /** A compressed view of {@code source}; closing it stops the pump (and the zstd process). */
    public static InputStream compress(InputStream source, Engine engine, int threads) {
        return engine == Engine.JNI ? jni(source, threads) : cli(source);
    }

    /** A decompressing view of a zstd stream (zstd-jni). */
    public static InputStream decompress(InputStream compressed) throws IOException {
        return new ZstdInputStream(compressed).setContinuous(false);
    }

    /** {@code zstd --version} first line, or {@code "zstd-jni <version>"} for the library. */
    public static String version(Engine engine) {
        if (engine == Engine.JNI) {
            String v = com.github.luben.zstd.util.Native.class.getPackage().getImplementationVersion();
            return "zstd-jni " + (v == null ? "1.5.7" : v);
        }
        return "zstd CLI";
    }

    private static InputStream jni(InputStream source, int threads) {
        ChunkPipe pipe = new ChunkPipe(4, 1 << 20);
        Thread pump = new Thread(() -> {
            ZstdOutputStream z = null;
            try {
                z = new ZstdOutputStream(pipe.out(), LEVEL);
                if (threads > 1) {
                    z.setWorkers(threads);
                }
                // 1 MiB writes: far fewer JNI crossings than transferTo's 8 KiB
                byte[] buf = new byte[1 << 20];
                int n;
                while ((n = source.readNBytes(buf, 0, buf.length)) > 0) {
                    z.write(buf, 0, n);
                }
                z.close(); // only on success: ends the frame, then EOF for the reader
            } catch (IOException | RuntimeException e) {
                // fail the pipe BEFORE anything could close it: a closed pipe would read as a clean EOF
                pipe.fail(e instanceof IOException io ? io : new IOException("compression failed: " + e, e));
                if (z != null) {
                    try {
                        z.close();
                    } catch (IOException ignored) {
                        // the pipe refuses writes after a failure
                    }
                }
            }
        }, "zstd-pump");
        pump.setDaemon(true);
        pump.start();
        return new FilterInputStream(pipe.in()) {
            @Override
            public int read(byte[] b, int off, int len) throws IOException {
                int n = super.read(b, off, len);
                if (n < 0) {
                    try {
                        pump.join(); // EOF counts only once the pump has finished without failing
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        throw new java.io.InterruptedIOException();
                    }
                    return super.read(b, off, len);
                }
                return n;
            }

            @Override
            public int read() throws IOException {
                byte[] b = new byte[1];
                return read(b, 0, 1) < 0 ? -1 : b[0] & 0xff;
            }

            @Override
            public void close() throws IOException {
                super.close();
                pump.interrupt();
            }
        };
    }

    /** Bytes the zstd CLI's pump moves per read/write: 128 KiB (a Linux pipe holds 64 KiB). */
    static final int PUMP_BUFFER = 128 * 1024;

    private static InputStream cli(InputStream source) {
        StreamingProcess zstd = StreamingProcess.startWithStdin(new Command("zstd",
                List.of("-q", "-" + LEVEL, "-T0", "-c"), Duration.ofDays(2), null, null));
        List<IOException> pumpError = new ArrayList<>(1);
        Thread pump = new Thread(() -> {
            try (OutputStream in = zstd.stdin()) {
                // not transferTo (8 KiB at a time): a pipe holds 64 KiB, so reads and writes of up to that
                // much cut the pump's system calls and JNI copies per GiB by 8 (issue 16, docs/benchmarks.md)
                byte[] buf = new byte[PUMP_BUFFER];
                int n;
                while ((n = source.read(buf)) >= 0) {
                    in.write(buf, 0, n);
                }
            } catch (IOException e) {
                synchronized (pumpError) {
                    pumpError.add(e);
                }
                zstd.close();
            }
        }, "zstd-cli-pump");
        pump.setDaemon(true);
        pump.start();
        return new PumpedStream(zstd.stdout(), pump, pumpError, zstd);
    }

    /** zstd's stdout, failing at EOF (or on a read error) with the pump's error when the source failed. */
    private static final class PumpedStream extends FilterInputStream {
        private final Thread pump;
        private final List<IOException> error;
        private final StreamingProcess process;

        PumpedStream(InputStream in, Thread pump, List<IOException> error, StreamingProcess process) {
            super(in);
            this.pump = pump;
            this.error = error;
            this.process = process;
        }

        private void check() throws IOException {
            synchronized (error) {
                if (!error.isEmpty()) {
                    throw error.get(0);
                }
            }
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            int n;
            try {
                n = super.read(b, off, len);
            } catch (IOException e) {
                check();
                throw e;
            }
            if (n < 0) {
                try {
                    pump.join();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new java.io.InterruptedIOException();
                }
                check();
            }
            return n;
        }

        @Override
        public int read() throws IOException {
            byte[] b = new byte[1];
            return read(b, 0, 1) < 0 ? -1 : b[0] & 0xff;
        }

        @Override
        public void close() throws IOException {
            process.close();
            pump.interrupt();
        }
    }
}
