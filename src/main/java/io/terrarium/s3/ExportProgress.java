package io.terrarium.s3;

import java.util.OptionalLong;

/**
 * Listener for the progress of {@code s3-export} runs (issue 5: a progress bar on a TTY, plain
 * lines elsewhere). Called from the exporting thread, the upload threads and (zstd CLI) the thread
 * sampling zstd's read count: implementations must be thread-safe. An in-process run tells the CLI's display; a run submitted to the daemon's job
 * MBean tells its {@link io.terrarium.jobs.RunProgress} record (route {@code s3-export}), which the
 * CLI polls and draws the same way.
 */
public interface ExportProgress {
    /** A listener that ignores everything. */
    ExportProgress NONE = new ExportProgress() {
    };

    /**
     * One dataset's export starts.
     *
     * @param instance instance name
     * @param kind     {@code full} or {@code incremental}
     * @param estimate size of the uncompressed {@code zfs send} stream in bytes from
     *                 {@code zfs send -n -P}, when the host's ZFS can estimate it
     */
    default void start(String instance, String kind, OptionalLong estimate) {
    }

    /** {@code bytes} more of the uncompressed {@code zfs send} stream were read. */
    default void sent(long bytes) {
    }

    /** {@code bytes} more compressed bytes were cut into parts for upload. */
    default void uploaded(long bytes) {
    }

    /** The dataset's export ended ({@code ok}: the manifest is committed). */
    default void finish(boolean ok) {
    }
}
