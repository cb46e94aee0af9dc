package io.terrarium.provision;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import io.terrarium.config.LockFile;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Fetches, verifies and installs a Terrarium release the way {@code install.sh} does, for
 * {@code terrariumctl update}. Layout under the install root (default {@code /opt/terrarium}):
 * {@code releases/<version>/} (an unpacked release), {@code current} and {@code previous}
 * (relative symlinks {@code releases/<version>}). Files come from {@code <base>/<ref>/SHA256SUMS}
 * and {@code <base>/<ref>/terrarium-<version>-linux-<arch>.tar.gz}; the tarball's SHA-256 must match
 * its SHA256SUMS line or nothing under the root changes. {@code current} is swapped by renaming a
 * new symlink over it ({@code rename(2)}: a reader sees the old or the new release, never neither);
 * the release it pointed to stays as {@code previous} for {@link #rollback}; older releases are
 * deleted. One update or rollback at a time ({@code <root>/.update.lock}); staging directories
 * ({@code releases/.update-*}) a killed update left are removed by the next one.
 */
public final class ReleaseUpdater {
    /** Where releases are published (install.sh's default; {@code TERRARIUM_RELEASE_URL} overrides). */
    public static final String DEFAULT_BASE_URL = "https://github.com/terrarium-project/terrarium/releases/download";
    /** The install root install.sh uses. */
    public static final Path DEFAULT_ROOT = Path.of("/opt/terrarium");

    private static final Pattern SUMS_LINE = Pattern.compile("^([0-9a-fA-F]{64}) [ *](terrarium-([A-Za-z0-9._+-]+)-linux-([a-z0-9]+)\\.tar\\.gz)$");
    private static final Duration HTTP_TIMEOUT = Duration.ofMinutes(10);

    /** One release tarball as SHA256SUMS lists it. */
    public record ReleaseFile(String version, String tarball, String sha256) {
    }

    /** What an update did. {@code previous} is empty when nothing was installed before. */
    public record Outcome(String version, Optional<String> previous, boolean changed) {
    }

    /** The update was refused; {@code getMessage()} says why and what to do. Nothing was changed. */
    public static final class UpdateException extends Exception {
        /** @param message the reason, for the operator */
        public UpdateException(String message) {
            super(message);
        }
    }

    private final Path root;
    private final HttpClient http;
    private final PrintWriter log;

    /**
     * @param root the install root ({@link #DEFAULT_ROOT} in production)
     * @param log  progress lines for the operator
     */
    public ReleaseUpdater(Path root, PrintWriter log) {
        this.root = root;
        this.log = log;
        this.http = HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NORMAL).connectTimeout(Duration.ofSeconds(30)).build();
    }

    /**
     * The release architecture name of a JVM {@code os.arch} (install.sh's names).
     *
     * @throws UpdateException for an architecture Terrarium does not publish
     */
    public static String arch(String osArch) throws UpdateException {
        return switch (osArch.toLowerCase(Locale.ROOT)) {
            case "amd64", "x86_64" -> "amd64";
            case "aarch64", "arm64" -> "arm64";
            default -> throw new UpdateException("unsupported architecture '" + osArch + "': Terrarium supports x86_64 and aarch64");
        };
    }

    /**
     * The line of {@code SHA256SUMS} (sha256sum's format: 64 hex digits, space, space or {@code *},
     * file name) for {@code terrarium-<version>-linux-<arch>.tar.gz}; the first one wins.
     *
     * @throws UpdateException when no line names a tarball for {@code arch}
     */
    public static ReleaseFile pick(String sha256sums, String arch) throws UpdateException {
        for (String line : sha256sums.split("\r?\n")) {
            Matcher m = SUMS_LINE.matcher(line.strip());
            if (m.matches() && m.group(4).equals(arch)) {
                return new ReleaseFile(m.group(3), m.group(2), m.group(1).toLowerCase(Locale.ROOT));
            }
        }
        throw new UpdateException("SHA256SUMS lists no terrarium-<version>-linux-" + arch + ".tar.gz");
    }

    /** The version {@code current} points to, if a release is installed. */
    public Optional<String> installedVersion() throws IOException {
        return linkedVersion(root.resolve("current"));
    }

    /** The version {@code previous} points to, if any. */
    public Optional<String> previousVersion() throws IOException {
        return linkedVersion(root.resolve("previous"));
    }

    private static Optional<String> linkedVersion(Path link) throws IOException {
        if (!Files.isSymbolicLink(link)) {
            return Optional.empty();
        }
        return Optional.of(Files.readSymbolicLink(link).getFileName().toString());
    }

    /**
     * Fetches {@code <baseUrl>/<ref>/SHA256SUMS} and the tarball for {@code arch}, verifies it,
     * unpacks it to {@code releases/<version>} and swaps {@code current}. Does nothing (changed
     * false) when {@code current} already is that version and {@code force} is false.
     *
     * @throws UpdateException on a download error, a checksum mismatch, a malformed tarball or
     *                         while another update runs; {@code current} and the installed
     *                         releases are then untouched
     */
    public Outcome update(String baseUrl, String ref, String arch, boolean force) throws UpdateException, IOException, InterruptedException {
        LockFile lock = lock();
        try {
            return updateLocked(baseUrl, ref, arch, force);
        } finally {
            release(lock);
        }
    }

    private Outcome updateLocked(String baseUrl, String ref, String arch, boolean force) throws UpdateException, IOException, InterruptedException {
        String url = baseUrl.replaceAll("/+$", "") + "/" + ref;
        log.println("fetching " + url + "/SHA256SUMS");
        log.flush();
        String sums = new String(get(URI.create(url + "/SHA256SUMS"), null), StandardCharsets.UTF_8);
        ReleaseFile release = pick(sums, arch);
        Optional<String> current = installedVersion();
        if (current.isPresent() && current.get().equals(release.version()) && !force) {
            log.println("Terrarium " + release.version() + " is installed already; nothing to do (--force re-installs it)");
            log.flush();
            return new Outcome(release.version(), previousVersion(), false);
        }
        Path releases = root.resolve("releases");
        Files.createDirectories(releases);
        // staged inside releases/ so the final move is a rename on one file system
        Path stage = Files.createTempDirectory(releases, ".update-");
        try {
            Path tarball = stage.resolve(release.tarball());
            log.println("fetching " + url + "/" + release.tarball());
            log.flush();
            String actual = HexFormat.of().formatHex(get(URI.create(url + "/" + release.tarball()), tarball));
            if (!actual.equals(release.sha256())) {
                throw new UpdateException("checksum mismatch for " + release.tarball() + " (expected " + release.sha256()
                        + ", got " + actual + "): refusing to install; nothing was changed");
            }
            log.println("verified " + release.tarball() + " (SHA-256 matches SHA256SUMS)");
            Path unpack = Files.createDirectory(stage.resolve("unpack"));
            untar(tarball, unpack);
            Path unpacked = unpack.resolve("terrarium-" + release.version());
            if (!Files.isRegularFile(unpacked.resolve("lib/terrarium.jar")) || !Files.isExecutable(unpacked.resolve("bin/terrariumctl"))) {
                throw new UpdateException(release.tarball() + " does not hold terrarium-" + release.version()
                        + "/lib/terrarium.jar and bin/terrariumctl: refusing to install; nothing was changed");
            }
            Path target = releases.resolve(release.version());
            if (Files.exists(target, LinkOption.NOFOLLOW_LINKS)) {
                // re-installing the version current may point at: move the old copy into the stage
                // (deleted below) and put the new one in its place, so current never dangles for long
                Files.move(target, stage.resolve("replaced"), StandardCopyOption.ATOMIC_MOVE);
            }
            Files.move(unpacked, target, StandardCopyOption.ATOMIC_MOVE);
            log.println("installed Terrarium " + release.version() + " into " + target);
            Optional<String> previous = current.filter(v -> !v.equals(release.version()));
            swap("current", release.version());
            if (previous.isPresent()) {
                swap("previous", previous.get());
            }
            prune(release.version(), previous.or(this::previousQuietly));
            log.println("current -> releases/" + release.version() + previous.map(p -> " (previous: " + p + ")").orElse(""));
            log.flush();
            return new Outcome(release.version(), previous, true);
        } finally {
            deleteTree(stage);
        }
    }

    /**
     * Points {@code current} back at {@code previous} and {@code previous} at the release that was
     * current.
     *
     * @throws UpdateException when there is no previous release, or another update is running
     */
    public Outcome rollback() throws UpdateException, IOException {
        LockFile lock = lock();
        try {
            return rollbackLocked();
        } finally {
            release(lock);
        }
    }

    private Outcome rollbackLocked() throws UpdateException, IOException {
        Optional<String> previous = previousVersion();
        if (previous.isEmpty() || !Files.isDirectory(root.resolve("releases").resolve(previous.get()))) {
            throw new UpdateException("no previous release under " + root + " to roll back to");
        }
        Optional<String> current = installedVersion();
        swap("current", previous.get());
        if (current.isPresent()) {
            swap("previous", current.get());
        }
        log.println("current -> releases/" + previous.get() + current.map(c -> " (previous: " + c + ")").orElse(""));
        log.flush();
        return new Outcome(previous.get(), current, true);
    }

    /**
     * Holds {@code <root>/.update.lock} (an advisory {@code flock}) for one update or rollback, and
     * removes staging directories a killed update left behind.
     *
     * @throws UpdateException when another update or rollback holds the lock
     */
    private LockFile lock() throws UpdateException, IOException {
        Files.createDirectories(root);
        LockFile lock = LockFile.tryAcquire(root.resolve(".update.lock"));
        if (lock == null) {
            throw new UpdateException("another terrariumctl update is running on " + root + "; nothing was changed");
        }
        Path releases = root.resolve("releases");
        if (Files.isDirectory(releases)) {
            try (Stream<Path> s = Files.list(releases)) {
                for (Path stale : s.filter(p -> p.getFileName().toString().startsWith(".update-")).toList()) {
                    deleteTree(stale);
                }
            }
        }
        return lock;
    }

    private static void release(LockFile lock) throws IOException {
        lock.release();
    }

    /** Renames a new relative symlink {@code releases/<version>} over {@code root/<name>}. */
    private void swap(String name, String version) throws IOException {
        Path link = root.resolve(name);
        Path tmp = root.resolve("." + name + ".new-" + ProcessHandle.current().pid());
        Files.deleteIfExists(tmp);
        try {
            Files.createSymbolicLink(tmp, Path.of("releases", version));
        } catch (FileAlreadyExistsException e) {
            throw new IOException("cannot create " + tmp + ": it exists", e);
        }
        Files.move(tmp, link, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }

    private Optional<String> previousQuietly() {
        try {
            return previousVersion();
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    /** Deletes the releases other than {@code keep} and {@code previous} (staging dirs untouched). */
    private void prune(String keep, Optional<String> previous) throws IOException {
        List<Path> old = new ArrayList<>();
        try (Stream<Path> s = Files.list(root.resolve("releases"))) {
            s.filter(p -> !p.getFileName().toString().startsWith("."))
                    .filter(p -> !p.getFileName().toString().equals(keep))
                    .filter(p -> previous.map(v -> !p.getFileName().toString().equals(v)).orElse(true))
                    .forEach(old::add);
        }
        for (Path p : old) {
            log.println("removing the older release " + p);
            deleteTree(p);
        }
    }

    /**
     * GETs {@code uri}; writes the body to {@code file} (returning its SHA-256) or, when file is
     * null, returns the body.
     */
    private byte[] get(URI uri, Path file) throws UpdateException, IOException, InterruptedException {
        HttpRequest req = HttpRequest.newBuilder(uri).timeout(HTTP_TIMEOUT).GET().build();
        HttpResponse<InputStream> resp;
        try {
            resp = http.send(req, HttpResponse.BodyHandlers.ofInputStream());
        } catch (IOException e) {
            throw new UpdateException("cannot download " + uri + ": " + e.getMessage() + "; nothing was changed");
        }
        try (InputStream body = resp.body()) {
            if (resp.statusCode() != 200) {
                throw new UpdateException("cannot download " + uri + ": HTTP " + resp.statusCode() + "; nothing was changed");
            }
            if (file == null) {
                return body.readNBytes(1 << 20);
            }
            MessageDigest sha = sha256();
            try (DigestInputStream in = new DigestInputStream(body, sha); OutputStream out = Files.newOutputStream(file)) {
                in.transferTo(out);
            }
            return sha.digest();
        }
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("the JVM has no SHA-256", e);
        }
    }

    /** {@code tar -xzf TARBALL -C DIR --no-same-owner} (GNU tar refuses absolute and {@code ..} member names). */
    private static void untar(Path tarball, Path dir) throws UpdateException, IOException, InterruptedException {
        Process p = new ProcessBuilder("tar", "-xzf", tarball.toString(), "-C", dir.toString(), "--no-same-owner")
                .redirectErrorStream(true).start();
        p.getOutputStream().close();
        byte[] out = p.getInputStream().readNBytes(4096);
        if (!p.waitFor(10, TimeUnit.MINUTES)) {
            p.destroyForcibly();
            throw new UpdateException("unpacking " + tarball.getFileName() + " took over 10 minutes; nothing was changed");
        }
        if (p.exitValue() != 0) {
            throw new UpdateException("cannot unpack " + tarball.getFileName() + ": " + new String(out, StandardCharsets.UTF_8).strip()
                    + "; nothing was changed");
        }
    }

    private static void deleteTree(Path dir) throws IOException {
        if (!Files.exists(dir, LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        try (Stream<Path> s = Files.walk(dir)) {
            for (Path p : s.sorted((a, b) -> b.getNameCount() - a.getNameCount()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }
}
