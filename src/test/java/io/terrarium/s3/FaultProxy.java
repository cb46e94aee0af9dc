package io.terrarium.s3;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Function;

/**
 * A small HTTP/1.1 forwarder on 127.0.0.1 in front of s3proxy that records every request's headers
 * and can inject faults: a 503 SlowDown, a connection reset (RST after reading the request), or a
 * 200 response whose body is an {@code <Error>} (for CompleteMultipartUpload). One request per
 * client connection ({@code Connection: close}); answers {@code Expect: 100-continue} itself.
 */
final class FaultProxy implements AutoCloseable {
    enum Fault { NONE, SLOW_DOWN_503, RESET, OK_200_WITH_ERROR }

    /** One request as seen by the proxy. */
    record Seen(String method, String target, Map<String, String> headers, Fault fault) {
        String query(String name) {
            int q = target.indexOf('?');
            if (q < 0) {
                return null;
            }
            for (String kv : target.substring(q + 1).split("&")) {
                String[] p = kv.split("=", 2);
                if (p[0].equals(name)) {
                    return p.length > 1 ? p[1] : "";
                }
            }
            return null;
        }

        boolean isUploadPart() {
            return method.equals("PUT") && query("partNumber") != null;
        }

        boolean isComplete() {
            return method.equals("POST") && query("uploadId") != null;
        }
    }

    private final ServerSocket server;
    private final URI upstream;
    final List<Seen> seen = Collections.synchronizedList(new ArrayList<>());
    volatile Function<Seen, Fault> faults = s -> Fault.NONE;
    private final Thread acceptor;

    FaultProxy(URI upstream) throws IOException {
        this.upstream = upstream;
        this.server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        this.acceptor = new Thread(this::accept, "fault-proxy");
        acceptor.setDaemon(true);
        acceptor.start();
    }

    URI endpoint() {
        return URI.create("http://127.0.0.1:" + server.getLocalPort());
    }

    private void accept() {
        while (!server.isClosed()) {
            try {
                Socket c = server.accept();
                Thread t = new Thread(() -> handle(c), "fault-proxy-conn");
                t.setDaemon(true);
                t.start();
            } catch (IOException e) {
                return;
            }
        }
    }

    private static String line(InputStream in) throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        int c;
        while ((c = in.read()) >= 0) {
            if (c == '\n') {
                break;
            }
            if (c != '\r') {
                b.write(c);
            }
        }
        if (c < 0 && b.size() == 0) {
            return null;
        }
        return b.toString(StandardCharsets.ISO_8859_1);
    }

    private void handle(Socket c) {
        try (c) {
            InputStream in = new java.io.BufferedInputStream(c.getInputStream(), 65536);
            OutputStream out = c.getOutputStream();
            String requestLine = line(in);
            if (requestLine == null) {
                return;
            }
            Map<String, String> headers = new LinkedHashMap<>();
            List<String> rawHeaders = new ArrayList<>();
            String h;
            while ((h = line(in)) != null && !h.isEmpty()) {
                int i = h.indexOf(':');
                headers.put(h.substring(0, i).trim().toLowerCase(Locale.ROOT), h.substring(i + 1).trim());
                rawHeaders.add(h);
            }
            String[] rl = requestLine.split(" ");
            Seen probe = new Seen(rl[0], rl[1], headers, Fault.NONE);
            Fault fault = faults.apply(probe);
            seen.add(new Seen(rl[0], rl[1], headers, fault));
            if ("100-continue".equalsIgnoreCase(headers.get("expect"))) {
                out.write("HTTP/1.1 100 Continue\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1));
                out.flush();
            }
            byte[] body = readBody(in, headers);
            switch (fault) {
                case RESET -> {
                    c.setSoLinger(true, 0);
                    return;
                }
                case SLOW_DOWN_503 -> respond(out, "503 Slow Down",
                        "<Error><Code>SlowDown</Code><Message>Please reduce your request rate.</Message></Error>");
                case OK_200_WITH_ERROR -> respond(out, "200 OK", "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
                        + "<Error><Code>InternalError</Code><Message>We encountered an internal error. Please try again.</Message>"
                        + "<RequestId>fault</RequestId></Error>");
                default -> forward(out, requestLine, rawHeaders, body);
            }
        } catch (IOException e) {
            // client or upstream went away: nothing to do
        }
    }

    private static byte[] readBody(InputStream in, Map<String, String> headers) throws IOException {
        String cl = headers.get("content-length");
        if (cl != null) {
            return in.readNBytes(Integer.parseInt(cl));
        }
        if ("chunked".equalsIgnoreCase(headers.get("transfer-encoding"))) {
            ByteArrayOutputStream raw = new ByteArrayOutputStream();
            while (true) {
                String size = line(in);
                raw.writeBytes((size + "\r\n").getBytes(StandardCharsets.ISO_8859_1));
                int n = Integer.parseInt(size.split(";")[0].trim(), 16);
                if (n == 0) {
                    String t;
                    while ((t = line(in)) != null && !t.isEmpty()) {
                        raw.writeBytes((t + "\r\n").getBytes(StandardCharsets.ISO_8859_1));
                    }
                    raw.writeBytes("\r\n".getBytes(StandardCharsets.ISO_8859_1));
                    return raw.toByteArray();
                }
                raw.writeBytes(in.readNBytes(n + 2));
            }
        }
        return new byte[0];
    }

    private static void respond(OutputStream out, String status, String xml) throws IOException {
        byte[] b = xml.getBytes(StandardCharsets.UTF_8);
        out.write(("HTTP/1.1 " + status + "\r\nContent-Type: application/xml\r\nContent-Length: " + b.length
                + "\r\nConnection: close\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1));
        out.write(b);
        out.flush();
    }

    private void forward(OutputStream out, String requestLine, List<String> rawHeaders, byte[] body) throws IOException {
        try (Socket up = new Socket(upstream.getHost(), upstream.getPort())) {
            OutputStream uo = new java.io.BufferedOutputStream(up.getOutputStream(), 65536);
            StringBuilder head = new StringBuilder(requestLine).append("\r\n");
            for (String h : rawHeaders) {
                String name = h.substring(0, h.indexOf(':')).trim().toLowerCase(Locale.ROOT);
                if (!name.equals("connection") && !name.equals("expect")) {
                    head.append(h).append("\r\n");
                }
            }
            head.append("Connection: close\r\n\r\n");
            uo.write(head.toString().getBytes(StandardCharsets.ISO_8859_1));
            uo.write(body);
            uo.flush();
            up.getInputStream().transferTo(out);
            out.flush();
        }
    }

    /** Highest {@code partNumber} any request carried. */
    int maxPartNumber() {
        synchronized (seen) {
            return seen.stream().filter(Seen::isUploadPart).mapToInt(s -> Integer.parseInt(s.query("partNumber")))
                    .max().orElse(0);
        }
    }

    @Override
    public void close() throws IOException {
        server.close();
    }
}
