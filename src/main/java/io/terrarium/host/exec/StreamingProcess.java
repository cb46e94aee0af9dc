package io.terrarium.host.exec;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * A running command whose stdout is consumed as a stream (for {@code zfs send}) or whose stdin is
 * fed as a stream (for {@code zfs receive}).
 *
 * <ul>
 *   <li>stderr is drained concurrently into a {@link BoundedTail}, so a child that writes a lot to
 *       stderr never blocks on a full pipe (case C04);</li>
 *   <li>{@link #stdout()} reports end of stream only after the child exited with an accepted code:
 *       a non-zero exit surfaces as an {@link IOException} from {@code read}, even after bytes were
 *       delivered, so a consumer never mistakes a truncated stream for a complete one;</li>
 *   <li>{@link #close()} kills a child that is still running (SIGTERM, then SIGKILL after 2 s);</li>
 *   <li>the command's timeout kills the child when exceeded.</li>
 * </ul>
 */
public final class StreamingProcess implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(StreamingProcess.class);

    private final Command command;
    private final Process process;
    private final BoundedTail stderr = new BoundedTail(BoundedTail.DEFAULT_LIMIT);
    private final Thread stderrPump;
    private final long startNanos = System.nanoTime();
    private final InputStream stdout;
    private volatile boolean timedOut;
    private volatile boolean closed;

    private StreamingProcess(Command command, boolean keepStdinOpen) throws IOException {
        this(command, new ProcessBuilder(command.argv()).start(), keepStdinOpen);
    }

    /** Watches an already started process (one stage of a {@link StreamingPipe}). */
    StreamingProcess(Command command, Process process, boolean keepStdinOpen) throws IOException {
        this.command = command;
        this.process = process;
        LOG.debug("started `{}` (pid {})", command.display(), process.pid());
        this.stderrPump = daemon("stderr-" + process.pid(), this::pumpStderr);
        if (command.stdin() != null) {
            daemon("stdin-" + process.pid(), () -> {
                try (OutputStream os = process.getOutputStream()) {
                    os.write(command.stdin());
                } catch (IOException e) {
                    LOG.debug("stdin of `{}` closed early: {}", command.display(), e.getMessage());
                }
            });
        } else if (!keepStdinOpen) {
            process.getOutputStream().close();
        }
        daemon("watchdog-" + process.pid(), this::watchdog);
        this.stdout = new VerifiedEnd(process.getInputStream(), this::verifyExit);
    }

    /**
     * Starts the command with stdin closed (or fed from {@link Command#stdin()}).
     *
     * @throws CommandFailedException when the executable cannot be started
     */
    public static StreamingProcess start(Command command) {
        try {
            return new StreamingProcess(command, false);
        } catch (IOException e) {
            throw new CommandFailedException(command, -1, e.getMessage(), false, e);
        }
    }

    /**
     * Starts the command with stdin left open for {@link #stdin()} (e.g. {@code zfs receive}).
     *
     * @throws CommandFailedException when the executable cannot be started
     */
    public static StreamingProcess startWithStdin(Command command) {
        try {
            return new StreamingProcess(command, true);
        } catch (IOException e) {
            throw new CommandFailedException(command, -1, e.getMessage(), false, e);
        }
    }

    private static Thread daemon(String name, Runnable body) {
        Thread t = new Thread(body, name);
        t.setDaemon(true);
        t.start();
        return t;
    }

    private void pumpStderr() {
        byte[] buf = new byte[8192];
        try (InputStream es = process.getErrorStream()) {
            int n;
            while ((n = es.read(buf)) >= 0) {
                stderr.write(buf, 0, n);
            }
        } catch (IOException e) {
            LOG.trace("stderr pump ended: {}", e.getMessage());
        }
    }

    private void watchdog() {
        try {
            if (!process.waitFor(command.timeout().toMillis(), TimeUnit.MILLISECONDS)) {
                timedOut = true;
                LOG.warn("`{}` exceeded its timeout of {} s; killing it", command.display(),
                        command.timeout().toSeconds());
                kill();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** The child's stdout; EOF is reported only after an accepted exit (see class doc). */
    public InputStream stdout() {
        return stdout;
    }

    /** The child's stdin, for a process started with {@link #startWithStdin(Command)}. */
    public OutputStream stdin() {
        return process.getOutputStream();
    }

    /** The last bytes the child wrote to stderr so far. */
    public String stderrTail() {
        return stderr.text();
    }

    /** Process id of the child. */
    public long pid() {
        return process.pid();
    }

    /**
     * Waits for the child to exit and checks its exit code.
     *
     * @return the exit code (one of the accepted ones)
     * @throws CommandFailedException on another exit code or a timeout
     */
    public int waitForSuccess() {
        int code;
        try {
            code = process.waitFor();
            stderrPump.join(5_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            kill();
            throw new CommandFailedException(command, -1, stderr.text(), false, e);
        }
        Duration took = Duration.ofNanos(System.nanoTime() - startNanos);
        if (timedOut || !command.okExitCodes().contains(code)) {
            LOG.warn("`{}` failed after {} ms with exit {}", command.display(), took.toMillis(), code);
            throw new CommandFailedException(command, code, stderr.text(), timedOut, null);
        }
        LOG.debug("`{}` finished in {} ms", command.display(), took.toMillis());
        return code;
    }

    private void kill() {
        process.destroy();
        try {
            if (!process.waitFor(2, TimeUnit.SECONDS)) {
                process.destroyForcibly();
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }

    /** Kills the child if it still runs and releases the pipes. Idempotent. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        if (process.isAlive()) {
            LOG.debug("closing `{}` while it still runs: killing pid {}", command.display(), process.pid());
            kill();
        }
        try {
            process.getInputStream().close();
        } catch (IOException ignored) {
            // nothing left to release
        }
    }

    /** Exception a stream consumer sees when the producing command failed. */
    public static final class ProcessFailedIOException extends IOException {
        private final CommandFailedException failure;

        ProcessFailedIOException(CommandFailedException failure) {
            super(failure.getMessage(), failure);
            this.failure = failure;
        }

        /** The command failure behind this exception. */
        public CommandFailedException failure() {
            return failure;
        }
    }

    /** Fails with the command's failure when it did not exit with an accepted code. */
    void verifyExit() throws ProcessFailedIOException {
        try {
            waitForSuccess();
        } catch (CommandFailedException e) {
            throw new ProcessFailedIOException(e);
        }
    }

    /**
     * The most bytes one {@code read} asks a child's stdout pipe for: 64 KiB, what a Linux pipe holds,
     * so a read never returns less for it. The JDK's {@code FileInputStream.readBytes} mallocs a native
     * buffer of the requested length for every read over 8 KiB; the uploader asks for up to a whole
     * part (16 MiB), and glibc then keeps a 16 MiB chunk in the reading thread's arena whose pages fill
     * as reads of varying length touch them — +9 MiB resident at 1 GiB and +21 MiB at 4 GiB of export,
     * invisible to NMT (issue 16 item 3, docs/benchmarks.md "Export peak RSS: the native read buffer").
     */
    static final int MAX_READ = 64 * 1024;

    /** One read of at most {@link #MAX_READ} bytes from a pipe's stream {@code in} (see there). */
    static int readPipe(InputStream in, byte[] b, int off, int len) throws IOException {
        return in.read(b, off, Math.min(len, MAX_READ));
    }

    /**
     * A stream that reports its end only once {@code verify} has passed (run once, at the first end
     * seen): a failing producer surfaces as the exception {@code verify} throws, never as a clean EOF.
     */
    static final class VerifiedEnd extends FilterInputStream {
        /** The check run at the end of the stream. */
        @FunctionalInterface
        interface Verify {
            void run() throws IOException;
        }

        private final Verify verify;
        private boolean verified;

        VerifiedEnd(InputStream in, Verify verify) {
            super(in);
            this.verify = verify;
        }

        private int atEof() throws IOException {
            if (!verified) {
                verify.run();
                verified = true;
            }
            return -1;
        }

        @Override
        public int read() throws IOException {
            int b = super.read();
            return b < 0 ? atEof() : b;
        }

        /** Reads at most {@link #MAX_READ} bytes (see there): callers loop, as they must for a pipe. */
        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            if (len == 0) {
                return 0;
            }
            int n = readPipe(in, b, off, len);
            return n < 0 ? atEof() : n;
        }
    }
}
