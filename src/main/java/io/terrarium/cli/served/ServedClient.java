package io.terrarium.cli.served;

import java.io.BufferedInputStream;
import java.io.DataInputStream;
import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.SocketChannel;
import java.nio.charset.Charset;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * The launcher's client of the CLI socket ({@link ServedProtocol}): sends the arguments to the
 * running daemon and prints what it answers, byte for byte, with its exit code. java.base only (no
 * picocli, no Jackson), so it starts in a fraction of the full CLI's time (docs/benchmarks.md).
 * Exits {@value ServedProtocol#NOT_SERVED_EXIT} without printing anything when the daemon cannot
 * answer — no socket, a socket or directory with the wrong owner or mode, a daemon stopped with kill -STOP
 * , Ctrl-Z or held by a debugger (asked nothing: {@link ServedProtocol#daemonStopped}), a refusal (command not
 * served, another build, another environment), a protocol error or no answer within
 * {@value #TIMEOUT_SECONDS} s — and the launcher then runs the command in the full JVM. The request
 * carries the moment this client gives up ({@link ServedProtocol.Request#deadline}): a daemon that
 * reads it later (stopped, or hung, while the kernel kept the request) drops it, so a command run
 * here after exit 222 never runs in the daemon too (tester, session 8). A job
 * trigger is streamed ({@link ServedProtocol#STREAMED}): its progress lines, output and exit code
 * are printed as they arrive, and the {@value #TIMEOUT_SECONDS} s limit applies to silence (the
 * daemon sends heartbeats while a job runs), not to the whole run.
 */
public final class ServedClient {
    /**
     * Longest silence of the daemon, in seconds; before its answer has begun the CLI then runs the
     * command itself. Short,
     * because {@code status} is what an operator runs to look at a stuck daemon (tester, session 7:
     * a stopped daemon held {@code status} for 127 s at the former 120 s); a served command normally
     * answers in well under a second.
     */
    static final int TIMEOUT_SECONDS = 10;

    private ServedClient() {
    }

    /** @param args the command line, unchanged */
    public static void main(String[] args) {
        System.exit(run(System.getenv(), List.of(args), TIMEOUT_SECONDS,
                new FileOutputStream(FileDescriptor.out), new FileOutputStream(FileDescriptor.err)));
    }

    /**
     * Asks the daemon and prints its answer on {@code out} and {@code err}.
     *
     * @param silenceSeconds longest silence of the daemon before giving up ({@value #TIMEOUT_SECONDS} s)
     * @return the command's exit code, or {@value ServedProtocol#NOT_SERVED_EXIT} (nothing printed)
     *         when the daemon did not take the command; never that code once a streamed command has
     *         begun: a daemon that falls silent then, or breaks the protocol, is reported on {@code err}
     *         with exit 1 (the job may still be running in the daemon)
     */
    static int run(Map<String, String> env, List<String> args, int silenceSeconds, OutputStream out, OutputStream err) {
        if (ServedProtocol.daemonStopped(env)) {
            // kill -STOP, Ctrl-Z or a debugger: it would answer nothing for silenceSeconds; the CLI's JVM says so at once
            // (status's daemon row, a trigger's "is stopped" error), and no request waits in the socket meanwhile
            return ServedProtocol.NOT_SERVED_EXIT;
        }
        try (Exchange x = open(env, args, silenceSeconds)) {
            byte status;
            try {
                status = ServedProtocol.readStatus(x.in);
            } catch (IOException | RuntimeException e) {
                return ServedProtocol.NOT_SERVED_EXIT;
            }
            if (status != ServedProtocol.STREAMED) {
                ServedProtocol.Response r;
                try {
                    r = ServedProtocol.readResponse(status, x.in);
                } catch (IOException | RuntimeException e) {
                    return ServedProtocol.NOT_SERVED_EXIT;
                }
                if (!r.served()) {
                    return ServedProtocol.NOT_SERVED_EXIT;
                }
                write(out, r.out(), 0, r.out().length);
                write(err, r.err(), 0, r.err().length);
                return r.exit();
            }
            x.heard();
            return relay(x, silenceSeconds, out, err, isRestore(args));
        } catch (IOException | RuntimeException e) {
            return ServedProtocol.NOT_SERVED_EXIT; // no socket, not ours, no connection: nothing was printed
        }
    }

    /** Prints the frames of a streamed answer as they come, until the exit frame. */
    private static int relay(Exchange x, int silenceSeconds, OutputStream out, OutputStream err, boolean restore) {
        try {
            while (true) {
                ServedProtocol.Frame f = ServedProtocol.readFrame(x.in);
                x.heard();
                switch (f.type()) {
                    case ServedProtocol.FRAME_STDOUT -> write(out, f.data(), 0, f.data().length);
                    case ServedProtocol.FRAME_STDERR -> write(err, f.data(), 0, f.data().length);
                    case ServedProtocol.FRAME_EXIT -> {
                        int code = f.exit();
                        return code == ServedProtocol.NOT_SERVED_EXIT ? 1 : code;
                    }
                    default -> {
                        // heartbeat: the daemon is alive
                    }
                }
            }
        } catch (IOException | RuntimeException e) {
            String why = x.silent() ? "the daemon said nothing for " + silenceSeconds + " s (stopped or hung?)"
                    : "the daemon's answer broke off (" + e.getMessage() + ")";
            byte[] line = ("ERROR: " + why + " while running this command; " + (restore ? RESTORE_BROKE_OFF
                    : "its job may go on in the daemon: see `terrariumctl jobs list` for its result") + "\n").getBytes(Charset.defaultCharset());
            write(err, line, 0, line.length);
            return 1;
        }
    }

    /**
     * What a restore's client says when the daemon's answer broke off: never run again here (the
     * restore may have done part of its work, or may still run).
     */
    static final String RESTORE_BROKE_OFF = "the restore did not finish here: it stopped with the daemon, or goes on in it"
            + " (its outcome is in the daemon's log and events); it was not run again. Check with"
            + " `terrariumctl backup list --instance NAME`; running the same command again resumes or removes the staging"
            + " dataset an interrupted restore left";

    /** Whether {@code args} are {@code backup restore …} (the launcher passes options after the command words). */
    static boolean isRestore(List<String> args) {
        int i = 0;
        while (i < args.size() && args.get(i).startsWith("-")) {
            i++;
        }
        return args.size() >= i + 2 && args.get(i).equals("backup") && args.get(i + 1).equals("restore");
    }

    /** As the full CLI: its PrintWriters drop write errors, so a closed or full stdout leaves the command's own exit code. */
    private static void write(OutputStream o, byte[] b, int off, int len) {
        try {
            o.write(b, off, len);
            o.flush();
        } catch (IOException e) {
            // dropped, as the full CLI's writer does (tester, session 7: served 1, in the JVM 0)
        }
    }

    /**
     * Sends one request and reads the whole answer (a streamed answer is refused here: tests of the
     * read-only commands).
     *
     * @param env  the process environment (socket path and the variables the daemon compares)
     * @param args the command line
     * @return the daemon's answer
     * @throws IOException when the socket is missing, fails the owner/mode checks, or the exchange fails
     */
    static ServedProtocol.Response ask(Map<String, String> env, List<String> args) throws IOException {
        return ask(env, args, TIMEOUT_SECONDS);
    }

    /** {@link #ask(Map, List)} with another deadline in seconds (tests). */
    static ServedProtocol.Response ask(Map<String, String> env, List<String> args, int timeoutSeconds) throws IOException {
        try (Exchange x = open(env, args, timeoutSeconds)) {
            return ServedProtocol.readResponse(x.in);
        }
    }

    /**
     * Connects, checks the socket and sends the request; a watchdog closes the connection after
     * {@code silenceSeconds} without a byte from the daemon ({@link Exchange#heard}), so a stopped
     * daemon never holds the CLI.
     */
    private static Exchange open(Map<String, String> env, List<String> args, int silenceSeconds) throws IOException {
        Path socket = ServedProtocol.socketPath(env);
        int uid = ServedProtocol.currentUid();
        ServedProtocol.checkDirectory(socket.getParent(), uid);
        ServedProtocol.checkSocket(socket, uid);
        // the charsets the full CLI would print with: picocli's stdout (sun.stdout.encoding, else the
        // default charset) and the error writer over System.err (the default charset)
        String outCs = System.getProperty("sun.stdout.encoding", Charset.defaultCharset().name());
        boolean console = System.console() != null;
        // the moment the watchdog below gives up unless the daemon has begun to answer: a daemon that reads the
        // request later (it was stopped, or hung) drops it, so a command this client gave up on never runs
        // there, also once the launcher has run it in the CLI's own JVM (tester, session 8)
        long deadline = System.currentTimeMillis() + silenceSeconds * 1000L;
        byte[] request = ServedProtocol.encode(new ServedProtocol.Request(ServedProtocol.buildId(), console,
                console ? columns(System.getProperty(COLUMNS_PROPERTY)) : 0, outCs, Charset.defaultCharset().name(),
                ServedProtocol.relevantEnvironment(env), args, deadline));
        SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX);
        Exchange x = new Exchange(ch, silenceSeconds);
        try {
            ch.connect(UnixDomainSocketAddress.of(socket));
            ByteBuffer b = ByteBuffer.wrap(request);
            while (b.hasRemaining()) {
                ch.write(b);
            }
            ch.shutdownOutput();
            return x;
        } catch (IOException | RuntimeException e) {
            x.close();
            throw e;
        }
    }

    /**
     * The system property the launcher sets to the terminal's width ({@code stty size} on a
     * terminal; java.base cannot ask the terminal itself).
     */
    static final String COLUMNS_PROPERTY = "terrarium.columns";

    /** A width the launcher passed, in columns; 0 (unknown) for anything but a number from 1 to {@link ServedProtocol#MAX_COLUMNS}. */
    static int columns(String value) {
        if (value == null || !value.matches("[0-9]{1,4}")) {
            return 0;
        }
        int n = Integer.parseInt(value);
        return n <= ServedProtocol.MAX_COLUMNS ? n : 0;
    }

    /** One connection with its silence watchdog. */
    private static final class Exchange implements AutoCloseable {
        private final SocketChannel ch;
        final DataInputStream in;
        private final long silenceNanos;
        private volatile long lastHeard = System.nanoTime();
        private volatile boolean silent;
        private final Thread watchdog;

        Exchange(SocketChannel ch, int silenceSeconds) {
            this.ch = ch;
            this.silenceNanos = silenceSeconds * 1_000_000_000L;
            this.in = new DataInputStream(new BufferedInputStream(Channels.newInputStream(ch), ServedProtocol.MAX_FRAME_BYTES + 5));
            this.watchdog = new Thread(this::watch, "served-client-watchdog");
            watchdog.setDaemon(true);
            watchdog.start();
        }

        void heard() {
            lastHeard = System.nanoTime();
        }

        boolean silent() {
            return silent;
        }

        private void watch() {
            try {
                while (true) {
                    long left = lastHeard + silenceNanos - System.nanoTime();
                    if (left <= 0) {
                        silent = true;
                        ch.close();
                        return;
                    }
                    Thread.sleep(Math.max(1, left / 1_000_000));
                }
            } catch (InterruptedException | IOException e) {
                // done or closed
            }
        }

        @Override
        public void close() {
            watchdog.interrupt();
            try {
                ch.close();
            } catch (IOException e) {
                // closing: nothing left to read (an exception here must not turn an answer into exit 222)
            }
        }
    }
}
