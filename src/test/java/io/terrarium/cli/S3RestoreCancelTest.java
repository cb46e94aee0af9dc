package io.terrarium.cli;

import io.terrarium.s3.TransferProgress;
import org.junit.jupiter.api.Test;

import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalLong;
import java.util.concurrent.atomic.AtomicBoolean;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** A restore served by the daemon stops receiving once its client went away ({@link S3Restore#cancelledWhenGone}). */
class S3RestoreCancelTest {
    private static final class Recording implements TransferProgress {
        final List<String> calls = new ArrayList<>();

        @Override
        public void start(String what, OptionalLong total) {
            calls.add("start " + what);
        }

        @Override
        public void moved(long bytes) {
            calls.add("moved " + bytes);
        }

        @Override
        public void finish(boolean ok) {
            calls.add("finish " + ok);
        }
    }

    @Test
    void inTheClisOwnJvmTheDisplayIsUnchanged() {
        Recording d = new Recording();
        assertThat(S3Restore.cancelledWhenGone(d, null)).isSameAs(d);
    }

    @Test
    void theNextBytesReadAfterTheClientWentAwayThrowAndTheDisplaySaysFailed() {
        Recording d = new Recording();
        AtomicBoolean gone = new AtomicBoolean();
        TransferProgress p = S3Restore.cancelledWhenGone(d, gone::get);
        p.start("web restore", OptionalLong.of(10));
        p.moved(4);
        gone.set(true);
        assertThatThrownBy(() -> p.moved(4)).isInstanceOf(UncheckedIOException.class)
                .hasMessage(S3Restore.CLIENT_GONE); // as the restore's error ends up: "… failed while receiving: cancelled: …"
        p.finish(false);
        assertThat(d.calls).containsExactly("start web restore", "moved 4", "finish false");
    }
}
