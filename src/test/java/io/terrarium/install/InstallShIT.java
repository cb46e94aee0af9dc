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
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code install.sh} against the real release `mvn package` built: served with its SHA256SUMS from
 * a loopback HTTP server, installed into temporary prefixes. The hand-over to
 * {@code terrariumctl install} is recorded by a {@code TERRARIUM_EXEC} program (so no test
 * provisions this machine), except where the real installed binary is the point.
 */
class InstallShIT {
    static final Path SCRIPT = Path.of("install.sh").toAbsolutePath();
    static Path served;
    static HttpServer server;
    static String baseUrl;
    static String version;

    @TempDir
    Path tmp;

    @BeforeAll
    static void serveReleases() throws Exception {
        Path tarball;
        try (Stream<Path> s = Files.list(Path.of("target"))) {
            tarball = s.filter(p -> p.getFileName().toString().matches("terrarium-.+-linux-(amd64|arm64)\\.tar\\.gz"))
                    .findFirst().orElseThrow(() -> new IllegalStateException("no release tarball: ITs run after `mvn package`"));
        }
        version = tarball.getFileName().toString().replaceAll("terrarium-(.+)-linux-.*", "$1");
        served = Files.createTempDirectory("trm-releases");
        Path sums = Path.of("target/SHA256SUMS");
        for (String ref : List.of("latest", "v" + version, "corrupt")) {
            Path d = Files.createDirectories(served.resolve(ref));
            Files.copy(sums, d.resolve("SHA256SUMS"));
            Files.copy(tarball, d.resolve(tarball.getFileName()));
        }
        // same SHA256SUMS, one flipped byte in the tarball
        Path bad = served.resolve("corrupt").resolve(tarball.getFileName());
        byte[] b = Files.readAllBytes(bad);
        b[b.length / 2] ^= 0x01;
        Files.write(bad, b);

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
        baseUrl = "http://127.0.0.1:" + server.getAddress().getPort() + "/";
    }

    @AfterAll
    static void stop() throws IOException {
        server.stop(0);
        try (Stream<Path> s = Files.walk(served)) {
            s.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }

    record Run(int exit, String out) {
    }

    Path prefix() {
        return tmp.resolve("opt/terrarium");
    }

    Path bin() {
        return tmp.resolve("bin");
    }

    Path record() {
        return tmp.resolve("handed-over.txt");
    }

    /** A stand-in for the installed terrariumctl that writes its argv, one per line. */
    Path recorder() throws IOException {
        Path r = tmp.resolve("recorder.sh");
        if (!Files.exists(r)) {
            Files.writeString(r, "#!/bin/sh\nprintf '%s\\n' \"$@\" > \"" + record() + "\"\n");
            Files.setPosixFilePermissions(r, PosixFilePermissions.fromString("rwxr-xr-x"));
        }
        return r;
    }

    /** Runs {@code sh -s -- ARGS} with the script on stdin, as {@code curl … | sh -s --} does. */
    Run piped(Map<String, String> env, String... args) throws Exception {
        List<String> argv = new ArrayList<>(List.of("setsid", "sh", "-s", "--"));
        argv.addAll(List.of(args));
        return run(argv, env, SCRIPT);
    }

    Run run(List<String> argv, Map<String, String> env, Path stdin) throws Exception {
        Files.createDirectories(tmp.resolve("t"));
        ProcessBuilder pb = new ProcessBuilder(argv).redirectErrorStream(true);
        pb.environment().remove("TERRARIUM_RELEASE_URL");
        pb.environment().put("TMPDIR", tmp.resolve("t").toString());
        pb.environment().putAll(env);
        if (stdin != null) {
            pb.redirectInput(stdin.toFile());
        }
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(120, TimeUnit.SECONDS)).isTrue();
        return new Run(p.exitValue(), out);
    }

    List<String> common(String ref) {
        return List.of("--base-url", baseUrl, "--ref", ref, "--prefix", prefix().toString(), "--bin-dir", bin().toString());
    }

