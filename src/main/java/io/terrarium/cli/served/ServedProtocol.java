package io.terrarium.cli.served;

import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.PosixFilePermission;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * The wire format and the file checks of the CLI socket (issue 16 item 4): the running daemon
 * answers read-only commands ({@code status}, {@code jobs list}, {@code backup list --source local})
 * on a unix domain socket, so they cost a small JVM instead of a JVM that loads picocli, Jackson
 * and the adapters. Uses java.base only: {@link ServedClient} loads nothing else.
 *
 * <p>Authentication is the file system: the socket {@code <run dir>/cli/cli.sock} (default
 * {@code /run/terrarium/cli/cli.sock}) sits in a directory of mode 0700 owned by the daemon's user
 * (root), the socket itself 0600; both sides refuse a symlink, another owner or a looser mode
 * ({@link #checkDirectory}, {@link #checkSocket}). The kernel checks the directory's search
 * permission on {@code connect(2)} (unix(7), "Pathname socket ownership and permissions").
 *
 * <p>Request (big-endian, {@link DataOutputStream} encoding, at most {@value #MAX_REQUEST_BYTES}
 * bytes): magic {@value #REQUEST_MAGIC}, the client's deadline (long, epoch ms: when it stops waiting
 * for the answer's first byte; the daemon starts nothing for a request it reads later, see
 * {@link io.terrarium.daemon.ClientDeadline}), build id (UTF), flags (byte; bit 0: stdin and stdout are a
 * terminal, i.e. {@code System.console() != null}), the terminal's width in columns (short; 0 when
 * unknown or not a terminal: the daemon draws a job's progress bar that wide), stdout charset, stderr charset (UTF), the
 * environment variables that change what a command reads ({@link #relevantEnvironment}: count,
 * then name/value pairs), the arguments (count, then each UTF). Response: magic
 * {@value #RESPONSE_MAGIC}, then {@link #SERVED} with exit code, stdout bytes and stderr bytes
 * (each length-prefixed), or {@link #REFUSED} with a reason; a refused request is run by the CLI's
 * own JVM instead, with the same output. A job trigger ({@code jobs run}, {@code proxy sync}, …)
 * is answered {@link #STREAMED}: frames follow as the command prints — each a type byte
 * ({@link #FRAME_STDOUT}, {@link #FRAME_STDERR}, {@link #FRAME_HEARTBEAT}, {@link #FRAME_EXIT}), a
 * length (int, 0–{@value #MAX_FRAME_BYTES}) and that many bytes — ending with the exit frame (a
 * 4-byte exit code). The daemon sends a heartbeat after {@value #HEARTBEAT_SECONDS} s without a
 * frame, so a client hears from a live daemon well within its silence limit while a long job runs.
 * {@link #STREAMED} is sent before the command runs: a client that has not read it may run the
 * command itself, one that has must not (the job may already be running).
 */
public final class ServedProtocol {
    /**
     * "TRM3": request magic and protocol version (2 added the terminal's width, 3 the client's
     * deadline); a client of another version is refused, and runs the command in its own JVM.
     */
    public static final int REQUEST_MAGIC = 0x54524D33;
    /** "TRMR": response magic. */
    public static final int RESPONSE_MAGIC = 0x54524D52;
    /** Response status: the command ran in the daemon; exit code and output follow. */
    public static final byte SERVED = 0;
    /** Response status: the daemon did not run it (a reason follows); the CLI runs it itself. */
    public static final byte REFUSED = 1;
    /** Response status: the command runs in the daemon now; its output follows in frames as it is printed. */
    public static final byte STREAMED = 2;
    /** Frame type: bytes of stdout. */
    public static final byte FRAME_STDOUT = 1;
    /** Frame type: bytes of stderr. */
    public static final byte FRAME_STDERR = 2;
    /** Frame type: no output, the daemon is alive (empty). */
    public static final byte FRAME_HEARTBEAT = 3;
    /** Frame type: the command's exit code (4 bytes, big-endian); the last frame. */
    public static final byte FRAME_EXIT = 4;
    /** Largest frame payload in bytes; a writer splits longer output, a reader refuses a longer frame. */
    public static final int MAX_FRAME_BYTES = 64 * 1024;
    /** Seconds without a frame after which the daemon sends a heartbeat. */
    public static final int HEARTBEAT_SECONDS = 2;
    /** Largest request in bytes; a longer one is refused unread. */
    public static final int MAX_REQUEST_BYTES = 64 * 1024;
    /** Most arguments in one request. */
    public static final int MAX_ARGS = 64;
    /** Most environment variables in one request. */
    public static final int MAX_ENV = 64;
    /** Longest string (argument, variable, build id) in characters. */
    public static final int MAX_STRING = 4096;
    /** Largest stdout or stderr the daemon returns, in bytes; a larger output is refused (the CLI runs it). */
    public static final int MAX_OUTPUT_BYTES = 16 * 1024 * 1024;
    /**
     * Exit status of {@link ServedClient} when the daemon did not answer: the launcher then runs
     * the command in its own JVM. No command exits with it (0, 1, 2 only: ExitCodes).
     */
    public static final int NOT_SERVED_EXIT = 222;
    /** Launcher-only variables: they change how the JVM starts, not what a command prints. */
    static final Set<String> LAUNCHER_ONLY = Set.of("TERRARIUM_CDS", "TERRARIUM_CDS_DIR", "TERRARIUM_HELP_PAGES", "TERRARIUM_SERVED");

    private ServedProtocol() {
    }

    /**
     * A request as the daemon reads it.
     *
     * @param console stdin and stdout of the client are a terminal ({@code System.console() != null})
     * @param columns the width of that terminal in columns, 0 when unknown (or no terminal)
     * @param deadline when the client stops waiting for the answer to begin, epoch ms: the daemon
     *                 drops the request after it ({@link io.terrarium.daemon.ClientDeadline})
     */
    public record Request(String buildId, boolean console, int columns, String stdoutCharset, String stderrCharset,
                          Map<String, String> env, List<String> args, long deadline) {
    }

    /** Widest terminal a request may name, in columns (a short; anything wider is drawn this wide). */
    public static final int MAX_COLUMNS = 4096;

    /** A response: {@code served} with exit code and output, or refused with a reason. */
    public record Response(boolean served, int exit, byte[] out, byte[] err, String reason) {
        /** A refusal. */
        public static Response refused(String reason) {
            return new Response(false, -1, new byte[0], new byte[0], reason);
        }
    }

    /** The socket's path under the run directory ({@code TERRARIUM_RUN_DIR}, default {@code /run/terrarium}). */
    public static Path socketPath(Map<String, String> env) {
        return Path.of(env.getOrDefault("TERRARIUM_RUN_DIR", "/run/terrarium"), "cli", "cli.sock");
    }

    /**
     * Whether the daemon named by the runtime file ({@code daemon.json} in {@code TERRARIUM_RUN_DIR}, default
     * {@code /run/terrarium}) is a stopped process (kill -STOP, Ctrl-Z or a debugger: {@link #stoppedState}). Such a daemon answers
     * nothing until resumed, while the kernel still accepts connections to its socket; the client then asks
     * nothing and the CLI's own JVM says at once that the daemon is stopped, instead of after the
     * client's {@value ServedClient#TIMEOUT_SECONDS} s of silence (tester, session 10). java.base only:
     * the pid is read from the file's JSON with a pattern. No when there is no runtime file or it names no
     * pid, or the process is gone; whether that pid is the daemon at all ({@code DaemonInfo#ownsPort}) is
     * the CLI's JVM's to tell — a stale file only costs the served answer then.
     */
    public static boolean daemonStopped(Map<String, String> env) {
        Path file = Path.of(env.getOrDefault("TERRARIUM_RUN_DIR", "/run/terrarium"), "daemon.json");
        try {
            if (!Files.isRegularFile(file) || Files.size(file) > 64 * 1024) { // a FIFO would block the read
                return false;
            }
            java.util.regex.Matcher m = java.util.regex.Pattern.compile("\"pid\"\\s*:\\s*([0-9]{1,18})[^0-9]")
                    .matcher(Files.readString(file));
            return m.find() && processStopped(Long.parseLong(m.group(1)));
        } catch (IOException | RuntimeException e) {
            return false; // no runtime file: no daemon to look at
        }
    }

    /**
     * True when process {@code pid} is stopped: by a signal (kill -STOP, Ctrl-Z: state {@code T} in
     * {@code /proc/<pid>/stat}) or under a debugger or tracer (ptrace: {@code t}, "tracing stop"). Either
     * answers nothing until resumed. Not a frozen cgroup: waited for like a hung daemon. False when the
     * process is gone or there is no /proc.
     */
    public static boolean processStopped(long pid) {
        try {
            return stoppedState(Files.readString(Path.of("/proc", String.valueOf(pid), "stat")));
        } catch (IOException | RuntimeException e) {
            return false;
        }
    }

    /** Whether a {@code /proc/<pid>/stat} line says stopped: state {@code T} or {@code t} ({@link #stateLetter}). */
    public static boolean stoppedState(String stat) {
        char state = stateLetter(stat);
        return state == 'T' || state == 't';
    }

    /**
     * The state letter of a {@code /proc/<pid>/stat} line (proc(5): it follows the command name in
     * parentheses, which may itself contain ")" and spaces), or {@code '?'} for a line without one.
     */
    public static char stateLetter(String stat) {
        int close = stat.lastIndexOf(')');
        return close >= 0 && close + 2 < stat.length() && stat.charAt(close + 1) == ' ' ? stat.charAt(close + 2) : '?';
    }

    /** The entry {@link #relevantEnvironment} adds for the working directory; no variable can have this name. */
    public static final String WORKING_DIRECTORY = " working directory";

    /**
     * The variables that change what a served command reads (the paths of TerrariumPaths, LXD's
     * socket): every {@code TERRARIUM_*} and {@code LXD_*} except the launcher's own. The daemon
     * serves a request only when the client's map equals its own, so both read the same files. When a
     * path variable ({@code *_DIR}, {@code *_SOCKET}, {@code *_HOME}, {@code *_ROOT}) is relative, the
     * working directory is part of the map too ({@link #WORKING_DIRECTORY}): the same text names
     * another directory from another working directory (tester, session 7: {@code TERRARIUM_STATE_DIR=state}
     * was answered from the daemon's directory).
     *
     * @param env the process environment
     * @param cwd the process's working directory
     */
    public static Map<String, String> relevantEnvironment(Map<String, String> env, Path cwd) {
        Map<String, String> m = new TreeMap<>();
        boolean relative = false;
        for (Map.Entry<String, String> e : env.entrySet()) {
            String k = e.getKey();
            if ((k.startsWith("TERRARIUM_") || k.startsWith("LXD_")) && !LAUNCHER_ONLY.contains(k)) {
                m.put(k, e.getValue());
                relative |= (k.endsWith("_DIR") || k.endsWith("_SOCKET") || k.endsWith("_HOME") || k.endsWith("_ROOT"))
                        && !e.getValue().isEmpty() && !e.getValue().startsWith("/");
            }
        }
        if (relative) {
            m.put(WORKING_DIRECTORY, cwd.toAbsolutePath().normalize().toString());
        }
        // not PATH itself (a root shell's on Ubuntu has /snap/bin and games, systemd's has not), but what
        // it finds for the tools the served read-only commands run (tester, session 8: with another PATH
        // a served `backup list` ran another zfs than the CLI's own JVM would)
        String path = env.getOrDefault("PATH", "");
        for (String tool : TOOLS) {
            m.put(TOOL_PREFIX + tool, which(tool, path, cwd));
        }
        return m;
    }

    /** The executables the served read-only commands run ({@code status}: lxc, zpool; {@code backup list}: zfs). */
    static final List<String> TOOLS = List.of("lxc", "zfs", "zpool");
    /** Prefix of the entries {@link #relevantEnvironment} adds for {@link #TOOLS}; no variable can have this name. */
    static final String TOOL_PREFIX = " tool ";

    /**
     * The first regular executable file named {@code tool} in the directories of {@code path}, as
     * execvp(3) searches them (an empty entry is the working directory); "" when there is none.
     */
    static String which(String tool, String path, Path cwd) {
        for (String dir : path.split(":", -1)) {
            Path p = (dir.isEmpty() ? cwd : cwd.resolve(dir)).resolve(tool).toAbsolutePath().normalize();
            if (java.nio.file.Files.isRegularFile(p) && java.nio.file.Files.isExecutable(p)) {
                return p.toString();
            }
        }
        return "";
    }

    /** {@link #relevantEnvironment(Map, Path)} from this process's working directory. */
    public static Map<String, String> relevantEnvironment(Map<String, String> env) {
        return relevantEnvironment(env, Path.of(System.getProperty("user.dir")));
    }

    /**
     * Identity of the running code: the real path, size, modification time and file key of the jar
     * this class came from (a directory of classes in tests). {@code terrariumctl update} replaces the
     * jar, so a client of the new release never talks to a daemon still running the old one.
     *
     * @throws IOException when the code source cannot be read
     */
    public static String buildId() throws IOException {
        try {
            return buildId(Path.of(ServedProtocol.class.getProtectionDomain().getCodeSource().getLocation().toURI()));
        } catch (URISyntaxException | RuntimeException e) {
            throw new IOException("cannot identify the running build: " + e, e);
        }
    }

    /**
     * The build id of the jar (or class directory) at {@code codeSource}: see {@link #buildId()}.
     *
     * @throws IOException when it cannot be read
     */
    public static String buildId(Path codeSource) throws IOException {
        try {
            Path p = codeSource.toRealPath();
            BasicFileAttributes a = Files.readAttributes(p, BasicFileAttributes.class);
            return a.isDirectory() ? "classes:" + p
                    : p + "|" + a.size() + "|" + a.lastModifiedTime().toMillis() + "|" + a.fileKey();
        } catch (RuntimeException e) {
            throw new IOException("cannot identify the running build: " + e, e);
        }
    }

    /** The effective uid of this process (owner of {@code /proc/self}), without jdk.security.auth. */
    public static int currentUid() throws IOException {
        return (Integer) Files.getAttribute(Path.of("/proc/self"), "unix:uid");
    }

    /**
     * Checks the socket's directory: a real directory (not a symlink), owned by {@code uid}, mode 0700.
     *
     * @throws IOException naming what is wrong
     */
    public static void checkDirectory(Path dir, int uid) throws IOException {
        PosixFileAttributes a = Files.readAttributes(dir, PosixFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
        if (!a.isDirectory()) {
            throw new IOException(dir + " is not a directory (a symlink or a file): refusing the CLI socket");
        }
        int owner = (Integer) Files.getAttribute(dir, "unix:uid", LinkOption.NOFOLLOW_LINKS);
        if (owner != uid) {
            throw new IOException(dir + " is owned by uid " + owner + ", not " + uid + ": refusing the CLI socket");
        }
        if (!a.permissions().equals(Set.of(PosixFilePermission.OWNER_READ, PosixFilePermission.OWNER_WRITE,
                PosixFilePermission.OWNER_EXECUTE))) {
            throw new IOException(dir + " has mode " + java.nio.file.attribute.PosixFilePermissions.toString(a.permissions())
                    + ", not rwx------: refusing the CLI socket");
        }
    }

    /**
     * Checks the socket file: a socket (not a symlink), owned by {@code uid}, no group or other bits.
     *
     * @throws IOException naming what is wrong
     */
    public static void checkSocket(Path socket, int uid) throws IOException {
        PosixFileAttributes a = Files.readAttributes(socket, PosixFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
        if (!a.isOther() || a.isSymbolicLink()) {
            throw new IOException(socket + " is not a socket: refusing it");
        }
        int owner = (Integer) Files.getAttribute(socket, "unix:uid", LinkOption.NOFOLLOW_LINKS);
        if (owner != uid) {
            throw new IOException(socket + " is owned by uid " + owner + ", not " + uid + ": refusing it");
        }
        for (PosixFilePermission p : a.permissions()) {
            if (!p.name().startsWith("OWNER_")) {
                throw new IOException(socket + " is accessible to group or others: refusing it");
            }
        }
    }

    /** Encodes a request ({@link ServedClient}). */
    public static byte[] encode(Request r) throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        DataOutputStream o = new DataOutputStream(b);
        o.writeInt(REQUEST_MAGIC);
        o.writeLong(r.deadline());
        o.writeUTF(r.buildId());
        o.writeByte(r.console() ? 1 : 0);
        o.writeShort(Math.max(0, Math.min(MAX_COLUMNS, r.columns())));
        o.writeUTF(r.stdoutCharset());
        o.writeUTF(r.stderrCharset());
        o.writeInt(r.env().size());
        for (Map.Entry<String, String> e : r.env().entrySet()) {
            o.writeUTF(e.getKey());
            o.writeUTF(e.getValue());
        }
        o.writeInt(r.args().size());
        for (String a : r.args()) {
            o.writeUTF(a);
        }
        o.flush();
        return b.toByteArray();
    }

    /**
     * Reads one request, at most {@value #MAX_REQUEST_BYTES} bytes.
     *
     * @throws IOException for a wrong magic, a count or string over its limit, a truncated or
     *                     oversized request
     */
    public static Request readRequest(InputStream raw) throws IOException {
        DataInputStream in = new DataInputStream(new Limited(raw, MAX_REQUEST_BYTES));
        if (in.readInt() != REQUEST_MAGIC) {
            throw new IOException("not a terrariumctl request (wrong magic or protocol version)");
        }
        long deadline = in.readLong();
        String build = string(in);
        boolean console = (in.readByte() & 1) != 0;
        int columns = in.readUnsignedShort();
        if (columns > MAX_COLUMNS) {
            throw new IOException("terminal width " + columns + " is over " + MAX_COLUMNS + " columns");
        }
        String outCs = string(in);
        String errCs = string(in);
        int n = count(in, MAX_ENV, "environment variables");
        Map<String, String> env = new TreeMap<>();
        for (int i = 0; i < n; i++) {
            env.put(string(in), string(in));
        }
        int argc = count(in, MAX_ARGS, "arguments");
        List<String> args = new ArrayList<>(argc);
        for (int i = 0; i < argc; i++) {
            args.add(string(in));
        }
        return new Request(build, console, columns, outCs, errCs, env, List.copyOf(args), deadline);
    }

    /** Writes a response. */
    public static void writeResponse(OutputStream raw, Response r) throws IOException {
        DataOutputStream o = new DataOutputStream(new java.io.BufferedOutputStream(raw, 64 * 1024));
        o.writeInt(RESPONSE_MAGIC);
        if (r.served()) {
            o.writeByte(SERVED);
            o.writeInt(r.exit());
            o.writeInt(r.out().length);
            o.write(r.out());
            o.writeInt(r.err().length);
            o.write(r.err());
        } else {
            o.writeByte(REFUSED);
            o.writeUTF(r.reason().length() > MAX_STRING ? r.reason().substring(0, MAX_STRING) : r.reason());
        }
        o.flush();
    }

    /**
     * Reads a whole response (nothing is printed before it is complete).
     *
     * @throws IOException for a wrong magic, a truncated response, an output over {@value #MAX_OUTPUT_BYTES}
     *                     bytes or a {@link #STREAMED} answer (read those with {@link #readStatus} and {@link #readFrame})
     */
    public static Response readResponse(InputStream raw) throws IOException {
        DataInputStream in = new DataInputStream(raw);
        return readResponse(readStatus(in), in);
    }

    /**
     * Reads the response's magic and status ({@link #SERVED}, {@link #REFUSED} or {@link #STREAMED}).
     *
     * @throws IOException for a wrong magic, an unknown status or a truncated header
     */
    public static byte readStatus(DataInputStream in) throws IOException {
        if (in.readInt() != RESPONSE_MAGIC) {
            throw new IOException("not a terrarium daemon response");
        }
        byte status = in.readByte();
        if (status != SERVED && status != REFUSED && status != STREAMED) {
            throw new IOException("unknown response status " + status);
        }
        return status;
    }

    /**
     * Reads the rest of a {@link #SERVED} or {@link #REFUSED} response after its status.
     *
     * @throws IOException for a truncated response, an output over {@value #MAX_OUTPUT_BYTES} bytes or {@link #STREAMED}
     */
    public static Response readResponse(byte status, DataInputStream in) throws IOException {
        if (status == REFUSED) {
            return Response.refused(in.readUTF());
        }
        if (status != SERVED) {
            throw new IOException("response status " + status + " is not a whole answer");
        }
        int exit = in.readInt();
        byte[] out = bytes(in);
        byte[] err = bytes(in);
        return new Response(true, exit, out, err, null);
    }

    /** Writes the header of a {@link #STREAMED} response; frames follow ({@link #writeFrame}). */
    public static void writeStreamedHeader(OutputStream out) throws IOException {
        out.write(new byte[]{(byte) (RESPONSE_MAGIC >>> 24), (byte) (RESPONSE_MAGIC >>> 16), (byte) (RESPONSE_MAGIC >>> 8),
            (byte) RESPONSE_MAGIC, STREAMED});
        out.flush();
    }

    /**
     * Writes one frame in a single {@code write} call.
     *
     * @param type a {@code FRAME_*} type
     * @param len  0–{@value #MAX_FRAME_BYTES} bytes of {@code b} from {@code off}
     * @throws IllegalArgumentException for a longer payload or an unknown type (split output first)
     * @throws IOException              when the client is gone
     */
    public static void writeFrame(OutputStream out, byte type, byte[] b, int off, int len) throws IOException {
        out.write(frame(type, b, off, len));
        out.flush();
    }

    /**
     * One frame's bytes: type, length, payload.
     *
     * @throws IllegalArgumentException for a payload over {@value #MAX_FRAME_BYTES} bytes or an unknown type
     */
    static byte[] frame(byte type, byte[] b, int off, int len) {
        if (type < FRAME_STDOUT || type > FRAME_EXIT) {
            throw new IllegalArgumentException("unknown frame type " + type);
        }
        if (len < 0 || len > MAX_FRAME_BYTES) {
            throw new IllegalArgumentException("a frame of " + len + " bytes is outside 0–" + MAX_FRAME_BYTES);
        }
        byte[] f = new byte[5 + len];
        f[0] = type;
        f[1] = (byte) (len >>> 24);
        f[2] = (byte) (len >>> 16);
        f[3] = (byte) (len >>> 8);
        f[4] = (byte) len;
        System.arraycopy(b, off, f, 5, len);
        return f;
    }

    /** Writes the exit frame: {@code code} as 4 bytes. */
    public static void writeExit(OutputStream out, int code) throws IOException {
        writeFrame(out, FRAME_EXIT, new byte[]{(byte) (code >>> 24), (byte) (code >>> 16), (byte) (code >>> 8), (byte) code}, 0, 4);
    }

    /** One frame of a {@link #STREAMED} response: its type and payload. */
    public record Frame(byte type, byte[] data) {
        /** The exit code of a {@link #FRAME_EXIT} frame. */
        public int exit() {
            return ((data[0] & 0xff) << 24) | ((data[1] & 0xff) << 16) | ((data[2] & 0xff) << 8) | (data[3] & 0xff);
        }
    }

    /**
     * Reads one frame.
     *
     * @throws IOException for a truncated frame (EOF), an unknown type, a length outside
     *                     0–{@value #MAX_FRAME_BYTES}, an exit frame that is not 4 bytes or a heartbeat
     *                     that is not empty
     */
    public static Frame readFrame(DataInputStream in) throws IOException {
        byte type = in.readByte();
        if (type < FRAME_STDOUT || type > FRAME_EXIT) {
            throw new IOException("unknown frame type " + type);
        }
        int n = in.readInt();
        if (n < 0 || n > MAX_FRAME_BYTES) {
            throw new IOException("a frame of " + n + " bytes is outside 0–" + MAX_FRAME_BYTES);
        }
        if ((type == FRAME_EXIT && n != 4) || (type == FRAME_HEARTBEAT && n != 0)) {
            throw new IOException("frame type " + type + " with " + n + " bytes");
        }
        byte[] b = new byte[n];
        in.readFully(b);
        return new Frame(type, b);
    }

    private static byte[] bytes(DataInputStream in) throws IOException {
        int n = in.readInt();
        if (n < 0 || n > MAX_OUTPUT_BYTES) {
            throw new IOException("output of " + n + " bytes is outside 0–" + MAX_OUTPUT_BYTES);
        }
        byte[] b = new byte[n];
        in.readFully(b);
        return b;
    }

    private static int count(DataInputStream in, int max, String what) throws IOException {
        int n = in.readInt();
        if (n < 0 || n > max) {
            throw new IOException(n + " " + what + " is outside 0–" + max);
        }
        return n;
    }

    private static String string(DataInputStream in) throws IOException {
        String s = in.readUTF();
        if (s.length() > MAX_STRING) {
            throw new IOException("a string of " + s.length() + " characters is longer than " + MAX_STRING);
        }
        return s;
    }

    /** Fails with EOF after {@code limit} bytes, so a request can never make the daemon read more. */
    private static final class Limited extends FilterInputStream {
        private long left;

        Limited(InputStream in, long limit) {
            super(in);
            this.left = limit;
        }

        @Override
        public int read() throws IOException {
            if (left <= 0) {
                throw new EOFException("request longer than " + MAX_REQUEST_BYTES + " bytes");
            }
            int c = super.read();
            if (c >= 0) {
                left--;
            }
            return c;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            if (left <= 0) {
                throw new EOFException("request longer than " + MAX_REQUEST_BYTES + " bytes");
            }
            int n = super.read(b, off, (int) Math.min(len, left));
            if (n > 0) {
                left -= n;
            }
            return n;
        }
    }
}
