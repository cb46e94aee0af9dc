package io.terrarium.testing;

import io.terrarium.App;
import io.terrarium.daemon.DaemonInfo;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import java.util.concurrent.TimeUnit;

/**
 * A stand-in for the daemon's Jolokia endpoint in a process of its own (python3's http.server on
 * loopback), so that a test can stop it for real with kill -STOP, as {@link FakeJolokia} (a server
 * in the test's own JVM) cannot be. It owns its port, so {@link DaemonInfo#checkListener} passes for
 * the runtime file {@link #registerAsDaemon} writes. It answers {@code submitBefore} with the run id
 * {@code run-1}, and {@code result} with {@code PENDING} until the file {@link #finish()} creates
 * exists, then with an OK result of the submitted job. About 0.1 s to start.
 *
 * @param process the server
 * @param port    its loopback port
 * @param done    the file whose existence ends the run
 */
public record ScriptedJolokia(Process process, int port, Path done) implements AutoCloseable {
    private static final String SERVER = String.join("\n",
            "import http.server, json, os, sys",
            "done = sys.argv[1]",
            "class H(http.server.BaseHTTPRequestHandler):",
            "    def log_message(self, *a): pass",
            "    def do_POST(self):",
            "        req = json.loads(self.rfile.read(int(self.headers['Content-Length'])))",
            "        op = req.get('operation', '')",
            "        if op == 'submitBefore': v = 'run-1'",
            "        elif op == 'result' and os.path.exists(done):",
            "            v = json.dumps({'job': 'host-facts', 'status': 'OK', 'summary': 'probed', 'trigger': 'cli',",
            "                            'started_at': '2026-12-07T16:00:00Z', 'duration_ms': 5, 'ran_in': 'daemon pid %d' % os.getpid()})",
            "        elif op == 'result': v = 'PENDING'",
            "        else: v = None",
            "        body = json.dumps({'status': 200, 'value': v}).encode()",
            "        self.send_response(200); self.send_header('Content-Type', 'application/json')",
            "        self.send_header('Content-Length', str(len(body))); self.end_headers(); self.wfile.write(body)",
            "s = http.server.HTTPServer(('127.0.0.1', 0), H)",
            "print(s.server_address[1], flush=True)",
            "s.serve_forever()");

    /** Starts the server; {@code dir} holds the file that ends the run. */
    public static ScriptedJolokia start(Path dir) throws IOException {
        Path done = dir.resolve("run-1.done");
        Process p = new ProcessBuilder("python3", "-c", SERVER, done.toString())
                .redirectError(ProcessBuilder.Redirect.DISCARD).start();
        try {
            String line = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8)).readLine();
            return new ScriptedJolokia(p, Integer.parseInt(line.strip()), done);
        } catch (IOException | RuntimeException e) {
            p.destroyForcibly();
            throw new IOException("the scripted Jolokia did not start: " + e, e);
        }
    }

    /** The server's pid. */
    public long pid() {
        return process.pid();
    }

    /** Writes {@code app}'s management login (0600) and a runtime file naming the server as the daemon. */
    public void registerAsDaemon(App app) throws IOException {
        Files.createDirectories(app.paths().managementAuthFile().getParent());
        Files.writeString(app.paths().managementAuthFile(), "user.terrarium=not-a-real-secret,admin\n");
        Files.setPosixFilePermissions(app.paths().managementAuthFile(), PosixFilePermissions.fromString("rw-------"));
        Files.createDirectories(app.paths().daemonFile().getParent());
        new DaemonInfo(pid(), "127.0.0.1", port, Instant.now(), "9.9.9").write(app.paths().daemonFile(), app.json());
    }

    /** From now on {@code result} answers the finished run. */
    public void finish() throws IOException {
        Files.writeString(done, "");
    }

    /** Sends a signal to the server, e.g. {@code STOP}, {@code CONT}. */
    public void signal(String name) throws IOException, InterruptedException {
        if (new ProcessBuilder("kill", "-" + name, String.valueOf(pid())).start().waitFor() != 0) {
            throw new IOException("kill -" + name + " " + pid() + " failed");
        }
    }

    /** Kills the server (SIGKILL ends a stopped process too). */
    @Override
    public void close() throws InterruptedException {
        process.destroyForcibly();
        process.waitFor(5, TimeUnit.SECONDS);
    }
}
