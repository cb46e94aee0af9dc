package io.terrarium.cli.served;

import io.terrarium.App;
import io.terrarium.config.TerrariumPaths;
import io.terrarium.testing.RecordingCommandRunner;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.OutputStream;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.Channels;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The streamed answer of a job trigger over the CLI socket: its frames (round trip, truncated,
 * oversize and garbage frames), the daemon side's splitting and its reaction to a client that went
 * away, and the client's reaction to a daemon that falls silent or breaks off mid-answer (served
 * triggers against the real daemon: ServedCommandsIT).
 */
class ServedCommandsStreamTest {
    @TempDir
    Path dir;

    private static byte[] frames(FrameWriter w) throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        w.write(b);
        return b.toByteArray();
    }

    private interface FrameWriter {
        void write(OutputStream o) throws IOException;
    }

    private static DataInputStream in(byte[] b) {
        return new DataInputStream(new ByteArrayInputStream(b));
    }

    @Test
    void framesRoundTripInOrderAndTheExitFrameCarriesTheCode() throws IOException {
        byte[] bytes = frames(o -> {
            ServedProtocol.writeFrame(o, ServedProtocol.FRAME_STDERR, "progress\n".getBytes(), 0, 9);
            ServedProtocol.writeFrame(o, ServedProtocol.FRAME_HEARTBEAT, new byte[0], 0, 0);
            ServedProtocol.writeFrame(o, ServedProtocol.FRAME_STDOUT, "xxhost-facts: OK\n".getBytes(), 2, 15);
            ServedProtocol.writeExit(o, 2);
        });
        DataInputStream in = in(bytes);
        var f1 = ServedProtocol.readFrame(in);
        assertThat(f1.type()).isEqualTo(ServedProtocol.FRAME_STDERR);
        assertThat(new String(f1.data())).isEqualTo("progress\n");
        assertThat(ServedProtocol.readFrame(in).type()).isEqualTo(ServedProtocol.FRAME_HEARTBEAT);
        assertThat(new String(ServedProtocol.readFrame(in).data())).isEqualTo("host-facts: OK\n");
        var exit = ServedProtocol.readFrame(in);
        assertThat(exit.type()).isEqualTo(ServedProtocol.FRAME_EXIT);
        assertThat(exit.exit()).isEqualTo(2);
        assertThat(in.read()).isEqualTo(-1);
    }

    @Test
    void truncatedOversizeAndGarbageFramesAreRefused() throws IOException {
        byte[] whole = frames(o -> ServedProtocol.writeFrame(o, ServedProtocol.FRAME_STDOUT, "0123456789".getBytes(), 0, 10));
        // cut inside the payload, inside the length, after the type
        for (int cut : new int[]{whole.length - 1, 3, 1}) {
            assertThatThrownBy(() -> ServedProtocol.readFrame(in(java.util.Arrays.copyOf(whole, cut)))).isInstanceOf(EOFException.class);
        }
        // a length over the cap (or negative) is refused before anything is allocated
        byte[] huge = {ServedProtocol.FRAME_STDOUT, 0, 1, 0, 1};
        assertThatThrownBy(() -> ServedProtocol.readFrame(in(huge))).hasMessageContaining("65537 bytes is outside 0–65536");
        byte[] negative = {ServedProtocol.FRAME_STDERR, (byte) 0xff, (byte) 0xff, (byte) 0xff, (byte) 0xff};
        assertThatThrownBy(() -> ServedProtocol.readFrame(in(negative))).hasMessageContaining("-1 bytes is outside");
        // garbage: an HTTP answer, an unknown type, an exit frame of the wrong size, a heartbeat with a payload
        assertThatThrownBy(() -> ServedProtocol.readFrame(in("HTTP/1.1 200 OK\r\n".getBytes()))).hasMessageContaining("unknown frame type 72");
        assertThatThrownBy(() -> ServedProtocol.readFrame(in(new byte[]{9, 0, 0, 0, 0}))).hasMessageContaining("unknown frame type 9");
        assertThatThrownBy(() -> ServedProtocol.readFrame(in(new byte[]{ServedProtocol.FRAME_EXIT, 0, 0, 0, 1, 0})))
                .hasMessageContaining("frame type 4 with 1 bytes");
        assertThatThrownBy(() -> ServedProtocol.readFrame(in(new byte[]{ServedProtocol.FRAME_HEARTBEAT, 0, 0, 0, 1, 0})))
                .hasMessageContaining("frame type 3 with 1 bytes");
        // the writer never writes a frame over the cap: output is split first
        assertThatThrownBy(() -> ServedProtocol.writeFrame(new ByteArrayOutputStream(), ServedProtocol.FRAME_STDOUT,
                new byte[ServedProtocol.MAX_FRAME_BYTES + 1], 0, ServedProtocol.MAX_FRAME_BYTES + 1)).isInstanceOf(IllegalArgumentException.class);
        // a response status the client does not know
        assertThatThrownBy(() -> ServedProtocol.readStatus(in(new byte[]{0x54, 0x52, 0x4D, 0x52, 7}))).hasMessageContaining("unknown response status 7");
    }

    @Test
    void theDaemonSplitsLongOutputIntoFramesWithinTheCap() throws IOException {
        ByteArrayOutputStream raw = new ByteArrayOutputStream();
        ServedCommands.Frames f = new ServedCommands.Frames(raw, Thread.currentThread());
        byte[] out = new byte[150 * 1024];
        for (int i = 0; i < out.length; i++) {
            out[i] = (byte) ('a' + i % 26);
        }
        f.stream(ServedProtocol.FRAME_STDOUT).write(out);
        f.exit(0);
        f.done();
        DataInputStream in = in(raw.toByteArray());
        ByteArrayOutputStream back = new ByteArrayOutputStream();
        int n = 0;
        ServedProtocol.Frame frame;
        while ((frame = ServedProtocol.readFrame(in)).type() == ServedProtocol.FRAME_STDOUT) {
            assertThat(frame.data().length).isLessThanOrEqualTo(ServedProtocol.MAX_FRAME_BYTES);
            back.write(frame.data());
            n++;
        }
        assertThat(n).isEqualTo(3);
        assertThat(back.toByteArray()).isEqualTo(out);
        assertThat(frame.exit()).isZero();
    }

    /** A socket whose client went away: every write fails. */
    private static OutputStream broken() {
        return new OutputStream() {
            @Override
            public void write(int b) throws IOException {
                throw new IOException("Broken pipe");
            }

            @Override
            public void write(byte[] b, int off, int len) throws IOException {
                throw new IOException("Broken pipe");
            }
        };
    }

    @Test
    void aClientThatWentAwayInterruptsTheWaitingThreadOnceAndOnlyWhileItRuns() throws Exception {
        OutputStream broken = broken();
        ServedCommands.Frames f = new ServedCommands.Frames(broken, Thread.currentThread());
        assertThatThrownBy(() -> f.stream(ServedProtocol.FRAME_STDERR).write("x\n".getBytes())).hasMessageContaining("Broken pipe");
        assertThat(Thread.interrupted()).as("the command's thread is told to stop waiting").isTrue();
        assertThatThrownBy(() -> f.exit(0)).hasMessageContaining("an earlier write to the client failed");
        assertThat(Thread.interrupted()).as("only once").isFalse();
        // after the command is done, a failing heartbeat no longer reaches the (pooled) thread
        ServedCommands.Frames g = new ServedCommands.Frames(broken, Thread.currentThread());
        g.done();
        Thread.sleep(ServedProtocol.HEARTBEAT_SECONDS * 1000L);
        g.heartbeat();
        assertThat(Thread.interrupted()).isFalse();
    }

    /** A daemon stand-in on the socket path (owner-only, as the client checks) that answers with {@code answer}. */
    private Map<String, String> fakeDaemon(FrameWriter answer, ServerSocketChannel[] holder) throws IOException {
        Map<String, String> env = Map.of("TERRARIUM_RUN_DIR", dir.resolve("run").toString());
        Path socket = ServedProtocol.socketPath(env);
        Files.createDirectories(socket.getParent().getParent());
        Files.createDirectory(socket.getParent(), PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        server.bind(UnixDomainSocketAddress.of(socket));
        Files.setPosixFilePermissions(socket, PosixFilePermissions.fromString("rw-------"));
        holder[0] = server;
        Thread t = new Thread(() -> {
            try (SocketChannel ch = server.accept()) {
                ServedProtocol.readRequest(Channels.newInputStream(ch));
                answer.write(Channels.newOutputStream(ch));
                Thread.sleep(30_000); // then silent, connection open (a stopped daemon)
            } catch (IOException | InterruptedException e) {
                // test over
            }
        });
        t.setDaemon(true);
        t.start();
        return env;
    }

    private record Run(int exit, String out, String err, long millis) {
    }

    private Run client(Map<String, String> env, int silenceSeconds) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        long t0 = System.nanoTime();
        int code = ServedClient.run(env, List.of("jobs", "run", "host-facts"), silenceSeconds, out, err);
        return new Run(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8), (System.nanoTime() - t0) / 1_000_000);
    }

    @Test
    void aDaemonSilentBeforeItsAnswerLeavesTheCommandToTheCliWithNothingPrinted() throws Exception {
        ServerSocketChannel[] s = new ServerSocketChannel[1];
        Map<String, String> env = fakeDaemon(o -> { }, s);
        try {
            Run r = client(env, 1);
            assertThat(r.exit()).isEqualTo(ServedProtocol.NOT_SERVED_EXIT);
            assertThat(r.out() + r.err()).isEmpty();
            assertThat(r.millis()).isBetween(900L, 5_000L);
        } finally {
            s[0].close();
        }
    }

    @Test
    void aDaemonThatFallsSilentMidRunIsGivenUpWithAnErrorAndExit1NeverTheFallbackCode() throws Exception {
        ServerSocketChannel[] s = new ServerSocketChannel[1];
        Map<String, String> env = fakeDaemon(o -> {
            ServedProtocol.writeStreamedHeader(o);
            ServedProtocol.writeFrame(o, ServedProtocol.FRAME_STDERR, "note: first line\n".getBytes(), 0, 17);
        }, s);
        try {
            Run r = client(env, 1);
            assertThat(r.exit()).as("the job may be running: the CLI must not trigger it again").isEqualTo(1);
            assertThat(r.err()).startsWith("note: first line\n")
                    .contains("ERROR: the daemon said nothing for 1 s (stopped or hung?) while running this command;")
                    .contains("terrariumctl jobs list");
            assertThat(r.millis()).isBetween(900L, 5_000L);
        } finally {
            s[0].close();
        }
    }

    @Test
    void aGarbageFrameMidRunIsReportedAsABrokenAnswer() throws Exception {
        ServerSocketChannel[] s = new ServerSocketChannel[1];
        Map<String, String> env = fakeDaemon(o -> {
            ServedProtocol.writeStreamedHeader(o);
            o.write(new byte[]{42, 0, 0, 0, 0});
            o.flush();
        }, s);
        try {
            Run r = client(env, 5);
            assertThat(r.exit()).isEqualTo(1);
            assertThat(r.err()).contains("ERROR: the daemon's answer broke off (unknown frame type 42)");
            assertThat(r.millis()).isLessThan(4_000L);
        } finally {
            s[0].close();
        }
    }

    @Test
    void heartbeatsKeepALongRunAliveBeyondTheSilenceLimit() throws Exception {
        ServerSocketChannel[] s = new ServerSocketChannel[1];
        Map<String, String> env = fakeDaemon(o -> {
            ServedProtocol.writeStreamedHeader(o);
            for (int i = 0; i < 8; i++) { // 2.4 s of heartbeats, a 1 s silence limit
                ServedProtocol.writeFrame(o, ServedProtocol.FRAME_HEARTBEAT, new byte[0], 0, 0);
                try {
                    Thread.sleep(300);
                } catch (InterruptedException e) {
                    throw new IOException(e);
                }
            }
            ServedProtocol.writeFrame(o, ServedProtocol.FRAME_STDOUT, "host-facts: OK\n".getBytes(), 0, 15);
            ServedProtocol.writeExit(o, 0);
        }, s);
        try {
            Run r = client(env, 1);
            assertThat(r).extracting(Run::exit, Run::out, Run::err).containsExactly(0, "host-facts: OK\n", "");
            assertThat(r.millis()).isGreaterThanOrEqualTo(2_000L);
        } finally {
            s[0].close();
        }
    }

    @Test
    void triggersAreServedOnlyInsideTheDaemonInTheFormThatSubmitsToItsRoute() {
        Map<String, String> env = Map.of("TERRARIUM_RUN_DIR", dir.resolve("run").toString(), "TERRARIUM_STATE_DIR", dir.resolve("state").toString(),
                "TERRARIUM_ETC_DIR", dir.resolve("etc").toString());
        App app = new App(TerrariumPaths.from(env), new RecordingCommandRunner(c -> null));
        // this test JVM is no daemon: the trigger would run in-process here, so it is refused
        assertThat(ServedCommands.refusal(app, List.of("jobs", "run", "host-facts"))).contains("not the running daemon");
        assertThat(ServedCommands.refusal(app, List.of("proxy", "sync", "-o", "json"))).contains("not the running daemon");
        assertThat(ServedCommands.refusal(app, List.of("backup", "export", "--instance", "web"))).contains("runs in the CLI's own process");
        assertThat(ServedCommands.refusal(app, List.of("backup", "verify", "--instance", "web"))).contains("runs in the CLI's own process");
        assertThat(ServedCommands.refusal(app, List.of("backup", "snapshot", "--now"))).contains("runs in the CLI's own process");
        assertThat(ServedCommands.refusal(app, List.of("jobs", "run", "host-facts", "-o", "table"))).contains("not the running daemon");
        assertThat(ServedCommands.refusal(app, List.of("jobs", "run"))).contains("usage error");
        assertThat(ServedCommands.refusal(app, List.of("jobs", "run", "host-facts", "-v"))).contains("verbose");
        assertThat(ServedCommands.refusal(app, List.of("backup", "restore", "--source", "s3", "--instance", "x", "-yv"))).contains("verbose");
        assertThat(ServedCommands.refusal(app, List.of("backup", "restore", "--source", "s3", "--instance", "x", "-vvy"))).contains("verbose");
        assertThat(ServedCommands.refusal(app, List.of("jobs", "pause", "host-facts"))).contains("not a served command: jobs pause");
    }

    @Test
    void aClientKilledWhileItsAnswerStreamsFreesTheDaemonsThreadViaTheHeartbeat() throws Exception {
        // Frames over a real socket pair: the peer closes, the next heartbeat fails and interrupts the waiting thread
        Path sock = dir.resolve("pair.sock");
        try (ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
            server.bind(UnixDomainSocketAddress.of(sock));
            SocketChannel client = SocketChannel.open(UnixDomainSocketAddress.of(sock));
            try (SocketChannel ch = server.accept()) {
                CompletableFuture<Boolean> interrupted = new CompletableFuture<>();
                Thread waiting = new Thread(() -> {
                    try {
                        Thread.sleep(60_000); // JobTrigger waiting for a long job
                        interrupted.complete(false);
                    } catch (InterruptedException e) {
                        interrupted.complete(true);
                    }
                });
                waiting.start();
                ServedCommands.Frames f = new ServedCommands.Frames(Channels.newOutputStream(ch), waiting);
                client.close(); // kill -9 of the CLI
                Thread.sleep(ServedProtocol.HEARTBEAT_SECONDS * 1000L);
                f.heartbeat();
                assertThat(interrupted.get(5, TimeUnit.SECONDS)).isTrue();
            }
        }
    }

    @Test
    void aClientThatReadsNothingNeverHoldsTheHeartbeatOrABarAndIsGoneAfterTheWriteTimeout() throws Exception {
        // session 9 tester: a stopped client (Ctrl-Z) filled its socket, then the shared heartbeat thread and
        // progressbar's shared thread blocked on it for as long as it stayed stopped
        Path sock = dir.resolve("stopped.sock");
        try (ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
            server.bind(UnixDomainSocketAddress.of(sock));
            try (SocketChannel client = SocketChannel.open(UnixDomainSocketAddress.of(sock)); SocketChannel ch = server.accept()) {
                java.util.concurrent.atomic.AtomicInteger gone = new java.util.concurrent.atomic.AtomicInteger();
                ServedCommands.Frames f = new ServedCommands.Frames(new ServedCommands.ClientSocket(ch, 1_500), gone::incrementAndGet);
                java.io.OutputStream bar = f.droppable(ServedProtocol.FRAME_STDERR);
                byte[] redraw = ("\r" + "=".repeat(78)).getBytes(StandardCharsets.UTF_8);
                // the client never reads: redraws fill its socket, then are dropped at once
                long t0 = System.nanoTime();
                for (int i = 0; i < 5_000; i++) {
                    bar.write(redraw);
                }
                assertThat((System.nanoTime() - t0) / 1_000_000).as("no redraw waited for the client").isLessThan(1_000);
                assertThat(gone.get()).as("dropping a redraw is not losing the client").isZero();
                t0 = System.nanoTime();
                Thread.sleep(ServedProtocol.HEARTBEAT_SECONDS * 1000L);
                long beat = System.nanoTime();
                f.heartbeat();
                assertThat((System.nanoTime() - beat) / 1_000_000).as("the heartbeat never waits for a full socket").isLessThan(200);
                // the command's own output waits for the client, but not longer than the write timeout
                long w = System.nanoTime();
                assertThatThrownBy(() -> f.write(ServedProtocol.FRAME_STDOUT, new byte[1000], 0, 1000))
                        .isInstanceOf(IOException.class).hasMessageContaining("took nothing for 1 s");
                assertThat((System.nanoTime() - w) / 1_000_000).isBetween(1_400L, 5_000L);
                assertThat(gone.get()).as("a client that read nothing for the timeout is gone").isEqualTo(1);
                f.done();
                assertThat(client.isOpen()).isTrue(); // the client's side is untouched; the daemon closes its end
            }
        }
    }

    // ---- backup restore --source s3, served (issue 16 item 1) ----

    @Test
    void aRestoreWhoseAnswerBreaksOffSaysItWasNotRunAgainWithExit1() throws Exception {
        ServerSocketChannel[] s = new ServerSocketChannel[1];
        Map<String, String> env = fakeDaemon(o -> {
            ServedProtocol.writeStreamedHeader(o);
            ServedProtocol.writeFrame(o, ServedProtocol.FRAME_STDOUT, "plan\n".getBytes(), 0, 5);
            o.write(new byte[]{42, 0, 0, 0, 0}); // what a dying daemon's half-written frame looks like to the client
            o.flush();
        }, s);
        try {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            ByteArrayOutputStream err = new ByteArrayOutputStream();
            int code = ServedClient.run(env, List.of("backup", "restore", "--source", "s3", "--instance", "web", "--yes"), 5, out, err);
            assertThat(code).as("never the fallback code: the restore must not run twice").isEqualTo(1);
            assertThat(out.toString(StandardCharsets.UTF_8)).isEqualTo("plan\n");
            assertThat(err.toString(StandardCharsets.UTF_8)).startsWith("ERROR: the daemon's answer broke off")
                    .contains(ServedClient.RESTORE_BROKE_OFF).doesNotContain("jobs list");
        } finally {
            s[0].close();
        }
    }

    @Test
    void onlyBackupRestoreArgumentsAreARestore() {
        assertThat(ServedClient.isRestore(List.of("backup", "restore", "--source", "s3"))).isTrue();
        assertThat(ServedClient.isRestore(List.of("--quiet", "backup", "restore"))).isTrue();
        assertThat(ServedClient.isRestore(List.of("backup", "export"))).isFalse();
        assertThat(ServedClient.isRestore(List.of("jobs", "run", "restore"))).isFalse();
        assertThat(ServedClient.isRestore(List.of("backup"))).isFalse();
    }

    @Test
    void aRestoreIsServedOnlyFromS3ForOneInstanceWithYes() {
        Map<String, String> env = Map.of("TERRARIUM_RUN_DIR", dir.resolve("run").toString(), "TERRARIUM_STATE_DIR", dir.resolve("state").toString(),
                "TERRARIUM_ETC_DIR", dir.resolve("etc").toString());
        App app = new App(TerrariumPaths.from(env), new RecordingCommandRunner(c -> null));
        // every form that passes the argument checks ends at "this JVM is no daemon"
        for (List<String> ok : List.of(List.of("backup", "restore", "--source", "s3", "--instance", "web", "--yes"),
                List.of("backup", "restore", "--source=s3", "--instance", "web", "--at", "2026-01", "--as-new", "web2", "-y",
                        "--parent-dataset", "tank/c", "--installation", "abc", "--accept-unauthenticated", "--trust-config"))) {
            assertThat(ServedCommands.refusal(app, ok)).as("%s", ok).contains("not the running daemon");
        }
        assertThat(ServedCommands.refusal(app, List.of("backup", "restore", "--instance", "web", "--yes"))).contains("--source s3 only");
        assertThat(ServedCommands.refusal(app, List.of("backup", "restore", "--source", "local", "--instance", "web", "--yes")))
                .contains("--source s3 only");
        assertThat(ServedCommands.refusal(app, List.of("backup", "restore", "--source", "s3", "--instance", "web")))
                .contains("--instance and --yes");
        assertThat(ServedCommands.refusal(app, List.of("backup", "restore", "--source", "s3", "--all", "--yes"))).contains("--instance and --yes");
        assertThat(ServedCommands.refusal(app, List.of("backup", "restore", "--source", "s3", "--instance", "web", "--all", "--yes")))
                .contains("--all runs in the CLI's own JVM");
        assertThat(ServedCommands.refusal(app, List.of("backup", "restore", "--source", "s3", "--instance", "web", "--snapshot", "x", "--yes")))
                .contains("--snapshot runs in the CLI's own JVM");
        assertThat(ServedCommands.refusal(app, List.of("backup", "restore", "--source", "s3", "--instance", "web", "--yes", "-v")))
                .contains("verbose");
        assertThat(ServedCommands.refusal(app, List.of("backup", "restore", "--source", "s3", "--instance", "web", "--yes", "--help")))
                .contains("help");
    }

    @Test
    void noRestoreIsServedWhileAJobHoldingS3BuffersRuns() {
        java.util.Set<String> running = new java.util.HashSet<>();
        io.terrarium.daemon.JobControl jobs = new io.terrarium.daemon.JobControl(null, List.of(), running::contains);
        assertThat(ServedCommands.busyBufferJob(null)).isNull();
        assertThat(ServedCommands.busyBufferJob(jobs)).isNull();
        running.add("proxy-sync");
        assertThat(ServedCommands.busyBufferJob(jobs)).isNull();
        for (String j : List.of("s3-export", "s3-verify", "restore-drill")) {
            running.clear();
            running.add(j);
            assertThat(ServedCommands.busyBufferJob(jobs)).isEqualTo(j);
        }
    }

    @Test
    void aRestoresClientThatWentAwayIsFlaggedOnceAndItsThreadIsNotInterrupted() {
        OutputStream broken = broken();
        java.util.concurrent.atomic.AtomicInteger gone = new java.util.concurrent.atomic.AtomicInteger();
        ServedCommands.Frames f = new ServedCommands.Frames(broken, gone::incrementAndGet);
        assertThatThrownBy(() -> f.stream(ServedProtocol.FRAME_STDERR).write("x\n".getBytes())).hasMessageContaining("Broken pipe");
        assertThatThrownBy(() -> f.exit(1)).hasMessageContaining("an earlier write to the client failed");
        assertThat(gone.get()).isEqualTo(1);
        assertThat(Thread.interrupted()).as("a restore's thread is never interrupted (a swap half done)").isFalse();
        assertThat(f.probeGone()).isTrue();
    }

    @Test
    void aProbeFindsAClientGoneWithoutWaitingForTheScheduledHeartbeat() throws Exception {
        java.util.concurrent.atomic.AtomicInteger gone = new java.util.concurrent.atomic.AtomicInteger();
        ByteArrayOutputStream alive = new ByteArrayOutputStream();
        ServedCommands.Frames ok = new ServedCommands.Frames(alive, gone::incrementAndGet);
        assertThat(ok.probeGone()).isFalse();
        assertThat(alive.size()).as("no heartbeat right after the last write").isZero();
        Thread.sleep(ServedCommands.Frames.PROBE_MILLIS + 50);
        assertThat(ok.probeGone()).isFalse();
        assertThat(alive.size()).as("one heartbeat frame").isEqualTo(5);
        ServedCommands.Frames dead = new ServedCommands.Frames(broken(), gone::incrementAndGet);
        Thread.sleep(ServedCommands.Frames.PROBE_MILLIS + 50);
        assertThat(dead.probeGone()).isTrue();
        assertThat(gone.get()).isEqualTo(1);
    }
}
