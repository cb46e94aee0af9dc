package io.terrarium.daemon;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.terrarium.config.AtomicFiles;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;

/**
 * The running daemon's runtime file ({@code /run/terrarium/daemon.json}): how the CLI finds the
 * daemon's management endpoint. Written after the routes started, removed on shutdown. Holds no
 * secret.
 *
 * @param pid       daemon process id
 * @param host      management bind address (loopback)
 * @param port      management port
 * @param startedAt start time, UTC
 * @param version   terrariumctl version of the daemon
 */
public record DaemonInfo(long pid, String host, int port, Instant startedAt, String version) {

    /** Base URL of the management endpoint, e.g. {@code http://127.0.0.1:876}. */
    public String baseUrl() {
        String h = host.contains(":") ? "[" + host + "]" : host;
        return "http://" + h + ":" + port;
    }

    /** True when the recorded process is alive. */
    public boolean alive() {
        return ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false);
    }

    /**
     * True when the recorded process is stopped by a signal (kill -STOP, Ctrl-Z: state {@code T} in
     * {@code /proc/<pid>/stat}). Such a daemon answers nothing until it is resumed, but the kernel still
     * accepts connections to it and keeps their requests (tester, session 8). Not a process under a
     * debugger ({@code t}) or a frozen cgroup: those are waited for like a hung daemon. The same test as
     * the launcher's client makes before it asks the daemon ({@link io.terrarium.cli.served.ServedProtocol#processStopped}).
     */
    public boolean stopped() {
        return io.terrarium.cli.served.ServedProtocol.processStopped(pid); // gone, or no /proc: alive() and the management call tell
    }

    /** {@link io.terrarium.cli.served.ServedProtocol#stoppedState}. */
    static boolean stoppedState(String stat) {
        return io.terrarium.cli.served.ServedProtocol.stoppedState(stat);
    }

    /**
     * Checks that the management port is held by the recorded daemon process and by nothing else
     * ({@link io.terrarium.host.net.ListenerOwner}), before any management credentials are sent to
     * it: should the port be unprivileged (a {@code --port} override, or a lowered
     * {@code ip_unprivileged_port_start}), a local user who bound it first would receive them.
     *
     * @throws IOException naming the port and the pid when another process holds the port, or
     *                     when no process listens on it
     */
    public void checkListener() throws IOException {
        io.terrarium.host.net.ListenerOwner owner = new io.terrarium.host.net.ListenerOwner();
        if (owner.listeningInodes(port).isEmpty()) {
            throw new IOException("the daemon (pid " + pid + ") does not listen on its management port " + port
                    + "; check `journalctl -u terrarium`");
        }
        if (!owner.ownedBy(port, pid)) {
            throw new IOException("management port " + port + " is held by a process other than the daemon (pid " + pid
                    + "): refusing to send the management credentials there; find it with `ss -ltnp 'sport = :" + port
                    + "'` and restart the daemon (`systemctl restart terrarium`)");
        }
    }

    /**
     * {@link #checkListener} as a yes/no: whether this pid is the daemon (holds its management port
     * and nothing else does), not a stale runtime file's pid that now names another process. No when
     * it cannot be told (another user's {@code /proc/<pid>/fd}).
     */
    public boolean ownsPort() {
        try {
            checkListener();
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    /** Writes the runtime file atomically (0644). */
    public void write(Path file, ObjectMapper json) throws IOException {
        Files.createDirectories(file.getParent());
        AtomicFiles.write(file, json.writeValueAsBytes(this), AtomicFiles.WORLD_READABLE);
    }

    /** Reads the runtime file, or {@code null} when it is missing or unreadable. */
    public static DaemonInfo read(Path file, ObjectMapper json) {
        try {
            return Files.exists(file) ? json.readValue(file.toFile(), DaemonInfo.class) : null;
        } catch (IOException e) {
            return null;
        }
    }
}
