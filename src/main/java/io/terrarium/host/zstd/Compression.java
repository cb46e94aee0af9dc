package io.terrarium.host.zstd;


import com.github.luben.zstd.ZstdInputStream;
import com.github.luben.zstd.ZstdOutputStream;
import io.terrarium.host.exec.Command;
import io.terrarium.host.exec.StreamingPipe;
import io.terrarium.host.exec.StreamingProcess;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalLong;

/**
 * zstd compression of a stream, as a pull {@link InputStream} the uploader reads. Two engines:
 * {@link Engine#JNI} (zstd-jni in this process, multi-threaded, fed by one pump thread through a
 * bounded {@link ChunkPipe} of 4 × 1 MiB, plus a 1 MiB read buffer) and {@link Engine#CLI} (the {@code zstd -T0} program as a
 * second {@link StreamingProcess}, fed by a pump thread). A stream that comes from a command (the
 * export's {@code zfs send}) takes {@link #cliPipeline} instead: the command's stdout is zstd's stdin
 * in the kernel, no pump. Either way a failure of the source (e.g.
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
        return new ChunkReads(pipe.in()) {
            @Override
            public int read(byte[] b, int off, int len) throws IOException {
                int n = super.read(b, off, len);
                if (n < 0) {
                    join(pump); // EOF counts only once the pump has finished without failing
                    return super.read(b, off, len);
                }
                return n;
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
                cliArgs("-q"), Duration.ofDays(2), null, null));
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

    /** The zstd CLI's arguments: level {@value #LEVEL}, all cores, to stdout. */
    private static List<String> cliArgs(String verbosity) {
        return List.of(verbosity, "-" + LEVEL, "-T0", "-c");
    }

    /** How often the CLI pipeline's progress sampler reads zstd's read count: 4 times a second. */
    static final Duration SAMPLE_EVERY = Duration.ofMillis(250);

    /**
     * Bytes of zstd's own reads before its input (the dynamic loader, sysfs: 9 KiB measured with
     * zstd 1.5.4) that the kernel's read count includes: live progress leaves them out by starting to
     * count only past this many, so it never runs ahead of the stream.
     */
    static final long STARTUP_READS = 64 * 1024;

    /**
     * {@code source | zstd} joined in the kernel ({@link StreamingPipe}): the uncompressed stream
     * never enters this JVM, only zstd's output does (issue 16 item 2: the pump that copied it
     * through the JVM cost 0.2–0.5 CPU s per GiB, docs/benchmarks.md). A failing source or zstd fails
     * the returned stream's {@code read} with its exit code and stderr (never a clean EOF).
     *
     * <p>{@code sent} is told the uncompressed bytes zstd has read: while it runs, from its read
     * count in {@code /proc/PID/io} ({@code rchar}, sampled every {@link #SAMPLE_EVERY}, less
     * {@link #STARTUP_READS}); at the end, exactly, from zstd's own summary ({@code -vv}: "(N B =>
     * M B"), so the sum told equals the stream's size. Where neither can be read, {@code sent} hears
     * less (never more).
     *
     * @param source the command writing the stream to stdout (e.g. {@code zfs send})
     * @param sent   told each increment of uncompressed bytes, from a sampler thread and the reader
     * @return zstd's output; closing it kills both processes
     * @throws io.terrarium.host.exec.CommandFailedException when a program cannot be started
     */
    public static InputStream cliPipeline(Command source, java.util.function.LongConsumer sent) {
        // -vv: zstd's end summary gives the exact input size ("-q -vv" would not: it is one level lower)
        StreamingPipe pipe = StreamingPipe.start(source,
                new Command("zstd", cliArgs("-vv"), Duration.ofDays(2), null, null));
        SentCounter counter = new SentCounter(sent);
        java.nio.file.Path io = java.nio.file.Path.of("/proc", Long.toString(pipe.filter().pid()), "io");
        Thread sampler = new Thread(() -> {
            try {
                while (!Thread.currentThread().isInterrupted()) {
                    Thread.sleep(SAMPLE_EVERY.toMillis());
                    OptionalLong read = readChars(io);
                    if (read.isEmpty()) {
                        return; // exited (or not ours to read): the summary gives the end
                    }
                    counter.upTo(read.getAsLong() - STARTUP_READS);
                }
            } catch (InterruptedException e) {
                // the stream ended or was closed
            }
        }, "zstd-cli-progress");
        sampler.setDaemon(true);
        sampler.start();
        return new ChunkReads(pipe.stdout()) {
            private boolean ended;

            @Override
            public int read(byte[] b, int off, int len) throws IOException {
                int n = super.read(b, off, len); // a failure stops the sampler on close()
                if (n < 0 && !ended) {
                    ended = true; // both processes exited well: zstd's summary is complete
                    sampler.interrupt();
                    join(sampler);
                    summaryBytesIn(pipe.filter().stderrTail()).ifPresent(counter::upTo);
                    counter.close();
                }
                return n;
            }

            @Override
            public void close() {
                counter.close(); // no late "sent" from the sampler once the export is over
                sampler.interrupt();
                pipe.close();
            }
        };
    }

    /** Waits for {@code t}; an interrupt of the waiting thread is kept and thrown as an I/O interruption. */
    private static void join(Thread t) throws java.io.InterruptedIOException {
        try {
            t.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new java.io.InterruptedIOException();
        }
    }

    /** A filter whose single-byte {@code read} goes through {@code read(byte[], int, int)}. */
    private abstract static class ChunkReads extends FilterInputStream {
        ChunkReads(InputStream in) {
            super(in);
        }

        @Override
        public int read() throws IOException {
            byte[] b = new byte[1];
            return read(b, 0, 1) < 0 ? -1 : b[0] & 0xff;
        }
    }

    /** Tells a listener increments towards a growing total, never going back. */
    static final class SentCounter {
        private final java.util.function.LongConsumer listener;
        private long told;

        SentCounter(java.util.function.LongConsumer listener) {
            this.listener = listener;
        }

        private boolean closed;

        /** Tells the listener {@code total} less what it was told so far, when that is positive. */
        synchronized void upTo(long total) {
            if (!closed && total > told) {
                listener.accept(total - told);
                told = total;
            }
        }

        synchronized long told() {
            return told;
        }

        /** Tells nothing more: once this returns, the listener hears no call from any thread. */
        synchronized void close() {
            closed = true;
        }
    }

    private static final java.util.regex.Pattern RCHAR = java.util.regex.Pattern.compile("(?m)^rchar:\\s*(\\d+)$");

    /** {@code rchar} (bytes read by the process's read calls) from a {@code /proc/PID/io} file, or empty. */
    static OptionalLong readChars(java.nio.file.Path procIo) {
        try {
            var m = RCHAR.matcher(java.nio.file.Files.readString(procIo));
            return m.find() ? OptionalLong.of(Long.parseLong(m.group(1))) : OptionalLong.empty();
        } catch (IOException | RuntimeException e) {
            return OptionalLong.empty();
        }
    }

    /**
     * zstd's end summary's input size: {@code "(3000000 B => 3000079 B, …"} (zstd ≥ 1.5 at {@code -vv})
     * or {@code "(3000000 => 3000079 bytes, …"} (1.4), the last such line of {@code stderr}; empty
     * when there is none (a human-readable "2.86 MiB" is not exact and not taken).
     */
    static OptionalLong summaryBytesIn(String stderr) {
        var m = SUMMARY.matcher(stderr);
        OptionalLong last = OptionalLong.empty();
        while (m.find()) {
            try {
                last = OptionalLong.of(Long.parseLong(m.group(1)));
            } catch (NumberFormatException tooLong) {
                // more digits than a long holds: not a size zstd printed (session 9 tester: it failed a good export)
                last = OptionalLong.empty();
            }
        }
        return last;
    }

    private static final java.util.regex.Pattern SUMMARY = java.util.regex.Pattern.compile("\\(\\s*(\\d+)(?: B)? => ");

    /** zstd's stdout, failing at EOF (or on a read error) with the pump's error when the source failed. */
    private static final class PumpedStream extends ChunkReads {
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
                join(pump);
                check();
            }
            return n;
        }

        @Override
        public void close() throws IOException {
            process.close();
            pump.interrupt();
        }
    }
}
