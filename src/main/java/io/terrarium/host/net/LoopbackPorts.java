package io.terrarium.host.net;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.DatagramSocket;
import java.util.Set;
import java.util.SortedSet;
import java.util.TreeSet;

/**
 * Finds host loopback ports that something already listens on, by trying to bind
 * {@code 127.0.0.1:<port>} (TCP and UDP) and closing at once. A bind attempt answers exactly the
 * question LXD's proxy device will ask ({@code listen=tcp:127.0.0.1:<port>}), without parsing
 * {@code ss}. Takes ~20 µs per port.
 */
public final class LoopbackPorts {
    private LoopbackPorts() {
    }

    /**
     * The ports in {@code first..last} (inclusive) that cannot be bound on 127.0.0.1 over TCP or UDP,
     * skipping {@code skip} (ports our own bridges hold: they are busy because of us).
     */
    public static SortedSet<Integer> busy(int first, int last, Set<Integer> skip) {
        SortedSet<Integer> busy = new TreeSet<>();
        InetAddress lo = InetAddress.getLoopbackAddress();
        for (int p = first; p <= last; p++) {
            if (!skip.contains(p) && !free(lo, p)) {
                busy.add(p);
            }
        }
        return busy;
    }

    private static boolean free(InetAddress lo, int port) {
        try (ServerSocket s = new ServerSocket()) {
            s.setReuseAddress(true);
            s.bind(new InetSocketAddress(lo, port), 1);
        } catch (IOException e) {
            return false;
        }
        try (DatagramSocket d = new DatagramSocket(new InetSocketAddress(lo, port))) {
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    /**
     * True when {@code port} cannot be bound on all addresses ({@code 0.0.0.0}) for {@code protocol}
     * ({@code tcp} or {@code udp}): some program on the host listens on it, so Traefik could not
     * open an entrypoint there (issue 14 item 3). Binds and closes at once; needs root for ports
     * below 1024 (the daemon runs as root).
     */
    public static boolean publicPortBusy(String protocol, int port) {
        InetSocketAddress any = new InetSocketAddress(port);
        if ("udp".equals(protocol)) {
            try (DatagramSocket d = new DatagramSocket(any)) {
                return false;
            } catch (IOException e) {
                return true;
            }
        }
        try (ServerSocket s = new ServerSocket()) {
            s.setReuseAddress(true);
            s.bind(any, 1);
            return false;
        } catch (IOException e) {
            return true;
        }
    }
}
