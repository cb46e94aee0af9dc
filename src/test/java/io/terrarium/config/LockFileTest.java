package io.terrarium.config;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The one file-lock helper: held by another process or another holder in this JVM means "not
 * acquired" (never an exception), the kernel frees it when the holder dies, and the file and its
 * directories are created on first use.
 */
class LockFileTest {

    /** Holds the lock on {@code args[0]} until its stdin closes (a second process for the tests). */
    public static final class Holder {
        public static void main(String[] args) throws Exception {
            try (LockFile l = LockFile.tryAcquire(Path.of(args[0]))) {
                System.out.println(l == null ? "busy" : "locked");
                System.out.flush();
                while (System.in.read() >= 0) {
                    // wait for the parent to close our stdin
                }
            }
        }
    }

    private static Process holder(Path file) throws Exception {
        Process p = new ProcessBuilder(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), Holder.class.getName(), file.toString()))
                .redirectError(ProcessBuilder.Redirect.INHERIT).start();
        String line = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8)).readLine();
        assertThat(line).isEqualTo("locked");
        return p;
    }

    @Test
    void createsTheFileAndItsDirectoriesAndIsExclusiveWithinOneJvm(@TempDir Path dir) throws Exception {
        Path f = dir.resolve("run/a/b.lock");
        LockFile first = LockFile.tryAcquire(f);
        assertThat(first).isNotNull();
        assertThat(Files.isRegularFile(f)).isTrue();
        assertThat(first.file()).isEqualTo(f);
        assertThat(LockFile.tryAcquire(f)).as("second holder in the same JVM").isNull();
        first.release();
        first.close(); // a second release does nothing
        try (LockFile again = LockFile.tryAcquire(f)) {
            assertThat(again).isNotNull();
        }
        assertThat(Files.exists(f)).as("the lock file is never deleted").isTrue();
    }

    @Test
    void anotherProcessHoldsItUntilItExitsOrIsKilled(@TempDir Path dir) throws Exception {
        Path f = dir.resolve("x.lock");
        Process p = holder(f);
        try {
            assertThat(LockFile.tryAcquire(f)).isNull();
            long t0 = System.nanoTime();
            assertThat(LockFile.acquire(f, Duration.ofMillis(300))).isNull();
            assertThat((System.nanoTime() - t0) / 1_000_000).isBetween(250L, 5000L);
        } finally {
            p.destroyForcibly().waitFor(10, TimeUnit.SECONDS); // SIGKILL: no clean-up in the holder
        }
        try (LockFile l = LockFile.tryAcquire(f)) {
            assertThat(l).as("the kernel released the dead holder's lock").isNotNull();
        }
    }

    @Test
    void acquireWaitsForAHolderThatLetsGo(@TempDir Path dir) throws Exception {
        Path f = dir.resolve("y.lock");
        Process p = holder(f);
        Thread closer = new Thread(() -> {
            try {
                Thread.sleep(300);
                p.getOutputStream().close();
            } catch (Exception e) {
                // the test fails on the timeout below
            }
        });
        closer.start();
        try (LockFile l = LockFile.acquire(f, Duration.ofSeconds(20))) {
            assertThat(l).isNotNull();
        } finally {
            closer.join();
            p.waitFor(10, TimeUnit.SECONDS);
        }
    }

    @Test
    void hostLockKeepsItsMessageWhenTheLockStaysTaken(@TempDir Path dir) throws Exception {
        Path f = dir.resolve("config.lock");
        Process p = holder(f);
        try {
            org.assertj.core.api.Assertions.assertThatThrownBy(() -> HostLock.acquire(f, Duration.ofMillis(200)))
                    .isInstanceOf(java.io.IOException.class)
                    .hasMessage("another configuration change is in progress (lock " + f + " held for more than 0 s); try again");
        } finally {
            p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
        try (HostLock l = HostLock.acquire(f, Duration.ofSeconds(5))) {
            assertThat(l).isNotNull();
        }
    }

    /**
     * A second attempt in the JVM that holds the lock must not open and close another channel on
     * the file: closing it drops this process's POSIX lock in the kernel, and another process (a
     * CLI {@code backup export} next to the daemon's running export; the janitor's check) could then
     * take it. The s3-janitor relies on this lock to know an export is running (issue 13 item 5).
     */
    @Test
    void aSecondAttemptInTheHoldingJvmLeavesTheKernelLockInPlaceForOtherProcesses(@TempDir Path dir) throws Exception {
        Path f = dir.resolve("s3-export.lock");
        try (LockFile held = LockFile.tryAcquire(f)) {
            assertThat(held).isNotNull();
            assertThat(LockFile.tryAcquire(f)).as("held in this JVM").isNull();
            Process other = new ProcessBuilder(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                    "-cp", System.getProperty("java.class.path"), Holder.class.getName(), f.toString()))
                    .redirectError(ProcessBuilder.Redirect.INHERIT).start();
            String line = new BufferedReader(new InputStreamReader(other.getInputStream(), StandardCharsets.UTF_8)).readLine();
            other.getOutputStream().close();
            assertThat(other.waitFor(30, TimeUnit.SECONDS)).isTrue();
            assertThat(line).as("another process still finds it taken").isEqualTo("busy");
        }
        try (LockFile again = LockFile.tryAcquire(f)) {
            assertThat(again).as("released by close").isNotNull();
        }
    }
}
