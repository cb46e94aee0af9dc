package io.terrarium.it;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Runs the packaged launcher (target/dist/bin/terrariumctl, built by `mvn package` before the
 * integration tests) as a separate process, with its own runtime/state/secrets directories so tests
 * never touch a real daemon's files.
 */
final class Terrariumctl {
    static final Path LAUNCHER = Path.of("target/dist/bin/terrariumctl").toAbsolutePath();

    record Result(int exit, String out, String err) {
        String all() {
            return out + err;
        }
    }

    final Map<String, String> env = new HashMap<>();

    Terrariumctl(Path dir) throws IOException {
        if (!Files.isExecutable(LAUNCHER)) {
            throw new IllegalStateException(LAUNCHER + " missing: integration tests run after `mvn package`");
        }
        env.put("TERRARIUM_RUN_DIR", dir.resolve("run").toString());
        env.put("TERRARIUM_STATE_DIR", dir.resolve("state").toString());
        env.put("TERRARIUM_ETC_DIR", dir.resolve("etc").toString());
        env.put("TERRARIUM_SECRETS_DIR", dir.resolve("etc/secrets").toString());
    }

    ProcessBuilder builder(String... args) {
        List<String> argv = new ArrayList<>();
        argv.add(LAUNCHER.toString());
        argv.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(argv);
        pb.environment().putAll(env);
        return pb;
    }

    /**
     * Starts the launcher's served client alone ({@code ServedClient} of {@code jar}: no launcher, no
     * fallback; exit 222 when the daemon did not take the command) with this environment; its stdout and
     * stderr go to {@code <dir>/<tag>.out} and {@code .err} ({@link #result}).
     */
    Process servedClient(Path jar, Path dir, String tag, String... args) throws IOException {
        List<String> argv = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", jar.toString(), "io.terrarium.cli.served.ServedClient"));
        argv.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(argv);
        pb.environment().putAll(env);
        return pb.redirectOutput(dir.resolve(tag + ".out").toFile()).redirectError(dir.resolve(tag + ".err").toFile()).start();
    }

    /**
     * What a process started by {@link #servedClient} printed and its exit code, once it ended.
     *
     * @throws IllegalStateException when it did not end within {@code timeout}
     */
    static Result result(Process p, Path dir, String tag, Duration timeout) throws IOException, InterruptedException {
        if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
            throw new IllegalStateException("the served client " + tag + " did not end within " + timeout);
        }
        return new Result(p.exitValue(), Files.readString(dir.resolve(tag + ".out"), StandardCharsets.UTF_8),
                Files.readString(dir.resolve(tag + ".err"), StandardCharsets.UTF_8));
    }

    /** {@link #run(Duration, String...)} in the CLI's own JVM ({@code TERRARIUM_SERVED=0}: never answered by a running daemon). */
    Result runInOwnJvm(Duration timeout, String... args) throws IOException, InterruptedException {
        env.put("TERRARIUM_SERVED", "0");
        try {
            return run(timeout, args);
        } finally {
            env.remove("TERRARIUM_SERVED");
        }
    }

    /** The body of a daemon's {@code /observe/health} on {@code port} (contains "UP" once it serves), or "" when it does not answer in 2 s. */
    static String health(int port) {
        try {
            return java.net.http.HttpClient.newHttpClient().send(java.net.http.HttpRequest.newBuilder(
                            java.net.URI.create("http://127.0.0.1:" + port + "/observe/health")).timeout(Duration.ofSeconds(2)).build(),
                    java.net.http.HttpResponse.BodyHandlers.ofString()).body();
        } catch (Exception e) {
            return "";
        }
    }

    Result run(String... args) throws IOException, InterruptedException {
        return run(Duration.ofMinutes(2), args);
    }

    Result run(Duration timeout, String... args) throws IOException, InterruptedException {
        Path out = Files.createTempFile("trm-out", ".txt");
        Path err = Files.createTempFile("trm-err", ".txt");
        try {
            Process p = builder(args).redirectOutput(out.toFile()).redirectError(err.toFile()).start();
            if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                p.destroyForcibly();
                throw new IllegalStateException("terrariumctl " + String.join(" ", args) + " timed out");
            }
            return new Result(p.exitValue(), Files.readString(out, StandardCharsets.UTF_8), Files.readString(err, StandardCharsets.UTF_8));
        } finally {
            Files.deleteIfExists(out);
            Files.deleteIfExists(err);
        }
    }

    /** Runs a plain host command (lxc, zfs) and returns stdout; fails on a non-zero exit. */
    static String sh(String... argv) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(argv).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (p.waitFor() != 0) {
            throw new IllegalStateException(String.join(" ", argv) + " failed: " + out);
        }
        return out;
    }

    /**
     * A free privileged port on loopback (600–1023; the tests run as root), for a daemon that
     * runs as in production: only root can bind its management port.
     */
    static int freePrivilegedPort() throws IOException {
        int start = 600 + new java.util.Random().nextInt(400);
        for (int i = 0; i < 424; i++) {
            int port = 600 + (start - 600 + i) % 424;
            try (var s = new java.net.ServerSocket(port, 1, java.net.InetAddress.getLoopbackAddress())) {
                return s.getLocalPort();
            } catch (IOException busy) {
                // next
            }
        }
        throw new IOException("no free privileged port on loopback in 600–1023");
    }

    static int freePort() throws IOException {
        try (var s = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }
}
