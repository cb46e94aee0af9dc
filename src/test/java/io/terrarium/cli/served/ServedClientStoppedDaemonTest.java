package io.terrarium.cli.served;

import io.terrarium.App;
import io.terrarium.daemon.DaemonInfo;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedReader;
import java.io.ByteArrayOutputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Tester, session 10: {@code status} against a daemon under kill -STOP waited the client's 10 s of
 * silence on the CLI socket (the kernel accepts the connection and keeps the request) before the CLI's
 * JVM named the daemon stopped. The "daemon" is a real process — it listens on a CLI socket that passes
 * the client's owner and mode checks, and on a management port, and the runtime file names it — stopped
 * with kill -STOP. The client now asks nothing and falls back (exit 222) at once; the JVM's answer is
 * {@code StatusDaemonRowTest}'s. About 0.3 s (10 s and a failure before).
 */
class ServedClientStoppedDaemonTest {
    @TempDir
    Path dir;

    @Test
    void theClientAsksAStoppedDaemonNothingAndFallsBackAtOnce() throws Exception {
        Path run = dir.resolve("run");
        Process p = new ProcessBuilder("python3", "-c", "import os,socket,sys,time\n"
                + "d=os.path.join(sys.argv[1],'cli'); os.makedirs(d); os.chmod(d,0o700)\n"
                + "u=socket.socket(socket.AF_UNIX); u.bind(os.path.join(d,'cli.sock')); os.chmod(os.path.join(d,'cli.sock'),0o600)\n"
                + "u.listen(8)\n"
                + "t=socket.socket(); t.bind(('127.0.0.1',0)); t.listen(1)\n"
                + "print(t.getsockname()[1], flush=True); time.sleep(60)", run.toString())
                .redirectError(ProcessBuilder.Redirect.DISCARD).start();
        try {
            int port = Integer.parseInt(new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8)).readLine().strip());
            new DaemonInfo(p.pid(), "127.0.0.1", port, Instant.now(), "9.9.9").write(run.resolve("daemon.json"), App.jsonMapper());
            Map<String, String> env = Map.of("TERRARIUM_RUN_DIR", run.toString());
            ServedProtocol.checkSocket(ServedProtocol.socketPath(env), ServedProtocol.currentUid()); // the client would connect
            assertThat(ServedProtocol.daemonStopped(env)).as("running").isFalse();

            assertThat(new ProcessBuilder("kill", "-STOP", String.valueOf(p.pid())).start().waitFor()).isZero();
            Path stat = Path.of("/proc", String.valueOf(p.pid()), "stat");
            for (int i = 0; i < 100 && !ServedProtocol.stoppedState(Files.readString(stat)); i++) {
                Thread.sleep(20);
            }
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            ByteArrayOutputStream err = new ByteArrayOutputStream();
            long t0 = System.nanoTime();
            int exit = ServedClient.run(env, List.of("status"), ServedClient.TIMEOUT_SECONDS, out, err);
            long ms = (System.nanoTime() - t0) / 1_000_000;
            assertThat(exit).isEqualTo(ServedProtocol.NOT_SERVED_EXIT);
            assertThat(out.size() + err.size()).as("nothing printed: the launcher runs the command itself").isZero();
            assertThat(ms).as("fell back without waiting for the %s s of silence", ServedClient.TIMEOUT_SECONDS).isLessThan(2_000);
        } finally {
            p.destroyForcibly();
            p.waitFor(5, TimeUnit.SECONDS);
        }
    }

    @Test
    void aRuntimeFileWithoutAPidOrNoneAtAllIsNotAStoppedDaemon() throws Exception {
        Map<String, String> env = Map.of("TERRARIUM_RUN_DIR", dir.toString());
        assertThat(ServedProtocol.daemonStopped(env)).isFalse();
        Files.writeString(dir.resolve("daemon.json"), "{\"host\":\"127.0.0.1\"}");
        assertThat(ServedProtocol.daemonStopped(env)).isFalse();
        Files.writeString(dir.resolve("daemon.json"), "{\"pid\":999999999999999999999}");
        assertThat(ServedProtocol.daemonStopped(env)).isFalse();
    }
}