    String[] args(String ref, String... more) {
        List<String> a = new ArrayList<>(common(ref));
        a.addAll(List.of(more));
        return a.toArray(String[]::new);
    }

    void assertNothingInstalled() throws IOException {
        assertThat(tmp.resolve("opt")).doesNotExist();
        assertThat(bin()).doesNotExist();
        try (Stream<Path> s = Files.list(tmp.resolve("t"))) {
            assertThat(s.toList()).as("download leftovers in TMPDIR").isEmpty();
        }
    }

    @Test
    void goodInstallVerifiesUnpacksLinksAndHandsOverEveryFlagItDidNotConsume() throws Exception {
        Run r = piped(Map.of("TERRARIUM_EXEC", recorder().toString()),
                args("latest", "--non-interactive", "--yes", "--email", "ops team@example.com", "--storage-mode", "file"));
        assertThat(r.exit()).as(r.out()).isZero();
        assertThat(r.out()).contains("verified terrarium-" + version + "-linux-");
        assertThat(Files.readSymbolicLink(prefix().resolve("current"))).isEqualTo(Path.of("releases/" + version));
        assertThat(prefix().resolve("releases/" + version + "/lib/terrarium.jar")).isRegularFile();
        assertThat(prefix().resolve("releases/" + version + "/ansible")).isDirectory();
        // trm is a second name for the one launcher, not a copy (issue 15: the copy had drifted)
        assertThat(Files.readSymbolicLink(bin().resolve("trm"))).isEqualTo(prefix().resolve("current/bin/terrariumctl"));
        Path share = bin().getParent().resolve("share");
        for (String name : List.of("terrariumctl", "trm")) {
            Path c = share.resolve("bash-completion/completions/" + name);
            assertThat(Files.readSymbolicLink(c)).isEqualTo(prefix().resolve("current/share/bash-completion/completions/terrariumctl"));
            assertThat(Files.readString(c)).contains("complete -F _complete_terrariumctl -o default " + name);
        }
        Path page = share.resolve("man/man1/terrariumctl-backup-restore.1");
        assertThat(Files.readSymbolicLink(page)).isEqualTo(prefix().resolve("current/share/man/man1/terrariumctl-backup-restore.1"));
        assertThat(Files.readString(page)).startsWith("'\\\" t").contains(".TH \"TERRARIUMCTL\\-BACKUP\\-RESTORE\"");
        Run t = run(List.of(bin().resolve("trm").toString(), "--version"), Map.of(), null);
        assertThat(t.out()).startsWith("terrariumctl " + version);
        Run v = run(List.of(bin().resolve("terrariumctl").toString(), "--version"), Map.of(), null);
        assertThat(v.out()).startsWith("terrariumctl " + version);
        assertThat(Files.readAllLines(record()))
                .containsExactly("install", "--non-interactive", "--yes", "--email", "ops team@example.com", "--storage-mode", "file");
        try (Stream<Path> s = Files.list(tmp.resolve("t"))) {
            assertThat(s.toList()).as("download leftovers in TMPDIR").isEmpty();
        }
    }

    @Test
    void tagRefFetchesThatRelease() throws Exception {
        Run r = piped(Map.of("TERRARIUM_EXEC", recorder().toString()), args("v" + version));
        assertThat(r.exit()).as(r.out()).isZero();
        assertThat(r.out()).contains(baseUrl + "v" + version + "/SHA256SUMS");
        assertThat(prefix().resolve("current/bin/terrariumctl")).isExecutable();
    }

    @Test
    void checksumMismatchIsRefusedWithNothingInstalled() throws Exception {
        Run r = piped(Map.of("TERRARIUM_EXEC", recorder().toString()), args("corrupt", "--yes"));
        assertThat(r.exit()).isEqualTo(1);
        assertThat(r.out()).contains("ERROR: checksum mismatch for terrarium-" + version + "-linux-").contains("nothing was changed");
        assertNothingInstalled();
        assertThat(record()).doesNotExist();
    }

