package io.terrarium.routes;

import java.util.Set;
import java.util.concurrent.Semaphore;

/**
 * The daemon's S3 buffers, one JVM's worth: an export's part buffers (up to 160 MiB,
 * {@code PartSizing.DEFAULT_MEMORY_BUDGET}), a verification's or a restore drill's read-ahead (up to
 * 96 MiB) and a restore's ranged GETs (up to 128 MiB) do not all fit the daemon's heap
 * ({@code -Xmx256m}, with {@code -XX:+ExitOnOutOfMemoryError}). The jobs that hold such buffers
 * ({@link #JOBS}) share the gate among themselves, as they always ran; a restore served by the daemon
 * ({@code io.terrarium.cli.served.ServedCommands}) takes it whole, and only when no such job holds
 * it — otherwise the restore runs in the CLI's own JVM. A job that starts while a served restore
 * holds the gate waits for the restore to end (docs/backups.md, "Where a restore runs").
 *
 * <p>A semaphore, not a read/write lock: a job takes its share in its route's {@code guard} step and
 * gives it back on the exchange's completion, which need not be the same thread.
 */
public final class BufferGate {
    /** The job ids that hold S3 buffers in the daemon: s3-export, s3-verify, restore-drill. */
    public static final Set<String> JOBS = Set.of(io.terrarium.s3.S3ExportJob.ID, io.terrarium.s3.S3VerifyJob.ID,
            io.terrarium.restore.RestoreDrillJob.ID);

    private static final int ALL = 1 << 20;
    private static final Semaphore GATE = new Semaphore(ALL, true);

    private BufferGate() {
    }

    /** A job's share without waiting. @return whether it was free (no served restore holds the gate) */
    static boolean tryShare() {
        return GATE.tryAcquire();
    }

    /**
     * A job's share, waiting while a served restore holds the gate.
     *
     * @throws InterruptedException when the daemon stops meanwhile
     */
    static void share() throws InterruptedException {
        GATE.acquire();
    }

    /** Gives a job's share back. */
    static void unshare() {
        GATE.release();
    }

    /** The whole gate for a served restore, without waiting. @return whether no job held a share */
    public static boolean tryWhole() {
        return GATE.tryAcquire(ALL);
    }

    /** Gives a served restore's gate back; jobs waiting for it go on. */
    public static void releaseWhole() {
        GATE.release(ALL);
    }
}
