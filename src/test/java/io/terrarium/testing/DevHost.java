package io.terrarium.testing;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Helpers for *IT tests on the development host (docs/devhost.md): shell commands, tool wrappers. */
public final class DevHost {
    /** The repository checkout the tests run from. */
    public static final Path REPO = Path.of("").toAbsolutePath();
    /** The zfs-fuse compatibility shim directory (scripts/devhost/zfs-fuse-compat). */
    public static final Path COMPAT = REPO.resolve("scripts/devhost/zfs-fuse-compat");

    private DevHost() {
    }

    /** Output of a finished shell command. */
    public record Sh(int exit, String out) {
    }

    /** Runs {@code bash -c script}, stdout and stderr merged; 5 minute limit. */
    public static Sh sh(String script) {
        try {
            Process p = new ProcessBuilder("bash", "-c", script).redirectErrorStream(true).start();
            p.getOutputStream().close();
            byte[] out = p.getInputStream().readAllBytes();
            if (!p.waitFor(5, TimeUnit.MINUTES)) {
                p.destroyForcibly();
            }
            return new Sh(p.exitValue(), new String(out, StandardCharsets.UTF_8));
        } catch (IOException | InterruptedException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Runs a shell command that must succeed; returns its output. */
    public static String ok(String script) {
        Sh r = sh(script);
        if (r.exit() != 0) {
            throw new IllegalStateException("`" + script + "` exited " + r.exit() + ": " + r.out());
        }
        return r.out();
    }

    /**
     * Writes an executable wrapper that puts the zfs-fuse shim first on PATH, optionally sleeps,
     * then execs the real tool (real sanoid/syncoid: nothing is faked).
     */
    public static String wrapper(Path dir, String tool, double sleepSeconds) throws IOException {
        Path w = dir.resolve(tool + "-wrapper");
        List<String> l = new ArrayList<>(List.of("#!/bin/sh", "PATH=" + COMPAT + ":$PATH", "export PATH"));
        if (sleepSeconds > 0) {
            l.add("sleep " + sleepSeconds);
        }
        l.add("exec /usr/sbin/" + tool + " \"$@\"");
        Files.writeString(w, String.join("\n", l) + "\n");
        Files.setPosixFilePermissions(w, PosixFilePermissions.fromString("rwx------"));
        return w.toString();
    }

    /** Destroys a dataset tree, retrying while zfs-fuse says busy. */
    public static void destroy(String dataset) {
        sh("for i in $(seq 40); do zfs list -H -o name " + dataset + " >/dev/null 2>&1 || exit 0; zfs destroy -r " + dataset
                + " 2>/dev/null && exit 0; sleep 0.5; done");
    }
}
