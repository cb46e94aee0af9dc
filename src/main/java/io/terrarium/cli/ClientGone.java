package io.terrarium.cli;

import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/**
 * Whether the client of a command the daemon runs for the CLI socket
 * ({@code io.terrarium.cli.served.ServedCommands}) went away — the launcher's process was killed or
 * interrupted, noticed at the daemon's next write to it. Set per thread by the socket's worker
 * around the command; a command run in the CLI's own JVM sees no client ({@link #current()} is
 * {@code null}: its client is the process itself). {@code backup restore --source s3} reads it to
 * cancel a receive nobody waits for any more (docs/backups.md, "Where a restore runs").
 */
public final class ClientGone {
    private static final ThreadLocal<BooleanSupplier> CURRENT = new ThreadLocal<>();

    private ClientGone() {
    }

    /**
     * Runs {@code body} on this thread with {@code gone} as its client's state.
     *
     * @param gone true once the client is gone (called from any thread; must be cheap)
     * @return what {@code body} returns
     */
    public static <T> T watching(BooleanSupplier gone, Supplier<T> body) {
        BooleanSupplier before = CURRENT.get();
        CURRENT.set(gone);
        try {
            return body.get();
        } finally {
            if (before == null) {
                CURRENT.remove();
            } else {
                CURRENT.set(before);
            }
        }
    }

    /** The state of this thread's served client, or {@code null} when the command is not served by the daemon. */
    public static BooleanSupplier current() {
        return CURRENT.get();
    }
}
