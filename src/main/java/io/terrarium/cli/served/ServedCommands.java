package io.terrarium.cli.served;

import io.terrarium.App;
import io.terrarium.cli.TerminalSafeWriter;
import io.terrarium.cli.TerrariumCommand;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine;

import java.io.BufferedWriter;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStreamWriter;
import java.io.PrintWriter;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.Channels;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.Charset;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * The daemon's side of the CLI socket ({@link ServedProtocol}; issue 16 item 4): runs the
 * read-only commands {@code status}, {@code jobs list} and {@code backup list --source local} with
 * the daemon's own wiring (its warm JIT, its probed zfs capabilities, its LXD client) and returns
 * their exit code, stdout and stderr — the same picocli command the CLI would run, printing to
 * captured writers of the client's charsets. Anything else is refused, and the CLI then runs it in
 * its own JVM: another command or a help/version request, a usage error, {@code -v}, another build
 * ({@link ServedProtocol#buildId}), another environment ({@link ServedProtocol#relevantEnvironment}),
 * an unknown charset, a malformed or oversized request, a request not sent within
 * {@value #REQUEST_TIMEOUT_SECONDS} s. A request read after its client's deadline, or within
 * {@link io.terrarium.daemon.ClientDeadline#MARGIN_MILLIS} ms of it, is dropped and logged, and runs nothing
 * (its client has run the command in its own JVM, or told its user the trigger failed; tester, session 8).
 * Two commands run at once at most, {@value #QUEUE} more wait;
 * further connections are closed (the CLI falls back), so a flood cannot hold the daemon's threads.
 *
 * <p>Job triggers ({@link #TRIGGERS}: {@code jobs run}, {@code proxy sync}, {@code backup export},
 * {@code backup verify}, {@code backup snapshot}, {@code backup replicate}, each only in its form
 * that submits to the daemon's job route) are streamed ({@link ServedProtocol#STREAMED}): the same
 * picocli command runs here, submits to the job MBean in-process ({@link io.terrarium.daemon.JobTrigger},
 * trigger {@code cli} as through Jolokia) and its stderr (progress lines) and stdout reach the client
 * as they are printed, with heartbeats while the job runs. They run on their own pool of
 * {@value #TRIGGER_WORKERS} threads, never on the two workers, so a long job cannot keep
 * {@code status} from being served; a trigger beyond that is refused (the CLI runs it through
 * Jolokia as before). A client that goes away (Ctrl-C, kill) is noticed at the next frame or
 * heartbeat: its thread stops waiting and the job goes on in the daemon, as it does when the CLI's
 * own JVM is killed. A client whose stdin and stdout are a terminal gets the progress bar the CLI's
 * own JVM would draw, drawn here as wide as the client's terminal ({@link ServedProtocol.Request#columns})
 * and sent on its stderr.
 *
 * <p>{@code backup restore --source s3 --instance NAME --yes} ({@link #RESTORE}; issue 16 item 1) is
 * streamed the same way, so the restore runs in this warm JVM: one at a time, never while a job that
 * holds S3 buffers runs ({@link #BUFFER_JOBS}). A client that goes away does not interrupt it:
 * {@link io.terrarium.cli.ClientGone} tells the restore, which cancels a receive still running (its
 * failure path) and finishes a swap; the outcome is logged here.
 */
public final class ServedCommands implements AutoCloseable {
    /** Longest time a client may take to send its request, in seconds. */
    static final int REQUEST_TIMEOUT_SECONDS = 5;
    /** Connections waiting for a worker. */
    static final int QUEUE = 8;
    /** The served command paths (picocli command names from the root). */
    static final Set<List<String>> SERVED = Set.of(List.of("status"), List.of("jobs", "list"), List.of("backup", "list"));
    /** The streamed job triggers (picocli command names from the root). */
    static final Set<List<String>> TRIGGERS = Set.of(List.of("jobs", "run"), List.of("proxy", "sync"), List.of("backup", "export"),
            List.of("backup", "verify"), List.of("backup", "snapshot"), List.of("backup", "replicate"));
    /** The streamed S3 restore ({@code backup restore --source s3 --instance NAME --yes}; issue 16 item 1). */
    static final List<String> RESTORE = List.of("backup", "restore");
    /**
     * Daemon jobs that hold S3 part buffers (up to 160 MiB for an export, 96 MiB ahead for a
     * verify or a drill): while one runs a restore is not served, and one that starts during a
     * served restore waits for it ({@link io.terrarium.routes.BufferGate}), so a restore's own buffers
     * (up to 128 MiB) never meet theirs in the daemon's 256 MiB heap (docs/backups.md, "Where a restore runs").
     */
    static final List<String> BUFFER_JOBS = io.terrarium.routes.BufferGate.JOBS.stream().sorted().toList();
    /** Triggers waited for at once; one more is refused (the CLI then triggers through Jolokia). */
    static final int TRIGGER_WORKERS = 4;
    private static final Logger LOG = LoggerFactory.getLogger(ServedCommands.class);

    private final App app;
    private final String buildId;
    private final Map<String, String> env;
    private final Path socket;
    private final ServerSocketChannel server;
    private final ThreadPoolExecutor workers;
    private final ThreadPoolExecutor triggers;
    private final ScheduledExecutorService timeouts;
    private final ScheduledExecutorService heartbeats;
    private final Thread acceptor;
    /** One served restore at a time (its buffers); another runs in the CLI's own JVM. */
    private final java.util.concurrent.Semaphore restoring = new java.util.concurrent.Semaphore(1);
    /** The file key (device and inode) of the socket this daemon bound; {@link #close()} removes only that file. */
    private volatile Object socketKey;

    private ServedCommands(App app, String buildId, Map<String, String> env, Path socket, ServerSocketChannel server) {
        this.app = app;
        this.buildId = buildId;
        this.env = ServedProtocol.relevantEnvironment(env);
        this.socket = socket;
        this.server = server;
        this.workers = new ThreadPoolExecutor(2, 2, 0, TimeUnit.SECONDS, new ArrayBlockingQueue<>(QUEUE), r -> {
            Thread t = new Thread(r, "cli-socket-worker");
            t.setDaemon(true);
            return t;
        });
        this.triggers = new ThreadPoolExecutor(0, TRIGGER_WORKERS, 30, TimeUnit.SECONDS, new java.util.concurrent.SynchronousQueue<>(), r -> {
            Thread t = new Thread(r, "cli-socket-trigger");
            t.setDaemon(true);
            return t;
        });
        this.heartbeats = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "cli-socket-heartbeat");
            t.setDaemon(true);
            return t;
        });
        this.timeouts = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "cli-socket-timeout");
            t.setDaemon(true);
            return t;
        });
        this.acceptor = new Thread(this::acceptLoop, "cli-socket");
        this.acceptor.setDaemon(true);
    }

    /**
     * Creates {@code <run dir>/cli} (0700) if missing, checks it (owner = this process, mode 0700,
     * not a symlink), replaces a stale socket, binds {@code cli.sock} with mode 0600 and starts
     * accepting.
     *
     * @param app     the daemon's wiring
     * @param buildId {@link ServedProtocol#buildId()} taken when the daemon started
     * @param env     the daemon's environment
     * @return the running server; {@link #close()} stops it and removes the socket
     * @throws IOException when the directory or socket is unsafe or cannot be created
     */
    public static ServedCommands start(App app, String buildId, Map<String, String> env) throws IOException {
        Path socket = ServedProtocol.socketPath(env);
        Path dir = socket.getParent();
        int uid = ServedProtocol.currentUid();
        if (!Files.exists(dir, LinkOption.NOFOLLOW_LINKS)) {
            Files.createDirectories(dir.getParent());
            Files.createDirectory(dir, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        }
        ServedProtocol.checkDirectory(dir, uid);
        if (Files.exists(socket, LinkOption.NOFOLLOW_LINKS)) {
            ServedProtocol.checkSocket(socket, uid); // never remove something that is not our own stale socket
            if (answers(socket)) {
                // a live daemon on the same run directory (tester, session 7: a second daemon took the
                // socket, and the first removed it when it stopped)
                throw new IOException("another process serves " + socket + " (a second daemon on the same run directory?);"
                        + " this daemon does not serve CLI commands");
            }
            Files.delete(socket);
        }
        ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        try {
            server.bind(UnixDomainSocketAddress.of(socket), 16);
            Files.setPosixFilePermissions(socket, PosixFilePermissions.fromString("rw-------"));
            ServedProtocol.checkSocket(socket, uid);
        } catch (IOException | RuntimeException e) {
            server.close();
            throw e;
        }
        ServedCommands s = new ServedCommands(app, buildId, env, socket, server);
        s.socketKey = Files.readAttributes(socket, java.nio.file.attribute.BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS).fileKey();
        s.acceptor.start();
        LOG.info("CLI socket {} serves status, jobs list, backup list --source local, job triggers and backup restore --source s3", socket);
        return s;
    }

    /** Whether something accepts connections on {@code socket} (a stale socket refuses them at once). */
    private static boolean answers(Path socket) {
        try (SocketChannel probe = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            probe.connect(UnixDomainSocketAddress.of(socket));
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    /** The socket's path. */
    public Path socket() {
        return socket;
    }

    private void acceptLoop() {
        while (server.isOpen()) {
            SocketChannel ch;
            try {
                ch = server.accept();
            } catch (IOException e) {
                if (server.isOpen()) {
                    LOG.warn("CLI socket: accept failed: {}", e.getMessage());
                }
                continue;
            }
            try {
                workers.execute(() -> handle(ch));
            } catch (RejectedExecutionException busy) {
                closeQuietly(ch); // the CLI runs the command itself
            }
        }
    }

    private void handle(SocketChannel ch) {
        ScheduledFuture<?> timeout = timeouts.schedule(() -> closeQuietly(ch), REQUEST_TIMEOUT_SECONDS, TimeUnit.SECONDS);
        boolean handedOver = false;
        try {
            ServedProtocol.Request req;
            try {
                req = ServedProtocol.readRequest(Channels.newInputStream(ch));
            } catch (IOException e) {
                String why = badRequest(e);
                LOG.info("CLI socket: bad request refused: {}", why);
                ServedProtocol.writeResponse(Channels.newOutputStream(ch), ServedProtocol.Response.refused("bad request: " + why));
                return;
            } finally {
                timeout.cancel(false);
            }
            if (dropped(ch, req)) {
                return;
            }
            ServedProtocol.Response r;
            String why = check(req);
            boolean restore = why == null && RESTORE.equals(commandPath(app, req.args()));
            if (restore) {
                why = admitRestore();
            }
            if (why == null && (restore || isTrigger(req.args()))) {
                try {
                    triggers.execute(() -> {
                        try {
                            stream(ch, req, restore);
                        } finally {
                            if (restore) {
                                releaseRestore();
                            }
                        }
                    });
                    handedOver = true;
                    return;
                } catch (RejectedExecutionException busy) {
                    if (restore) {
                        releaseRestore();
                    }
                    why = TRIGGER_WORKERS + " triggers are already waiting for their jobs (the CLI "
                            + (restore ? "restores in its own JVM)" : "triggers through Jolokia)");
                }
            }
            r = why != null ? ServedProtocol.Response.refused(why) : run(req);
            if (!r.served()) {
                LOG.debug("CLI socket: refused {}: {}", req.args(), r.reason());
            }
            ServedProtocol.writeResponse(Channels.newOutputStream(ch), r);
        } catch (IOException e) {
            LOG.debug("CLI socket: client gone: {}", e.getMessage());
        } catch (RuntimeException | Error e) {
            LOG.warn("CLI socket: request failed: {}", e.toString());
        } finally {
            if (!handedOver) {
                closeQuietly(ch);
            }
        }
    }

    /**
     * Takes the restore permit, or says why a restore is not served now: another served restore
     * runs, or a job that holds S3 buffers ({@link #BUFFER_JOBS}) runs in this daemon. The caller
     * releases the permit when the restore is done.
     */
    private String admitRestore() {
        if (!restoring.tryAcquire()) {
            return "another restore runs in the daemon (this one runs in the CLI's own JVM)";
        }
        // the gate, not only a look at the jobs: a job that starts from now on waits for this restore
        if (!io.terrarium.routes.BufferGate.tryWhole()) {
            restoring.release();
            String busy = busyBufferJob(io.terrarium.daemon.JobControl.registered());
            return "job " + (busy == null ? "s3-export, s3-verify or restore-drill" : busy)
                    + " runs in the daemon (its S3 buffers and a restore's do not both fit its heap)";
        }
        return null;
    }

    /** Gives back what {@link #admitRestore} took. */
    private void releaseRestore() {
        io.terrarium.routes.BufferGate.releaseWhole();
        restoring.release();
    }

    /** The first of {@link #BUFFER_JOBS} running in {@code jobs}' daemon, or {@code null} (also without a daemon). */
    static String busyBufferJob(io.terrarium.daemon.JobControl jobs) {
        if (jobs == null) {
            return null;
        }
        for (String j : BUFFER_JOBS) {
            if (jobs.running(j)) {
                return j;
            }
        }
        return null;
    }

    /**
     * Answers one request (pure apart from running the command): a refusal unless the request
     * comes from this build and environment and names a served command. A trigger is answered here
     * with its whole output at once (tests); the socket streams it ({@link #stream}).
     */
    ServedProtocol.Response answer(ServedProtocol.Request req) {
        String late = io.terrarium.daemon.ClientDeadline.lateness(req.deadline(), System.currentTimeMillis());
        if (late != null) {
            return ServedProtocol.Response.refused(late);
        }
        String why = check(req);
        return why != null ? ServedProtocol.Response.refused(why) : run(req);
    }

    /**
     * Drops a request whose client has given up, or is about to ({@link io.terrarium.daemon.ClientDeadline}):
     * logs it, answers a refusal to a client that may still read it, and runs nothing. The client
     * gives up after {@value ServedClient#TIMEOUT_SECONDS} s without an answer, and the launcher then
     * runs the command in the CLI's own JVM; a request the kernel kept for a stopped daemon was read
     * when the daemon resumed, and its job ran a second time, or after the user was told it failed
     * (tester, session 8).
     *
     * @return whether the request was dropped (the caller closes the connection)
     */
    private boolean dropped(SocketChannel ch, ServedProtocol.Request req) {
        String late = io.terrarium.daemon.ClientDeadline.lateness(req.deadline(), System.currentTimeMillis());
        if (late == null) {
            return false;
        }
        LOG.warn("CLI socket: dropped {}: {}", req.args(), late);
        try {
            ServedProtocol.writeResponse(Channels.newOutputStream(ch), ServedProtocol.Response.refused("dropped: " + late));
        } catch (IOException e) {
            // the client is gone, as expected
        }
        return true;
    }

    /**
     * What was wrong with a request that could not be read, for the log: a connection closed before
     * the request was complete says so (its message was {@code null}: "bad request refused: null",
     * tester, session 10, after clients gave up on a stopped daemon).
     */
    static String badRequest(IOException e) {
        if (e instanceof java.io.EOFException && e.getMessage() == null) {
            return "the connection ended before the request was complete (a client that gave up, or not a terrariumctl client)";
        }
        return e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
    }

    /** Why the request is refused, or {@code null} when it is served. */
    private String check(ServedProtocol.Request req) {
        if (!buildId.equals(req.buildId())) {
            return "another build (the daemon runs " + buildId + ")";
        }
        if (!env.equals(req.env())) {
            return "another environment (TERRARIUM_*/LXD_* differ from the daemon's)";
        }
        String why = refusal(app, req.args());
        if (why != null) {
            return why;
        }
        try {
            Charset.forName(req.stdoutCharset());
            Charset.forName(req.stderrCharset());
        } catch (IllegalArgumentException e) {
            return "unknown charset";
        }
        return null;
    }

    /** Runs an accepted request with captured writers; its output is returned whole. */
    private ServedProtocol.Response run(ServedProtocol.Request req) {
        ByteArrayOutputStream outBytes = new ByteArrayOutputStream();
        ByteArrayOutputStream errBytes = new ByteArrayOutputStream();
        int code = execute(req, outBytes, errBytes);
        if (code < 0 || code > 2) {
            return ServedProtocol.Response.refused("exit code " + code + " is not one of the CLI's");
        }
        if (outBytes.size() > ServedProtocol.MAX_OUTPUT_BYTES || errBytes.size() > ServedProtocol.MAX_OUTPUT_BYTES) {
            return ServedProtocol.Response.refused("output larger than " + ServedProtocol.MAX_OUTPUT_BYTES + " bytes");
        }
        return new ServedProtocol.Response(true, code, outBytes.toByteArray(), errBytes.toByteArray(), null);
    }

    /** Runs the picocli command of an accepted request, printing to {@code outBytes} and {@code errBytes}. @return its exit code */
    private int execute(ServedProtocol.Request req, java.io.OutputStream outBytes, java.io.OutputStream errBytes) {
        Charset outCs = Charset.forName(req.stdoutCharset());
        Charset errCs = Charset.forName(req.stderrCharset());
        String[] argv = req.args().toArray(String[]::new);
        // the writers the CLI has: picocli's default stdout writer, the terminal-safe stderr of Terrarium.main
        PrintWriter out = new PrintWriter(new BufferedWriter(new OutputStreamWriter(outBytes, outCs)), true);
        PrintWriter err = new PrintWriter(new TerminalSafeWriter(new OutputStreamWriter(errBytes, errCs)), true);
        CommandLine cl = TerrariumCommand.commandLine(app, argv);
        cl.setOut(out);
        cl.setErr(err);
        cl.setColorScheme(CommandLine.Help.defaultColorScheme(req.console() ? CommandLine.Help.Ansi.ON : CommandLine.Help.Ansi.OFF));
        int code = cl.execute(argv);
        out.flush();
        err.flush();
        return code;
    }

    /**
     * Streams a trigger on a thread of {@link #triggers}: the {@link ServedProtocol#STREAMED} header
     * first (before the job is submitted), then its output as printed, heartbeats, the exit frame.
     * When the client is gone the waiting thread is interrupted; the job goes on in the daemon.
     */
    private void stream(SocketChannel ch, ServedProtocol.Request req, boolean restore) {
        java.util.concurrent.atomic.AtomicBoolean gone = new java.util.concurrent.atomic.AtomicBoolean();
        Thread worker = Thread.currentThread();
        // a trigger's thread stops waiting for its job; a restore is never interrupted (a swap half
        // done): its receive reads the flag and takes its failure path (S3Restore#cancelledWhenGone)
        Frames frames = null;
        ScheduledFuture<?> beat = null;
        int code = -1;
        try {
            if (dropped(ch, req)) {
                return; // read in time, but this thread started too late (the daemon was stopped in between)
            }
            // the client's deadline is at least ClientDeadline.MARGIN_MILLIS away: it reads this header and never
            // runs the command itself
            ServedProtocol.writeStreamedHeader(Channels.newOutputStream(ch));
            // from here on no write waits for the client longer than its own silence limit: a stopped client
            // (Ctrl-Z, kill -STOP) is then gone, and never holds the heartbeat thread or another client's bar
            Frames f = new Frames(new ClientSocket(ch, WRITE_TIMEOUT_MILLIS), restore ? () -> gone.set(true) : worker::interrupt);
            frames = f;
            beat = heartbeats.scheduleWithFixedDelay(f::heartbeat, 1, 1, TimeUnit.SECONDS);
            java.io.OutputStream errFrames = f.stream(ServedProtocol.FRAME_STDERR);
            java.util.function.IntSupplier run = () -> execute(req, f.stream(ServedProtocol.FRAME_STDOUT), errFrames);
            java.util.function.IntSupplier command = restore ? () -> io.terrarium.cli.ClientGone.watching(f::probeGone, run::getAsInt) : run;
            code = req.console()
                    // the client's terminal gets the progress bar its own JVM would draw (issue 16: a trigger typed at a
                    // terminal was not served, and took 2–2.8 s instead of 0.5 s); its redraws may be dropped, never waited for
                    ? io.terrarium.cli.ProgressDisplay.forClientTerminal(
                            new java.io.PrintStream(f.droppable(ServedProtocol.FRAME_STDERR), true, Charset.forName(req.stderrCharset())),
                            req.columns(), command)
                    : command.getAsInt();
            code = code >= 0 && code <= 2 ? code : io.terrarium.cli.ExitCodes.FAILURE;
            if (restore) {
                LOG.info("CLI socket: served {} ended with exit {}{}", req.args(), code,
                        gone.get() ? " after its client went away (see the restore's own log lines and event)" : "");
            }
            f.exit(code);
        } catch (IOException e) {
            LOG.info("CLI socket: the client of {} went away: {}{}", req.args(), e.getMessage(),
                    restore ? " (the restore ended with exit " + code + ")" : " (a job it started goes on)");
        } catch (RuntimeException | Error e) {
            LOG.warn("CLI socket: trigger {} failed: {}", req.args(), e.toString());
        } finally {
            if (beat != null) {
                beat.cancel(false);
            }
            if (frames != null) {
                frames.done();
            }
            Thread.interrupted(); // an interrupt for a client that went away ends here, not in the next task
            closeQuietly(ch);
        }
    }

    /**
     * The frames of one streamed answer: writes are serialised (the command's writers and the
     * heartbeat thread), each flush of a writer becomes frames of at most
     * {@value ServedProtocol#MAX_FRAME_BYTES} bytes. A failed write means the client is gone: the
     * command's thread is interrupted (once, and only while it still runs this command).
     */
    static final class Frames {
        private final java.io.OutputStream raw;
        private final Runnable onGone;
        /** Serialises writes; the heartbeat and a bar's redraws only try it, so neither waits behind a stuck write. */
        private final java.util.concurrent.locks.ReentrantLock lock = new java.util.concurrent.locks.ReentrantLock();
        private boolean running = true;
        private boolean gone;
        private long lastWrite = System.nanoTime();

        Frames(java.io.OutputStream raw, Thread worker) {
            this(raw, worker::interrupt);
        }

        /** @param onGone run once, at the first failed write while the command still runs (from the failing thread) */
        Frames(java.io.OutputStream raw, Runnable onGone) {
            this.raw = raw;
            this.onGone = onGone;
        }

        /** Writes {@code len} bytes of {@code b} as frames of {@code type}. */
        void write(byte type, byte[] b, int off, int len) throws IOException {
            lock.lock();
            try {
                writeLocked(type, b, off, len, false);
            } finally {
                lock.unlock();
            }
        }

        /**
         * Writes under the lock. {@code orNothing}: when the client's socket takes none of the first
         * frame at once (it reads nothing: stopped, or far behind), nothing is written and
         * {@code false} returned — for what may be dropped (heartbeats, a bar's redraws).
         */
        private boolean writeLocked(byte type, byte[] b, int off, int len, boolean orNothing) throws IOException {
            if (gone) {
                throw new IOException("an earlier write to the client failed");
            }
            try {
                boolean first = true;
                do {
                    int n = Math.min(len, ServedProtocol.MAX_FRAME_BYTES);
                    if (first && orNothing && raw instanceof ClientSocket c) {
                        if (!c.offer(ServedProtocol.frame(type, b, off, n))) {
                            return false;
                        }
                    } else {
                        ServedProtocol.writeFrame(raw, type, b, off, n);
                    }
                    first = false;
                    off += n;
                    len -= n;
                } while (len > 0);
                lastWrite = System.nanoTime();
                return true;
            } catch (IOException e) {
                goneNow();
                throw e;
            }
        }

        /**
         * Sends a heartbeat when nothing was sent for {@value ServedProtocol#HEARTBEAT_SECONDS} s.
         * Never waits: not behind another write (one is going out anyway), not for a client whose
         * socket is full (the shared heartbeat thread must reach every other client in time).
         */
        void heartbeat() {
            if (!lock.tryLock()) {
                return;
            }
            try {
                if (gone || System.nanoTime() - lastWrite < ServedProtocol.HEARTBEAT_SECONDS * 1_000_000_000L - 100_000_000L) {
                    return;
                }
                writeLocked(ServedProtocol.FRAME_HEARTBEAT, new byte[0], 0, 0, true);
            } catch (IOException e) {
                // goneNow() interrupted the command's thread
            } finally {
                lock.unlock();
            }
        }

        /**
         * A stream for output that may be lost, a progress bar's redraws: a write waits at most
         * {@value #DROPPABLE_WAIT_MILLIS} ms for another write and not at all for a client that reads
         * nothing; it is dropped instead. A write with a newline (the bar's end) is never dropped. progressbar draws every bar of this JVM on one shared thread
         * (session 9 tester: one stopped client froze every other client's bar and command).
         */
        java.io.OutputStream droppable(byte type) {
            return new java.io.OutputStream() {
                @Override
                public void write(int b) throws IOException {
                    write(new byte[]{(byte) b}, 0, 1);
                }

                @Override
                public void write(byte[] b, int off, int len) throws IOException {
                    if (len == 0) {
                        return;
                    }
                    for (int i = off; i < off + len; i++) {
                        if (b[i] == '\n') {
                            // a bar's last line ends here: never dropped, or the command's next output would run on
                            // after the bar (it waits like any write, at most the write timeout)
                            Frames.this.write(type, b, off, len);
                            return;
                        }
                    }
                    try {
                        if (!lock.tryLock(DROPPABLE_WAIT_MILLIS, TimeUnit.MILLISECONDS)) {
                            return;
                        }
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        return;
                    }
                    try {
                        writeLocked(type, b, off, len, true);
                    } finally {
                        lock.unlock();
                    }
                }
            };
        }

        /** Longest wait of a {@link #droppable} write for another write to the client, in ms. */
        static final long DROPPABLE_WAIT_MILLIS = 200;

        /**
         * Whether the client is gone, asked by a command that reads a stream (a served restore, per
         * read): when nothing was sent for {@value #PROBE_MILLIS} ms a heartbeat goes out first, so a
         * client that went away is found at once (the write fails) and not only at the next scheduled
         * heartbeat, after which the rest of a fast stream could already be received.
         */
        boolean probeGone() {
            lock.lock();
            try {
                if (!gone && System.nanoTime() - lastWrite >= PROBE_MILLIS * 1_000_000L) {
                    try {
                        writeLocked(ServedProtocol.FRAME_HEARTBEAT, new byte[0], 0, 0, false);
                    } catch (IOException e) {
                        // goneNow() ran
                    }
                }
                return gone;
            } finally {
                lock.unlock();
            }
        }

        /** Least time between two heartbeats {@link #probeGone} sends, in ms. */
        static final long PROBE_MILLIS = 250;

        void exit(int code) throws IOException {
            byte[] c = {(byte) (code >>> 24), (byte) (code >>> 16), (byte) (code >>> 8), (byte) code};
            write(ServedProtocol.FRAME_EXIT, c, 0, 4);
        }

        private void goneNow() {
            if (!gone) {
                gone = true;
                if (running) {
                    onGone.run(); // a trigger stops waiting for its job (JobTrigger), the job goes on; a restore cancels its receive
                }
            }
        }

        /** The command's thread is done with this answer: no interrupt reaches it any more. */
        void done() {
            lock.lock();
            try {
                running = false;
            } finally {
                lock.unlock();
            }
            if (raw instanceof ClientSocket c) {
                c.close();
            }
        }

        /** An output stream whose bytes become frames of {@code type} (no buffering: the writers above it buffer). */
        java.io.OutputStream stream(byte type) {
            return new java.io.OutputStream() {
                @Override
                public void write(int b) throws IOException {
                    Frames.this.write(type, new byte[]{(byte) b}, 0, 1);
                }

                @Override
                public void write(byte[] b, int off, int len) throws IOException {
                    if (len > 0) {
                        Frames.this.write(type, b, off, len);
                    }
                }
            };
        }
    }

    /**
     * Longest time a streamed answer waits for its client to take a write, in ms: the client's own
     * silence limit ({@link ServedClient#TIMEOUT_SECONDS}). A client that reads nothing that long
     * (stopped with Ctrl-Z or kill -STOP, its terminal's output paused) is gone, as one that closed:
     * a trigger's job goes on, a restore is cancelled (session 9 tester: a stopped client held its
     * thread, and with it the S3 jobs waiting for a served restore, for as long as it was stopped).
     */
    static final long WRITE_TIMEOUT_MILLIS = ServedClient.TIMEOUT_SECONDS * 1000L;

    /**
     * The client's socket in non-blocking mode, written with a deadline: a write that the client
     * does not take within the timeout fails ({@link IOException}), so no thread of the daemon
     * waits on a client for longer. Used under {@link Frames}' lock only.
     */
    static final class ClientSocket extends java.io.OutputStream {
        private final SocketChannel ch;
        private final java.nio.channels.Selector selector;
        private final long timeoutMillis;

        /** @throws IOException when the channel cannot be switched to non-blocking mode */
        ClientSocket(SocketChannel ch, long timeoutMillis) throws IOException {
            this.ch = ch;
            this.timeoutMillis = timeoutMillis;
            ch.configureBlocking(false);
            this.selector = java.nio.channels.Selector.open();
            ch.register(selector, java.nio.channels.SelectionKey.OP_WRITE);
        }

        @Override
        public void write(int b) throws IOException {
            write(new byte[]{(byte) b}, 0, 1);
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            send(java.nio.ByteBuffer.wrap(b, off, len), false);
        }

        /** Writes all of {@code b} unless the socket takes none of it at once. @return whether it was written */
        boolean offer(byte[] b) throws IOException {
            return send(java.nio.ByteBuffer.wrap(b), true);
        }

        private boolean send(java.nio.ByteBuffer buf, boolean orNothing) throws IOException {
            long deadline = System.nanoTime() + timeoutMillis * 1_000_000L;
            boolean first = true;
            while (buf.hasRemaining()) {
                if (ch.write(buf) == 0) {
                    if (first && orNothing) {
                        return false;
                    }
                    long left = (deadline - System.nanoTime()) / 1_000_000L;
                    if (left <= 0) {
                        throw new IOException("the client took nothing for " + timeoutMillis / 1000 + " s (stopped?)");
                    }
                    if (Thread.currentThread().isInterrupted()) {
                        throw new java.io.InterruptedIOException("interrupted while writing to the client");
                    }
                    selector.select(left);
                    selector.selectedKeys().clear();
                }
                first = false;
            }
            return true;
        }

        @Override
        public void close() {
            try {
                selector.close();
            } catch (IOException e) {
                // nothing left to release
            }
        }
    }

    /** Whether these (accepted) arguments name a streamed trigger. */
    private boolean isTrigger(List<String> args) {
        List<String> path = commandPath(app, args);
        return path != null && TRIGGERS.contains(path);
    }

    /** The picocli command path of {@code args}, or {@code null} when they do not parse. */
    private static List<String> commandPath(App app, List<String> args) {
        try {
            CommandLine.ParseResult pr = TerrariumCommand.commandLine(app, args.toArray(String[]::new)).parseArgs(args.toArray(String[]::new));
            List<String> path = new ArrayList<>();
            for (CommandLine.ParseResult p = pr.subcommand(); p != null; p = p.subcommand()) {
                path.add(p.commandSpec().name());
            }
            return path;
        } catch (CommandLine.ParameterException e) {
            return null;
        }
    }

    /**
     * Why these arguments are not served, or {@code null} when they are: they must parse without a
     * usage error to one of {@link #SERVED} ({@code backup list} only with {@code --source local})
     * or {@link #TRIGGERS}, without a help or version request and without {@code -v} (its log lines
     * go to the CLI's stderr, but to the daemon's log here). A trigger only in the form that submits
     * to the daemon's job route (not {@code backup export/verify --instance}, not {@code backup
     * snapshot --now}, which run in the CLI's process), only when this process is the running daemon
     * ({@link io.terrarium.daemon.JobTrigger#insideDaemon}). A client on a terminal gets the progress
     * bar from the daemon ({@link io.terrarium.cli.ProgressDisplay#forClientTerminal}).
     */
    static String refusal(App app, List<String> args) {
        for (String a : args) {
            // also in a cluster of short options (-yv, -vvy: session 9 tester); a refusal costs only the JVM path
            if (a.equals("--verbose") || (a.startsWith("-") && !a.startsWith("--") && a.indexOf('v') > 0)) {
                return "verbose output is printed by the CLI itself";
            }
        }
        CommandLine.ParseResult pr;
        try {
            pr = TerrariumCommand.commandLine(app, args.toArray(String[]::new)).parseArgs(args.toArray(String[]::new));
        } catch (CommandLine.ParameterException e) {
            return "usage error (the CLI prints it)";
        }
        List<String> path = new ArrayList<>();
        CommandLine.ParseResult last = pr;
        for (CommandLine.ParseResult p = pr; p != null; p = p.subcommand()) {
            if (p.isUsageHelpRequested() || p.isVersionHelpRequested()) {
                return "help and version are printed by the CLI";
            }
            if (p != pr) {
                path.add(p.commandSpec().name());
            }
            last = p;
        }
        if (TRIGGERS.contains(path)) {
            return triggerRefusal(app, path, last);
        }
        if (RESTORE.equals(path)) {
            return restoreRefusal(app, last);
        }
        if (!SERVED.contains(path)) {
            return "not a served command: " + String.join(" ", path);
        }
        Object source = last.matchedOptionValue("--source", null); // an Object: String.valueOf(T) would pick the char[] overload
        if (path.equals(List.of("backup", "list")) && (source == null || !"local".equals(source.toString()))) {
            return "backup list is served with --source local only (S3 is read by the CLI)";
        }
        return null;
    }

    private static String triggerRefusal(App app, List<String> path, CommandLine.ParseResult last) {
        String cmd = String.join(" ", path);
        if ((path.get(0).equals("backup") && last.hasMatchedOption("--instance")) || last.hasMatchedOption("--now")
                || last.hasMatchedOption("--name")) {
            return cmd + " with --instance, --now or --name runs in the CLI's own process";
        }
        if (!new io.terrarium.daemon.JobTrigger(app).insideDaemon()) {
            return "not a served command: " + cmd + " (this process is not the running daemon)";
        }
        return null;
    }

    /**
     * Why a restore is not served, or {@code null}: only {@code --source s3 --instance NAME --yes}
     * (with or without {@code --at}, {@code --as-new}, {@code --parent-dataset}, {@code --installation},
     * {@code --accept-unauthenticated}, {@code --trust-config}), which asks nothing; not {@code --all}
     * or {@code --source local} (they run in the CLI's own JVM); only in the running daemon. To a
     * terminal the bar is drawn for the client's terminal ({@code ProgressDisplay#forClient}).
     */
    private static String restoreRefusal(App app, CommandLine.ParseResult last) {
        Object source = last.matchedOptionValue("--source", null);
        if (source == null || !"s3".equals(source.toString())) {
            return "backup restore is served with --source s3 only (a local restore runs in the CLI's own JVM)";
        }
        if (!last.hasMatchedOption("--instance") || !last.hasMatchedOption("--yes")) {
            return "backup restore is served with --instance and --yes only (it may ask, or print the exact command)";
        }
        for (String o : List.of("--all", "--force", "--host-manifest", "--snapshot")) {
            if (last.hasMatchedOption(o)) {
                return "backup restore " + o + " runs in the CLI's own JVM";
            }
        }
        if (!new io.terrarium.daemon.JobTrigger(app).insideDaemon()) {
            return "not a served command: backup restore (this process is not the running daemon)";
        }
        return null;
    }

    /** Stops accepting, removes the socket; a command already running finishes on its own. */
    @Override
    public void close() {
        closeQuietly(server);
        workers.shutdownNow();
        triggers.shutdownNow(); // interrupts the waits; the jobs themselves stop with the daemon's routes
        heartbeats.shutdownNow();
        timeouts.shutdownNow();
        try {
            // only our own socket: another daemon may have bound the path since (same run directory)
            Object key = Files.readAttributes(socket, java.nio.file.attribute.BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS).fileKey();
            if (key != null && key.equals(socketKey)) {
                Files.deleteIfExists(socket);
            }
        } catch (IOException e) {
            LOG.debug("cannot remove {}: {}", socket, e.getMessage());
        }
    }

    private static void closeQuietly(java.io.Closeable c) {
        try {
            c.close();
        } catch (IOException e) {
            // already closed
        }
    }
}
