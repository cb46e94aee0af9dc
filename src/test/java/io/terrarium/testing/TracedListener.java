package io.terrarium.testing;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/**
 * A real process that listens on a loopback port (a stand-in for the daemon: it owns the runtime
 * file's port, as {@code DaemonInfo.checkListener} demands) and is held in a tracing stop (state
 * {@code t}) by a real debugger, {@code gdb -p}. gdb reads its commands from a pipe and detaches at
 * once when {@link #close} ends that pipe; the listener is killed. About 1 s to attach.
 * {@link #available()} says whether gdb is installed (the java-maven machine has it).
 *
 * @param listener the traced process
 * @param gdb      the debugger holding it
 * @param port     the loopback port it listens on
 */
public record TracedListener(Process listener, Process gdb, int port) implements AutoCloseable {

    /** Whether {@code gdb} can be run here. */
    public static boolean available() {
        try {
            return new ProcessBuilder("gdb", "--version").redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD).start().waitFor() == 0;
        } catch (Exception e) {
            return false;
        }
    }

    /**
     * Starts the listener, attaches gdb to it and waits (10 s at most) until its state is {@code t}.
     *
     * @throws AssertionError when it never reaches the tracing stop
     */
    public static TracedListener start() throws Exception {
        Process listener = new ProcessBuilder("python3", "-c", "import socket,time\n"
                + "s=socket.socket(); s.bind(('127.0.0.1',0)); s.listen(1)\n"
                + "print(s.getsockname()[1], flush=True); time.sleep(60)").redirectError(ProcessBuilder.Redirect.DISCARD).start();
        Process gdb = null;
        try {
            int port = Integer.parseInt(new BufferedReader(new InputStreamReader(listener.getInputStream(), StandardCharsets.UTF_8))
                    .readLine().strip());
            gdb = new ProcessBuilder("gdb", "-q", "-nx", "-p", String.valueOf(listener.pid())).redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            Path stat = Path.of("/proc", String.valueOf(listener.pid()), "stat");
            for (int i = 0; i < 500; i++) {
                String s = Files.readString(stat);
                if (s.charAt(s.lastIndexOf(')') + 2) == 't') {
                    return new TracedListener(listener, gdb, port);
                }
                Thread.sleep(20);
            }
            throw new AssertionError("process " + listener.pid() + " never reached a tracing stop under gdb");
        } catch (Exception | AssertionError e) {
            listener.destroyForcibly();
            if (gdb != null) {
                gdb.destroyForcibly();
            }
            throw e;
        }
    }

    /** The listener's pid. */
    public long pid() {
        return listener.pid();
    }

    /** The debugger's pid. */
    public long gdbPid() {
        return gdb.pid();
    }

    /** Kills the listener (SIGKILL ends a traced process too) and lets gdb go: its input ends, it detaches and quits. */
    @Override
    public void close() throws Exception {
        listener.destroyForcibly();
        gdb.getOutputStream().close();
        if (!gdb.waitFor(10, TimeUnit.SECONDS)) {
            gdb.destroyForcibly();
        }
        listener.waitFor(5, TimeUnit.SECONDS);
    }
}
