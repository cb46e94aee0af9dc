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
 * {@value #REQUEST_TIMEOUT_SECONDS} s. Two commands run at once at most, {@value #QUEUE} more wait;
 * further connections are closed (the CLI falls back), so a flood cannot hold the daemon's threads.
 */
public final class ServedCommands implements AutoCloseable {
    /** Longest time a client may take to send its request, in seconds. */
    static final int REQUEST_TIMEOUT_SECONDS = 5;
    /** Connections waiting for a worker. */
    static final int QUEUE = 8;
    /** The served command paths (picocli command names from the root). */
    static final Set<List<String>> SERVED = Set.of(List.of("status"), List.of("jobs", "list"), List.of("backup", "list"));
    private static final Logger LOG = LoggerFactory.getLogger(ServedCommands.class);

    private final App app;
    private final String buildId;
    private final Map<String, String> env;
    private final Path socket;
    private final ServerSocketChannel server;
    private final ThreadPoolExecutor workers;
    private final ScheduledExecutorService timeouts;
    private final Thread acceptor;
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
        LOG.info("CLI socket {} serves status, jobs list and backup list --source local", socket);
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
        try (ch) {
            ServedProtocol.Request req;
            try {
                req = ServedProtocol.readRequest(Channels.newInputStream(ch));
            } catch (IOException e) {
                LOG.info("CLI socket: bad request refused: {}", e.getMessage());
                ServedProtocol.writeResponse(Channels.newOutputStream(ch), ServedProtocol.Response.refused("bad request: " + e.getMessage()));
                return;
            } finally {
                timeout.cancel(false);
            }
            ServedProtocol.Response r = answer(req);
            if (!r.served()) {
                LOG.debug("CLI socket: refused {}: {}", req.args(), r.reason());
            }
            ServedProtocol.writeResponse(Channels.newOutputStream(ch), r);
        } catch (IOException e) {
            LOG.debug("CLI socket: client gone: {}", e.getMessage());
        } catch (RuntimeException | Error e) {
            LOG.warn("CLI socket: request failed: {}", e.toString());
        }
    }

    /**
     * Answers one request (pure apart from running the command): a refusal unless the request
     * comes from this build and environment and names a served command.
     */
    ServedProtocol.Response answer(ServedProtocol.Request req) {
        if (!buildId.equals(req.buildId())) {
            return ServedProtocol.Response.refused("another build (the daemon runs " + buildId + ")");
        }
        if (!env.equals(req.env())) {
            return ServedProtocol.Response.refused("another environment (TERRARIUM_*/LXD_* differ from the daemon's)");
        }
        String why = refusal(app, req.args());
        if (why != null) {
            return ServedProtocol.Response.refused(why);
        }
        Charset outCs;
        Charset errCs;
        try {
            outCs = Charset.forName(req.stdoutCharset());
            errCs = Charset.forName(req.stderrCharset());
        } catch (IllegalArgumentException e) {
            return ServedProtocol.Response.refused("unknown charset");
        }
        String[] argv = req.args().toArray(String[]::new);
        ByteArrayOutputStream outBytes = new ByteArrayOutputStream();
        ByteArrayOutputStream errBytes = new ByteArrayOutputStream();
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
        if (code < 0 || code > 2) {
            return ServedProtocol.Response.refused("exit code " + code + " is not one of the CLI's");
        }
        if (outBytes.size() > ServedProtocol.MAX_OUTPUT_BYTES || errBytes.size() > ServedProtocol.MAX_OUTPUT_BYTES) {
            return ServedProtocol.Response.refused("output larger than " + ServedProtocol.MAX_OUTPUT_BYTES + " bytes");
        }
        return new ServedProtocol.Response(true, code, outBytes.toByteArray(), errBytes.toByteArray(), null);
    }

    /**
     * Why these arguments are not served, or {@code null} when they are: they must parse without a
     * usage error to one of {@link #SERVED} ({@code backup list} only with {@code --source local}),
     * without a help or version request and without {@code -v} (its log lines go to the CLI's
     * stderr, but to the daemon's log here).
     */
    static String refusal(App app, List<String> args) {
        for (String a : args) {
            if (a.equals("--verbose") || a.matches("-v+")) {
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
        if (!SERVED.contains(path)) {
            return "not a served command: " + String.join(" ", path);
        }
        Object source = last.matchedOptionValue("--source", null); // an Object: String.valueOf(T) would pick the char[] overload
        if (path.equals(List.of("backup", "list")) && (source == null || !"local".equals(source.toString()))) {
            return "backup list is served with --source local only (S3 is read by the CLI)";
        }
        return null;
    }

    /** Stops accepting, removes the socket; a command already running finishes on its own. */
    @Override
    public void close() {
        closeQuietly(server);
        workers.shutdownNow();
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
