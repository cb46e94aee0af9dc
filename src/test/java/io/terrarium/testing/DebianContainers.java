package io.terrarium.testing;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

/**
 * Throwaway Debian 12 system containers (systemd, cloud-init) on the development host's LXD, from
 * the image {@code scripts/debian-container-image.sh} builds (cached by the script's content; a cold
 * build takes ~10 minutes and is best run before the integration tests, outside the IT lock).
 */
public final class DebianContainers {
    /** The image build script. */
    public static final Path IMAGE_SCRIPT = DevHost.REPO.resolve("scripts/debian-container-image.sh");

    private DebianContainers() {
    }

    /** Exit status and merged stdout+stderr of a command. */
    public record Result(int exit, String out) {
    }

    /** Runs argv on this host, stdout and stderr merged, stdin closed; fails after {@code timeout}. */
    public static Result run(Duration timeout, List<String> argv) {
        try {
            Path out = Files.createTempFile("debian-ct", ".out");
            try {
                Process p = new ProcessBuilder(argv).redirectErrorStream(true).redirectOutput(out.toFile()).start();
                p.getOutputStream().close();
                if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                    p.destroyForcibly().waitFor();
                    throw new IllegalStateException(String.join(" ", argv) + " did not finish in " + timeout
                            + ": " + Files.readString(out, StandardCharsets.UTF_8));
                }
                return new Result(p.exitValue(), Files.readString(out, StandardCharsets.UTF_8));
            } finally {
                Files.deleteIfExists(out);
            }
        } catch (IOException e) {
            throw new IllegalStateException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** Like {@link #run} with a 2 minute limit, and a non-zero exit is an error; returns the output. */
    public static String ok(String... argv) {
        Result r = run(Duration.ofMinutes(2), List.of(argv));
        if (r.exit() != 0) {
            throw new IllegalStateException(String.join(" ", argv) + " exited " + r.exit() + ": " + r.out());
        }
        return r.out();
    }

    /** The image's alias (builds it first when it is not cached: up to 30 minutes). */
    public static String image() {
        Result r = run(Duration.ofMinutes(30), List.of(IMAGE_SCRIPT.toString()));
        if (r.exit() != 0) {
            throw new IllegalStateException(IMAGE_SCRIPT + " failed: " + r.out());
        }
        String[] lines = r.out().strip().split("\n");
        return lines[lines.length - 1].strip();
    }

    /** A fresh instance name with the given prefix (lower-case letters, digits and dashes). */
    public static String name(String prefix) {
        return prefix + "-" + Long.toString(ThreadLocalRandom.current().nextLong(1L << 30, 1L << 35), 36);
    }

    /**
     * Launches {@code name} from {@code image} in {@code project} with the given profiles (none:
     * the project's default profile) and config keys, then waits until systemd has booted and
     * cloud-init has finished (up to 5 minutes).
     */
    public static void launch(String image, String name, String project, List<String> profiles, Map<String, String> config) {
        List<String> argv = new ArrayList<>(List.of("lxc", "launch", image, name, "--project", project));
        for (String p : profiles) {
            argv.addAll(List.of("--profile", p));
        }
        config.forEach((k, v) -> argv.addAll(List.of("--config", k + "=" + v)));
        Result r = run(Duration.ofMinutes(5), argv);
        if (r.exit() != 0) {
            throw new IllegalStateException("lxc launch " + name + " failed: " + r.out());
        }
        waitForBoot(name, project);
    }

    /** Waits until systemd reports running/degraded and cloud-init is done (5 minutes at most). */
    public static void waitForBoot(String name, String project) {
        long deadline = System.nanoTime() + Duration.ofMinutes(5).toNanos();
        String last = "";
        while (System.nanoTime() < deadline) {
            Result r = exec(Duration.ofMinutes(1), name, project, "systemctl", "is-system-running", "--wait");
            last = r.out().strip();
            if (last.equals("running") || last.equals("degraded")) {
                Result ci = exec(Duration.ofMinutes(4), name, project, "cloud-init", "status", "--wait");
                if (ci.out().contains("status: done")) {
                    return;
                }
                throw new IllegalStateException("cloud-init in " + name + " did not finish cleanly: " + ci.out()
                        + "\n" + exec(Duration.ofMinutes(1), name, project, "tail", "-n", "40", "/var/log/cloud-init.log").out());
            }
            sleep(1000);
        }
        throw new IllegalStateException(name + " did not boot in 5 minutes; systemd says: " + last);
    }

    /** Runs argv inside the instance as root; stdout and stderr merged. */
    public static Result exec(Duration timeout, String name, String project, String... argv) {
        List<String> full = new ArrayList<>(List.of("lxc", "exec", name, "--project", project, "--"));
        full.addAll(List.of(argv));
        return run(timeout, full);
    }

    /** Runs {@code sh -c script} inside the instance as root (1 minute limit). */
    public static Result sh(String name, String project, String script) {
        return exec(Duration.ofMinutes(1), name, project, "sh", "-c", script);
    }

    /** Deletes the instance (forced, running or not); a missing instance is fine. */
    public static void delete(String name, String project) {
        run(Duration.ofMinutes(2), List.of("lxc", "delete", "--force", name, "--project", project));
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
