package io.terrarium.host.exec;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
import java.time.Duration;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class StreamingPipeTest {
    private static Command sh(String script) {
        return new Command("sh", List.of("-c", script), Duration.ofMinutes(1), null, null);
    }

    private static long drain(InputStream in, long[] got) throws IOException {
        byte[] buf = new byte[8192];
        int n;
        while ((n = in.read(buf)) >= 0) {
            got[0] += n;
        }
        return got[0];
    }

    @Test
    void passesTheSourceThroughTheFilterAndEndsCleanlyWhenBothSucceed() throws Exception {
        long[] got = {0};
        try (StreamingPipe p = StreamingPipe.start(sh("head -c 3000000 /dev/zero"), Command.of("cat"))) {
            assertThat(drain(p.stdout(), got)).isEqualTo(3_000_000);
            assertThat(p.stdout().read()).isEqualTo(-1);
        }
    }

    @Test
    void c04_aSourceFailingMidStreamFailsTheReaderWithItsExitAndStderr() throws Exception {
        // the filter (cat) sees a clean end of its input and exits 0: only the source's exit tells
        long[] got = {0};
        try (StreamingPipe p = StreamingPipe.start(
                sh("head -c 200000 /dev/zero; echo 'cannot send: I/O error' >&2; exit 3"), Command.of("cat"))) {
            assertThatThrownBy(() -> drain(p.stdout(), got))
                    .isInstanceOf(StreamingProcess.ProcessFailedIOException.class)
                    .hasMessageContaining("exited with 3")
                    .hasMessageContaining("cannot send: I/O error");
            assertThat(got[0]).isEqualTo(200000);
        }
    }

    @Test
    void aFailingFilterFailsTheReaderWithItsOwnError() throws Exception {
        try (StreamingPipe p = StreamingPipe.start(sh("head -c 100000000 /dev/zero"),
                sh("head -c 1000; echo 'zstd: error 70 : write error' >&2; exit 70"))) {
            assertThatThrownBy(() -> drain(p.stdout(), new long[1]))
                    .isInstanceOf(StreamingProcess.ProcessFailedIOException.class)
                    .hasMessageContaining("exited with 70")
                    .hasMessageContaining("write error");
        }
    }

    @Test
    void closeKillsBothStages() throws Exception {
        StreamingPipe p = StreamingPipe.start(sh("while :; do head -c 65536 /dev/zero; done"), Command.of("cat"));
        assertThat(p.stdout().read(new byte[100])).isPositive();
        ProcessHandle source = ProcessHandle.of(p.source().pid()).orElseThrow();
        ProcessHandle filter = ProcessHandle.of(p.filter().pid()).orElseThrow();
        p.close();
        source.onExit().get(5, java.util.concurrent.TimeUnit.SECONDS);
        filter.onExit().get(5, java.util.concurrent.TimeUnit.SECONDS);
        assertThat(source.isAlive()).isFalse();
        assertThat(filter.isAlive()).isFalse();
    }

    @Test
    void aMissingProgramIsACommandFailureOfThatStage() {
        assertThatThrownBy(() -> StreamingPipe.start(sh("true"), Command.of("/nonexistent/zstd")))
                .isInstanceOf(CommandFailedException.class).hasMessageContaining("/nonexistent/zstd");
        assertThatThrownBy(() -> StreamingPipe.start(Command.of("/nonexistent/zfs", "send"), Command.of("cat")))
                .isInstanceOf(CommandFailedException.class).hasMessageContaining("/nonexistent/zfs send")
                .satisfies(e -> assertThat(((CommandFailedException) e).getMessage()).doesNotContain("`cat`"));
    }
}