    @Test
    void missingReleaseIsRefusedWithNothingInstalled() throws Exception {
        Run r = piped(Map.of(), args("v0.0.0-nope"));
        assertThat(r.exit()).isEqualTo(1);
        assertThat(r.out()).contains("ERROR: cannot download " + baseUrl + "v0.0.0-nope/SHA256SUMS");
        assertNothingInstalled();
    }

    @Test
    void unsupportedOsAndArchitectureAreRefused() throws Exception {
        Path centos = tmp.resolve("os-release");
        Files.writeString(centos, "NAME=\"CentOS Stream\"\nID=\"centos\"\nVERSION_ID=\"9\"\nPRETTY_NAME=\"CentOS Stream 9\"\n");
        Run os = piped(Map.of("TERRARIUM_OS_RELEASE", centos.toString()), args("latest"));
        assertThat(os.exit()).isEqualTo(1);
        assertThat(os.out()).contains("ERROR: unsupported system 'CentOS Stream 9': Terrarium supports Ubuntu 24.04");
        Path ubuntu22 = tmp.resolve("os-release-22");
        Files.writeString(ubuntu22, "ID=ubuntu\nVERSION_ID=\"22.04\"\nPRETTY_NAME=\"Ubuntu 22.04.4 LTS\"\n");
        assertThat(piped(Map.of("TERRARIUM_OS_RELEASE", ubuntu22.toString()), args("latest")).out())
                .contains("unsupported system 'Ubuntu 22.04.4 LTS'");
        Run arch = piped(Map.of("TERRARIUM_UNAME_M", "riscv64"), args("latest"));
        assertThat(arch.exit()).isEqualTo(1);
        assertThat(arch.out()).contains("ERROR: unsupported architecture 'riscv64'");
        assertNothingInstalled();
    }

    @Test
    void ubuntu2404OnArmFetchesTheArm64Tarball() throws Exception {
        Path ubuntu = tmp.resolve("os-release");
        Files.writeString(ubuntu, "ID=ubuntu\nVERSION_ID=\"24.04\"\nPRETTY_NAME=\"Ubuntu 24.04 LTS\"\n");
        Run r = piped(Map.of("TERRARIUM_OS_RELEASE", ubuntu.toString(), "TERRARIUM_UNAME_M", "aarch64"), args("latest", "--dry-run"));
        // the served SHA256SUMS lists only this machine's build
        assertThat(r.out()).contains("lists no terrarium-<version>-linux-arm64.tar.gz");
        assertThat(r.exit()).isEqualTo(1);
    }

    @Test
    void dryRunPrintsThePlanAndChangesNothing() throws Exception {
        Run r = piped(Map.of("TERRARIUM_EXEC", recorder().toString()), args("latest", "--dry-run", "--domain", "example.com"));
        assertThat(r.exit()).as(r.out()).isZero();
        assertThat(r.out()).contains("would download " + baseUrl + "latest/terrarium-" + version + "-linux-")
                .contains("would run: ln -sfn " + prefix() + "/current/bin/terrariumctl " + bin() + "/terrariumctl")
                .contains("would run: " + recorder() + " install --domain example.com")
                // issue 15 item 8: no page of a release that is not unpacked here is named
                .contains("would link the release's man pages (share/man/man1/*.1) into ")
                .doesNotContain("current/share/man/man1/terrariumctl");
        assertNothingInstalled();
        assertThat(record()).doesNotExist();
    }

    @Test
    void unknownFlagsReachTheRealInstalledTerrariumctl() throws Exception {
        Run r = piped(Map.of(), args("latest", "--frobnicate"));
        // the real binary rejects the flag (or, without an install command, the script names it)
        assertThat(r.exit()).as(r.out()).isNotZero();
        assertThat(r.out()).contains("--frobnicate");
        assertThat(prefix().resolve("current/lib/terrarium.jar")).isRegularFile();
    }

