package io.terrarium.install;

import com.sun.net.httpserver.HttpServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code terrariumctl update} (the packaged launcher) against releases served with their
 * SHA256SUMS from a loopback HTTP server, installing into a temporary root ({@code --root}):
 * a first install, an update that swaps {@code current} and keeps {@code previous}, a checksum
 * mismatch refused with nothing changed, the same version again as a no-op, a rollback, and the
 * hand-over to the new release's {@code reconfigure}. Release 0.1.0 is the one `mvn package`
 * built; 0.2.0 is the same tree under another name whose {@code bin/terrariumctl} records its argv
 * (so no test re-provisions this machine).
 */
class UpdateIT {
    static final Path LAUNCHER = Path.of("target/dist/bin/terrariumctl").toAbsolutePath();
    static Path served;
    static HttpServer server;
    static String baseUrl;

    @TempDir
    Path tmp;

    @BeforeAll
    static void serveReleases() throws Exception {
        assertThat(LAUNCHER).as("ITs run after mvn package").isExecutable();
        served = Files.createTempDirectory("trm-update");
        Path dist = Path.of("target/dist").toRealPath();
        // v0.1.0: the built release; v0.2.0: the same files as terrarium-0.2.0 with a recording terrariumctl
        release("v0.1.0", "0.1.0", dist, false, false);
        release("v0.2.0", "0.2.0", dist, true, false);
        release("v0.3.0", "0.3.0", dist, true, true);

        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/", ex -> {
            Path f = served.resolve(ex.getRequestURI().getPath().substring(1)).normalize();
            if (!f.startsWith(served) || !Files.isRegularFile(f)) {
                ex.sendResponseHeaders(404, -1);
            } else {
                ex.sendResponseHeaders(200, Files.size(f));
                try (OutputStream os = ex.getResponseBody()) {
                    Files.copy(f, os);
                }
            }
            ex.close();
        });
        server.start();
        baseUrl = "http://127.0.0.1:" + server.getAddress().getPort();
    }

    /** Packs {@code dist} as terrarium-VERSION-linux-amd64.tar.gz with SHA256SUMS under served/REF. */
    static void release(String ref, String version, Path dist, boolean recorder, boolean corrupt) throws Exception {
        Path dir = Files.createDirectories(served.resolve(ref));
        Path work = Files.createTempDirectory("trm-pack");
        Path tree = work.resolve("terrarium-" + version);
        sh("cp", "-a", dist.toString(), tree.toString());
        if (recorder) {
            Path ctl = tree.resolve("bin/terrariumctl");
            Files.delete(ctl);
            Files.writeString(ctl, "#!/bin/sh\nprintf '%s\\n' \"" + version + "\" \"$@\" >> \"${UPDATE_IT_RECORD:-/dev/null}\"\n");
            Files.setPosixFilePermissions(ctl, PosixFilePermissions.fromString("rwxr-xr-x"));
        }
        String tarball = "terrarium-" + version + "-linux-amd64.tar.gz";
        sh("tar", "-C", work.toString(), "-czf", dir.resolve(tarball).toString(), tree.getFileName().toString());
        String sha = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(dir.resolve(tarball))));
        Files.writeString(dir.resolve("SHA256SUMS"), sha + "  " + tarball + "\n");
        if (corrupt) {
            // same SHA256SUMS, one flipped byte in the tarball
            byte[] b = Files.readAllBytes(dir.resolve(tarball));
            b[b.length / 2] ^= 0x01;
            Files.write(dir.resolve(tarball), b);
        }
        delete(work);
    }

    @AfterAll
    static void stop() throws IOException {
        server.stop(0);
        delete(served);
    }

    static void delete(Path dir) throws IOException {
        try (Stream<Path> s = Files.walk(dir)) {
            s.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }

    static void sh(String... argv) throws Exception {
        Process p = new ProcessBuilder(argv).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (p.waitFor() != 0) {
            throw new IllegalStateException(String.join(" ", argv) + ": " + out);
        }
    }

    record Run(int exit, String out) {
    }

    Path root() {
        return tmp.resolve("opt/terrarium");
    }

    Path record() {
        return tmp.resolve("record.txt");
    }

    Run update(String... args) throws Exception {
        List<String> argv = new ArrayList<>(List.of(LAUNCHER.toString(), "update", "--root", root().toString()));
        argv.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(argv).redirectErrorStream(true);
        pb.environment().remove("TERRARIUM_ROOT");
        pb.environment().put("TERRARIUM_RELEASE_URL", baseUrl);
        pb.environment().put("UPDATE_IT_RECORD", record().toString());
        Process p = pb.start();
        p.getOutputStream().close();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(120, TimeUnit.SECONDS)).isTrue();
        return new Run(p.exitValue(), out);
    }

    String link(String name) throws IOException {
        return Files.readSymbolicLink(root().resolve(name)).toString();
    }

    List<String> releases() throws IOException {
        try (Stream<Path> s = Files.list(root().resolve("releases"))) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    @Test
    void updateSwapsCurrentKeepsThePreviousReleaseAndReconfiguresWithTheNewOne() throws Exception {
        Run first = update("--ref", "v0.1.0", "--no-reconfigure");
        assertThat(first.exit()).as(first.out()).isZero();
        assertThat(first.out()).contains("verified terrarium-0.1.0-linux-amd64.tar.gz (SHA-256 matches SHA256SUMS)");
        assertThat(link("current")).isEqualTo("releases/0.1.0");
        assertThat(Files.exists(root().resolve("previous"))).isFalse();
        Run version = run(root().resolve("current/bin/terrariumctl").toString(), "--version");
        assertThat(version.out()).contains("0.1.0");

        Run second = update("--ref", "v0.2.0");
        assertThat(second.exit()).as(second.out()).isZero();
        assertThat(link("current")).isEqualTo("releases/0.2.0");
        assertThat(link("previous")).isEqualTo("releases/0.1.0");
        assertThat(releases()).containsExactly("0.1.0", "0.2.0");
        assertThat(second.out()).contains("current -> releases/0.2.0 (previous: 0.1.0)")
                .contains("running: " + root().resolve("current/bin/terrariumctl") + " reconfigure");
        // the new release's own terrariumctl re-applied the configuration
        assertThat(Files.readString(record())).isEqualTo("0.2.0\nreconfigure\n");
    }

    @Test
    void checksumMismatchIsRefusedAndNothingChanges() throws Exception {
        assertThat(update("--ref", "v0.1.0", "--no-reconfigure").exit()).isZero();
        List<String> before = releases();
        Run bad = update("--ref", "v0.3.0");
        assertThat(bad.exit()).as(bad.out()).isEqualTo(1);
        assertThat(bad.out()).contains("ERROR: checksum mismatch for terrarium-0.3.0-linux-amd64.tar.gz (expected ")
                .contains("refusing to install; nothing was changed");
        assertThat(link("current")).isEqualTo("releases/0.1.0");
        assertThat(releases()).isEqualTo(before).containsExactly("0.1.0");
        assertThat(Files.exists(record())).isFalse();
    }

    @Test
    void missingReleaseIsRefusedWithTheUrl() throws Exception {
        Run r = update("--ref", "v9.9.9");
        assertThat(r.exit()).isEqualTo(1);
        assertThat(r.out()).contains("ERROR: cannot download " + baseUrl + "/v9.9.9/SHA256SUMS: HTTP 404; nothing was changed");
        assertThat(Files.exists(root().resolve("current"))).isFalse();
    }

    @Test
    void sameVersionAgainChangesNothing() throws Exception {
        assertThat(update("--ref", "v0.1.0", "--no-reconfigure").exit()).isZero();
        Run again = update("--ref", "v0.1.0");
        assertThat(again.exit()).as(again.out()).isZero();
        assertThat(again.out()).contains("Terrarium 0.1.0 is installed already; nothing to do");
        assertThat(Files.exists(record())).isFalse();
    }

    @Test
    void rollbackSwitchesBackToThePreviousRelease() throws Exception {
        assertThat(update("--ref", "v0.1.0", "--no-reconfigure").exit()).isZero();
        assertThat(update("--ref", "v0.2.0", "--no-reconfigure").exit()).isZero();
        Run back = update("--rollback", "--no-reconfigure");
        assertThat(back.exit()).as(back.out()).isZero();
        assertThat(link("current")).isEqualTo("releases/0.1.0");
        assertThat(link("previous")).isEqualTo("releases/0.2.0");
    }

    @Test
    void rollbackWithoutAPreviousReleaseIsRefused() throws Exception {
        Run r = update("--rollback");
        assertThat(r.exit()).isEqualTo(1);
        assertThat(r.out()).contains("ERROR: no previous release under " + root() + " to roll back to");
    }

    static Run run(String... argv) throws Exception {
        Process p = new ProcessBuilder(argv).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        p.waitFor();
        return new Run(p.exitValue(), out);
    }
}
