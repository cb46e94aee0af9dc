package io.terrarium.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.sun.net.httpserver.HttpServer;
import io.terrarium.App;
import io.terrarium.daemon.DaemonInfo;
import io.terrarium.daemon.JobControl;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import java.util.Map;
import java.util.function.Function;

/**
 * A stand-in for the daemon's Jolokia endpoint, for unit tests of what the CLI makes of the daemon's
 * answers: an HTTP server of this JVM on loopback. The runtime file it writes names this JVM's pid,
 * which owns the port, so {@link DaemonInfo#checkListener} passes as for the real daemon.
 */
public final class FakeJolokia implements AutoCloseable {
    private final HttpServer server;

    /**
     * @param answer the Jolokia answer to a request, by its operation ({@code submitBefore}, {@code progress},
     *               {@code result}; empty for a read): {@code status} and {@code value} or {@code error}
     */
    public FakeJolokia(Function<String, Map<String, Object>> answer) throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/", ex -> {
            JsonNode req = App.jsonMapper().readTree(ex.getRequestBody().readAllBytes());
            byte[] body = App.jsonMapper().writeValueAsBytes(answer.apply(req.path("operation").asText()));
            ex.getResponseHeaders().add("Content-Type", "application/json");
            ex.sendResponseHeaders(200, body.length);
            ex.getResponseBody().write(body);
            ex.close();
        });
        server.start();
    }

    /** The answer of a daemon that read a trigger of {@code job} after its client's deadline and ran nothing. */
    public static Map<String, Object> dropped(String job) {
        return Map.of("status", 500, "error_type", "java.lang.IllegalStateException", "error", "java.lang.IllegalStateException : "
                + JobControl.DROPPED + " " + job + " (trigger cli): the client's deadline passed 3 s ago; not run");
    }

    /** Writes {@code app}'s management login (0600) and a runtime file naming this JVM as the daemon on this server's port. */
    public void registerAsDaemon(App app) throws IOException {
        Files.createDirectories(app.paths().managementAuthFile().getParent());
        Files.writeString(app.paths().managementAuthFile(), "user.terrarium=not-a-real-secret,admin\n");
        Files.setPosixFilePermissions(app.paths().managementAuthFile(), PosixFilePermissions.fromString("rw-------"));
        new DaemonInfo(ProcessHandle.current().pid(), "127.0.0.1", server.getAddress().getPort(), Instant.now(), "9.9.9")
                .write(app.paths().daemonFile(), app.json());
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
