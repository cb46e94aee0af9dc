package io.terrarium.cli.served;

import io.terrarium.App;
import io.terrarium.config.TerrariumPaths;
import io.terrarium.testing.RecordingCommandRunner;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The CLI socket's rules without a daemon: which command lines are served, the request limits,
 * the file checks, and a real socket that refuses hostile requests and keeps answering. The served
 * output itself is compared with the CLI's own in ServedCommandsIT (real daemon, real LXD and zfs).
 */
class ServedCommandsTest {
    @TempDir
    Path dir;

    private App app;
    private Map<String, String> env;
    private ServedCommands server;
    private final List<List<String>> ran = Collections.synchronizedList(new ArrayList<>());

    @BeforeEach
    void start() throws IOException {
        env = Map.of("TERRARIUM_RUN_DIR", dir.resolve("run").toString(), "TERRARIUM_STATE_DIR", dir.resolve("state").toString(),
                "TERRARIUM_ETC_DIR", dir.resolve("etc").toString());
        // every command a served line would run goes through this runner: a refused request runs nothing
        app = new App(TerrariumPaths.from(env), new RecordingCommandRunner(c -> {
            ran.add(c.argv());
            return null;
        }));
        server = ServedCommands.start(app, "build-1", env);
    }

    @AfterEach
    void stop() {
        server.close();
    }

    @Test
    void servesOnlyTheReadOnlyCommandsWithoutHelpVerboseOrUsageErrors() {
        assertThat(ServedCommands.refusal(app, List.of("status"))).isNull();
        assertThat(ServedCommands.refusal(app, List.of("status", "-o", "json"))).isNull();
        assertThat(ServedCommands.refusal(app, List.of("jobs", "list", "--output=yaml"))).isNull();
        assertThat(ServedCommands.refusal(app, List.of("backup", "list", "--source", "local"))).isNull();
        assertThat(ServedCommands.refusal(app, List.of("backup", "list", "--source=LOCAL", "--instance", "web"))).isNull();
        assertThat(ServedCommands.refusal(app, List.of("backup", "list"))).contains("--source local");
        assertThat(ServedCommands.refusal(app, List.of("backup", "list", "--source", "s3"))).contains("--source local");
        assertThat(ServedCommands.refusal(app, List.of("jobs", "run", "host-facts"))).contains("not a served command: jobs run");
        assertThat(ServedCommands.refusal(app, List.of("config", "export"))).contains("not a served command");
        assertThat(ServedCommands.refusal(app, List.of("backup", "restore", "web"))).isNotNull();
        assertThat(ServedCommands.refusal(app, List.of("status", "--help"))).contains("help");
        assertThat(ServedCommands.refusal(app, List.of("jobs", "list", "-V"))).contains("version");
        assertThat(ServedCommands.refusal(app, List.of("status", "-vv"))).contains("verbose");
        assertThat(ServedCommands.refusal(app, List.of("status", "--bogus"))).contains("usage error");
        assertThat(ServedCommands.refusal(app, List.of())).contains("not a served command");
        assertThat(ran).isEmpty();
    }

