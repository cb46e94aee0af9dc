package io.terrarium.host.net;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * Which process listens on a local TCP port, from Linux's {@code /proc/net/tcp} and
 * {@code /proc/net/tcp6} (proc(5): {@code local_address} as hex {@code IP:PORT}, {@code st} 0A =
 * LISTEN, {@code inode} of the socket) and {@code /proc/<pid>/fd} (links {@code socket:[inode]}).
 * Used before the CLI hands management credentials to a port (issue 14 item 7): the port is
 * unprivileged, so any local user could have bound it first.
 */
public final class ListenerOwner {
    private final Path proc;

    /** Reads the host's {@code /proc}. */
    public ListenerOwner() {
        this(Path.of("/proc"));
    }

    /** @param proc a proc file system root (tests) */
    public ListenerOwner(Path proc) {
        this.proc = proc;
    }

    /**
     * The socket inodes listening on a TCP port (any local address, IPv4 and IPv6).
     *
     * @param port TCP port 1–65535
     * @throws IOException when {@code /proc/net/tcp} cannot be read
     */
    public Set<Long> listeningInodes(int port) throws IOException {
        Set<Long> inodes = new HashSet<>();
        String hexPort = String.format(Locale.ROOT, "%04X", port);
        for (String table : List.of("net/tcp", "net/tcp6")) {
            Path f = proc.resolve(table);
            if (!Files.exists(f)) {
                continue;
            }
            for (String line : Files.readAllLines(f)) {
                String[] c = line.trim().split("\\s+");
                if (c.length < 10 || !c[0].endsWith(":")) {
                    continue; // header
                }
                String local = c[1];
                if (local.endsWith(":" + hexPort) && "0A".equals(c[3])) {
                    inodes.add(Long.parseLong(c[9]));
                }
            }
        }
        return inodes;
    }

    /**
     * Whether every listener on the port belongs to the given process (and there is at least one).
     *
     * @param port TCP port
     * @param pid  the expected owner
     * @throws IOException when {@code /proc} cannot be read (e.g. the pid's fds are not ours to see)
     */
    public boolean ownedBy(int port, long pid) throws IOException {
        Set<Long> listening = listeningInodes(port);
        if (listening.isEmpty()) {
            return false;
        }
        Set<Long> own = new HashSet<>();
        try (DirectoryStream<Path> fds = Files.newDirectoryStream(proc.resolve(Long.toString(pid)).resolve("fd"))) {
            for (Path fd : fds) {
                String target;
                try {
                    target = Files.readSymbolicLink(fd).toString();
                } catch (IOException e) {
                    continue; // closed meanwhile
                }
                if (target.startsWith("socket:[") && target.endsWith("]")) {
                    own.add(Long.parseLong(target.substring(8, target.length() - 1)));
                }
            }
        }
        return own.containsAll(listening);
    }
}
