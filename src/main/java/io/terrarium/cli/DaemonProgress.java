package io.terrarium.cli;

import io.terrarium.jobs.RunProgress;
import io.terrarium.s3.ExportProgress;

import java.util.OptionalLong;
import java.util.function.Consumer;

/**
 * Draws the progress events of a run inside the daemon ({@link RunProgress.Event}, polled by
 * {@link io.terrarium.daemon.JobTrigger} from the job MBean) on the same display as a run in this
 * process ({@link ProgressDisplay}). Events carry running totals, so the display is told the
 * difference to what it has already shown; an item whose {@code start} was lost (the reader fell
 * behind the daemon's ring) is started when its first later event arrives.
 */
final class DaemonProgress implements Consumer<RunProgress.Event> {
    private final ExportProgress display;
    private String item;
    private long bytes;
    private long stored;
    private boolean open;

    /** @param display where the events go (a {@link ProgressDisplay} bar or lines) */
    DaemonProgress(ExportProgress display) {
        this.display = display;
    }

    @Override
    public void accept(RunProgress.Event e) {
        if (e.type().equals("start") || !open || !java.util.Objects.equals(e.item(), item)) {
            if (open) {
                display.finish(false); // its finish was lost: it did not end well as far as we know
            }
            item = e.item();
            bytes = 0;
            stored = 0;
            open = true;
            display.start(e.item(), e.phase(), e.total() == null ? OptionalLong.empty() : OptionalLong.of(e.total()));
        }
        // stored first: a line drawn on sent() shows the compressed bytes of the same moment
        if (e.stored() > stored) {
            display.uploaded(e.stored() - stored);
            stored = e.stored();
        }
        if (e.bytes() > bytes) {
            display.sent(e.bytes() - bytes);
            bytes = e.bytes();
        }
        if (e.type().equals("finish")) {
            display.finish(Boolean.TRUE.equals(e.ok()));
            open = false;
        }
    }
}