    @Test
    void rerunOnAnInstalledHostOffersTheUpdateAndUpdateReplacesAndReapplies() throws Exception {
        Files.createDirectories(prefix().resolve("releases/0.0.1/bin"));
        Files.createDirectories(prefix().resolve("releases/0.0.0/bin"));
        Files.createSymbolicLink(prefix().resolve("current"), Path.of("releases/0.0.1"));
        Files.createSymbolicLink(prefix().resolve("previous"), Path.of("releases/0.0.0"));
        Map<String, String> env = Map.of("TERRARIUM_EXEC", recorder().toString());

        Run offer = piped(env, args("latest"));
        assertThat(offer.exit()).as(offer.out()).isZero();
        assertThat(offer.out()).contains("Terrarium 0.0.1 is installed; " + version + " is available: re-run with --update");
        assertThat(Files.readSymbolicLink(prefix().resolve("current"))).isEqualTo(Path.of("releases/0.0.1"));
        assertThat(record()).doesNotExist();

        Run update = piped(env, args("latest", "--update"));
        assertThat(update.exit()).as(update.out()).isZero();
        assertThat(update.out()).contains("updated 0.0.1 -> " + version);
        assertThat(Files.readSymbolicLink(prefix().resolve("current"))).isEqualTo(Path.of("releases/" + version));
        assertThat(prefix().resolve("releases/0.0.1")).as("previous release kept for rollback").isDirectory();
        assertThat(Files.readAllLines(record())).containsExactly("reconfigure");
        // issue 15 item 7: as `terrariumctl update` does, `previous` names the replaced release and older ones go,
        // so `update --rollback` after `install.sh --update` finds it
        assertThat(Files.readSymbolicLink(prefix().resolve("previous"))).isEqualTo(Path.of("releases/0.0.1"));
        assertThat(prefix().resolve("releases/0.0.0")).doesNotExist();
        Run rollback = run(List.of(prefix().resolve("current/bin/terrariumctl").toString(), "update", "--rollback",
                "--root", prefix().toString(), "--no-reconfigure"), Map.of(), null);
        assertThat(rollback.exit()).as(rollback.out()).isZero();
        assertThat(Files.readSymbolicLink(prefix().resolve("current"))).isEqualTo(Path.of("releases/0.0.1"));
        assertThat(Files.readSymbolicLink(prefix().resolve("previous"))).isEqualTo(Path.of("releases/" + version));
        Files.delete(prefix().resolve("current"));
        Files.createSymbolicLink(prefix().resolve("current"), Path.of("releases/" + version));

        Files.delete(record());
        Run same = piped(env, args("latest", "--yes"));
        assertThat(same.out()).contains("Terrarium " + version + " is already installed").doesNotContain("fetching " + baseUrl + "latest/terrarium-");
        assertThat(Files.readAllLines(record())).containsExactly("install", "--yes");
    }

    @Test
    void localModeInstallsTheUnpackedReleaseItBelongsTo() throws Exception {
        Path unpacked = Path.of("target/dist").toRealPath();
        Run r = run(List.of("setsid", "sh", unpacked.resolve("install.sh").toString(), "--prefix", prefix().toString(),
                "--bin-dir", bin().toString(), "--non-interactive"), Map.of("TERRARIUM_EXEC", recorder().toString()), null);
        assertThat(r.exit()).as(r.out()).isZero();
        assertThat(r.out()).contains("local release " + version).doesNotContain("fetching");
        assertThat(prefix().resolve("releases/" + version + "/lib/terrarium.jar")).isRegularFile();
        assertThat(Files.readAllLines(record())).containsExactly("install", "--non-interactive");
    }

    @Test
    void installerAndLauncherAreShellcheckClean() throws Exception {
        Run r = run(List.of("shellcheck", "-s", "sh", "install.sh", "dist/bin/terrariumctl", "dist/bin/trm"), Map.of(), null);
        assertThat(r.exit()).as(r.out()).isZero();
        assertThat(Files.readAllLines(SCRIPT).get(Files.readAllLines(SCRIPT).size() - 1)).isEqualTo("main \"$@\"");
    }
}
