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
     * How the recorded process is stopped, when it is: by a signal (kill -STOP, Ctrl-Z: state {@code T}
     * in {@code /proc/<pid>/stat}) or under a debugger or tracer (ptrace: state {@code t}, "tracing
     * stop", e.g. {@code gdb -p}). Such a daemon answers nothing until it is resumed, but the kernel
     * still accepts connections to it and keeps their requests (tester, session 8), so the CLI says so
     * at once instead of waiting for an answer; a daemon under a debugger was waited for 30 s like a
     * hung one (tester, session 10). Not a frozen cgroup ({@code S} or {@code D}): waited for like a
     * hung daemon.
     *
     * @return empty when the process runs, is gone, or there is no {@code /proc} (then {@link #alive()}
     *         and the management call tell)
     */
    public java.util.Optional<Stopped> stopped() {
        String stat;
        try {
            stat = Files.readString(Path.of("/proc", String.valueOf(pid), "stat"));
        } catch (IOException | RuntimeException e) {
            return java.util.Optional.empty();
        }
        return switch (stopState(stat)) {
            case 'T' -> java.util.Optional.of(new Stopped("stopped (kill -STOP or Ctrl-Z)", "`kill -CONT " + pid + "`"));
            case 't' -> {
                String tracer = tracer(pid);
                yield java.util.Optional.of(new Stopped("stopped under a debugger or tracer (" + tracer + ")",
                        "continuing or detaching that debugger (kill -CONT does not)"));
            }
            default -> java.util.Optional.empty();
        };
    }

    /**
     * How a stopped daemon is stopped and what resumes it, as the CLI's messages say it.
     *
     * @param how     e.g. {@code stopped (kill -STOP or Ctrl-Z)}, or {@code stopped under a debugger or
     *                tracer (pid 812, gdb)}
     * @param resumer what resumes it, the subject of "… resumes it": {@code `kill -CONT <pid>`}, or
     *                {@code continuing or detaching that debugger (kill -CONT does not)}
     */
    public record Stopped(String how, String resumer) {
    }

    /** {@link io.terrarium.cli.served.ServedProtocol#stateLetter}: the launcher's client reads the same letter. */
    static char stopState(String stat) {
        return io.terrarium.cli.served.ServedProtocol.stateLetter(stat);
    }

    /**
     * The tracer of a traced process, from {@code TracerPid} in {@code /proc/<pid>/status} and that
     * pid's {@code comm}: {@code "pid 812, gdb"}, or {@code "ptrace"} when it cannot be read.
     */
    static String tracer(long pid) {
        try {
            String tracer = tracerPid(Files.readString(Path.of("/proc", String.valueOf(pid), "status")));
            if (tracer == null) {
                return "ptrace";
            }
            try {
                return "pid " + tracer + ", " + Files.readString(Path.of("/proc", tracer, "comm")).strip();
            } catch (IOException e) {
                return "pid " + tracer;
            }
        } catch (IOException | RuntimeException e) {
            return "ptrace";
        }
    }

    /** The {@code TracerPid} of a {@code /proc/<pid>/status} text, or {@code null} when none (0) or missing. */
    static String tracerPid(String status) {
        for (String line : status.split("\n")) {
            if (line.startsWith("TracerPid:")) {
                String v = line.substring("TracerPid:".length()).strip();
                return v.matches("[1-9][0-9]*") ? v : null;
            }
        }
        return null;
    }

    /**
     * Checks that the management port is held by the recorded daemon process and by nothing else
     * ({@link io.terrarium.host.net.ListenerOwner}), before any management credentials are sent to
     * it: should the port be unprivileged (a {@code --port} override, or a lowered
     * {@code ip_unprivileged_port_start}), a local user who bound it first would receive them.
     *
     * <p>A runtime file left behind (a daemon killed with SIGKILL, a crash) may name a pid that now
     * belongs to an unrelated process ({@code sleep}, pid 1): the messages name that pid with its
     * {@code comm} and the runtime file, never "the daemon", and say how to tell a stale file and what
     * to do with it (tester, session 11: "the daemon (pid 1) does not listen on its management port").
     *
     * @param runtimeFile the runtime file this record was read from, named in the messages
     * @param purpose     what needs the daemon, the subject of "… needs root", e.g. {@code triggering a job}
     * @throws java.nio.file.AccessDeniedException when this user may not see the pid's open files
     *                     ({@code /proc/<pid>/fd}: another user's process, i.e. the CLI is not root):
     *                     "{@code <purpose>} needs root: … run terrariumctl as root, e.g. with sudo"
     *                     (tester, session 11: it was "ERROR: /proc/812/fd")
     * @throws IOException naming the runtime file, the pid and the port when another process holds the
     *                     port, or when no process listens on it
     */
    public void checkListener(Path runtimeFile, String purpose) throws IOException {
        io.terrarium.host.net.ListenerOwner owner = new io.terrarium.host.net.ListenerOwner();
        String named = "the runtime file " + runtimeFile + " names pid " + pid + " (" + comm(pid) + ")";
        String stale = "if no Terrarium daemon runs (`systemctl status terrarium`, `pgrep -af 'terrarium.jar daemon'`),"
                + " that file is stale: remove it (`rm " + runtimeFile + "`) and run this command again";
        if (owner.listeningInodes(port).isEmpty()) {
            throw new IOException(named + ", which does not listen on the management port " + port + ": " + stale
                    + "; if the daemon runs, check `journalctl -u terrarium`");
        }
        boolean owns;
        try {
            owns = owner.ownedBy(port, pid);
        } catch (java.nio.file.AccessDeniedException e) {
            java.nio.file.AccessDeniedException root = new java.nio.file.AccessDeniedException(null, null, purpose
                    + " needs root: " + named + ", a process of " + processOwner(pid) + "'s whose open files this user may"
                    + " not see, and the daemon's management credentials are root's only; "
                    + io.terrarium.config.RootOnlyFile.RUN_AS_ROOT);
            root.initCause(e);
            throw root;
        }
        if (!owns) {
            throw new IOException("management port " + port + " is held by a process other than pid " + pid + " (" + comm(pid)
                    + "), which the runtime file " + runtimeFile + " names: refusing to send the management credentials"
                    + " there; find that process with `ss -ltnp 'sport = :" + port + "'`; " + stale
                    + "; if the daemon runs, restart it (`systemctl restart terrarium`)");
        }
    }

    /** A process's {@code comm} (its command name, readable by every user), or {@code ?}. */
    static String comm(long pid) {
        try {
            return Files.readString(Path.of("/proc", String.valueOf(pid), "comm")).strip();
        } catch (IOException | RuntimeException e) {
            return "?";
        }
    }

    /** The user a process runs as (the owner of {@code /proc/<pid>}), e.g. {@code root}, or {@code another user}. */
    static String processOwner(long pid) {
        try {
            return Files.getOwner(Path.of("/proc", String.valueOf(pid))).getName();
        } catch (IOException | RuntimeException e) {
            return "another user";
        }
    }

    /**
     * {@link #checkListener} as a yes/no: whether this pid is the daemon (holds its management port
     * and nothing else does), not a stale runtime file's pid that now names another process. No when
     * it cannot be told (another user's {@code /proc/<pid>/fd}).
     */
    public boolean ownsPort() {
        try {
            checkListener(Path.of("daemon.json"), "asking the daemon"); // the message is not shown
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

    /**
     * Reads the runtime file, or {@code null} when it is missing, unreadable or not a regular file (a
     * FIFO there made {@code status} wait forever for a writer, tester, session 11).
     */
    public static DaemonInfo read(Path file, ObjectMapper json) {
        try {
            return Files.isRegularFile(file) ? json.readValue(file.toFile(), DaemonInfo.class) : null;
        } catch (IOException e) {
            return null;
        }
    }
}
