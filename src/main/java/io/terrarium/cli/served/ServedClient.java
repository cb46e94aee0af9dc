package io.terrarium.cli.served;

import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.IOException;
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
 * answer — no socket, a socket or directory with the wrong owner or mode, a refusal (command not
 * served, another build, another environment), a protocol error or no answer within
 * {@value #TIMEOUT_SECONDS} s — and the launcher then runs the command in the full JVM.
 */
public final class ServedClient {
    /**
     * Longest wait for the daemon's answer, in seconds; then the CLI runs the command itself. Short,
     * because {@code status} is what an operator runs to look at a stuck daemon (tester, session 7:
     * a stopped daemon held {@code status} for 127 s at the former 120 s); a served command normally
     * answers in well under a second.
     */
    static final int TIMEOUT_SECONDS = 10;

    private ServedClient() {
    }

    /** @param args the command line, unchanged */
    public static void main(String[] args) {
        ServedProtocol.Response r;
        try {
            r = ask(System.getenv(), List.of(args));
        } catch (IOException | RuntimeException e) {
            r = null;
        }
        if (r == null || !r.served()) {
            System.exit(ServedProtocol.NOT_SERVED_EXIT);
            return;
        }
        // as the full CLI: its PrintWriters drop write errors, so a closed or full stdout (>/dev/full,
        // >&-) leaves the command's own exit code (tester, session 7: served 1, in the JVM 0)
        FileOutputStream out = new FileOutputStream(FileDescriptor.out);
        FileOutputStream err = new FileOutputStream(FileDescriptor.err);
        try {
            out.write(r.out());
        } catch (IOException e) {
            // dropped, as the full CLI's writer does
        }
        try {
            err.write(r.err());
        } catch (IOException e) {
            // dropped, as the full CLI's writer does
        }
        System.exit(r.exit());
    }

    /**
     * Sends one request and reads the whole answer.
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
        Path socket = ServedProtocol.socketPath(env);
        int uid = ServedProtocol.currentUid();
        ServedProtocol.checkDirectory(socket.getParent(), uid);
        ServedProtocol.checkSocket(socket, uid);
        // the charsets the full CLI would print with: picocli's stdout (sun.stdout.encoding, else the
        // default charset) and the error writer over System.err (the default charset)
        String outCs = System.getProperty("sun.stdout.encoding", Charset.defaultCharset().name());
        byte[] request = ServedProtocol.encode(new ServedProtocol.Request(ServedProtocol.buildId(), System.console() != null,
                outCs, Charset.defaultCharset().name(), ServedProtocol.relevantEnvironment(env), args));
        try (SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            Thread watchdog = new Thread(() -> {
                try {
                    Thread.sleep(timeoutSeconds * 1000L);
                    ch.close();
                } catch (InterruptedException | IOException e) {
                    // done or closed
                }
            });
            watchdog.setDaemon(true);
            watchdog.start();
            ch.connect(UnixDomainSocketAddress.of(socket));
            ByteBuffer b = ByteBuffer.wrap(request);
            while (b.hasRemaining()) {
                ch.write(b);
            }
            ch.shutdownOutput();
            ServedProtocol.Response r = ServedProtocol.readResponse(Channels.newInputStream(ch));
            watchdog.interrupt();
            return r;
        }
    }
}
