package io.terrarium.host.lxd;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * HTTP/1.1 over LXD's local unix socket (JDK 16+ {@code AF_UNIX} {@link SocketChannel}), so request
 * bodies travel through the socket and never through a process's argv (issue 14 item 6). One request
 * per connection (closed by us after the response); the response body is read to its
 * {@code Content-Length}, through {@code Transfer-Encoding: chunked} (RFC 9112 §7.1) or to the end
 * of the stream. LXD's REST API: https://documentation.ubuntu.com/lxd/en/latest/rest-api/ (doc/rest-api.md).
 */
public final class LxdSocket {
    /** Largest response accepted, in bytes (an instance list with recursion=2 of a large host stays far below). */
    public static final int MAX_RESPONSE_BYTES = 64 * 1024 * 1024;
    private static final ScheduledExecutorService TIMER = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "lxd-socket-timeout");
        t.setDaemon(true);
        return t;
    });

    private final Path socket;

    /** @param socket path of LXD's unix socket */
    public LxdSocket(Path socket) {
        this.socket = socket;
    }

    /**
     * Where the local LXD listens: {@code $LXD_SOCKET}, else {@code $LXD_DIR/unix.socket}, else
     * {@code /var/lib/lxd/unix.socket} (Debian's package), else the snap's
     * {@code /var/snap/lxd/common/lxd/unix.socket} — the order {@code lxc} itself uses.
     *
     * @return the socket path, or {@code null} when none of them exists
     */
    public static Path locate(Map<String, String> env) {
        if (env.get("LXD_SOCKET") != null && !env.get("LXD_SOCKET").isEmpty()) {
            return Path.of(env.get("LXD_SOCKET"));
        }
        if (env.get("LXD_DIR") != null && !env.get("LXD_DIR").isEmpty()) {
            return Path.of(env.get("LXD_DIR"), "unix.socket");
        }
        for (String p : new String[]{"/var/lib/lxd/unix.socket", "/var/snap/lxd/common/lxd/unix.socket"}) {
            if (Files.exists(Path.of(p))) {
                return Path.of(p);
            }
        }
        return null;
    }

    /** The socket path. */
    public Path path() {
        return socket;
    }

    /**
     * One HTTP response.
     *
     * @param status  HTTP status code
     * @param headers header names in lower case → value (last one wins)
     * @param body    the body bytes
     */
    public record Response(int status, Map<String, String> headers, byte[] body) {
        /** The ETag header, or {@code null}. */
        public String etag() {
            return headers.get("etag");
        }
    }

    /**
     * Sends one request and reads the whole response.
     *
     * @param method  HTTP method
     * @param target  request target, e.g. {@code /1.0/instances/c1?project=default}
     * @param body    JSON body, or {@code null}
     * @param ifMatch value for {@code If-Match}, or {@code null}
     * @param timeout whole-request limit; the connection is closed when it passes
     * @throws IOException when the socket cannot be reached, the response is malformed or the timeout passes
     */
    public Response request(String method, String target, byte[] body, String ifMatch, Duration timeout) throws IOException {
        if (!target.startsWith("/") || target.contains(" ") || target.contains("\r") || target.contains("\n")) {
            throw new IllegalArgumentException("not an HTTP request target: " + target);
        }
        try (SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            ScheduledFuture<?> killer = TIMER.schedule(() -> {
                try {
                    ch.close();
                } catch (IOException ignored) {
                    // closing is the point
                }
            }, timeout.toMillis(), TimeUnit.MILLISECONDS);
            try {
                ch.connect(UnixDomainSocketAddress.of(socket));
                StringBuilder head = new StringBuilder();
                head.append(method).append(' ').append(target).append(" HTTP/1.1\r\n")
                        .append("Host: lxd\r\nUser-Agent: terrarium\r\nAccept: application/json\r\n");
                if (ifMatch != null) {
                    head.append("If-Match: ").append(ifMatch).append("\r\n");
                }
                if (body != null) {
                    head.append("Content-Type: application/json\r\nContent-Length: ").append(body.length).append("\r\n");
                }
                head.append("\r\n");
                write(ch, head.toString().getBytes(StandardCharsets.ISO_8859_1));
                if (body != null) {
                    write(ch, body);
                }
                ByteArrayOutputStream raw = new ByteArrayOutputStream();
                ByteBuffer buf = ByteBuffer.allocate(64 * 1024);
                // no "Connection: close": Go's server would then close without draining an unread
                // request body (e.g. a PUT refused with 412 before its body is read), and the peer's
                // reset can destroy the response; read exactly one response and close ourselves
                while (true) {
                    int n = ch.read(buf);
                    if (n > 0) {
                        raw.write(buf.array(), 0, buf.position());
                        buf.clear();
                        if (raw.size() > MAX_RESPONSE_BYTES) {
                            throw new IOException("LXD response larger than " + MAX_RESPONSE_BYTES + " bytes");
                        }
                        Response done = complete(raw.toByteArray());
                        if (done != null) {
                            return done;
                        }
                    } else if (n < 0) {
                        return parse(raw.toByteArray());
                    }
                }
            } catch (IOException e) {
                if (killer.isDone()) {
                    throw new IOException("LXD " + method + " " + target + " timed out after " + timeout.toSeconds() + " s", e);
                }
                throw e;
            } finally {
                killer.cancel(false);
            }
        }
    }

    private static void write(SocketChannel ch, byte[] bytes) throws IOException {
        ByteBuffer b = ByteBuffer.wrap(bytes);
        while (b.hasRemaining()) {
            ch.write(b);
        }
    }

    /** The response when {@code raw} holds all of it (by Content-Length or the last chunk), else {@code null}. */
    static Response complete(byte[] raw) throws IOException {
        int end = indexOf(raw, "\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1), 0);
        if (end < 0) {
            return null;
        }
        String head = new String(raw, 0, end, StandardCharsets.ISO_8859_1).toLowerCase(Locale.ROOT);
        if (head.contains("\r\ntransfer-encoding: chunked")) {
            try {
                dechunk(raw, end + 4);
            } catch (IOException truncated) {
                return null;
            }
            return parse(raw);
        }
        int cl = head.indexOf("\r\ncontent-length:");
        if (cl >= 0) {
            int eol = head.indexOf("\r\n", cl + 2);
            int len = Integer.parseInt(head.substring(cl + 17, eol < 0 ? head.length() : eol).strip());
            return raw.length - (end + 4) >= len ? parse(raw) : null;
        }
        return null; // body ends with the connection
    }

    /** Parses a complete HTTP/1.1 response (status line, headers, body). */
    static Response parse(byte[] raw) throws IOException {
        int end = indexOf(raw, "\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1), 0);
        if (end < 0) {
            throw new IOException("LXD closed the connection before a complete HTTP response header");
        }
        String[] lines = new String(raw, 0, end, StandardCharsets.ISO_8859_1).split("\r\n");
        String[] status = lines[0].split(" ", 3);
        if (status.length < 2 || !status[0].startsWith("HTTP/1.")) {
            throw new IOException("not an HTTP response from LXD: " + lines[0]);
        }
        int code;
        try {
            code = Integer.parseInt(status[1]);
        } catch (NumberFormatException e) {
            throw new IOException("not an HTTP status from LXD: " + lines[0], e);
        }
        Map<String, String> headers = new TreeMap<>();
        for (int i = 1; i < lines.length; i++) {
            int c = lines[i].indexOf(':');
            if (c > 0) {
                headers.put(lines[i].substring(0, c).strip().toLowerCase(Locale.ROOT), lines[i].substring(c + 1).strip());
            }
        }
        int start = end + 4;
        byte[] body;
        if ("chunked".equalsIgnoreCase(headers.get("transfer-encoding"))) {
            body = dechunk(raw, start);
        } else if (headers.containsKey("content-length")) {
            int len = Integer.parseInt(headers.get("content-length"));
            if (raw.length - start < len) {
                throw new IOException("LXD response body is shorter than its Content-Length " + len);
            }
            body = java.util.Arrays.copyOfRange(raw, start, start + len);
        } else {
            body = java.util.Arrays.copyOfRange(raw, start, raw.length);
        }
        return new Response(code, headers, body);
    }

    private static byte[] dechunk(byte[] raw, int pos) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        byte[] crlf = "\r\n".getBytes(StandardCharsets.ISO_8859_1);
        while (true) {
            int eol = indexOf(raw, crlf, pos);
            if (eol < 0) {
                throw new IOException("truncated chunked response from LXD");
            }
            String size = new String(raw, pos, eol - pos, StandardCharsets.ISO_8859_1);
            int semi = size.indexOf(';');
            int n;
            try {
                n = Integer.parseInt((semi >= 0 ? size.substring(0, semi) : size).strip(), 16);
            } catch (NumberFormatException e) {
                throw new IOException("bad chunk size in LXD response: " + size, e);
            }
            pos = eol + 2;
            if (n == 0) {
                return out.toByteArray();
            }
            if (pos + n > raw.length) {
                throw new IOException("truncated chunk in LXD response");
            }
            out.write(raw, pos, n);
            pos += n + 2;
        }
    }

    private static int indexOf(byte[] hay, byte[] needle, int from) {
        outer:
        for (int i = from; i <= hay.length - needle.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (hay[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }
}
