package io.terrarium.testing;

import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Assumptions;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Where the {@code *OpenZfsIT} group runs: the development host's zfs-fuse (the default failsafe
 * run), or the OpenZFS QEMU guest (the {@code openzfs-guest} failsafe run, which sets
 * {@code TERRARIUM_OZ_TARGET=openzfs} and puts the guest's {@code zfs}/{@code zpool}/{@code sanoid}/
 * {@code syncoid} wrappers first on PATH; docs/testing.md).
 *
 * <p>A test asks {@link #requires} for a feature: on zfs-fuse a missing feature aborts the test
 * with "not applicable on zfs-fuse: …" (JUnit reports it as skipped with that reason); on OpenZFS a
 * missing feature, a missing env file or an unreachable guest FAILS the test — never a skip.
 */
public final class ZfsTarget {
    /** Start of the abort message on zfs-fuse. */
    public static final String NOT_APPLICABLE = "not applicable on zfs-fuse: ";

    private static ZfsTarget current;

    private final boolean openZfs;
    private final Map<String, String> env;

    private ZfsTarget(boolean openZfs, Map<String, String> env) {
        this.openZfs = openZfs;
        this.env = env;
    }

    /**
     * The target of this JVM (checked once).
     *
     * @throws AssertionError on the OpenZFS run when the guest's env file is missing or the guest
     *                        does not answer {@code zfs version}
     */
    public static synchronized ZfsTarget get() {
        if (current == null) {
            current = detect();
        }
        return current;
    }

    private static ZfsTarget detect() {
        if (!"openzfs".equals(System.getenv("TERRARIUM_OZ_TARGET"))) {
            return new ZfsTarget(false, Map.of());
        }
        Path file = Path.of(System.getenv().getOrDefault("TERRARIUM_OZ_ENV", "/var/lib/terrarium-dev/openzfs.env"));
        if (!Files.isReadable(file)) {
            Assertions.fail("the OpenZFS run expects the guest, but " + file + " is missing: run scripts/openzfs-guest.sh up");
        }
        Map<String, String> env = new LinkedHashMap<>();
        try {
            for (String line : Files.readAllLines(file)) {
                int eq = line.indexOf('=');
                if (!line.startsWith("#") && eq > 0) {
                    env.put(line.substring(0, eq).strip(), line.substring(eq + 1).strip());
                }
            }
        } catch (IOException e) {
            Assertions.fail("cannot read " + file + ": " + e.getMessage());
        }
        ZfsTarget t = new ZfsTarget(true, env);
        DevHost.Sh v = run(List.of("zfs", "version"));
        if (v.exit() != 0 || !v.out().startsWith("zfs-2")) {
            Assertions.fail("the OpenZFS guest does not answer `zfs version` through the wrappers (exit " + v.exit()
                    + "): " + v.out() + "\nserial log: " + env.get("TERRARIUM_OZ_SERIAL_LOG"));
        }
        return t;
    }

    /** Whether this run is the OpenZFS guest. */
    public boolean openZfs() {
        return openZfs;
    }

    /** "openzfs" or "zfs-fuse". */
    public String name() {
        return openZfs ? "openzfs" : "zfs-fuse";
    }

    /** The pool the tests create their throwaway datasets in ({@code terrarium} on both). */
    public String pool() {
        return openZfs ? env.get("TERRARIUM_OZ_POOL") : System.getenv().getOrDefault("TERRARIUM_DEV_POOL", "terrarium");
    }

    /** The guest's second pool (replication target); {@code null} on zfs-fuse (one pool). */
    public String secondPool() {
        return openZfs ? env.get("TERRARIUM_OZ_POOL2") : null;
    }

    /** A value of the guest's env file (e.g. {@code TERRARIUM_OZ_SSH_KEY}); {@code null} on zfs-fuse. */
    public String guestEnv(String key) {
        return env.get(key);
    }

    /**
     * Requires a feature: on zfs-fuse a missing one aborts the test as not applicable; on OpenZFS a
     * missing one fails it.
     *
     * @param present whether the probe found it
     * @param feature what it is, for the message (e.g. "zfs send -n -P")
     */
    public void requires(boolean present, String feature) {
        if (present) {
            return;
        }
        if (openZfs) {
            Assertions.fail("OpenZFS in the guest lacks " + feature);
        }
        Assumptions.abort(NOT_APPLICABLE + feature);
    }

    /** Runs a shell script on the target machine (the guest over ssh, or this host); output merged. */
    public DevHost.Sh sh(String script) {
        if (!openZfs) {
            return DevHost.sh(script);
        }
        return run(List.of(DevHost.REPO.resolve("scripts/openzfs-guest/bin/guest-exec").toString(), "bash", "-c", script));
    }

    /** {@link #sh} that must exit 0; returns the output. */
    public String ok(String script) {
        DevHost.Sh r = sh(script);
        if (r.exit() != 0) {
            throw new IllegalStateException("`" + script + "` on " + name() + " exited " + r.exit() + ": " + r.out());
        }
        return r.out();
    }

    /** Hold tags the tests and the product put on snapshots (released before a destroy). */
    public static final List<String> HOLD_TAGS = List.of("terrarium-export", "it-oz");

    /** Destroys a dataset tree (releasing holds first), retrying while busy; true when it is gone. */
    public boolean destroy(String dataset) {
        String d = "'" + dataset + "'";
        return sh("for i in $(seq 20); do zfs list -H -o name " + d + " >/dev/null 2>&1 || exit 0;"
                + " zfs list -H -r -t snapshot -o name " + d + " 2>/dev/null | while read -r s; do"
                + " for tag in " + String.join(" ", HOLD_TAGS) + "; do zfs release \"$tag\" \"$s\" 2>/dev/null; done; done;"
                + " zfs destroy -r " + d + " 2>/dev/null && exit 0; zfs unmount -f " + d + " 2>/dev/null; sleep 1; done; exit 1")
                .exit() == 0;
    }

    /**
     * {@code -o mountpoint=/var/tmp/terrarium-it/<dataset with / as ->}: a mountpoint for a test's top
     * dataset that works on both (zfs-fuse's pool root has {@code mountpoint=none}; children inherit).
     */
    public static String mountOption(String dataset) {
        return "-o mountpoint=/var/tmp/terrarium-it/" + dataset.replace('/', '-');
    }

    /** SHA-256 of every file under a mounted dataset: "sum  ./path" lines, sorted. */
    public String checksums(String dataset) {
        String mnt = ok("zfs get -H -o value mountpoint '" + dataset + "'").strip();
        return ok("cd '" + mnt + "' && find . -type f | LC_ALL=C sort | xargs -r sha256sum");
    }

    private static DevHost.Sh run(List<String> argv) {
        try {
            Process p = new ProcessBuilder(argv).redirectErrorStream(true).start();
            p.getOutputStream().close();
            byte[] out = p.getInputStream().readAllBytes();
            if (!p.waitFor(5, TimeUnit.MINUTES)) {
                p.destroyForcibly();
            }
            return new DevHost.Sh(p.exitValue(), new String(out, StandardCharsets.UTF_8));
        } catch (IOException | InterruptedException e) {
            throw new IllegalStateException(e);
        }
    }
}
