package io.terrarium.host.exec;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Surefire runs these with -Xmx256m (pom.xml), the memory bound of case C04. */
class StreamingProcessTest {

    @Test
    void c04_streamsOneGibOfStdoutWhileDrainingOneMibOfStderrFirst() throws Exception {
        Command cmd = new Command("sh", List.of("-c", "head -c 1048576 /dev/zero >&2; head -c 1073741824 /dev/zero"),
                Duration.ofMinutes(5), null, null);
        MessageDigest sha = MessageDigest.getInstance("SHA-256");
        long bytes = 0;
        try (StreamingProcess p = StreamingProcess.start(cmd); InputStream in = p.stdout()) {
            byte[] buf = new byte[1 << 16];
            int n;
            while ((n = in.read(buf)) >= 0) {
                sha.update(buf, 0, n);
                bytes += n;
            }
            assertThat(p.stderrTail()).hasSize(BoundedTail.DEFAULT_LIMIT);
        }
        assertThat(bytes).isEqualTo(1L << 30);
        assertThat(HexFormat.of().formatHex(sha.digest()))
                .isEqualTo("49bc20df15e412a64472421e13fe86ff1c5165e18b2afccf160d4dc19fe68a14");
        assertThat(Runtime.getRuntime().maxMemory()).isLessThanOrEqualTo(256L << 20);
    }

    /**
     * Issue 16 item 3: the uploader reads a child's stdout with {@code readNBytes(buf, 0, 16 MiB)}, and
     * the JDK mallocs a native buffer of each requested length (glibc kept 16 MiB of it, up to +21 MiB
     * resident in a 4 GiB export). What reaches the pipe's stream is at most 64 KiB per read, and the
     * whole part still arrives.
     */
    @Test
    void readsOfAPartSizedBufferAskThePipeForAtMost64KiB() throws Exception {
        List<Integer> asked = new java.util.ArrayList<>();
        InputStream pipe = new java.io.ByteArrayInputStream(new byte[3 << 20]) {
            @Override
            public synchronized int read(byte[] b, int off, int len) {
                asked.add(len);
                return super.read(b, off, len);
            }
        };
        byte[] part = new byte[16 << 20];
        int got = 0;
        int n;
        while ((n = StreamingProcess.readPipe(pipe, part, got, part.length - got)) >= 0) {
            got += n;
        }
        assertThat(got).isEqualTo(3 << 20);
        assertThat(asked).allSatisfy(len -> assertThat(len).isLessThanOrEqualTo(64 * 1024));

        Command cmd = Command.of("sh", "-c", "head -c 3145728 /dev/zero");
        try (StreamingProcess p = StreamingProcess.start(cmd); InputStream in = p.stdout()) {
            assertThat(in.readNBytes(part, 0, part.length)).isEqualTo(3 << 20);
        }
    }

    @Test
    void c04_nonZeroExitAfterBytesFailsTheReaderAtEndOfStream() throws Exception {
        Command cmd = Command.of("sh", "-c", "head -c 100000 /dev/zero; echo 'cannot send: dataset is busy' >&2; exit 1");
        try (StreamingProcess p = StreamingProcess.start(cmd); InputStream in = p.stdout()) {
            byte[] buf = new byte[8192];
            long[] got = {0};
            assertThatThrownBy(() -> {
                int n;
                while ((n = in.read(buf)) >= 0) {
                    got[0] += n;
                }
            }).isInstanceOf(StreamingProcess.ProcessFailedIOException.class)
                    .hasMessageContaining("exited with 1")
                    .hasMessageContaining("dataset is busy");
            assertThat(got[0]).isEqualTo(100000);
        }
    }

    @Test
    void closeKillsAProducerThatIsStillRunning() throws IOException {
        StreamingProcess p = StreamingProcess.start(Command.of("sh", "-c", "while :; do head -c 65536 /dev/zero; done"));
        long pid = p.pid();
        p.stdout().read(new byte[1024]);
        p.close();
        assertThat(ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false)).isFalse();
    }

    @Test
    void stdinCanBeStreamedToTheChild() throws Exception {
        try (StreamingProcess p = StreamingProcess.startWithStdin(Command.of("wc", "-c"))) {
            try (var os = p.stdin()) {
                os.write(new byte[123456]);
            }
            String out = new String(p.stdout().readAllBytes()).strip();
            assertThat(out).isEqualTo("123456");
        }
    }

    @Test
    void boundedTailKeepsOnlyTheLastBytes() {
        BoundedTail t = new BoundedTail(4);
        t.write("abcdefg".getBytes(), 0, 7);
        assertThat(t.text()).isEqualTo("defg");
        assertThat(t.totalBytes()).isEqualTo(7);
    }
}