    @Test
    void theSocketIsOwnerOnlyInAnOwnerOnlyDirectory() throws IOException {
        Path socket = ServedProtocol.socketPath(env);
        assertThat(server.socket()).isEqualTo(socket);
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(socket.getParent()))).isEqualTo("rwx------");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(socket))).isEqualTo("rw-------");
        server.close();
        assertThat(socket).doesNotExist();
    }

    @Test
    void refusesToStartInADirectoryOthersCanEnterOrThroughASymlink() throws IOException {
        server.close();
        Path cli = dir.resolve("run/cli");
        Files.setPosixFilePermissions(cli, PosixFilePermissions.fromString("rwxr-xr-x"));
        assertThatThrownBy(() -> ServedCommands.start(app, "build-1", env)).hasMessageContaining("not rwx------");
        Files.delete(cli);
        Path elsewhere = Files.createDirectory(dir.resolve("elsewhere"), PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        Files.createSymbolicLink(cli, elsewhere);
        assertThatThrownBy(() -> ServedCommands.start(app, "build-1", env)).hasMessageContaining("not a directory");
        assertThat(elsewhere.resolve("cli.sock")).doesNotExist();
        // the client refuses the same layout before it connects
        assertThatThrownBy(() -> ServedClient.ask(env, List.of("status"))).hasMessageContaining("not a directory");
    }

    @Test
    void hostileRequestsAreRefusedAndTheSocketKeepsAnswering() throws Exception {
        // garbage bytes
        assertThat(exchange("GET / HTTP/1.1\r\n\r\n".getBytes())).contains("bad request").contains("magic");
        // a huge argv: 65 arguments, then one argument over the size limit
        assertThat(exchange(request("build-1", env, Collections.nCopies(65, "status")))).contains("65 arguments is outside 0–64");
        assertThat(exchange(request("build-1", env, List.of("status", "x".repeat(5000))))).contains("longer than 4096");
        // a request longer than 64 KiB in total (20 strings of 4,000 characters)
        assertThat(exchange(request("build-1", env, Collections.nCopies(20, "y".repeat(4000))))).contains("longer than 65536 bytes");
        // a truncated request
        byte[] whole = request("build-1", env, List.of("status"));
        assertThat(exchange(java.util.Arrays.copyOf(whole, whole.length - 3))).contains("bad request");
        // commands outside the allow-list, another build, another environment
        assertThat(exchange(request("build-1", env, List.of("jobs", "run", "host-facts")))).contains("not a served command: jobs run");
        assertThat(exchange(request("build-1", env, List.of("config", "show")))).contains("not a served command");
        assertThat(exchange(request("build-0", env, List.of("status")))).contains("another build");
        Map<String, String> other = new java.util.TreeMap<>(env);
        other.put("TERRARIUM_STATE_DIR", "/tmp/elsewhere");
        assertThat(exchange(request("build-1", other, List.of("status")))).contains("another environment");
        assertThat(ran).as("no refused request ran a command").isEmpty();
        // a client that connects and sends nothing is cut off after the request timeout, not held forever
        try (SocketChannel idle = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            idle.connect(UnixDomainSocketAddress.of(server.socket()));
            long t0 = System.nanoTime();
            ByteBuffer b = ByteBuffer.allocate(64);
            int n = idle.read(b);
            assertThat(n).isLessThanOrEqualTo(0);
            assertThat((System.nanoTime() - t0) / 1_000_000).isBetween(4_000L, 15_000L);
        }
        // still answering
        assertThat(exchange(request("build-1", env, List.of("jobs", "pause", "snapshot")))).contains("not a served command: jobs pause");
    }

    /**
     * Tester (session 8): a daemon stopped with kill -STOP read the request the kernel had kept once
     * it resumed, long after its client had given up (and the launcher had run the command itself),
     * and ran the job. A request read after its client's deadline, or too close to it, runs nothing.
     */
    @Test
    void aRequestReadAfterItsClientsDeadlineIsDroppedAndRunsNothing() throws Exception {
        long now = System.currentTimeMillis();
        // a served command whose client gave up 31 s ago: dropped, not run (the runner records every command)
        assertThat(exchange(request("build-1", env, List.of("status"), now - 31_000)))
                .startsWith("dropped: the client's deadline passed 3").endsWith(" s ago");
        // a trigger is dropped before anything else is looked at (here it would be "not a served command")
        assertThat(exchange(request("build-1", env, List.of("jobs", "run", "host-facts"), now - 5_000)))
                .startsWith("dropped: the client's deadline passed");
        // the client gives up within the margin: its answer could arrive too late, so nothing starts either
        assertThat(exchange(request("build-1", env, List.of("status"), System.currentTimeMillis() + 500)))
                .startsWith("dropped: the client gives up in ").endsWith("too soon to start it");
        // a request without a deadline (a hand-made client) is not served
        assertThat(exchange(request("build-1", env, List.of("status"), 0))).isEqualTo("dropped: the request carries no deadline");
        assertThat(ran).as("no dropped request ran a command").isEmpty();
        // in time: served as before (status runs its commands through the recording runner)
        ServedProtocol.Response r = ServedClient.ask(env, List.of("status"), 5);
        assertThat(r.reason()).as("the client's own deadline passes; this test's client is of another build").contains("another build");
        assertThat(server.answer(new ServedProtocol.Request("build-1", false, 0, "UTF-8", "UTF-8", ServedProtocol.relevantEnvironment(env),
                List.of("jobs", "list"), System.currentTimeMillis() + 10_000)).served()).isTrue();
        assertThat(server.answer(new ServedProtocol.Request("build-1", false, 0, "UTF-8", "UTF-8", ServedProtocol.relevantEnvironment(env),
                List.of("jobs", "list"), System.currentTimeMillis() - 1)).reason()).startsWith("the client's deadline passed ");
    }

    @Test
    void theTerminalWidthTheLauncherPassesIsANumberOrUnknown() throws IOException {
        assertThat(ServedClient.columns("132")).isEqualTo(132);
        assertThat(ServedClient.columns(null)).isZero();
        assertThat(ServedClient.columns("")).isZero();   // stty failed: the launcher passes what it got
        assertThat(ServedClient.columns("24 80")).isZero();
        assertThat(ServedClient.columns("-5")).isZero();
        assertThat(ServedClient.columns("9999")).isZero();
        // a width over the protocol's limit from a hand-made request is refused, not drawn
        byte[] wide = ServedProtocol.encode(new ServedProtocol.Request("b", true, 70, "UTF-8", "UTF-8", Map.of(), List.of("status"), 1L));
        int at = 4 + 8 + 2 + 1 + 1; // magic, deadline, the build id "b" (length + byte), flags
        wide[at] = (byte) 0xFF;
        wide[at + 1] = (byte) 0xFF;
        assertThatThrownBy(() -> ServedProtocol.readRequest(new ByteArrayInputStream(wide))).hasMessageContaining("columns");
    }

    @Test
    void requestsAndResponsesRoundTrip() throws IOException {
        ServedProtocol.Request r = new ServedProtocol.Request("b", true, 120, "UTF-8", "US-ASCII", Map.of("TERRARIUM_RUN_DIR", "/r"),
                List.of("status", "-o", "json", "ünïcode"), 1_800_000_000_123L);
        assertThat(ServedProtocol.readRequest(new ByteArrayInputStream(ServedProtocol.encode(r)))).isEqualTo(r);
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        ServedProtocol.writeResponse(b, new ServedProtocol.Response(true, 1, "out\n".getBytes(), "ERROR: x\n".getBytes(), null));
        ServedProtocol.Response back = ServedProtocol.readResponse(new ByteArrayInputStream(b.toByteArray()));
        assertThat(back.served()).isTrue();
        assertThat(back.exit()).isEqualTo(1);
        assertThat(new String(back.out())).isEqualTo("out\n");
        assertThat(new String(back.err())).isEqualTo("ERROR: x\n");
    }

    @Test
    void onlyTerrariumAndLxdVariablesButNotTheLaunchersOwnAreCompared() {
        Map<String, String> m = ServedProtocol.relevantEnvironment(Map.of("TERRARIUM_RUN_DIR", "/r", "LXD_DIR", "/l", "PATH", "/nonexistent",
                "TERRARIUM_CDS", "0", "TERRARIUM_SERVED", "1", "HOME", "/root"));
        java.util.TreeMap<String, String> expected = new java.util.TreeMap<>(Map.of("LXD_DIR", "/l", "TERRARIUM_RUN_DIR", "/r"));
        ServedProtocol.TOOLS.forEach(t -> expected.put(ServedProtocol.TOOL_PREFIX + t, ""));
        assertThat(m).containsExactlyEntriesOf(expected);
    }

    /** Tester (session 8): with another PATH, a served `backup list` ran the daemon's zfs, not the one the CLI would run. */
    @Test
    void theToolsPathFindsAreComparedNotPathItself(@TempDir Path tmp) throws Exception {
        Path a = Files.createDirectories(tmp.resolve("a"));
        Path b = Files.createDirectories(tmp.resolve("b"));
        Path empty = Files.createDirectories(tmp.resolve("games"));
        for (Path d : List.of(a, b)) {
            Path zfs = Files.writeString(d.resolve("zfs"), "#!/bin/sh\n");
            Files.setPosixFilePermissions(zfs, java.nio.file.attribute.PosixFilePermissions.fromString("rwxr-xr-x"));
        }
        Map<String, String> shell = ServedProtocol.relevantEnvironment(Map.of("PATH", a + ":" + empty), tmp);
        Map<String, String> unit = ServedProtocol.relevantEnvironment(Map.of("PATH", a.toString()), tmp);
        Map<String, String> other = ServedProtocol.relevantEnvironment(Map.of("PATH", b + ":" + a), tmp);
        assertThat(shell).containsEntry(ServedProtocol.TOOL_PREFIX + "zfs", a.resolve("zfs").toString())
                .as("a directory without the tools changes nothing").isEqualTo(unit);
        assertThat(other).containsEntry(ServedProtocol.TOOL_PREFIX + "zfs", b.resolve("zfs").toString()).isNotEqualTo(unit);
        // not executable: skipped, as execvp skips it
        Files.setPosixFilePermissions(b.resolve("zfs"), java.nio.file.attribute.PosixFilePermissions.fromString("rw-r--r--"));
        assertThat(ServedProtocol.relevantEnvironment(Map.of("PATH", b + ":" + a), tmp)).isEqualTo(unit);
    }

    /** Tester (session 7): TERRARIUM_STATE_DIR=state was answered from the daemon's own working directory. */
    @Test
    void aRelativePathVariableMakesTheWorkingDirectoryPartOfTheComparison() {
        Map<String, String> rel = Map.of("TERRARIUM_STATE_DIR", "state", "TERRARIUM_RUN_DIR", "/r");
        assertThat(ServedProtocol.relevantEnvironment(rel, Path.of("/tmp/a")))
                .containsEntry(ServedProtocol.WORKING_DIRECTORY, "/tmp/a")
                .isNotEqualTo(ServedProtocol.relevantEnvironment(rel, Path.of("/tmp/b")));
        assertThat(ServedProtocol.relevantEnvironment(rel, Path.of("/tmp/a/./x/..")))
                .isEqualTo(ServedProtocol.relevantEnvironment(rel, Path.of("/tmp/a")));
        // absolute paths: the working directory does not matter (the daemon runs in /, the operator elsewhere)
        Map<String, String> abs = Map.of("TERRARIUM_STATE_DIR", "/var/lib/terrarium", "LXD_SOCKET", "/var/lib/lxd/unix.socket");
        assertThat(ServedProtocol.relevantEnvironment(abs, Path.of("/tmp/a")))
                .isEqualTo(ServedProtocol.relevantEnvironment(abs, Path.of("/")))
                .doesNotContainKey(ServedProtocol.WORKING_DIRECTORY);
        assertThat(ServedProtocol.relevantEnvironment(Map.of("LXD_SOCKET", "unix.socket"), Path.of("/w")))
                .containsEntry(ServedProtocol.WORKING_DIRECTORY, "/w");
    }

    /**
     * Tester (session 7): a second daemon on the same run directory replaced the live socket, and the
     * first one removed the second's socket when it stopped.
     */
    @Test
    void aSecondDaemonLeavesALiveSocketAloneAndAStoppingDaemonRemovesOnlyItsOwn() throws Exception {
        Path socket = server.socket();
        Object first = Files.readAttributes(socket, java.nio.file.attribute.BasicFileAttributes.class).fileKey();
        assertThatThrownBy(() -> ServedCommands.start(app, "build-1", env)).hasMessageContaining("another process serves " + socket);
        assertThat(Files.readAttributes(socket, java.nio.file.attribute.BasicFileAttributes.class).fileKey()).isEqualTo(first);
        assertThat(answering(env)).isTrue();
        // the path is taken over by another daemon (here: the first's file removed by hand, a new one bound)
        Files.delete(socket);
        ServedCommands second = ServedCommands.start(app, "build-1", env);
        try {
            server.close();
            assertThat(socket).as("the second daemon's socket survives the first one's stop").exists();
            assertThat(answering(env)).isTrue();
        } finally {
            second.close();
        }
        assertThat(socket).doesNotExist();
        // a stale socket (nothing accepts on it) is replaced at start
        try (var stale = java.nio.channels.ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
            stale.bind(UnixDomainSocketAddress.of(socket));
            Files.setPosixFilePermissions(socket, PosixFilePermissions.fromString("rw-------"));
        }
        assertThat(socket).exists();
        server = ServedCommands.start(app, "build-1", env);
        assertThat(answering(env)).isTrue();
    }

    /** Tester (session 7): a stopped daemon (kill -STOP) held {@code status} for 127 s before the CLI ran it itself. */
    @Test
    void aDaemonThatDoesNotAnswerIsGivenUpAfterTheDeadline() throws Exception {
        server.close();
        Path socket = ServedProtocol.socketPath(env);
        try (var silent = java.nio.channels.ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
            silent.bind(UnixDomainSocketAddress.of(socket)); // accepts into the backlog, never reads or answers
            Files.setPosixFilePermissions(socket, PosixFilePermissions.fromString("rw-------"));
            long t0 = System.nanoTime();
            assertThatThrownBy(() -> ServedClient.ask(env, List.of("status"), 1)).isInstanceOf(IOException.class);
            assertThat((System.nanoTime() - t0) / 1_000_000).isBetween(900L, 5_000L);
        }
        assertThat(ServedClient.TIMEOUT_SECONDS).isLessThanOrEqualTo(10);
        Files.deleteIfExists(socket);
        server = ServedCommands.start(app, "build-1", env);
    }

    /** Whether a daemon answers on the socket (this test's client is of another build: it answers with that refusal). */
    private static boolean answering(Map<String, String> env) throws IOException {
        ServedProtocol.Response r = ServedClient.ask(env, List.of("jobs", "list"), 5);
        return !r.served() && r.reason().contains("another build");
    }

    private static byte[] request(String build, Map<String, String> env, List<String> args) throws IOException {
        return request(build, env, args, System.currentTimeMillis() + ServedClient.TIMEOUT_SECONDS * 1000L);
    }

    private static byte[] request(String build, Map<String, String> env, List<String> args, long deadline) throws IOException {
        // encoded by hand where encode() would refuse (a string over 65,535 bytes never occurs here)
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        DataOutputStream o = new DataOutputStream(b);
        o.writeInt(ServedProtocol.REQUEST_MAGIC);
        o.writeLong(deadline);
        o.writeUTF(build);
        o.writeByte(0);
        o.writeShort(0);
        o.writeUTF("UTF-8");
        o.writeUTF("UTF-8");
        Map<String, String> rel = ServedProtocol.relevantEnvironment(env);
        o.writeInt(rel.size());
        for (var e : rel.entrySet()) {
            o.writeUTF(e.getKey());
            o.writeUTF(e.getValue());
        }
        o.writeInt(args.size());
        for (String a : args) {
            o.writeUTF(a);
        }
        return b.toByteArray();
    }

    /** Sends raw bytes, half-closes, and returns the refusal's reason (or fails when the request was served). */
    private String exchange(byte[] bytes) throws IOException {
        try (SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            ch.connect(UnixDomainSocketAddress.of(server.socket()));
            ByteBuffer b = ByteBuffer.wrap(bytes);
            try {
                while (b.hasRemaining()) {
                    ch.write(b);
                }
                ch.shutdownOutput();
            } catch (IOException closedEarly) {
                // the daemon stopped reading at its limit; its answer is still there
            }
            ServedProtocol.Response r = ServedProtocol.readResponse(Channels.newInputStream(ch));
            assertThat(r.served()).as("refused").isFalse();
            return r.reason();
        }
    }

    /** Tester, session 10: a connection closed before its request was complete was logged as "bad request refused: null". */
    @Test
    void aRequestCutShortIsLoggedAsSuchNotAsNull() {
        java.io.IOException cut = org.junit.jupiter.api.Assertions.assertThrows(java.io.IOException.class,
                () -> ServedProtocol.readRequest(new java.io.ByteArrayInputStream(new byte[]{0x54, 0x52})));
        assertThat(ServedCommands.badRequest(cut)).isEqualTo(
                "the connection ended before the request was complete (a client that gave up, or not a terrariumctl client)");
        assertThat(ServedCommands.badRequest(new java.io.IOException("terminal width 5000 is over 4096 columns")))
                .isEqualTo("terminal width 5000 is over 4096 columns");
        assertThat(ServedCommands.badRequest(new java.io.IOException())).isEqualTo("IOException");
    }
}
